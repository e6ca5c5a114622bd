"""Forms of the tracker."""

from __future__ import annotations

import datetime
from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from .selectors import AccessFilters


class AccessFilterForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    agency = forms.ChoiceField(label=_("Agency"), required=False)
    case_ref = forms.ChoiceField(label=_("Petition or inquiry"), required=False)

    def __init__(self, *args, agencies=(), case_refs=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["agency"]).choices = [("", _("All agencies"))] + [
            (a.code, a.name) for a in agencies
        ]
        cast(forms.ChoiceField, self.fields["case_ref"]).choices = [("", _("All"))] + [(ref, ref) for ref in case_refs]

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end of the period must not be before its start."))
        for key in ("date_from", "date_to"):
            value = cleaned.get(key)
            if value and not (datetime.date(2000, 1, 1) <= value <= datetime.date(2100, 12, 31)):
                self.add_error(key, _("Enter a date between 2000 and 2100."))
        return cleaned

    def filters(self) -> AccessFilters:
        if not self.is_bound or not self.is_valid():
            return AccessFilters()
        data = self.cleaned_data
        return AccessFilters(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            agency=data.get("agency") or "",
            case_ref=data.get("case_ref") or "",
        )


class ConcernForm(forms.Form):
    message = forms.CharField(
        label=_("What concerns you about this access?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The privacy officer of the office answers you here and by e-mail."),
        error_messages={"required": _("Write what concerns you about this access.")},
    )


class InquiryAnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer to the citizen"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Write the answer to the citizen.")},
    )

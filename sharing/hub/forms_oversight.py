"""Forms of the oversight pages: the period, the flags' filters, the note that closes a flag."""

from __future__ import annotations

import datetime
from typing import cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import OversightFlag
from .selectors_oversight import Period
from .services_oversight import NOTE_MAX_LENGTH

EARLIEST = datetime.date(2000, 1, 1)
LATEST = datetime.date(2100, 12, 31)
# The longest period a page reads at once (the aggregates stay cheap, the tables readable).
MAX_DAYS = 366


class PeriodForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    DEFAULT_DAYS = 30

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        for key in ("date_from", "date_to"):
            value = cleaned.get(key)
            if value and not (EARLIEST <= value <= LATEST):
                self.add_error(key, _("Enter a date between 2000 and 2100."))
        if start and end:
            if start > end:
                self.add_error("date_to", _("The end of the period must not be before its start."))
            elif (end - start).days >= MAX_DAYS:
                self.add_error("date_to", _("Choose a period of at most 366 days."))
        return cleaned

    def period(self) -> Period:
        today = timezone.localdate()
        default = Period(today - datetime.timedelta(days=self.DEFAULT_DAYS - 1), today)
        if not self.is_bound or not self.is_valid():
            return default
        last = self.cleaned_data.get("date_to") or today
        first = self.cleaned_data.get("date_from") or last - datetime.timedelta(days=self.DEFAULT_DAYS - 1)
        if first > last or (last - first).days >= MAX_DAYS:
            return default
        return Period(first, last)


class FlagFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    office = forms.TypedChoiceField(label=_("Office"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, offices=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["status"]).choices = [("", _("Open and closed"))] + list(
            OversightFlag.Status.choices
        )
        cast(forms.ChoiceField, self.fields["kind"]).choices = [("", _("All kinds"))] + list(OversightFlag.Kind.choices)
        cast(forms.ChoiceField, self.fields["office"]).choices = [("", _("All my offices"))] + [
            (str(office.pk), office.name) for office in offices
        ]

    def values(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {"status": "", "kind": "", "office": None}
        return {key: self.cleaned_data.get(key) or ("" if key != "office" else None) for key in self.fields}


class FlagCloseForm(forms.Form):
    note = forms.CharField(
        label=_("What you found and did"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Kept with the flag, with your name and the time: e.g. the cases you checked with the official."),
        error_messages={"required": _("Write what you found and did before closing the flag.")},
    )


class MonthsForm(forms.Form):
    month_from = forms.DateField(
        label=_("From (month)"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    month_to = forms.DateField(
        label=_("To (month)"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )

    DEFAULT_MONTHS = 12
    MAX_MONTHS = 60

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("month_from"), cleaned.get("month_to")
        for key in ("month_from", "month_to"):
            value = cleaned.get(key)
            if value and not (EARLIEST <= value <= LATEST):
                self.add_error(key, _("Enter a date between 2000 and 2100."))
        if start and end:
            if start > end:
                self.add_error("month_to", _("The end of the period must not be before its start."))
            elif _months_between(start, end) >= self.MAX_MONTHS:
                self.add_error("month_to", _("Choose at most 60 months."))
        return cleaned

    def months(self) -> tuple[datetime.date, datetime.date]:
        this_month = timezone.localdate().replace(day=1)
        default = (_months_back(this_month, self.DEFAULT_MONTHS - 1), this_month)
        if not self.is_bound or not self.is_valid():
            return default
        last = self.cleaned_data.get("month_to") or this_month
        first = self.cleaned_data.get("month_from") or _months_back(last, self.DEFAULT_MONTHS - 1)
        if first > last or _months_between(first, last) >= self.MAX_MONTHS:
            return default
        return first, last


def _months_between(first: datetime.date, last: datetime.date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month


def _months_back(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 - count
    return datetime.date(index // 12, index % 12 + 1, 1)

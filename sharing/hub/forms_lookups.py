"""Forms of look-ups (officials) and online consents (citizens)."""

from __future__ import annotations

import datetime
from typing import cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sharing.models import SubjectKind

from .models import ApprovedUse
from .models_lookups import Lookup
from .subjects import EXPECTED

Basis = Lookup.ConsentBasis


class LookupForm(forms.Form):
    subject = forms.CharField(
        label=_("Subject"),
        max_length=60,
        error_messages={"required": _("Enter whom or what you look up.")},
    )
    case_reference = forms.CharField(
        label=_("Your case reference"),
        max_length=60,
        required=False,
        help_text=_(
            "Your agency's file or case number. Without one, the answer is deleted when your session ends; "
            "with one, it is kept for the retention period."
        ),
    )
    reason = forms.CharField(
        label=_("Reason for the look-up"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Recorded in the access log, which the person concerned can read."),
        error_messages={"required": _("Give the reason for this look-up.")},
    )
    consent_basis = forms.ChoiceField(
        label=_("Consent of the person concerned"),
        widget=forms.RadioSelect,
        choices=[
            (Basis.ONLINE, _("The person gave their consent online in the portal (found by the subject)")),
            (Basis.PAPER, _("I attach the scan of their signed paper consent")),
        ],
        error_messages={"required": _("This use needs the person's consent: say how it was given.")},
    )
    consent_scan = forms.FileField(
        label=_("Signed paper consent (PDF, JPEG or PNG)"),
        required=False,
    )

    def __init__(self, *args, use: ApprovedUse, **kwargs):
        super().__init__(*args, **kwargs)
        kind = use.item.subject_kind
        self.fields["subject"].label = use.item.get_subject_kind_display()
        self.fields["subject"].help_text = _("Enter %(expected)s.") % {"expected": EXPECTED[SubjectKind(kind)]}
        self.fields["subject"].widget.attrs["autocomplete"] = "off"
        if not use.consent_required:
            del self.fields["consent_basis"]
            del self.fields["consent_scan"]

    def clean(self):
        cleaned = super().clean() or {}
        if cleaned.get("consent_basis") == Basis.PAPER and not cleaned.get("consent_scan"):
            self.add_error("consent_scan", _("Attach the scan of the signed paper consent."))
        return cleaned


class LookupRevealForm(forms.Form):
    field = forms.SlugField(max_length=60, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason for revealing"),
        max_length=300,
        error_messages={"required": _("Give the reason for revealing the masked value.")},
    )


class ConsentGrantForm(forms.Form):
    use = forms.ChoiceField(
        label=_("Agency and affair"),
        error_messages={"required": _("Choose the agency and the affair you consent to.")},
    )
    expires_on = forms.DateField(
        label=_("Valid until"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("Choose until when your consent is valid."), "invalid": _("Enter a date.")},
    )

    def __init__(self, *args, uses: list[ApprovedUse], **kwargs):
        super().__init__(*args, **kwargs)
        self.uses = {str(use.public_id): use for use in uses}
        cast(forms.ChoiceField, self.fields["use"]).choices = [("", _("Choose"))] + [
            (key, f"{use.using_agency.name} · {use.affair_name} ({use.item.name})") for key, use in self.uses.items()
        ]
        if not self.is_bound:
            self.initial.setdefault("expires_on", timezone.localdate() + datetime.timedelta(days=90))

    def clean_use(self):
        return self.uses[self.cleaned_data["use"]]

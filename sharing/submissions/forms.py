"""The citizen's submit form (two steps: fill in, then confirm) and the withdraw form."""

from __future__ import annotations

import re
import uuid
from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from . import rules
from .models import Recipient

_TOKEN = re.compile(r"^[0-9a-f]{32}$")


class RecipientChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Recipient) -> str:
        return f"{obj.name} ({obj.get_kind_display()})"


class SubmitForm(forms.Form):
    recipient = RecipientChoiceField(
        label=_("Recipient"),
        queryset=Recipient.objects.none(),
        empty_label=_("Choose a recipient"),
        error_messages={
            "required": _("Choose whom to send the document to."),
            "invalid_choice": _("Choose one of the recipients listed."),
        },
    )
    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=200,
        help_text=_("What the recipient needs the document for, e.g. “loan application”. The recipient sees it."),
        error_messages={"required": _("Say what the document is for.")},
    )
    message = forms.CharField(
        label=_("Message to the recipient (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    expires_in_days = forms.IntegerField(
        label=_("Retrievable for (days)"),
        min_value=1,
        error_messages={
            "required": _("Say for how many days the recipient may retrieve it."),
            "invalid": _("Enter a whole number of days."),
        },
    )
    token = forms.CharField(widget=forms.HiddenInput, max_length=32)

    def __init__(self, *args, recipients, **kwargs):
        super().__init__(*args, **kwargs)
        recipient_field = cast(forms.ModelChoiceField, self.fields["recipient"])
        recipient_field.queryset = recipients
        maximum = rules.expiry_max_days()
        days = self.fields["expires_in_days"]
        days.widget.attrs.update({"min": 1, "max": maximum})
        days.help_text = _("Between 1 and %(max)d days; after that the recipient can no longer retrieve it.") % {
            "max": maximum
        }
        if not self.is_bound:
            self.initial.setdefault("expires_in_days", rules.expiry_default_days())
            self.initial.setdefault("token", uuid.uuid4().hex)

    def clean_purpose(self) -> str:
        purpose = self.cleaned_data["purpose"].strip()
        if not purpose:
            raise forms.ValidationError(_("Say what the document is for."))
        return purpose

    def clean_expires_in_days(self) -> int:
        days = self.cleaned_data["expires_in_days"]
        maximum = rules.expiry_max_days()
        if days > maximum:
            raise forms.ValidationError(_("Choose between 1 and %(max)d days.") % {"max": maximum})
        return days

    def clean_token(self) -> str:
        token = self.cleaned_data["token"]
        if not _TOKEN.match(token):
            raise forms.ValidationError(_("This form has expired; please fill it in again."))
        return token

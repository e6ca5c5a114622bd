from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .channels import media_offered
from .models import Medium, phone_validator

PHONE_CONSENT = _(
    "I agree that the Civil Petition Portal sends notifications about my petitions and my information "
    "(receipt, supplement requests, decisions) to this mobile number by text message or KakaoTalk. "
    "The number is used for nothing else, and I can withdraw this consent here at any time by turning both off."
)


class NotificationPreferenceForm(forms.Form):
    email = forms.BooleanField(label=_("E-mail"), required=False)
    sms = forms.BooleanField(label=_("Text message (SMS)"), required=False)
    kakao = forms.BooleanField(
        label=_("KakaoTalk"),
        required=False,
        help_text=_("Sent as KakaoTalk notification talk; as a text message when the phone has no KakaoTalk."),
    )
    phone = forms.CharField(
        label=_("Mobile phone number"),
        required=False,
        max_length=20,
        validators=[phone_validator],
        help_text=_("Needed for text messages and KakaoTalk, e.g. 010-1234-5678."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    phone_consent = forms.BooleanField(label=PHONE_CONSENT, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offered = media_offered()
        for medium in (Medium.SMS, Medium.KAKAO):
            if medium not in offered:
                del self.fields[medium]
        if Medium.SMS not in offered and Medium.KAKAO not in offered:
            del self.fields["phone"], self.fields["phone_consent"]

    def clean(self):
        data = super().clean() or {}
        on_phone = data.get("sms") or data.get("kakao")
        if on_phone and not data.get("phone") and "phone" not in self.errors:
            self.add_error("phone", _("Enter your mobile number to receive text messages or KakaoTalk."))
        if on_phone and not data.get("phone_consent"):
            self.add_error("phone_consent", _("Agree to receive messages on your phone, or turn them off."))
        if not (data.get("email") or on_phone):
            self.add_error(
                None,
                _("Choose at least one channel: without one you would not hear of supplement requests in time."),
            )
        return data

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import codes


class VerifyCodeForm(forms.Form):
    code = forms.CharField(
        label=pgettext_lazy("e-document", "Verification code"),
        max_length=40,
        help_text=_(
            "The 20 characters printed beside the QR code, e.g. 7KQ2-M9XD-4F8R-T1VC-HN3B. "
            "Hyphens and case do not matter."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}),
    )

    def clean_code(self):
        code = codes.normalize(self.cleaned_data["code"])
        if code is None:
            raise forms.ValidationError(_("A verification code has 20 letters and digits."))
        return code


class VerifyFileForm(forms.Form):
    """Shown on the same page as the code form: its own id prefix keeps element ids unique."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "compare_%s")
        super().__init__(*args, **kwargs)

    code = forms.CharField(widget=forms.HiddenInput, max_length=40)
    file = forms.FileField(
        label=_("The PDF you hold"),
        help_text=_("The file is compared with the issued document and is not kept."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

"""Forms of the citizen journey. The answers form is built from a petition type's form
fields (or the snapshot a filed petition keeps) and validated on the server."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.core.validators import RegexValidator
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from portal.roles import english_active as _english

from .models import FormField, PetitionType

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

T = FormField.Type

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
_SIGNATURES = (b"%PDF-", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")

RRN_PATTERN = re.compile(r"^\d{6}-?[1-8]\d{6}$")
ACCOUNT_NUMBER_PATTERN = re.compile(r"^\d[\d-]{8,18}\d$")

BANKS = [
    ("kb", _("KB Kookmin Bank")),
    ("shinhan", _("Shinhan Bank")),
    ("woori", _("Woori Bank")),
    ("hana", _("Hana Bank")),
    ("nh", _("NongHyup Bank")),
    ("ibk", _("IBK Industrial Bank of Korea")),
    ("kakao", _("KakaoBank")),
    ("toss", _("Toss Bank")),
    ("post", _("Korea Post")),
]


def validate_upload(uploaded) -> None:
    """PDF, JPEG or PNG by content, at most 10 MB: what the e-document store accepts."""
    if uploaded.size > MAX_UPLOAD_BYTES:
        raise forms.ValidationError(_("The file is larger than 10 MB."), code="too_large")
    head = uploaded.read(16)
    uploaded.seek(0)
    if not head.startswith(_SIGNATURES):
        raise forms.ValidationError(_("Upload a PDF, JPEG or PNG file."), code="bad_type")


UPLOAD_CLEANING_NOTE = _(
    "Scripts, automatic actions and embedded files are removed from a PDF before it is stored; "
    "photos are stored without their hidden data (such as the place they were taken)."
)


class DocumentUploadField(forms.FileField):
    """Every upload field says what the portal does with active content (sharing/documents/attachments.py)."""

    default_validators = [validate_upload]

    def __init__(self, *args, help_text="", **kwargs):
        help_text = format_lazy("{} {}", help_text, UPLOAD_CLEANING_NOTE) if help_text else UPLOAD_CLEANING_NOTE
        super().__init__(*args, help_text=help_text, **kwargs)


def spec_label(spec: dict) -> str:
    return spec["label_en"] if _english() and spec.get("label_en") else spec["label_ko"]


def spec_help(spec: dict) -> str:
    return spec["help_en"] if _english() and spec.get("help_en") else spec.get("help_ko", "")


def _choice_label(choice: list | tuple) -> str:
    value, label_ko, label_en = choice
    return label_en if _english() and label_en else label_ko


def display_value(spec: dict, value) -> str:
    """An answer as people read it."""
    if value in (None, "", {}):
        return "—"
    kind = spec["type"]
    if kind == T.CHOICE:
        for choice in spec.get("choices") or []:
            if choice[0] == value:
                return _choice_label(choice)
    if kind == T.YES_NO:
        return str(_("Yes")) if value == "yes" else str(_("No"))
    if kind == T.BANK_ACCOUNT and isinstance(value, dict):
        code = value.get("bank") or ""
        bank = dict(BANKS).get(code, code)
        return f"{bank} {value.get('number', '')}"
    if kind == T.FILE and isinstance(value, dict):
        return value.get("name", "")
    if kind == T.NUMBER:
        try:
            return f"{int(value):,}"
        except (TypeError, ValueError):
            return str(value)
    return str(value)


def answer_changes(specs: list[dict], previous: dict, new: dict) -> list[tuple[str, str, str]]:
    """The answers a supplement corrected as the citizen saw them in the form: (label, before,
    after) in the reader's language, values formatted as the form shows them (choices by their
    labels), in the form's order. A key the form does not know is shown as it is."""
    by_key = {spec["key"]: spec for spec in specs}
    order = {spec["key"]: index for index, spec in enumerate(specs)}
    changes = []
    for key in sorted(new, key=lambda key: (order.get(key, len(order)), key)):
        spec = by_key.get(key)
        if spec is None:
            changes.append((key, _plain(previous.get(key)), _plain(new[key])))
        else:
            changes.append((spec_label(spec), display_value(spec, previous.get(key)), display_value(spec, new[key])))
    return changes


def _plain(value) -> str:
    return "—" if value in (None, "", {}) else str(value)


def _form_field(spec: dict, *, has_file: bool) -> list[tuple[str, forms.Field]]:
    key = spec["key"]
    common = {"label": spec_label(spec), "help_text": spec_help(spec), "required": spec["required"]}
    kind = spec["type"]
    validators = []
    if spec.get("pattern"):
        validators.append(
            RegexValidator(
                spec["pattern"],
                _("“%(label)s” is not in the expected form.") % {"label": spec_label(spec)},
            )
        )
    if kind in (T.SHORT_TEXT, T.ADDRESS):
        return [(key, forms.CharField(max_length=spec.get("max_length") or 200, validators=validators, **common))]
    if kind == T.LONG_TEXT:
        return [
            (
                key,
                forms.CharField(
                    max_length=spec.get("max_length") or 4000,
                    validators=validators,
                    widget=forms.Textarea(attrs={"rows": 5}),
                    **common,
                ),
            )
        ]
    if kind == T.NUMBER:
        return [(key, forms.IntegerField(min_value=spec.get("min_value"), max_value=spec.get("max_value"), **common))]
    if kind == T.DATE:
        return [(key, forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common))]
    if kind == T.CHOICE:
        choices: list[tuple[str, StrOrPromise]] = [
            (choice[0], _choice_label(choice)) for choice in spec.get("choices") or []
        ]
        widget = forms.RadioSelect if len(choices) <= 5 else forms.Select
        if widget is forms.Select:
            choices = [("", _("Choose one"))] + choices
        return [(key, forms.ChoiceField(choices=choices, widget=widget, **common))]
    if kind == T.YES_NO:
        return [
            (key, forms.ChoiceField(choices=[("yes", _("Yes")), ("no", _("No"))], widget=forms.RadioSelect, **common))
        ]
    if kind == T.BANK_ACCOUNT:
        label = spec_label(spec)
        return [
            (
                f"{key}__bank",
                forms.ChoiceField(
                    choices=[("", _("Choose one"))] + BANKS,
                    required=spec["required"],
                    label=_("%(label)s: bank") % {"label": label},
                ),
            ),
            (
                f"{key}__number",
                forms.CharField(
                    max_length=20,
                    required=spec["required"],
                    label=_("%(label)s: account number") % {"label": label},
                    help_text=spec_help(spec) or _("Digits, with or without hyphens."),
                    validators=[RegexValidator(ACCOUNT_NUMBER_PATTERN, _("Enter the account number in digits."))],
                ),
            ),
        ]
    if kind == T.FILE:
        common["required"] = spec["required"] and not has_file
        if has_file:
            common["help_text"] = _("A file is already attached; upload another one only to replace it.")
        return [(key, DocumentUploadField(**common))]
    raise ValueError(f"unknown form field type {kind!r}")


class AnswersForm(forms.Form):
    """The form of a petition type, from a list of field specs (FormField.snapshot()).

    ``declarations``: the items whose record the applicant may have used although it is someone
    else's, if they declare their relationship (``declaration_items``); ``declared`` what they
    declared before ({item code: {"relationship": ...}})."""

    def __init__(
        self,
        *args,
        specs: list[dict],
        existing: dict | None = None,
        declarations: Iterable[dict] = (),
        declared: dict | None = None,
        **kwargs,
    ):
        self.specs = specs
        self.declaration_items = list(declarations)
        declared = declared or {}
        existing = existing or {}
        initial = {}
        for spec in specs:
            value = existing.get(spec["key"])
            if spec["type"] == T.BANK_ACCOUNT and isinstance(value, dict):
                initial[f"{spec['key']}__bank"] = value.get("bank")
                initial[f"{spec['key']}__number"] = value.get("number")
            elif spec["type"] != T.FILE and value is not None:
                initial[spec["key"]] = value
        for item in self.declaration_items:
            earlier = declared.get(item["item_code"])
            if earlier:
                initial[f"declare_{item['item_code']}"] = True
                initial[f"relationship_{item['item_code']}"] = earlier.get("relationship", "")
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        for spec in specs:
            has_file = spec["type"] == T.FILE and bool(existing.get(spec["key"]))
            for name, field in _form_field(spec, has_file=has_file):
                self.fields[name] = field
        for item in self.declaration_items:
            code = item["item_code"]
            self.fields[f"declare_{code}"] = forms.BooleanField(
                label=item["declaration"],
                required=False,
                help_text=_(
                    "Tick this only if the %(subject)s you entered is not registered to you. Without it, "
                    "what the agency sends about someone else is discarded and you upload the document "
                    "instead."
                )
                % {"subject": item["subject_label"]},
            )
            self.fields[f"relationship_{code}"] = forms.CharField(
                label=_("Your relationship to the owner"),
                help_text=_("For example: tenant."),
                max_length=60,
                required=False,
            )
        if self.declaration_items:  # each declaration right after the field it is about
            after: dict[str, list[str]] = {}
            for item in self.declaration_items:
                after.setdefault(item["subject_field_key"], []).extend(
                    [f"declare_{item['item_code']}", f"relationship_{item['item_code']}"]
                )
            placed = {name for names in after.values() for name in names}
            order = []
            for name in self.fields:
                if name not in placed:
                    order += [name, *after.pop(name, [])]
            self.order_fields(order + [name for names in after.values() for name in names])

    def declarations(self) -> dict:
        """What the applicant declared: {item code: {"relationship": ...}} for each ticked box."""
        return {
            item["item_code"]: {"relationship": self.cleaned_data[f"relationship_{item['item_code']}"].strip()}
            for item in self.declaration_items
            if self.cleaned_data.get(f"declare_{item['item_code']}")
        }

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        for item in self.declaration_items:
            code = item["item_code"]
            if cleaned.get(f"declare_{code}") and not (cleaned.get(f"relationship_{code}") or "").strip():
                self.add_error(f"relationship_{code}", _("Say how you are related to the owner, for example: tenant."))
        for spec in self.specs:
            if spec["type"] != T.BANK_ACCOUNT:
                continue
            bank, number = cleaned.get(f"{spec['key']}__bank"), cleaned.get(f"{spec['key']}__number")
            if bool(bank) != bool(number) and not self.errors.get(f"{spec['key']}__number"):
                self.add_error(f"{spec['key']}__number", _("Give both the bank and the account number."))
        return cleaned

    def answers(self) -> dict:
        """JSON-serialisable answers; file fields give the uploaded file objects separately."""
        result: dict[str, Any] = {}
        for spec in self.specs:
            key = spec["key"]
            if spec["type"] == T.BANK_ACCOUNT:
                bank = self.cleaned_data.get(f"{key}__bank")
                number = self.cleaned_data.get(f"{key}__number")
                result[key] = {"bank": bank, "number": number} if bank and number else None
            elif spec["type"] == T.FILE:
                continue
            else:
                value = self.cleaned_data.get(key)
                if isinstance(value, datetime.date):
                    value = value.isoformat()
                result[key] = value if value not in ("",) else None
        return result

    def files_by_key(self) -> dict:
        return {
            spec["key"]: self.cleaned_data[spec["key"]]
            for spec in self.specs
            if spec["type"] == T.FILE and self.cleaned_data.get(spec["key"])
        }


class ApplicantForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        validators=[RegexValidator(r"^0\d{1,2}-?\d{3,4}-?\d{4}$", _("Enter a phone number such as 010-1234-5678."))],
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.EmailField(
        label=_("E-mail"),
        help_text=_("We send the receipt and every change of status here."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    address = forms.CharField(
        label=_("Address for letters"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )


class ConsentForm(forms.Form):
    """For each information item that needs consent: agree, or decline and upload the document."""

    AGREE, DECLINE = "agree", "decline"

    def __init__(self, *args, items: list[dict], existing: dict | None = None, uploaded: set | None = None, **kwargs):
        self.items = items
        existing = existing or {}
        self.uploaded = uploaded = uploaded or set()
        initial_choice: dict[object, str] = {True: self.AGREE, False: self.DECLINE}
        super().__init__(*args, **kwargs)
        for item in items:
            code = item["item_code"]
            choice = forms.ChoiceField(
                label=item["name"],
                choices=[
                    (self.AGREE, _("I agree: fetch it for me")),
                    (self.DECLINE, _("I do not agree: I will upload the document myself")),
                ],
                widget=forms.RadioSelect,
                initial=initial_choice.get(existing.get(code)),
            )
            self.fields[f"consent_{code}"] = choice
            self.fields[f"upload_{code}"] = DocumentUploadField(
                label=_("%(document)s (PDF, JPEG or PNG, at most 10 MB)") % {"document": item["replaces"]},
                required=False,
                help_text=_("A file is already attached; upload another one only to replace it.")
                if code in uploaded
                else _("Needed only if you do not agree."),
            )

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        for item in self.items:
            code = item["item_code"]
            declined = cleaned.get(f"consent_{code}") == self.DECLINE
            if declined and not cleaned.get(f"upload_{code}") and code not in self.uploaded:
                self.add_error(
                    f"upload_{code}",
                    _("You did not agree to fetching “%(item)s”: upload the document instead.")
                    % {"item": item["name"]},
                )
        return cleaned

    def bound_items(self):
        """Pairs of (item, consent field, upload field) for the template."""
        return [
            (item, self[f"consent_{item['item_code']}"], self[f"upload_{item['item_code']}"]) for item in self.items
        ]


class SubmitForm(forms.Form):
    submit_token = forms.UUIDField(widget=forms.HiddenInput)
    confirm = forms.BooleanField(
        label=_("I confirm that what I entered is true and complete."),
        error_messages={"required": _("Confirm that what you entered is true before you submit.")},
    )


class FetchUploadForm(forms.Form):
    document = DocumentUploadField(label=_("The document (PDF, JPEG or PNG, at most 10 MB)"))


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    confirm = forms.BooleanField(
        label=_("I understand that a withdrawn petition cannot be resumed."),
        error_messages={"required": _("Tick the box to confirm the withdrawal.")},
    )


class SupplementResponseForm(AnswersForm):
    def __init__(self, *args, documents_requested: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"] = forms.CharField(
            label=_("Note to the official (optional)"),
            max_length=1000,
            required=False,
            widget=forms.Textarea(attrs={"rows": 3}),
        )
        self.fields["documents"] = DocumentUploadField(
            label=_("Document (PDF, JPEG or PNG, at most 10 MB)"),
            required=documents_requested,
        )


class IdentityStartForm(forms.Form):
    name = forms.CharField(
        label=_("Name as registered"), max_length=50, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    rrn = forms.CharField(
        label=_("Resident registration number"),
        max_length=14,
        help_text=_("13 digits, for example 900101-1234567. It is stored encrypted and never shown in full."),
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "inputmode": "numeric"}, render_value=False),
    )

    def clean_rrn(self):
        value = self.cleaned_data["rrn"].strip().replace(" ", "")
        if not RRN_PATTERN.match(value):
            raise forms.ValidationError(_("Enter the 13 digits of your resident registration number."))
        digits = value.replace("-", "")
        return f"{digits[:6]}-{digits[6:]}"


class IdentityCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code sent to your phone"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        validators=[RegexValidator(r"^\d{6}$", _("Enter the 6 digits of the code."))],
    )


class BankAccountForm(forms.Form):
    """The account every refund claim of an inquiry is paid to (petitions.views_refunds)."""

    bank = forms.ChoiceField(
        label=_("Bank"), choices=[("", _("Choose one"))] + BANKS, error_messages={"required": _("Choose the bank.")}
    )
    number = forms.CharField(
        label=_("Account number"),
        max_length=20,
        help_text=_("Digits, with or without hyphens."),
        validators=[RegexValidator(ACCOUNT_NUMBER_PATTERN, _("Enter the account number in digits."))],
        error_messages={"required": _("Enter the account number.")},
    )
    confirm = forms.BooleanField(
        label=_("I confirm that the account is in my name and that what I entered is true."),
        error_messages={"required": _("Confirm the account before you apply.")},
    )


# --- Filing for someone else -------------------------------------------------------------------


def _valid_rrn(value: str) -> str:
    value = value.strip().replace(" ", "")
    if not RRN_PATTERN.match(value):
        raise forms.ValidationError(_("Enter the 13 digits of the resident registration number."))
    digits = value.replace("-", "")
    return f"{digits[:6]}-{digits[6:]}"


class FileForForm(forms.Form):
    """Who a new petition is for: oneself, a principal whose delegation the filer holds, or a
    person named in a signed delegation letter."""

    SELF, LETTER = "self", "letter"

    # Not required: a start without the choice (an older page, a script) files for oneself.
    file_for = forms.ChoiceField(
        label=_("Who are you filing for?"), widget=forms.RadioSelect, initial=SELF, required=False
    )

    def __init__(self, *args, delegations: Iterable = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.delegations = {str(d.pk): d for d in delegations}
        choices: list[tuple[str, StrOrPromise]] = [(self.SELF, _("Myself"))]
        for key, delegation in self.delegations.items():
            choices.append(
                (f"d{key}", format_lazy(_("{name}, who delegated this to me"), name=delegation.principal.display_name))
            )
        choices.append((self.LETTER, _("Someone without an online delegation: I have their signed delegation letter")))
        cast(forms.ChoiceField, self.fields["file_for"]).choices = choices

    def delegation(self):
        value = self.cleaned_data["file_for"] or self.SELF
        return self.delegations.get(value[1:]) if value.startswith("d") else None

    def is_letter(self) -> bool:
        return self.cleaned_data["file_for"] == self.LETTER


class DelegationLetterForm(forms.Form):
    """The person a delegation letter names, and the signed letter (checked by the official)."""

    principal_name = forms.CharField(
        label=_("Name of the person you file for"),
        max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    principal_rrn = forms.CharField(
        label=_("Their resident registration number"),
        max_length=14,
        help_text=_("13 digits, for example 450101-2234567. It is stored encrypted and never shown in full."),
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "inputmode": "numeric"}, render_value=False),
    )
    letter = DocumentUploadField(
        label=_("Signed delegation letter"),
        help_text=_(
            "A scan or photo of the letter signed by the person you file for (PDF, JPEG or PNG, 10 MB at most)."
        ),
    )

    def __init__(self, *args, letter_uploaded: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if letter_uploaded:
            self.fields["letter"].required = False
            self.fields["letter"].help_text = format_lazy(
                "{} {}", _("A letter is uploaded already; upload another one only to replace it."), UPLOAD_CLEANING_NOTE
            )

    def clean_principal_rrn(self):
        return _valid_rrn(self.cleaned_data["principal_rrn"])


class PetitionTypesField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class DelegationGrantForm(forms.Form):
    identifier = forms.CharField(
        label=_("Their user name or e-mail"),
        max_length=254,
        help_text=_("Ask the person you trust for the user name or e-mail of their account on this portal."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    all_types = forms.BooleanField(label=_("Every petition type"), required=False)
    petition_types = PetitionTypesField(
        label=_("Or only these petition types"),
        queryset=PetitionType.objects.filter(active=True).order_by("category", "name_ko"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    valid_until = forms.DateField(
        label=_("Valid until (inclusive)"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    consent_given = forms.BooleanField(
        label=_("I consent now to the fetching of my information for the petitions filed under this delegation"),
        help_text=_("Without it, you are asked each time they file, on this page."),
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned is not None and not cleaned.get("all_types") and not cleaned.get("petition_types"):
            self.add_error("petition_types", _("Choose the petition types, or every type."))
        return cleaned


class ConsentAnswerForm(forms.Form):
    answer = forms.ChoiceField(choices=[("agree", _("Consent")), ("refuse", _("Refuse"))])


class LetterRefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the letter is refused"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The filer sees this reason, e.g. the letter is not signed or names someone else."),
    )

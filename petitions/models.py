"""The e-window: petition types with their form fields and required information, petitions
with their timeline and supplements, and the link of an account to a resident record."""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _is_english() -> bool:
    return (get_language() or "ko").startswith("en")


def _pick(ko: str, en: str) -> str:
    return en if _is_english() and en else ko


class PetitionCategory(models.TextChoices):
    RESIDENCE = "residence", _("Residence and family")
    BUILDING = "building", _("Housing and buildings")
    LAND = "land", _("Land and real estate")
    BUSINESS = "business", _("Business and licences")
    WELFARE = "welfare", _("Welfare and pensions")
    TRAVEL = "travel", _("Passports and travel")
    TAX = "tax", _("Taxes and refunds")
    TRANSPORT = "transport", _("Vehicles and parking")


class PetitionType(models.Model):
    """A kind of petition citizens can file, defined by administrators."""

    class Routing(models.TextChoices):
        FIXED = "fixed", _("A fixed office")
        DISTRICT = "district", _("The office of the applicant's district")

    slug = models.SlugField(_("address name"), max_length=80, unique=True)
    name_ko = models.CharField(_("name (Korean)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    description_ko = models.TextField(_("description (Korean)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    notes_ko = models.TextField(_("notes before filing (Korean)"), blank=True)
    notes_en = models.TextField(_("notes before filing (English)"), blank=True)
    category = models.CharField(_("category"), max_length=20, choices=PetitionCategory.choices)
    processing_days = models.PositiveSmallIntegerField(_("processing days (working days)"))
    fee = models.PositiveIntegerField(_("fee (KRW)"), default=0)
    fee_at_filing = models.BooleanField(
        _("fee paid when filing"),
        default=True,
        help_text=_("Paid online before the petition is submitted; off when the fee is paid later (e.g. per quarter)."),
    )
    fee_refundable = models.BooleanField(
        _("refund the fee when rejected or withdrawn"),
        default=False,
        help_text=_("A paid fee goes back to the applicant when the petition is rejected or withdrawn."),
    )
    routing = models.CharField(_("handling office"), max_length=10, choices=Routing.choices, default=Routing.FIXED)
    handling_office = models.ForeignKey(
        "portal.Office",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="petition_types",
        verbose_name=_("fixed office"),
        help_text=_("With district routing, petitions of residents of a district without an office go here."),
    )
    active = models.BooleanField(_("open for filing"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("petition type")
        verbose_name_plural = _("petition types")
        ordering = ["category", "name_ko"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _pick(self.name_ko, self.name_en)

    @property
    def description(self) -> str:
        return _pick(self.description_ko, self.description_en)

    @property
    def notes(self) -> str:
        return _pick(self.notes_ko, self.notes_en)

    def clean(self):
        if self.routing == self.Routing.FIXED and not self.handling_office_id:
            raise ValidationError({"handling_office": _("Choose the office that handles this petition type.")})


class FormField(models.Model):
    """One field of the form a citizen fills in for a petition type."""

    class Type(models.TextChoices):
        SHORT_TEXT = "short_text", _("Short text")
        LONG_TEXT = "long_text", _("Long text")
        NUMBER = "number", _("Number")
        DATE = "date", _("Date")
        CHOICE = "choice", _("Choice")
        YES_NO = "yes_no", _("Yes / no")
        ADDRESS = "address", _("Address")
        BANK_ACCOUNT = "bank_account", _("Bank account")
        FILE = "file", _("File")

    petition_type = models.ForeignKey(
        PetitionType, on_delete=models.CASCADE, related_name="form_fields", verbose_name=_("petition type")
    )
    key = models.CharField(
        _("key"),
        max_length=40,
        validators=[RegexValidator(r"^[a-z][a-z0-9_]*$", _("Use lower-case letters, digits and underscores."))],
    )
    label_ko = models.CharField(_("label (Korean)"), max_length=120)
    label_en = models.CharField(_("label (English)"), max_length=120)
    help_ko = models.CharField(_("help (Korean)"), max_length=300, blank=True)
    help_en = models.CharField(_("help (English)"), max_length=300, blank=True)
    type = models.CharField(_("type"), max_length=20, choices=Type.choices, default=Type.SHORT_TEXT)
    required = models.BooleanField(_("required"), default=True)
    choices = models.TextField(
        _("choices"),
        blank=True,
        help_text=_("For a choice field: one per line, as value|Korean label|English label."),
    )
    min_value = models.BigIntegerField(_("minimum"), null=True, blank=True)
    max_value = models.BigIntegerField(_("maximum"), null=True, blank=True)
    max_length = models.PositiveIntegerField(_("maximum length"), null=True, blank=True)
    pattern = models.CharField(_("pattern (regular expression)"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("form field")
        verbose_name_plural = _("form fields")
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["petition_type", "key"], name="petitions_formfield_key_unique")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return _pick(self.label_ko, self.label_en)

    def parsed_choices(self) -> list[tuple[str, str, str]]:
        rows = []
        for line in self.choices.splitlines():
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|")]
            value = parts[0]
            label_ko = parts[1] if len(parts) > 1 and parts[1] else value
            label_en = parts[2] if len(parts) > 2 and parts[2] else label_ko
            rows.append((value, label_ko, label_en))
        return rows

    def clean(self):
        errors = {}
        if self.type == self.Type.CHOICE and not self.parsed_choices():
            errors["choices"] = _("A choice field needs at least one choice.")
        if self.pattern:
            try:
                re.compile(self.pattern)
            except re.error:
                errors["pattern"] = _("This is not a valid regular expression.")
        if self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
            errors["max_value"] = _("The maximum must not be less than the minimum.")
        if errors:
            raise ValidationError(errors)

    def snapshot(self) -> dict:
        return {
            "key": self.key,
            "label_ko": self.label_ko,
            "label_en": self.label_en,
            "help_ko": self.help_ko,
            "help_en": self.help_en,
            "type": self.type,
            "required": self.required,
            "choices": [list(choice) for choice in self.parsed_choices()],
            "min_value": self.min_value,
            "max_value": self.max_value,
            "max_length": self.max_length,
            "pattern": self.pattern,
        }


# The rows of the partial indexes of Petition.Meta: the statuses a petition is worked in
# (OPEN_STATUSES below, spelled as values because the class is not defined yet here).
_WORKED_IN = models.Q(
    status__in=["submitted", "collecting_information", "under_review", "supplement_requested", "supplement_submitted"]
)


class Petition(models.Model):
    """A petition, from the first saved step of the wizard (a draft) to its decision."""

    # Set by the selectors that prefetch them (not columns): the supplements still awaiting an
    # answer, newest first, and every supplement of the petition.
    open_supplements: list[SupplementRequest]
    all_supplements: list[SupplementRequest]
    # Set by the citizen's list (petitions.views): who a petition filed for someone else is for.
    party_note: str

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        COLLECTING = "collecting_information", _("Collecting information")
        UNDER_REVIEW = "under_review", _("Under review")
        SUPPLEMENT_REQUESTED = "supplement_requested", _("Supplement requested")
        SUPPLEMENT_SUBMITTED = "supplement_submitted", _("Supplement submitted")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    petition_type = models.ForeignKey(
        PetitionType, on_delete=models.PROTECT, related_name="petitions", verbose_name=_("petition type")
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="petitions", verbose_name=_("applicant")
    )
    status = models.CharField(_("status"), max_length=30, choices=Status.choices, default=Status.DRAFT, db_index=True)
    wizard_step = models.CharField(_("wizard step"), max_length=20, default="notes")
    receipt_no = models.CharField(_("receipt number"), max_length=12, unique=True, null=True, blank=True)
    office = models.ForeignKey(
        "portal.Office",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="petitions",
        verbose_name=_("handling office"),
    )
    # What was filed: the type's version and a snapshot of its fields and mappings, so that
    # editing the type later never changes a filed petition.
    type_version = models.PositiveIntegerField(_("type version"), null=True, blank=True)
    type_snapshot = models.JSONField(_("type snapshot"), default=dict, blank=True)
    applicant_details = models.JSONField(_("applicant"), default=dict, blank=True)
    data = models.JSONField(_("answers"), default=dict, blank=True)
    consents = models.JSONField(_("consents"), default=dict, blank=True)
    # Per information item whose subject the applicant entered: their declaration that they may
    # have another person's record used ({item code: {"relationship": ...}}), where the type allows it.
    declarations = models.JSONField(_("declarations"), default=dict, blank=True)
    submit_token = models.UUIDField(_("submit token"), default=uuid.uuid4, editable=False)
    language = models.CharField(_("language"), max_length=8, default="ko")
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    suspended_days = models.PositiveIntegerField(_("days the clock was stopped"), default=0)
    suspended_since = models.DateField(_("clock stopped since"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    # The official working the petition (officer workspace): claimed by them or assigned by a supervisor.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_petitions",
        verbose_name=_("assigned to"),
    )
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    # When the applicant was told by e-mail that an agency is down and they may upload instead:
    # once per outage (cleared when the petition's fetches have settled; notifications.outage_notice_queue).
    outage_notified_at = models.DateTimeField(_("told of an agency outage"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("petition")
        verbose_name_plural = _("petitions")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["applicant", "status"], name="petitions_applicant_status"),
            # The officer queue: an office's open petitions by due date (the default sort) or
            # by filing date, counted per status; an official's own open petitions.
            models.Index(
                fields=["office", "due_date", "id"],
                name="petitions_queue_due",
                condition=_WORKED_IN,
            ),
            models.Index(
                fields=["office", "submitted_at", "id"],
                name="petitions_queue_submitted",
                condition=_WORKED_IN,
            ),
            # Counts per open status (with overdue and due today) read this index alone.
            models.Index(
                fields=["office", "status", "due_date"],
                name="petitions_queue_status",
                condition=_WORKED_IN,
            ),
            # Any status (decided ones too) of an office, by due date.
            models.Index(fields=["office", "status", "due_date"], name="petitions_office_status_due"),
            models.Index(
                fields=["assigned_to", "due_date"],
                name="petitions_assignee_due",
                condition=_WORKED_IN,
            ),
            # The supervisor view: petitions decided this month.
            models.Index(fields=["office", "decided_at"], name="petitions_office_decided"),
        ]

    def __str__(self) -> str:
        return self.receipt_no or str(_("Draft"))

    @property
    def case_ref(self) -> str:
        return self.receipt_no or ""

    @property
    def type_name(self) -> str:
        snapshot = self.type_snapshot or {}
        if snapshot:
            return _pick(snapshot.get("name_ko", ""), snapshot.get("name_en", ""))
        return self.petition_type.name

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_decided(self) -> bool:
        return self.status in {self.Status.APPROVED, self.Status.REJECTED, self.Status.WITHDRAWN}


class ReceiptCounter(models.Model):
    """The last receipt number given out in a year; locked while the next is taken."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("receipt counter")
        verbose_name_plural = _("receipt counters")

    def __str__(self) -> str:
        return str(self.year)


class TimelineEvent(models.Model):
    petition = models.ForeignKey(
        Petition, on_delete=models.CASCADE, related_name="timeline", verbose_name=_("petition")
    )
    from_status = models.CharField(_("from"), max_length=30, choices=Petition.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=30, choices=Petition.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    # What a person wrote (a decision, a reason, the citizen's note), shown as written ...
    note = models.TextField(_("note"), blank=True)
    # ... or what the portal says, kept as a message key and its values and put in words in the
    # reader's language when shown (petitions.note_texts).
    note_key = models.CharField(_("message"), max_length=40, blank=True)
    note_params = models.JSONField(_("message values"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.petition_id}: {self.from_status or '-'} → {self.to_status}"

    @property
    def note_text(self) -> str:
        from .note_texts import timeline_note

        return timeline_note(self.note_key, self.note_params, self.note)


class SupplementRequest(models.Model):
    """An official asks the citizen to correct named fields and/or upload documents."""

    petition = models.ForeignKey(
        Petition, on_delete=models.CASCADE, related_name="supplements", verbose_name=_("petition")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("requested by")
    )
    message = models.TextField(_("what is needed"))
    field_keys = models.JSONField(_("fields to correct"), default=list, blank=True)
    documents_requested = models.BooleanField(_("documents to upload"), default=False)
    due_date = models.DateField(_("answer by"), null=True, blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    response_note = models.TextField(_("citizen's note"), blank=True)
    # Both versions of every corrected answer stay on record.
    previous_values = models.JSONField(_("values before"), default=dict, blank=True)
    new_values = models.JSONField(_("values after"), default=dict, blank=True)

    class Meta:
        verbose_name = _("supplement request")
        verbose_name_plural = _("supplement requests")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.petition_id}: {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.responded_at is None


class PetitionUpload(models.Model):
    """A document the citizen uploaded: instead of an item they did not consent to fetch,
    or in answer to a supplement request. Files of drafts stay here until the petition is
    filed; then they go to the e-document store."""

    class Purpose(models.TextChoices):
        DECLINED_ITEM = "declined_item", _("Instead of fetched information")
        SUPPLEMENT = "supplement", _("Supplement")
        FORM_FIELD = "form_field", _("Form field")
        DELEGATION_LETTER = "delegation_letter", _("Delegation letter")

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="uploads", verbose_name=_("petition"))
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    reference = models.CharField(_("item or field"), max_length=60, blank=True)
    supplement = models.ForeignKey(
        SupplementRequest,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="uploads",
        verbose_name=_("supplement request"),
    )
    title = models.CharField(_("title (Korean)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    draft_file = models.FileField(_("file"), upload_to="petition-drafts/%Y/%m/", blank=True)
    document_id = models.CharField(_("e-document"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("uploaded document")
        verbose_name_plural = _("uploaded documents")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.petition_id}: {self.purpose} {self.reference}".rstrip()

    @property
    def display_title(self) -> str:
        return _pick(self.title, self.title_en)


class ResidentLink(models.Model):
    """The resident record an account was verified against ("본인 확인"). The RRN is stored
    encrypted, found by its keyed hash and shown masked."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="resident_link", verbose_name=_("account")
    )
    provider = models.CharField(_("identity provider"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    rrn_encrypted = models.TextField(_("resident registration number (encrypted)"))
    rrn_hash = models.CharField(_("resident registration number (keyed hash)"), max_length=64, unique=True)
    rrn_masked = models.CharField(_("resident registration number"), max_length=14)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    district_code = models.CharField(_("district code"), max_length=10, blank=True)
    verified_at = models.DateTimeField(_("verified"))

    class Meta:
        verbose_name = _("resident link")
        verbose_name_plural = _("resident links")

    def __str__(self) -> str:
        return f"{self.name} ({self.rrn_masked})"


class IdentityChallenge(models.Model):
    """A one-time code sent to the phone on record, waiting to be entered."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="identity_challenges",
        verbose_name=_("account"),
    )
    provider = models.CharField(_("identity provider"), max_length=40)
    # Left empty: a name typed at a start may be anyone's, and nothing needs it in clear.
    name = models.CharField(_("name"), max_length=100, blank=True)
    rrn_encrypted = models.TextField(_("resident registration number (encrypted)"))
    code_hash = models.CharField(_("code (hashed)"), max_length=128)
    subject_hash = models.CharField(_("resident registration number (keyed hash)"), max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    expires_at = models.DateTimeField(_("expires"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("identity challenge")
        verbose_name_plural = _("identity challenges")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.provider} #{self.pk}"

    def rrn(self) -> str:
        """The RRN entered at the start (the provider's ``confirm`` looks the person up by it)."""
        from sharing.crypto import decrypt_text

        return decrypt_text(self.rrn_encrypted)


class IdentityAttempt(models.Model):
    """One try at identity confirmation: a start (name and RRN entered) or a code entered.

    The record of who tried what from where, read by the limits of petitions.identity_limits
    and by administrators (read-only). It holds no name and no RRN: the subject is the keyed
    hash of the RRN entered (sharing.crypto.subject_hash)."""

    class Kind(models.TextChoices):
        START = "start", _("Name and resident registration number entered")
        CODE = "code", _("Code entered")

    class Outcome(models.TextChoices):
        CODE_SENT = "code_sent", _("Matched: code sent to the phone on record")
        NO_MATCH = "no_match", _("No matching resident: no code sent")
        NO_PHONE = "no_phone", _("Matched, but no phone on record: no code sent")
        UNAVAILABLE = "unavailable", _("Identity provider unavailable")
        VERIFIED = "verified", _("Right code: identity confirmed")
        WRONG_CODE = "wrong_code", _("Wrong code")
        EXPIRED = "expired", _("No code waiting, or the code had expired")
        ALREADY_LINKED = "already_linked", _("Right code, but the resident is linked to another account")
        REFUSED = "refused", _("Refused: too many attempts")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("account"),
    )
    client_address = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    subject_hash = models.CharField(_("resident registration number (keyed hash)"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("when"), db_index=True)

    class Meta:
        verbose_name = _("identity confirmation attempt")
        verbose_name_plural = _("identity confirmation attempts")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "kind", "created_at"], name="identity_attempt_user"),
            models.Index(fields=["client_address", "kind", "created_at"], name="identity_attempt_address"),
            models.Index(fields=["subject_hash", "kind", "created_at"], name="identity_attempt_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.get_outcome_display()}"


class IdentityAttemptLock(models.Model):
    """A row per account, client address or subject that identity attempts lock while they
    count and record themselves, so that concurrent attempts are counted one after another
    (see petitions.identity_limits)."""

    class Scope(models.TextChoices):
        ACCOUNT = "account", _("Account")
        ADDRESS = "address", _("Client address")
        SUBJECT = "subject", _("Subject")

    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices)
    key = models.CharField(_("key"), max_length=64)
    used_at = models.DateTimeField(_("last used"))

    class Meta:
        verbose_name = _("identity attempt lock")
        verbose_name_plural = _("identity attempt locks")
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="identity_attempt_lock_unique")]

    def __str__(self) -> str:
        return f"{self.scope} #{self.pk}"


class RequiredInformation(models.Model):
    """An information item a petition type needs, fetched instead of a paper document."""

    class SubjectSource(models.TextChoices):
        APPLICANT = "applicant", _("The applicant")
        FORM_FIELD = "form_field", _("The parcel, building or vehicle entered in a form field")

    class OthersPolicy(models.TextChoices):
        """What happens when the agency says the record entered in a form is someone else's."""

        OWN_ONLY = "own_only", _("The applicant's own only")
        LEGAL_BASIS = "legal_basis", _("Others' too, on the stated legal basis")
        DECLARATION = "declaration", _("Others' too, with the applicant's declaration")

    petition_type = models.ForeignKey(
        PetitionType, on_delete=models.CASCADE, related_name="required_information", verbose_name=_("petition type")
    )
    item = models.ForeignKey(
        "sharing.InformationItem", on_delete=models.PROTECT, related_name="+", verbose_name=_("information item")
    )
    fields = models.JSONField(_("fields"), default=list, help_text=_("Keys of the item's fields this petition needs."))
    # The approved use (이용 승인) of the handling office's using agency this item is fetched under
    # (petitions.uses). Null only for rows made before uses existed: such a type cannot be published.
    approved_use = models.ForeignKey(
        "hub.ApprovedUse",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="required_information",
        verbose_name=_("approved use"),
        help_text=_(
            "The approved use of the handling office's using agency; with district routing each district's "
            "agency needs a use in force of the same affair."
        ),
    )
    purpose_code = models.CharField(_("purpose code"), max_length=40)
    purpose_ko = models.CharField(_("purpose (Korean)"), max_length=200)
    purpose_en = models.CharField(_("purpose (English)"), max_length=200)
    legal_basis = models.CharField(_("legal basis (Korean)"), max_length=300)
    legal_basis_en = models.CharField(_("legal basis (English)"), max_length=300, blank=True)
    consent_required = models.BooleanField(_("consent required"), default=False)
    subject_source = models.CharField(
        _("whose information"), max_length=20, choices=SubjectSource.choices, default=SubjectSource.APPLICANT
    )
    subject_field_key = models.CharField(
        _("form field with the subject"),
        max_length=40,
        blank=True,
        help_text=_("Key of the form field holding the parcel number, building id or plate."),
    )
    others_policy = models.CharField(
        _("someone else's record"),
        max_length=20,
        choices=OthersPolicy.choices,
        default=OthersPolicy.OWN_ONLY,
        help_text=_(
            "When the agency says the parcel, building or vehicle entered belongs to someone other than the "
            "applicant: discard what it sent (the applicant's own only), or use it on the legal basis "
            "below, or use it when the applicant declares their relationship (e.g. a tenant)."
        ),
    )
    others_legal_basis = models.CharField(
        _("legal basis for someone else's record"),
        max_length=300,
        blank=True,
        help_text=_(
            "The law that lets this petition use another person's record, e.g. for a land transaction "
            "permit the seller's land register."
        ),
    )
    declaration_ko = models.CharField(
        _("applicant's declaration (Korean)"),
        max_length=300,
        blank=True,
        help_text=_(
            "What the applicant declares when the record is not theirs, e.g. that they rent the building "
            "and may report its use."
        ),
    )
    declaration_en = models.CharField(_("applicant's declaration (English)"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("required information")
        verbose_name_plural = _("required information")
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["petition_type", "item"], name="petitions_required_item_unique")]

    def __str__(self) -> str:
        return str(self.item)

    @property
    def purpose(self) -> str:
        return _pick(self.purpose_ko, self.purpose_en)

    @property
    def legal_basis_text(self) -> str:
        return _pick(self.legal_basis, self.legal_basis_en)

    @property
    def declaration(self) -> str:
        return _pick(self.declaration_ko, self.declaration_en)

    def clean(self):
        errors: dict[str, StrOrPromise] = {}
        policy = self.OthersPolicy
        if self.others_policy != policy.OWN_ONLY and self.subject_source != self.SubjectSource.FORM_FIELD:
            errors["others_policy"] = _("Only a subject entered in a form field can be someone else's.")
        if self.others_policy == policy.LEGAL_BASIS and not self.others_legal_basis.strip():
            errors["others_legal_basis"] = _("Name the legal basis for using someone else's record.")
        if self.others_policy == policy.DECLARATION and not self.declaration_ko.strip():
            errors["declaration_ko"] = _("Write what the applicant declares when the record is not theirs.")
        if self.item_id:
            known = set(self.item.fields.values_list("key", flat=True))
            chosen = self.fields or []
            unknown = [key for key in chosen if key not in known]
            if not chosen:
                errors["fields"] = _("Choose at least one field of the item.")
            elif unknown:
                errors["fields"] = _("Not fields of “%(item)s”: %(keys)s. Its fields are: %(known)s.") % {
                    "item": self.item.name,
                    "keys": ", ".join(unknown),
                    "known": ", ".join(sorted(known)),
                }
        if self.item_id and self.purpose_code:
            allowed = set(self.item.purposes.values_list("code", flat=True))
            if allowed and self.purpose_code not in allowed:
                errors["purpose_code"] = _("“%(item)s” may not be used for this purpose. Allowed: %(codes)s.") % {
                    "item": self.item.name,
                    "codes": ", ".join(sorted(allowed)),
                }
        if self.subject_source == self.SubjectSource.FORM_FIELD and not self.subject_field_key:
            errors["subject_field_key"] = _("Name the form field that holds the subject.")
        if self.subject_source == self.SubjectSource.APPLICANT and self.item_id and self.item.subject_kind != "person":
            errors["subject_source"] = _("This item is about a parcel, building or vehicle: take it from a form field.")
        if errors:
            raise ValidationError(errors)

    def snapshot(self) -> dict:
        item = self.item
        labels = {f.key: (f.label_ko, f.label_en) for f in item.fields.all()}
        use = self.approved_use
        return {
            "use_id": use.pk if use else None,
            "use_agency_id": use.using_agency_id if use else None,
            "affair_code": use.affair_code if use else "",
            "item_code": item.code,
            "item_name_ko": item.name_ko,
            "item_name_en": item.name_en,
            "replaces_ko": item.replaces_ko,
            "replaces_en": item.replaces_en,
            "agency_code": item.agency.code,
            "agency_name_ko": item.agency.name_ko,
            "agency_name_en": item.agency.name_en,
            "subject_kind": item.subject_kind,
            "fields": list(self.fields),
            "field_labels": {key: list(labels.get(key, (key, key))) for key in self.fields},
            "purpose_code": self.purpose_code,
            "purpose_ko": self.purpose_ko,
            "purpose_en": self.purpose_en,
            "legal_basis": self.legal_basis,
            "legal_basis_en": self.legal_basis_en,
            "consent_required": self.consent_required,
            "subject_source": self.subject_source,
            "subject_field_key": self.subject_field_key,
            "others_policy": self.others_policy,
            "others_legal_basis": self.others_legal_basis,
            "declaration_ko": self.declaration_ko,
            "declaration_en": self.declaration_en,
        }


# --- The officer workspace -------------------------------------------------------------------

# Statuses a petition is worked in (on an office's queue); the partial indexes below cover
# only these rows, so the queue stays fast however many decided petitions pile up.
OPEN_STATUSES = (
    Petition.Status.SUBMITTED,
    Petition.Status.COLLECTING,
    Petition.Status.UNDER_REVIEW,
    Petition.Status.SUPPLEMENT_REQUESTED,
    Petition.Status.SUPPLEMENT_SUBMITTED,
)


class InternalNote(models.Model):
    """What officials write or do on a petition, for officials only (never shown to the citizen)."""

    class Kind(models.TextChoices):
        NOTE = "note", _("Note")
        ASSIGNMENT = "assignment", _("Assignment")
        REFETCH = "refetch", _("Information fetched again")
        VERIFIED_OTHERWISE = "verified_otherwise", _("Verified by other means")

    petition = models.ForeignKey(
        Petition, on_delete=models.CASCADE, related_name="internal_notes", verbose_name=_("petition")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.NOTE)
    # What the official wrote, or, for what the portal records (assignments, re-fetches), a
    # message key and its values put in words in the reader's language (petitions.note_texts).
    text = models.TextField(_("note"))
    text_key = models.CharField(_("message"), max_length=40, blank=True)
    text_params = models.JSONField(_("message values"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.petition} · {self.get_kind_display()}"

    @property
    def text_shown(self) -> str:
        from .note_texts import internal_note

        return internal_note(self.text_key, self.text_params, self.text)


# --- Filing for someone else (대리 신청) ------------------------------------------------------


class Delegation(models.Model):
    """A citizen (the principal) lets another account (the delegate) file petitions for them.

    The delegate is found by the identifier the principal typed (a user name or an e-mail
    address the delegate gave them); the principal only ever sees what they typed, so granting
    tells nobody whether an account exists. With no matching account the grant is held by
    nobody (``delegate`` empty)."""

    principal = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="delegations_granted",
        verbose_name=_("principal"),
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="delegations_held",
        verbose_name=_("delegate"),
    )
    delegate_identifier = models.CharField(_("delegate's user name or e-mail"), max_length=254)
    all_types = models.BooleanField(_("every petition type"), default=False)
    petition_types = models.ManyToManyField(
        PetitionType, blank=True, related_name="+", verbose_name=_("petition types")
    )
    valid_until = models.DateField(_("valid until"))
    # The principal's consent, given once here, to the fetching of their information for the
    # petitions filed under this delegation; without it each filing asks them.
    consent_given = models.BooleanField(_("consent to fetching given in advance"), default=False)
    created_at = models.DateTimeField(_("granted"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["delegate", "revoked_at", "valid_until"], name="delegation_held"),
            models.Index(fields=["principal", "created_at"], name="delegation_granted"),
        ]

    def __str__(self) -> str:
        return f"{self.principal_id} → {self.delegate_identifier}"

    def is_active_on(self, day) -> bool:
        return self.revoked_at is None and self.delegate_id is not None and day <= self.valid_until

    def covers(self, petition_type_id: int) -> bool:
        """Whether the delegation covers the type (the types must be prefetched or are read)."""
        return self.all_types or any(t.pk == petition_type_id for t in self.petition_types.all())


class Representation(models.Model):
    """Who a petition is filed for when the account filing it is not that person: a principal
    with an account (under a ``Delegation``), or a person named in a signed delegation letter
    (위임장) that the official accepts before anything is fetched."""

    class Basis(models.TextChoices):
        DELEGATION = "delegation", _("Online delegation")
        LETTER = "letter", _("Signed delegation letter")

    class Consent(models.TextChoices):
        IN_DELEGATION = "in_delegation", _("Given in the delegation")
        NOT_ASKED = "not_asked", _("Not asked yet")
        REQUESTED = "requested", _("Asked, waiting for the answer")
        GIVEN = "given", _("Given")
        REFUSED = "refused", _("Refused")

    class LetterState(models.TextChoices):
        PENDING = "pending", _("Waiting for the official")
        ACCEPTED = "accepted", _("Accepted")
        REFUSED = "refused", _("Refused")

    petition = models.OneToOneField(
        "Petition", on_delete=models.CASCADE, related_name="representation", verbose_name=_("petition")
    )
    basis = models.CharField(_("basis"), max_length=20, choices=Basis.choices)
    principal = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="represented_petitions",
        verbose_name=_("principal"),
    )
    delegation = models.ForeignKey(
        Delegation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="representations",
        verbose_name=_("delegation"),
    )
    consent = models.CharField(_("principal's consent"), max_length=20, choices=Consent.choices, blank=True)
    consent_at = models.DateTimeField(_("consent answered"), null=True, blank=True)
    # Whose information is fetched: the principal's, kept like a resident link (encrypted, found
    # by its keyed hash, shown masked); for a delegation copied from the principal's link at filing.
    # (Empty for a letter until the filer names the principal on the applicant step.)
    principal_name = models.CharField(_("principal's name"), max_length=100, blank=True)
    principal_rrn_encrypted = models.TextField(_("principal's resident registration number (encrypted)"), blank=True)
    principal_rrn_hash = models.CharField(
        _("principal's resident registration number (keyed hash)"), max_length=64, blank=True, db_index=True
    )
    principal_rrn_masked = models.CharField(_("principal's resident registration number"), max_length=14, blank=True)
    letter_state = models.CharField(_("delegation letter"), max_length=20, choices=LetterState.choices, blank=True)
    letter_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("letter decided by"),
    )
    letter_decided_at = models.DateTimeField(_("letter decided"), null=True, blank=True)
    letter_reason = models.TextField(_("reason for refusing the letter"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("representation")
        verbose_name_plural = _("representations")
        indexes = [models.Index(fields=["principal", "consent"], name="representation_principal")]

    def __str__(self) -> str:
        return f"{self.petition_id}: {self.get_basis_display()}"

    @property
    def is_letter(self) -> bool:
        return self.basis == self.Basis.LETTER

    def principal_rrn(self) -> str:
        from sharing.crypto import decrypt_text

        return decrypt_text(self.principal_rrn_encrypted)


# --- Fees ------------------------------------------------------------------------------------


class FeeExemption(models.Model):
    """Who files a petition type without paying its fee (e.g. recipients of basic livelihood
    security), and the information item whose answer proves it, fetched with consent instead of a
    certificate: the applicant is exempt when ``eligibility_field`` of the item is true."""

    petition_type = models.ForeignKey(
        PetitionType, on_delete=models.CASCADE, related_name="fee_exemptions", verbose_name=_("petition type")
    )
    code = models.SlugField(_("code"), max_length=40)
    name_ko = models.CharField(_("name (Korean)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    legal_basis = models.CharField(_("legal basis (Korean)"), max_length=300)
    legal_basis_en = models.CharField(_("legal basis (English)"), max_length=300, blank=True)
    item = models.ForeignKey(
        "sharing.InformationItem", on_delete=models.PROTECT, related_name="+", verbose_name=_("information item")
    )
    eligibility_field = models.CharField(
        _("eligibility field"), max_length=40, help_text=_("Key of the item's yes/no field that must be yes.")
    )
    fields = models.JSONField(_("fields"), default=list, help_text=_("Keys of the item's fields fetched."))
    purpose_code = models.CharField(_("purpose code"), max_length=40)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("fee exemption")
        verbose_name_plural = _("fee exemptions")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["petition_type", "code"], name="petitions_fee_exemption_code_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _pick(self.name_ko, self.name_en)

    @property
    def legal_basis_text(self) -> str:
        return _pick(self.legal_basis, self.legal_basis_en)

    def clean(self):
        errors: dict[str, StrOrPromise] = {}
        if self.item_id:
            known = set(self.item.fields.values_list("key", flat=True))
            if self.eligibility_field not in known:
                errors["eligibility_field"] = _("Not a field of the item.")
            unknown = [key for key in self.fields or [] if key not in known]
            if unknown:
                errors["fields"] = _("Not fields of the item: %(keys)s.") % {"keys": ", ".join(unknown)}
            if self.item.subject_kind != "person":
                errors["item"] = _("Eligibility is about the applicant: choose an item about a person.")
        if errors:
            raise ValidationError(errors)

    def fetched_fields(self) -> list[str]:
        return list(dict.fromkeys([self.eligibility_field, *(self.fields or [])]))


class FeeExemptionClaim(models.Model):
    """An applicant's claim of a fee exemption on a draft: the eligibility fetched through
    sharing under ``case_ref`` (with the applicant's consent), and what it showed."""

    class State(models.TextChoices):
        CHECKING = "checking", _("Checking eligibility")
        ELIGIBLE = "eligible", _("Eligible: no fee")
        NOT_ELIGIBLE = "not_eligible", _("Not eligible")
        UNAVAILABLE = "unavailable", _("Could not be checked")

    petition = models.OneToOneField(
        Petition, on_delete=models.CASCADE, related_name="fee_exemption_claim", verbose_name=_("petition")
    )
    exemption = models.ForeignKey(
        FeeExemption, on_delete=models.PROTECT, related_name="claims", verbose_name=_("fee exemption")
    )
    case_ref = models.CharField(_("case reference"), max_length=40, unique=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.CHECKING)
    consented_at = models.DateTimeField(_("consent given"))
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True)

    class Meta:
        verbose_name = _("fee exemption claim")
        verbose_name_plural = _("fee exemption claims")

    def __str__(self) -> str:
        return f"{self.petition} · {self.exemption.code}"

    @property
    def is_eligible(self) -> bool:
        return self.state == self.State.ELIGIBLE


class Payment(models.Model):
    """One attempt to pay a petition's fee through a payment provider.

    ``order_id`` is the portal's (sent to the provider, unguessable); ``payment_key`` is the
    provider's id of the payment. A petition has at most one paid payment (a constraint), and a
    provider's payment belongs to one order only."""

    class Status(models.TextChoices):
        READY = "ready", _("Waiting for payment")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Timed out")
        REFUNDED = "refunded", _("Refunded")

    order_id = models.CharField(_("order id"), max_length=64, unique=True)
    # Kept when a draft is discarded (the record of money): a late payment of it is then refunded.
    petition = models.ForeignKey(
        Petition,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("petition"),
    )
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payments", verbose_name=_("payer")
    )
    provider = models.CharField(_("payment provider"), max_length=40)
    amount = models.PositiveIntegerField(_("amount (KRW)"))
    order_name = models.CharField(_("order name"), max_length=120)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.READY)
    payment_key = models.CharField(_("payment id"), max_length=200, null=True, blank=True, unique=True)
    method = models.CharField(_("method"), max_length=40, blank=True)
    approved_at = models.DateTimeField(_("paid"), null=True, blank=True)
    failure_code = models.CharField(_("failure code"), max_length=40, blank=True)
    refund_reason = models.CharField(_("refund reason"), max_length=200, blank=True)
    refunded_at = models.DateTimeField(_("refunded"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-id"]
        constraints = [
            # Paying twice is impossible: one paid payment per petition.
            models.UniqueConstraint(
                fields=["petition"],
                condition=models.Q(status="paid"),
                name="petitions_payment_paid_once",
            ),
        ]
        indexes = [models.Index(fields=["provider", "approved_at"], name="petitions_payment_approved")]

    def __str__(self) -> str:
        return self.order_id

    @property
    def is_paid(self) -> bool:
        return self.status == self.Status.PAID

    def get_method_display(self) -> str:
        from .payments.methods import method_label

        return str(method_label(self.method))


class PaymentEvent(models.Model):
    """A notification of a provider about a payment (webhook), kept once per provider event id:
    a notification delivered again changes nothing."""

    provider = models.CharField(_("payment provider"), max_length=40)
    event_id = models.CharField(_("event id"), max_length=100)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="events", verbose_name=_("payment"))
    kind = models.CharField(_("kind"), max_length=20)
    amount = models.PositiveIntegerField(_("amount (KRW)"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        verbose_name = _("payment event")
        verbose_name_plural = _("payment events")
        ordering = ["received_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="petitions_payment_event_once"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_id}"


class PaymentReconciliation(models.Model):
    """The daily comparison of the portal's payments of a day with the provider's records."""

    provider = models.CharField(_("payment provider"), max_length=40)
    day = models.DateField(_("day"))
    portal_count = models.PositiveIntegerField(_("payments at the portal"), default=0)
    provider_count = models.PositiveIntegerField(_("payments at the provider"), default=0)
    portal_total = models.BigIntegerField(_("total at the portal (KRW)"), default=0)
    provider_total = models.BigIntegerField(_("total at the provider (KRW)"), default=0)
    # [{"order_id", "problem", "portal": {...} | None, "provider": {...} | None}]
    discrepancies = models.JSONField(_("discrepancies"), default=list, blank=True)
    created_at = models.DateTimeField(_("run"), auto_now_add=True)

    class Meta:
        verbose_name = _("payment reconciliation")
        verbose_name_plural = _("payment reconciliations")
        ordering = ["-day", "-created_at"]

    def __str__(self) -> str:
        return f"{self.provider} {self.day}"

    @property
    def balanced(self) -> bool:
        return not self.discrepancies

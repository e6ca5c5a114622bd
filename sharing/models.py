"""Public information sharing: the catalogue, the fetches, the fetched data and the access log.

Personal values never sit in a column in clear: a fetch's subject and the fetched fields are
AES-GCM tokens (``sharing.crypto``); rows are found by a keyed hash of the subject.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from portal.models import BilingualNameMixin


def _in_english() -> bool:
    return (get_language() or "ko").startswith("en")


class SubjectKind(models.TextChoices):
    PERSON = "person", _("Person (resident registration number)")
    PARCEL = "parcel", _("Parcel (PNU)")
    BUILDING = "building", _("Building (management number)")
    VEHICLE = "vehicle", _("Vehicle (registration plate)")
    BUSINESS = "business", _("Business (registration number)")


class Agency(BilingualNameMixin, models.Model):
    """An owning agency (정보보유기관) reached over the standard connection."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_ko = models.CharField(_("name (Korean)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    base_url = models.URLField(
        _("base URL"),
        max_length=300,
        help_text=_("Items are requested at <base URL>items/<item code>/; end it with a slash."),
    )
    public_jwks = models.JSONField(
        _("public keys (JWKS)"),
        default=dict,
        blank=True,
        help_text=_("The agency's signing keys as a JWK set; list the old and the new key during a rotation."),
    )
    provider = models.CharField(
        _("connection provider"),
        max_length=60,
        default="standard-http",
        help_text=_("The protocol used to reach the agency (see the provider registry)."),
    )
    timeout_seconds = models.FloatField(_("timeout (seconds)"), default=5.0)
    max_attempts = models.PositiveSmallIntegerField(_("maximum attempts"), default=4)
    backoff_base_seconds = models.FloatField(_("back-off base (seconds)"), default=2.0)
    backoff_cap_seconds = models.FloatField(_("back-off cap (seconds)"), default=120.0)
    circuit_failure_threshold = models.PositiveSmallIntegerField(
        _("failures that open the circuit"),
        default=5,
        help_text=_("Consecutive failed attempts after which fetches from this agency are held back."),
    )
    circuit_reset_seconds = models.PositiveIntegerField(
        _("circuit open period (seconds)"),
        default=60,
        help_text=_("How long fetches are held back before one probe is let through."),
    )
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def queue_name(self) -> str:
        return fetch_queue_name(self.code)


def fetch_queue_name(agency_code: str) -> str:
    """One Celery queue per agency, so that a slow agency does not starve the others."""
    return f"fetch.{agency_code}"


class Purpose(BilingualNameMixin, models.Model):
    """A purpose code (이용 목적) an office states when it asks for information."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name_ko = models.CharField(_("name (Korean)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)

    class Meta:
        verbose_name = _("purpose")
        verbose_name_plural = _("purposes")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class InformationItem(BilingualNameMixin, models.Model):  # noqa: DJ008 (__str__ from the mixin)
    """An item of public information (공동이용 정보 항목) that replaces a paper document."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="items", verbose_name=_("agency"))
    name_ko = models.CharField(_("name (Korean)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    description_ko = models.TextField(_("description (Korean)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    replaces_ko = models.CharField(_("replaces document (Korean)"), max_length=120, blank=True)
    replaces_en = models.CharField(_("replaces document (English)"), max_length=120, blank=True)
    subject_kind = models.CharField(_("subject kind"), max_length=20, choices=SubjectKind.choices)
    consent_required = models.BooleanField(_("consent of the data subject required"), default=False)
    legal_basis = models.CharField(_("legal basis (Korean)"), max_length=300, blank=True)
    legal_basis_en = models.CharField(_("legal basis (English)"), max_length=300, blank=True)
    purposes = models.ManyToManyField(Purpose, blank=True, related_name="items", verbose_name=_("purposes"))

    class Meta:
        verbose_name = _("information item")
        verbose_name_plural = _("information items")
        ordering = ["agency__code", "code"]

    @property
    def description(self) -> str:
        return self.description_en if _in_english() and self.description_en else self.description_ko

    @property
    def replaces(self) -> str:
        return self.replaces_en if _in_english() and self.replaces_en else self.replaces_ko

    @property
    def legal_basis_text(self) -> str:
        return self.legal_basis_en if _in_english() and self.legal_basis_en else self.legal_basis


class ItemField(models.Model):
    class Type(models.TextChoices):
        STRING = "string", _("Text")
        DATE = "date", _("Date")
        INTEGER = "integer", _("Number")
        BOOLEAN = "boolean", _("Yes/no")
        LIST = "list", _("List")
        OBJECT = "object", _("Record")

    class Sensitivity(models.TextChoices):
        ORDINARY = "ordinary", _("Ordinary")
        PERSONAL = "personal", _("Personal")
        UNIQUE_ID = "unique_id", _("Unique identifier (masked unless revealed)")

    item = models.ForeignKey(InformationItem, on_delete=models.CASCADE, related_name="fields", verbose_name=_("item"))
    key = models.SlugField(_("key"), max_length=60)
    label_ko = models.CharField(_("label (Korean)"), max_length=120)
    label_en = models.CharField(_("label (English)"), max_length=120)
    type = models.CharField(_("type"), max_length=20, choices=Type.choices, default=Type.STRING)
    sensitivity = models.CharField(
        _("sensitivity"), max_length=20, choices=Sensitivity.choices, default=Sensitivity.PERSONAL
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("item field")
        verbose_name_plural = _("item fields")
        ordering = ["item", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["item", "key"], name="sharing_itemfield_unique_key")]

    def __str__(self) -> str:
        return f"{self.item.code}.{self.key}"

    @property
    def label(self) -> str:
        return self.label_en if _in_english() and self.label_en else self.label_ko


class FetchRequest(models.Model):
    """One item of information fetched for one case; unique per (case, item), so fetched once."""

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        FETCHING = "fetching", _("Fetching")
        FETCHED = "fetched", _("Fetched")
        RETRYING = "retrying", _("Retrying")
        AGENCY_UNAVAILABLE = "agency_unavailable", _("Agency unavailable")
        FAILED = "failed", _("Failed")
        REFUSED = "refused", _("Refused by the agency")
        # The agency's record is about someone other than the applicant and the petition type
        # does not allow that: the answer was discarded, nothing was stored.
        NOT_APPLICANTS = "not_applicants", _("Not the applicant's")

    PENDING_STATES = (State.WAITING, State.FETCHING, State.RETRYING, State.AGENCY_UNAVAILABLE)

    # Set on an instance by the code that reads it (not columns): whether a success must reset
    # the agency's circuit (the fetch's claim), and the review page's provenance and unique-id keys.
    circuit_troubled: bool
    provenance: FetchedData | None
    unique_id_keys: set[str]

    case_ref = models.CharField(_("case reference"), max_length=40, db_index=True)
    item = models.ForeignKey(
        InformationItem, on_delete=models.PROTECT, related_name="fetch_requests", verbose_name=_("item")
    )
    office = models.ForeignKey(
        "portal.Office", on_delete=models.PROTECT, related_name="fetch_requests", verbose_name=_("requesting office")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    fields = models.JSONField(_("requested fields"), default=list)
    purpose_code = models.CharField(_("purpose code"), max_length=40)
    # The approved use (이용 승인) the fetch runs under; checked before every attempt
    # (sharing.hub.selectors.use_check). Null only on fetches made before uses existed.
    approved_use = models.ForeignKey(
        "hub.ApprovedUse",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fetch_requests",
        verbose_name=_("approved use"),
    )
    # Whether the data subject's consent to this fetch was on record when it was made (the
    # petition's consent step, a consent grant): what the use's consent rule is checked against.
    consent_given = models.BooleanField(_("consent of the data subject on record"), default=False)
    subject_kind = models.CharField(_("subject kind"), max_length=20, choices=SubjectKind.choices)
    # The subject (an RRN, a PNU, ...) encrypted; found by its keyed hash.
    subject_encrypted = models.TextField(_("subject (encrypted)"), editable=False)
    subject_hash = models.CharField(_("subject hash"), max_length=64, db_index=True, editable=False)
    # Whose the record must be: the keyed hash of the person the case is for (the applicant),
    # blank when nothing is checked. A record the agency says is someone else's is kept only
    # with ``others_basis`` (why another person's record may be used, e.g. a stated legal basis).
    applicant_hash = models.CharField(_("applicant (keyed hash)"), max_length=64, blank=True, editable=False)
    others_basis = models.CharField(_("basis for another person's record"), max_length=300, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.WAITING, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    error_code = models.CharField(_("error code"), max_length=40, blank=True)
    # What the agency or the client said, in the agency's words (no personal values).
    error_detail = models.CharField(_("error detail"), max_length=500, blank=True)
    txn_id = models.CharField(_("transaction id of the last attempt"), max_length=64, blank=True)
    fetched_at = models.DateTimeField(_("fetched at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("fetch request")
        verbose_name_plural = _("fetch requests")
        ordering = ["case_ref", "item__agency__code", "item__code"]
        constraints = [
            models.UniqueConstraint(fields=["case_ref", "item"], name="sharing_fetchrequest_once_per_case_item"),
        ]

    def __str__(self) -> str:
        return f"{self.case_ref} · {self.item.code}"

    @property
    def is_pending(self) -> bool:
        return self.state in self.PENDING_STATES

    @property
    def error_message(self) -> str:
        """Why the fetch is not (yet) done, in words for citizens and officials."""
        from .errors import error_message

        return error_message(self.error_code, self.error_detail) if self.error_code else ""


class FetchedData(models.Model):
    """The answer of the agency to one fetch: only the requested fields, encrypted, with provenance."""

    fetch_request = models.OneToOneField(
        FetchRequest, on_delete=models.CASCADE, related_name="data", verbose_name=_("fetch request")
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("agency"))
    txn_id = models.CharField(_("transaction id"), max_length=64)
    fetched_at = models.DateTimeField(_("fetched at"))
    issued_at = models.DateTimeField(_("issued by the agency at"), null=True, blank=True)
    fields = models.JSONField(_("fields"), default=list)
    payload_encrypted = models.TextField(_("payload (encrypted)"), editable=False)
    # Keyed hashes of the persons the agency said the record is about (the subject too when it is
    # a person): every read of the data is logged under each of them.
    person_hashes = models.JSONField(_("whose data (keyed hashes)"), default=list, editable=False)

    class Meta:
        verbose_name = _("fetched data")
        verbose_name_plural = _("fetched data")

    def __str__(self) -> str:
        return f"{self.fetch_request} @ {self.fetched_at:%Y-%m-%d %H:%M}"


class AccessLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Access log entries are append-only.")

    def delete(self):
        raise PermissionError("Access log entries are append-only.")


class AccessLogEntry(models.Model):
    """An append-only record of one access to personal data; each entry hashes the previous one."""

    class Action(models.TextChoices):
        FETCHED = "fetched", _("Fetched from the agency")
        VIEWED = "viewed", _("Viewed")
        REVEALED = "revealed", _("Masked value revealed")
        DOWNLOADED = "downloaded", _("Downloaded")
        QUERIED = "queried", _("Queried")
        # An official's look-up (열람) outside a petition, under one of their agency's approved uses.
        LOOKED_UP = "looked_up", _("Looked up by an official")
        # Fetched for someone else's petition, then discarded unread: not the applicant's record.
        DISCARDED = "discarded", _("Fetched and discarded (not the applicant's)")
        # Written by the retention job (portal/retention.py) for every deletion of personal data.
        DELETED = "deleted", _("Deleted after the retention period")

    sequence = models.PositiveBigIntegerField(_("sequence"), unique=True, editable=False)
    created_at = models.DateTimeField(_("at"), editable=False)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    actor_label = models.CharField(_("who (as recorded)"), max_length=200, blank=True)
    office = models.ForeignKey(
        "portal.Office", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("office")
    )
    subject_hash = models.CharField(_("whose data (keyed hash)"), max_length=64, db_index=True)
    case_ref = models.CharField(_("case reference"), max_length=40, blank=True, db_index=True)
    item_code = models.CharField(_("item"), max_length=60, blank=True)
    fields = models.JSONField(_("fields"), default=list)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    # The approved use's administrative affair (사무) and legal basis the access ran under, so the
    # person concerned sees why (blank on entries written before uses existed).
    affair_code = models.CharField(_("affair code"), max_length=40, blank=True, db_index=True)
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    previous_hash = models.CharField(_("hash of the previous entry"), max_length=64, editable=False)
    entry_hash = models.CharField(_("hash of this entry"), max_length=64, unique=True, editable=False)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-sequence"]
        indexes = [models.Index(fields=["subject_hash", "-sequence"], name="sharing_log_subject_idx")]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.case_ref}"

    def save(self, *args, **kwargs):
        if self.pk is not None or not kwargs.get("force_insert", False):
            raise PermissionError("Access log entries are written by sharing.audit only and never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Access log entries are append-only.")

    @property
    def is_system(self) -> bool:
        return self.actor_id is None


class AccessLogCheckpoint(models.Model):
    """The portal's signed, time-stamped commitment to the first ``tree_size`` access-log entries
    (sharing/ledger.py): the Merkle root over their hashes, linked to the checkpoint before.

    Copies are exported write-once and published, so that a database rewritten afterwards is
    contradicted by what its owner can no longer change."""

    tree_size = models.PositiveBigIntegerField(_("entries committed to"), unique=True, editable=False)
    root_hash = models.CharField(_("Merkle root"), max_length=64, editable=False)
    last_entry_hash = models.CharField(_("hash of the last entry"), max_length=64, editable=False)
    previous = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next",
        editable=False,
        verbose_name=_("previous checkpoint"),
    )
    # Unique: two checkpoints made at once cannot both extend the same one (0: the first).
    previous_tree_size = models.PositiveBigIntegerField(
        _("entries of the previous checkpoint"), unique=True, editable=False
    )
    created_at = models.DateTimeField(_("committed at"), editable=False)
    # The signed statement: a compact JWS (ES256) whose payload is the checkpoint's canonical JSON.
    signed = models.TextField(_("signed checkpoint (JWS)"), editable=False)
    digest = models.CharField(_("digest of the signed checkpoint"), max_length=64, unique=True, editable=False)
    key_id = models.CharField(_("signing key"), max_length=100, editable=False)
    # The right edge of the tree, to extend it without reading older entries (sharing.merkle.Frontier).
    frontier = models.JSONField(_("frontier"), default=list, editable=False)
    # RFC 3161 time-stamp token over the signed checkpoint; empty until the TSA answered.
    timestamp_token = models.BinaryField(_("time-stamp token"), null=True, blank=True, editable=False)
    timestamped_at = models.DateTimeField(_("time-stamped at"), null=True, blank=True, editable=False)
    # When it was written to the exports with its time stamp (sharing.ledger.checkpoint_export).
    exported_at = models.DateTimeField(_("exported at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("access-log checkpoint")
        verbose_name_plural = _("access-log checkpoints")
        ordering = ["-tree_size"]

    def __str__(self) -> str:
        return f"checkpoint {self.tree_size} {self.root_hash[:12]}"

"""The e-document store: issued files (immutable) and the requests that render them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override, pgettext_lazy

from . import codes, titles
from .errors import ImmutableDocumentError

IMMUTABLE_MESSAGE = _("An issued e-document cannot be changed or deleted; issue a correction instead.")


class Kind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    SUBMISSION_COPY = "submission_copy", _("Copy of the submission")
    ATTACHMENT = "attachment", _("Attachment")
    SUPPLEMENT_NOTICE = "supplement_notice", _("Supplement notice")
    RESULT_NOTICE = "result_notice", _("Result notice")


class EDocumentQuerySet(models.QuerySet):
    """Rows are written once: no bulk update or delete through the ORM."""

    def update(self, **kwargs):
        raise ImmutableDocumentError(IMMUTABLE_MESSAGE)

    def bulk_update(self, objs, fields, batch_size=None):
        raise ImmutableDocumentError(IMMUTABLE_MESSAGE)

    def delete(self):
        raise ImmutableDocumentError(IMMUTABLE_MESSAGE)

    def bulk_create(
        self,
        objs,
        batch_size=None,
        ignore_conflicts=False,
        update_conflicts=False,
        update_fields=None,
        unique_fields=None,
    ):
        if update_conflicts:
            raise ImmutableDocumentError(IMMUTABLE_MESSAGE)
        return super().bulk_create(
            objs,
            batch_size=batch_size,
            ignore_conflicts=ignore_conflicts,
            update_fields=update_fields,
            unique_fields=unique_fields,
        )

    def valid(self):
        """Documents that no correction has replaced."""
        return self.filter(superseded_by__isnull=True)


class EDocument(models.Model):
    """An issued e-document (전자문서). Written once, never changed; a correction is a new
    document that ``supersedes`` this one."""

    Kind = Kind

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    title = models.CharField(_("title (Korean)"), max_length=200)
    # Null for documents issued before titles were kept per language (their rows are immutable):
    # their title is read by ``display_title`` in the reader's language when it is one the portal
    # wrote.
    title_en = models.CharField(_("title (English)"), max_length=200, null=True, blank=True)  # noqa: DJ001 (see above)
    case_ref = models.CharField(_("case reference"), max_length=40, db_index=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="edocuments", verbose_name=_("owner")
    )
    issuing_office = models.ForeignKey(
        "portal.Office", on_delete=models.PROTECT, related_name="edocuments", verbose_name=_("issuing office")
    )
    # The storage name is unique: a new document can never take over an old one's file.
    file = models.FileField(_("file"), max_length=255, unique=True)
    media_type = models.CharField(_("media type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    verification_code = models.CharField(
        pgettext_lazy("e-document", "verification code"), max_length=codes.LENGTH, unique=True
    )
    seal = models.TextField(_("seal (detached JWS)"))
    seal_kid = models.CharField(_("sealing key id"), max_length=100)
    language = models.CharField(_("language"), max_length=8, default="ko")
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name=_("supersedes"),
    )
    # HMAC of the person's identifier (sharing.crypto.subject_hash), for the access log.
    subject_hash = models.CharField(_("subject hash"), max_length=64, blank=True, db_index=True)
    contains_personal_data = models.BooleanField(_("contains personal data"), default=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)

    objects = EDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("e-document")
        verbose_name_plural = _("e-documents")
        ordering = ["case_ref", "issued_at", "id"]
        indexes = [models.Index(fields=["owner", "issued_at"], name="documents_owner_issued")]

    def __str__(self) -> str:
        return f"{self.title} ({self.display_code})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableDocumentError(IMMUTABLE_MESSAGE)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableDocumentError(IMMUTABLE_MESSAGE)

    def _delete_for_retention(self) -> None:
        """The retention job's path (services.documents_retention_purge), and only that."""
        name, storage = self.file.name, self.file.storage
        models.Model.delete(self)
        if name:
            storage.delete(name)

    @property
    def display_code(self) -> str:
        return codes.display(self.verification_code)

    @property
    def display_title(self) -> str:
        """The title in the reader's language (Korean when there is no English one)."""
        if self.title_en is None:
            return titles.legacy_title(self.title, case_ref=self.case_ref)
        return titles.pick(self.title, self.title_en)

    def title_in(self, language: str) -> str:
        with override(language):
            return self.display_title

    @property
    def is_issued(self) -> bool:
        return True

    @property
    def is_failed(self) -> bool:
        return False

    @property
    def is_superseded(self) -> bool:
        try:
            return self.superseded_by is not None
        except EDocument.DoesNotExist:
            return False

    @property
    def document(self) -> EDocument:
        return self

    @property
    def file_extension(self) -> str:
        return {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}.get(self.media_type, "bin")

    @property
    def download_filename(self) -> str:
        """The title (in its language), with the case reference once: "접수증 2026-0000006.pdf"."""
        title = self.display_title.strip()
        stem, dot, suffix = title.rpartition(".")
        if dot and stem and suffix.lower() in {"pdf", "jpg", "jpeg", "png"}:
            title = stem  # an upload titled with its own file name
        safe = " ".join("".join(ch if ch.isalnum() or ch in " -_" else "_" for ch in title).split()) or "document"
        if self.case_ref and self.case_ref not in safe:
            safe = f"{safe} {self.case_ref}"
        return f"{safe}.{self.file_extension}"

    @property
    def ascii_download_filename(self) -> str:
        """The name for clients that cannot read a UTF-8 file name: "receipt-2026-0000006.pdf"."""
        return f"{self.kind.replace('_', '-')}-{self.case_ref}.{self.file_extension}"


class DocumentRequest(models.Model):
    """A document to be rendered (a job record; mutable, unlike the document it yields)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Preparing")
        ISSUED = "issued", _("Issued")
        FAILED = "failed", _("Could not be prepared")

    Kind = Kind

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    title = models.CharField(_("title (Korean)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    case_ref = models.CharField(_("case reference"), max_length=40, db_index=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="document_requests", verbose_name=_("owner")
    )
    issuing_office = models.ForeignKey(
        "portal.Office", on_delete=models.PROTECT, related_name="document_requests", verbose_name=_("issuing office")
    )
    template_name = models.CharField(_("template"), max_length=200)
    context = models.JSONField(_("context"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=8, default="ko")
    subject_hash = models.CharField(_("subject hash"), max_length=64, blank=True)
    contains_personal_data = models.BooleanField(_("contains personal data"), default=True)
    supersedes = models.ForeignKey(
        EDocument, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("supersedes")
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error_code = models.CharField(_("error"), max_length=100, blank=True)
    document = models.OneToOneField(
        EDocument, on_delete=models.SET_NULL, null=True, blank=True, related_name="request", verbose_name=_("document")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("document request")
        verbose_name_plural = _("document requests")
        ordering = ["case_ref", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.title} [{self.get_state_display()}]"

    @property
    def display_title(self) -> str:
        return titles.pick(self.title, self.title_en)

    def title_in(self, language: str) -> str:
        """The title of the document rendered in ``language`` (its PDF's title)."""
        return self.title_en if language.startswith("en") and self.title_en else self.title

    @property
    def is_issued(self) -> bool:
        return self.state == self.State.ISSUED and self.document_id is not None

    @property
    def is_failed(self) -> bool:
        return self.state == self.State.FAILED

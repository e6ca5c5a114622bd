"""Recipients registered by an administrator, their staff, and the e-documents citizens submit."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import BilingualNameMixin


class Recipient(BilingualNameMixin, models.Model):
    """An organisation citizens may submit e-documents to (제출처): a using agency of the hub, or
    an organisation registered by an administrator (a bank, an employer)."""

    class Kind(models.TextChoices):
        USING_AGENCY = "using_agency", _("Using agency")
        BANK = "bank", _("Bank or financial institution")
        EMPLOYER = "employer", _("Employer")
        OTHER = "other", _("Other organisation")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_ko = models.CharField(_("name (Korean)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    kind = models.CharField(_("kind of recipient"), max_length=20, choices=Kind.choices)
    using_agency = models.OneToOneField(
        "portal.UsingAgency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recipient",
        verbose_name=_("using agency"),
        help_text=_("Only for recipients of the kind “using agency”."),
    )
    contact = models.CharField(
        _("contact"),
        max_length=200,
        blank=True,
        help_text=_("The receiving desk's phone or e-mail, shown to citizens."),
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Citizens may submit to active recipients only.")
    )
    staff: models.ManyToManyField = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="RecipientStaff",
        related_name="recipients",
        blank=True,
        verbose_name=_("staff"),
    )
    created_at = models.DateTimeField(_("registered at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        ordering = ["name_ko"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind == self.Kind.USING_AGENCY and self.using_agency_id is None:
            raise ValidationError({"using_agency": _("Choose the using agency this recipient is.")})
        if self.kind != self.Kind.USING_AGENCY and self.using_agency_id is not None:
            raise ValidationError({"using_agency": _("Only a recipient of the kind “using agency” names one.")})


class RecipientStaff(models.Model):
    """A user who may open a recipient's inbox: an official (for a using agency) or a recipient
    staff account (for a bank or an employer). Both sign in with a second factor."""

    recipient = models.ForeignKey(
        Recipient, on_delete=models.CASCADE, related_name="staff_links", verbose_name=_("recipient")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="recipient_links",
        verbose_name=_("staff member"),
    )
    added_at = models.DateTimeField(_("added at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("recipient staff member")
        verbose_name_plural = _("recipient staff")
        constraints = [models.UniqueConstraint(fields=["recipient", "user"], name="submissions_staff_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.recipient}"

    def clean(self) -> None:
        user = getattr(self, "user", None)
        if user is not None and not (user.is_official or user.is_recipient_staff):
            message = _("Only officials and recipient staff accounts (signing in with a second factor) can be staff.")
            raise ValidationError({"user": message})


class Submission(models.Model):
    """One e-document sent by its owner to one recipient, for a stated purpose, until it expires."""

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        RETRIEVED = "retrieved", _("Retrieved")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        EXPIRED = "expired", _("Expired")

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    document = models.ForeignKey(
        "documents.EDocument", on_delete=models.CASCADE, related_name="submissions", verbose_name=_("e-document")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submissions", verbose_name=_("citizen")
    )
    recipient = models.ForeignKey(
        Recipient, on_delete=models.PROTECT, related_name="submissions", verbose_name=_("recipient")
    )
    purpose = models.CharField(_("purpose"), max_length=200)
    message = models.TextField(_("message"), max_length=1000, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SENT)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    expires_at = models.DateTimeField(_("retrievable until"))
    retrieved_at = models.DateTimeField(_("first retrieved at"), null=True, blank=True)
    retrieved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("first retrieved by"),
    )
    # As recorded when first retrieved: the staff member's name survives their account.
    retrieved_by_label = models.CharField(_("first retrieved by (as recorded)"), max_length=200, blank=True)
    retrieval_count = models.PositiveIntegerField(_("openings and downloads"), default=0)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    # The submit form's one-time token: the same form sent twice makes one submission.
    idempotency_key = models.CharField(_("idempotency key"), max_length=64)

    class Meta:
        verbose_name = _("submission to a third party")
        verbose_name_plural = _("submissions to third parties")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "idempotency_key"], name="submissions_owner_key_unique"),
        ]
        indexes = [
            models.Index(fields=["recipient", "status", "expires_at"], name="submissions_inbox"),
            models.Index(fields=["owner", "created_at"], name="submissions_owner"),
        ]

    def __str__(self) -> str:
        return f"{self.document_id} → {self.recipient_id} ({self.status})"

    def is_expired(self, now=None) -> bool:
        """Past its end (read at the moment asked, whatever beat has marked)."""
        return (now or timezone.now()) >= self.expires_at

    def current_status(self, now=None) -> str:
        """The status as of now: a sent submission past its end is expired even before beat marks it."""
        if self.status == self.Status.SENT and self.is_expired(now):
            return self.Status.EXPIRED
        return self.status

    @property
    def status_now(self) -> str:
        return self.current_status()

    @property
    def status_now_label(self) -> str:
        return str(self.Status(self.status_now).label)

    @property
    def is_retrievable(self) -> bool:
        return self.status in (self.Status.SENT, self.Status.RETRIEVED) and not self.is_expired()

    @property
    def can_withdraw(self) -> bool:
        return self.status == self.Status.SENT and not self.is_expired()

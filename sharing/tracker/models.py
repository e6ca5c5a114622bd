"""Privacy officers and inquiries about access-log entries, refund inquiries and the claims
filed from them, and one row per exchange with an agency (the operations view's source).

Personal values never sit here in clear: a refund answer is stored encrypted
(``sharing.crypto``), as the fetched data it was read from.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class PrivacyOfficer(models.Model):
    """An official who answers citizens' concerns about accesses by their office (개인정보 보호책임자)."""

    office = models.ForeignKey(
        "portal.Office", on_delete=models.CASCADE, related_name="privacy_officers", verbose_name=_("office")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="privacy_offices", verbose_name=_("official")
    )
    created_at = models.DateTimeField(_("appointed"), auto_now_add=True)

    class Meta:
        verbose_name = _("privacy officer")
        verbose_name_plural = _("privacy officers")
        constraints = [models.UniqueConstraint(fields=["office", "user"], name="tracker_privacy_officer_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.office}"

    def clean(self):
        if self.user_id and not self.user.is_official:
            raise ValidationError({"user": _("A privacy officer must be an official.")})


class PrivacyInquiry(models.Model):
    """A citizen's concern about one access-log entry, answered by the office's privacy officer."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for an answer")
        ANSWERED = "answered", _("Answered")

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="privacy_inquiries", verbose_name=_("citizen")
    )
    entry = models.ForeignKey(
        "sharing.AccessLogEntry", on_delete=models.PROTECT, related_name="+", verbose_name=_("access-log entry")
    )
    office = models.ForeignKey(
        "portal.Office", on_delete=models.PROTECT, related_name="privacy_inquiries", verbose_name=_("office")
    )
    message = models.TextField(_("concern"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answer_seen_at = models.DateTimeField(_("answer read by the citizen"), null=True, blank=True)
    created_at = models.DateTimeField(_("asked"), auto_now_add=True)

    class Meta:
        verbose_name = _("privacy inquiry")
        verbose_name_plural = _("privacy inquiries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["office", "status", "created_at"], name="tracker_inquiry_office_idx")]

    def __str__(self) -> str:
        return f"{self.office} · #{self.entry_id} · {self.get_status_display()}"

    @property
    def has_unread_answer(self) -> bool:
        return self.status == self.Status.ANSWERED and self.answer_seen_at is None


class RefundInquiry(models.Model):
    """One "find my un-refunded money" request: one fetch per refund-holding agency."""

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="refund_inquiries", verbose_name=_("citizen")
    )
    case_ref = models.CharField(_("case reference"), max_length=40, unique=True)
    created_at = models.DateTimeField(_("asked"), auto_now_add=True)

    class Meta:
        verbose_name = _("refund inquiry")
        verbose_name_plural = _("refund inquiries")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.case_ref


class RefundAnswer(models.Model):
    """What one agency answered, read once through ``personal_data_read`` and kept encrypted."""

    inquiry = models.ForeignKey(
        RefundInquiry, on_delete=models.CASCADE, related_name="answers", verbose_name=_("refund inquiry")
    )
    fetch_request = models.OneToOneField(
        "sharing.FetchRequest", on_delete=models.PROTECT, related_name="+", verbose_name=_("fetch request")
    )
    payload_encrypted = models.TextField(_("answer (encrypted)"), editable=False)
    read_at = models.DateTimeField(_("read"), auto_now_add=True)

    class Meta:
        verbose_name = _("refund answer")
        verbose_name_plural = _("refund answers")

    def __str__(self) -> str:
        return f"{self.inquiry_id}: {self.fetch_request_id}"


class RefundClaim(models.Model):
    """A refund-claim petition filed from an inquiry: one per agency that holds money."""

    inquiry = models.ForeignKey(
        RefundInquiry, on_delete=models.PROTECT, related_name="claims", verbose_name=_("refund inquiry")
    )
    item_code = models.CharField(_("item"), max_length=60)
    petition = models.OneToOneField(
        "petitions.Petition", on_delete=models.PROTECT, related_name="+", verbose_name=_("petition")
    )
    created_at = models.DateTimeField(_("filed"), auto_now_add=True)

    class Meta:
        verbose_name = _("refund claim")
        verbose_name_plural = _("refund claims")
        constraints = [models.UniqueConstraint(fields=["inquiry", "item_code"], name="tracker_refund_claim_once")]

    def __str__(self) -> str:
        return f"{self.inquiry_id}: {self.item_code}"


class Exchange(models.Model):
    """One attempt of a fetch against an agency and how it ended: the operations view's figures."""

    class Outcome(models.TextChoices):
        OK = "ok", _("Answered")
        REFUSED = "refused", _("Refused")
        ERROR = "error", _("Error")

    agency_code = models.CharField(_("agency"), max_length=40)
    item_code = models.CharField(_("item"), max_length=60)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    error_code = models.CharField(_("error code"), max_length=40, blank=True)
    latency_ms = models.PositiveIntegerField(_("latency (ms)"))
    finished_at = models.DateTimeField(_("finished"), db_index=True)

    class Meta:
        verbose_name = _("exchange")
        verbose_name_plural = _("exchanges")
        indexes = [models.Index(fields=["agency_code", "finished_at"], name="tracker_exchange_agency_idx")]

    def __str__(self) -> str:
        return f"{self.agency_code} {self.item_code} {self.outcome} {self.latency_ms} ms"

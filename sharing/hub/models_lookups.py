"""Officials' look-ups (행정정보 공동이용 열람) and citizens' online consents to them.

A look-up is an official of a using agency asking one item about one subject (a person, a
parcel, a building, a vehicle, a business) under one of their agency's approved uses, outside
any petition: it makes one fetch through the normal fetch path (case reference ``L-YYYY-NNNNNNN``)
and keeps who asked, from which office, under which use, why, for which case of theirs, and on
which consent. The answer itself (the fetched data, the subject identifier, a paper consent
scan) is kept only while the official's session lasts, or, when the look-up is attached to a
case reference of theirs, for ``RETENTION_LOOKUP_DAYS``; the row stays (without personal data)
for oversight.

A consent grant is a citizen's online consent (온라인 동의) to look-ups of their information by
one using agency for one affair, until it expires or they withdraw it.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sharing.models import SubjectKind


class ConsentGrantQuerySet(models.QuerySet):
    def in_force(self, *, at=None):
        """Not withdrawn and not yet expired at ``at`` (now by default)."""
        at = at or timezone.now()
        return self.filter(withdrawn_at__isnull=True, expires_at__gt=at, granted_at__lte=at)


class ConsentGrant(models.Model):
    """A citizen's online consent to look-ups by one using agency for one affair (사무)."""

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="consent_grants",
        verbose_name=_("citizen"),
    )
    # The keyed hash of the citizen's verified RRN (sharing.crypto.subject_hash): how a look-up
    # about them finds the grant. Never the RRN itself.
    subject_hash = models.CharField(_("whose consent (keyed hash)"), max_length=64, db_index=True, editable=False)
    using_agency = models.ForeignKey(
        "portal.UsingAgency", on_delete=models.PROTECT, related_name="consent_grants", verbose_name=_("using agency")
    )
    approved_use = models.ForeignKey(
        "hub.ApprovedUse",
        on_delete=models.PROTECT,
        related_name="consent_grants",
        verbose_name=_("approved use"),
    )
    # The affair as it was when consent was given (the use's code), shown even if the use changes.
    affair_code = models.CharField(_("affair code"), max_length=40)
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    objects = ConsentGrantQuerySet.as_manager()

    class Meta:
        verbose_name = _("online consent to look-ups")
        verbose_name_plural = _("online consents to look-ups")
        ordering = ["-granted_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("granted_at")), name="hub_consent_expires_after")
        ]
        indexes = [models.Index(fields=["subject_hash", "approved_use"], name="hub_consent_subject_use_idx")]

    def __str__(self) -> str:
        return f"{self.affair_code} · {self.using_agency_id} · {self.granted_at:%Y-%m-%d}"

    def in_force(self, at=None) -> bool:
        at = at or timezone.now()
        return self.withdrawn_at is None and self.granted_at <= at < self.expires_at


class Lookup(models.Model):
    """One official's look-up of one subject under one approved use."""

    class ConsentBasis(models.TextChoices):
        NONE = "none", _("No consent needed")
        ONLINE = "online", _("Online consent of the person")
        PAPER = "paper", _("Signed paper consent (scan attached)")

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    # The case reference of its fetch: L-YYYY-NNNNNNN.
    reference = models.CharField(_("look-up number"), max_length=40, unique=True)
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="lookups", verbose_name=_("official")
    )
    office = models.ForeignKey(
        "portal.Office", on_delete=models.PROTECT, related_name="lookups", verbose_name=_("office")
    )
    using_agency = models.ForeignKey(
        "portal.UsingAgency", on_delete=models.PROTECT, related_name="lookups", verbose_name=_("using agency")
    )
    approved_use = models.ForeignKey(
        "hub.ApprovedUse", on_delete=models.PROTECT, related_name="lookups", verbose_name=_("approved use")
    )
    subject_kind = models.CharField(_("subject kind"), max_length=20, choices=SubjectKind.choices)
    # The subject (an RRN, a PNU, ...) encrypted (blank once purged); found by its keyed hash.
    subject_encrypted = models.TextField(_("subject (encrypted)"), blank=True, editable=False)
    subject_hash = models.CharField(_("subject hash"), max_length=64, db_index=True, editable=False)
    # The official's own case reference (e.g. their agency's file number); blank: none.
    case_reference = models.CharField(_("case reference"), max_length=60, blank=True)
    reason = models.CharField(_("reason"), max_length=500)
    consent_basis = models.CharField(
        _("consent"), max_length=20, choices=ConsentBasis.choices, default=ConsentBasis.NONE
    )
    consent_grant = models.ForeignKey(
        ConsentGrant,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lookups",
        verbose_name=_("online consent"),
    )
    consent_document = models.ForeignKey(
        "documents.EDocument",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("paper consent (scan)"),
    )
    fetch_request = models.OneToOneField(
        "sharing.FetchRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lookup",
        verbose_name=_("fetch"),
    )
    created_at = models.DateTimeField(_("looked up at"), default=timezone.now, db_index=True)
    # Until when the answer, the subject and the consent scan are kept (then purged; the row stays).
    kept_until = models.DateTimeField(_("kept until"), db_index=True)
    purged_at = models.DateTimeField(_("personal data deleted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("look-up")
        verbose_name_plural = _("look-ups")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(consent_basis="online") | Q(consent_grant__isnull=False),
                name="hub_lookup_online_consent_has_grant",
            ),
        ]
        indexes = [
            models.Index(fields=["official", "-created_at"], name="hub_lookup_official_idx"),
            models.Index(fields=["approved_use", "-created_at"], name="hub_lookup_use_idx"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_purged(self) -> bool:
        return self.purged_at is not None

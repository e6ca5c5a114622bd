"""Approved uses (이용 승인) and the people who apply for and decide them.

A use is what every fetch runs under, whether it comes from a petition, a refund inquiry or an
official's look-up: a using agency may ask one owning agency's item, for one administrative
affair (사무), for exactly the approved fields, for one purpose under a stated legal basis,
within a period. The using agency applies; the owning agency's reviewers approve (possibly
narrowed: fewer fields, a shorter period), refuse, suspend, resume or revoke it. Every step is
kept as an event with who and when. The one check of a fetch against its use is
``sharing.hub.selectors.use_check``.
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

AFFAIR_CODE_VALIDATOR = RegexValidator(
    r"^[A-Z0-9][A-Z0-9-]{1,39}$",
    _("An affair code is 2 to 40 capital letters, digits and hyphens, e.g. LOCAL-PARKING-01."),
)


def _in_english() -> bool:
    return (get_language() or "ko").startswith("en")


class UsingAgencyAdministrator(models.Model):
    """An official who applies for and manages the approved uses of a using agency."""

    using_agency = models.ForeignKey(
        "portal.UsingAgency", on_delete=models.CASCADE, related_name="administrators", verbose_name=_("using agency")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="administered_using_agencies",
        verbose_name=_("official"),
    )

    class Meta:
        verbose_name = _("using agency administrator")
        verbose_name_plural = _("using agency administrators")
        constraints = [models.UniqueConstraint(fields=["using_agency", "user"], name="hub_using_admin_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.using_agency}"


class OwningAgencyReviewer(models.Model):
    """An official of an owning agency who decides applications for its items (이용 승인 심사)."""

    agency = models.ForeignKey(
        "sharing.Agency", on_delete=models.CASCADE, related_name="reviewers", verbose_name=_("owning agency")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reviewed_agencies",
        verbose_name=_("official"),
    )

    class Meta:
        verbose_name = _("owning agency reviewer")
        verbose_name_plural = _("owning agency reviewers")
        constraints = [models.UniqueConstraint(fields=["agency", "user"], name="hub_owning_reviewer_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.agency}"


class ApprovedUse(models.Model):
    class Status(models.TextChoices):
        APPLIED = "applied", _("Waiting for review")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")
        SUSPENDED = "suspended", _("Suspended")
        REVOKED = "revoked", _("Revoked")

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    using_agency = models.ForeignKey(
        "portal.UsingAgency", on_delete=models.PROTECT, related_name="approved_uses", verbose_name=_("using agency")
    )
    item = models.ForeignKey(
        "sharing.InformationItem",
        on_delete=models.PROTECT,
        related_name="approved_uses",
        verbose_name=_("information item"),
    )
    affair_code = models.CharField(_("affair code"), max_length=40, validators=[AFFAIR_CODE_VALIDATOR])
    affair_name_ko = models.CharField(_("administrative affair (Korean)"), max_length=200)
    affair_name_en = models.CharField(_("administrative affair (English)"), max_length=200, blank=True)
    purpose = models.ForeignKey(
        "sharing.Purpose", on_delete=models.PROTECT, related_name="approved_uses", verbose_name=_("purpose")
    )
    legal_basis = models.CharField(
        _("legal basis (Korean)"), max_length=300, help_text=_("The law and article, e.g. 주차장법 제10조.")
    )
    legal_basis_en = models.CharField(_("legal basis (English)"), max_length=300, blank=True)
    consent_required = models.BooleanField(_("consent of the data subject required"), default=False)
    requested_fields = models.JSONField(_("fields applied for"), default=list)
    # The fields the owning agency approved: the requested ones or fewer (narrowed). Empty until decided.
    fields = models.JSONField(_("approved fields"), default=list, blank=True)
    expected_monthly_volume = models.PositiveIntegerField(_("expected look-ups per month"), default=0)
    requested_from = models.DateField(_("period applied for: from"))
    requested_until = models.DateField(_("period applied for: until"))
    valid_from = models.DateField(_("approved from"), null=True, blank=True)
    valid_until = models.DateField(_("approved until"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.APPLIED, db_index=True)
    # The reason given with the last decision (refusal, narrowing, suspension, revocation).
    reason = models.CharField(_("reason of the last decision"), max_length=500, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("applied for by"),
    )
    created_at = models.DateTimeField(_("applied at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)
    # Incremented by every change of the row: the key of its cached copy (selectors.use_for_fetch).
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("approved use")
        verbose_name_plural = _("approved uses")
        ordering = ["using_agency__code", "item__code", "affair_code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(requested_from__lte=F("requested_until")), name="hub_use_requested_period_order"
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_from__lte=F("valid_until")),
                name="hub_use_valid_period_order",
            ),
            # A use that has been approved has its period (suspended and revoked ones keep theirs).
            models.CheckConstraint(
                condition=Q(status__in=["applied", "refused"]) | Q(valid_from__isnull=False, valid_until__isnull=False),
                name="hub_use_decided_has_period",
            ),
            # One application waiting per affair, item and purpose: a form sent twice creates one.
            models.UniqueConstraint(
                fields=["using_agency", "item", "affair_code", "purpose"],
                condition=Q(status="applied"),
                name="hub_use_one_waiting_application",
            ),
        ]
        indexes = [models.Index(fields=["using_agency", "status"], name="hub_use_agency_status_idx")]

    def __str__(self) -> str:
        return f"{self.affair_code} · {self.item_id and self.item.code}"

    @property
    def affair_name(self) -> str:
        return self.affair_name_en if _in_english() and self.affair_name_en else self.affair_name_ko

    @property
    def legal_basis_text(self) -> str:
        return self.legal_basis_en if _in_english() and self.legal_basis_en else self.legal_basis

    def in_force_on(self, day: datetime.date) -> bool:
        """Approved, and ``day`` within the approved period."""
        return (
            self.status == self.Status.APPROVED
            and self.valid_from is not None
            and self.valid_until is not None
            and self.valid_from <= day <= self.valid_until
        )


class ApprovedUseEvent(models.Model):
    """One step in the life of a use: who did what, when, why, and the fields and period after it."""

    class Action(models.TextChoices):
        APPLIED = "applied", _("Applied for")
        APPROVED = "approved", _("Approved as applied for")
        NARROWED = "narrowed", _("Approved with fewer fields or a shorter period")
        REFUSED = "refused", _("Refused")
        SUSPENDED = "suspended", _("Suspended")
        RESUMED = "resumed", _("Resumed")
        REVOKED = "revoked", _("Revoked")

    use = models.ForeignKey(ApprovedUse, on_delete=models.CASCADE, related_name="events", verbose_name=_("use"))
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    actor_label = models.CharField(_("by (as recorded)"), max_length=200, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    fields = models.JSONField(_("fields after this step"), default=list, blank=True)
    valid_from = models.DateField(_("from"), null=True, blank=True)
    valid_until = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("approved use event")
        verbose_name_plural = _("approved use events")
        ordering = ["use", "at", "id"]

    def __str__(self) -> str:
        return f"{self.use_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class UsePush(models.Model):
    """Where the owning agency stands on a use: the last version the portal sent it and it stored.

    A decision (approve, narrow, suspend, resume, revoke) is pushed to the agency over the
    signed standard connection (``sharing.hub.push``), retried by Celery until the agency
    acknowledges a version at least as new as the use's.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Being sent to the owning agency")
        PUSHED = "pushed", _("Held by the owning agency")
        FAILED = "failed", _("Not yet received by the owning agency")

    use = models.OneToOneField(ApprovedUse, on_delete=models.CASCADE, related_name="push", verbose_name=_("use"))
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.PENDING)
    # The use's version the agency confirmed it holds (0: none yet).
    pushed_version = models.PositiveIntegerField(_("version held by the agency"), default=0)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    pushed_at = models.DateTimeField(_("received by the agency at"), null=True, blank=True)

    class Meta:
        verbose_name = _("push of a use to its agency")
        verbose_name_plural = _("pushes of uses to their agencies")

    def __str__(self) -> str:
        return f"{self.use_id} {self.state} v{self.pushed_version}"


class OversightFlag(models.Model):
    """A pattern of officials' look-ups a reviewer should look at (sharing.hub.oversight).

    Raised by the periodic job from the access log, once per window (``key`` is unique), and
    closed by a supervisor or the privacy officer of the office with a note. No clear personal
    data: the person concerned is named by the access log's keyed hash only.
    """

    class Kind(models.TextChoices):
        VOLUME = "volume", _("Far more look-ups than the official's usual")
        SAME_PERSON = "same_person", _("The same person looked up by many officials")
        OFF_HOURS = "off_hours", _("Look-ups outside working hours")
        NO_CASE = "no_case", _("Look-ups with no case reference")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    # kind:office:official:affair:subject:window_start:window_end; the same window is flagged once.
    key = models.CharField(_("window key"), max_length=200, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    office = models.ForeignKey(
        "portal.Office", on_delete=models.PROTECT, related_name="oversight_flags", verbose_name=_("office")
    )
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="oversight_flags",
        verbose_name=_("official"),
    )
    subject_hash = models.CharField(_("whose data (keyed hash)"), max_length=64, blank=True)
    affair_code = models.CharField(_("affair code"), max_length=40, blank=True)
    window_start = models.DateField(_("from"))
    window_end = models.DateField(_("until"))
    count = models.PositiveIntegerField(_("count"))
    # What the count was measured against (the threshold in force, the usual daily count).
    threshold = models.PositiveIntegerField(_("threshold"), default=0)
    usual = models.DecimalField(_("usual daily count"), max_digits=8, decimal_places=1, null=True, blank=True)
    raised_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    note = models.TextField(_("reviewer's note"), blank=True)

    class Meta:
        verbose_name = _("oversight flag")
        verbose_name_plural = _("oversight flags")
        ordering = ["status", "-window_end", "-id"]
        indexes = [models.Index(fields=["office", "status", "-window_end"], name="hub_flag_office_status_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(window_start__lte=F("window_end")), name="hub_flag_window_order"),
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True)
                | Q(status="closed", closed_at__isnull=False, closed_by__isnull=False),
                name="hub_flag_closed_has_who_and_when",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.office_id} {self.window_start}..{self.window_end}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def subject_short(self) -> str:
        return self.subject_hash[:12]


# Officials' look-ups and citizens' online consents live in their own module (one part, one file).
from .models_lookups import ConsentGrant, Lookup  # noqa: E402

__all__ = [
    "ApprovedUse",
    "ApprovedUseEvent",
    "ConsentGrant",
    "Lookup",
    "OwningAgencyReviewer",
    "UsingAgencyAdministrator",
]

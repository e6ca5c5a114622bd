"""The life of an approved use: applied for by a using agency, decided by the owning agency.

Transitions (anything else raises InvalidTransition):

    applied   --approve/narrow--> approved     applied   --refuse--> refused
    approved  --suspend--> suspended           suspended --resume--> approved
    approved, suspended --revoke--> revoked

Every step writes an ApprovedUseEvent, bumps the use's version and drops its cached snapshot
once the transaction commits, so the next fetch anywhere sees the change; a decision the owning
agency must know (approved, suspended, revoked) is then pushed to it (``push``, ``tasks``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from sharing.models import InformationItem, Purpose

from .errors import InvalidApplication, InvalidTransition, NotAllowed
from .models import ApprovedUse, ApprovedUseEvent, OwningAgencyReviewer, UsePush, UsingAgencyAdministrator
from .selectors import snapshot_cache_key

Status = ApprovedUse.Status
Action = ApprovedUseEvent.Action

# Which decision may follow which status (the module docstring draws it).
_ALLOWED_FROM: dict[str, tuple[str, ...]] = {
    Action.APPROVED: (Status.APPLIED,),
    Action.NARROWED: (Status.APPLIED,),
    Action.REFUSED: (Status.APPLIED,),
    Action.SUSPENDED: (Status.APPROVED,),
    Action.RESUMED: (Status.SUSPENDED,),
    Action.REVOKED: (Status.APPROVED, Status.SUSPENDED),
}
_STATUS_AFTER: dict[str, str] = {
    Action.APPROVED: Status.APPROVED,
    Action.NARROWED: Status.APPROVED,
    Action.REFUSED: Status.REFUSED,
    Action.SUSPENDED: Status.SUSPENDED,
    Action.RESUMED: Status.APPROVED,
    Action.REVOKED: Status.REVOKED,
}
# Steps that must say why (a refusal, narrowing, suspension or revocation is explained to the applicant).
_REASON_REQUIRED = {Action.NARROWED, Action.REFUSED, Action.SUSPENDED, Action.REVOKED}


def _actor_label(user) -> str:
    return f"{user.display_name} ({user.staff_number or user.username})" if user else ""


def _clean_fields(item: InformationItem, fields: Iterable[str]) -> list[str]:
    known = [field.key for field in item.fields.all()]
    wanted = list(dict.fromkeys(fields))
    unknown = [name for name in wanted if name not in known]
    if not wanted:
        raise InvalidApplication(_("Choose at least one field."), field="fields")
    if unknown:
        raise InvalidApplication(
            _("The item %(item)s has no field(s) %(fields)s.") % {"item": item.code, "fields": ", ".join(unknown)},
            field="fields",
        )
    # In the item's own order, so that two uses of the same fields compare equal.
    return [name for name in known if name in wanted]


def _changed(use: ApprovedUse) -> None:
    key = snapshot_cache_key(use.pk)
    transaction.on_commit(lambda: cache.delete(key))


def _push_later(use: ApprovedUse) -> None:
    """Tells the owning agency of the decision once the transaction commits (retried by Celery)."""
    from .push import PUSHED_STATUSES
    from .tasks import use_push_task

    if use.status not in PUSHED_STATUSES:
        return
    UsePush.objects.update_or_create(use=use, defaults={"state": UsePush.State.PENDING, "last_error": ""})
    use_pk = use.pk
    transaction.on_commit(lambda: use_push_task.delay(use_pk))


def uses_push_all() -> int:
    """Queues a push of every decided use the owning agency does not hold at its present version.

    Idempotent: the agency keeps a push only when its version is newer than what it holds, so
    running this again (seed_demo, an operator after an agency's outage) changes nothing there.
    Returns the number of uses queued.
    """
    from .push import PUSHED_STATUSES

    uses = list(
        ApprovedUse.objects.filter(status__in=PUSHED_STATUSES)
        .exclude(push__pushed_version__gte=F("version"))
        .order_by("pk")
    )
    with transaction.atomic():
        for use in uses:
            _push_later(use)
    return len(uses)


def _record(use: ApprovedUse, action: str, actor, reason: str = "") -> ApprovedUseEvent:
    return ApprovedUseEvent.objects.create(
        use=use,
        action=action,
        actor=actor,
        actor_label=_actor_label(actor),
        reason=reason,
        fields=list(use.fields or use.requested_fields),
        valid_from=use.valid_from or use.requested_from,
        valid_until=use.valid_until or use.requested_until,
    )


@transaction.atomic
def use_apply(
    *,
    actor,
    using_agency,
    item: InformationItem,
    affair_code: str,
    affair_name_ko: str,
    affair_name_en: str = "",
    purpose: Purpose,
    legal_basis: str,
    legal_basis_en: str = "",
    consent_required: bool,
    fields: Iterable[str],
    expected_monthly_volume: int,
    requested_from: datetime.date,
    requested_until: datetime.date,
) -> ApprovedUse:
    """A using agency's administrator applies for a use of one item (이용 신청)."""
    if (
        actor is not None
        and not UsingAgencyAdministrator.objects.filter(user=actor, using_agency=using_agency).exists()
    ):
        raise NotAllowed(_("Only an administrator of %(agency)s may apply for its uses.") % {"agency": using_agency})
    if not legal_basis.strip():
        raise InvalidApplication(_("Name the law and article that allow this use."), field="legal_basis")
    if requested_from > requested_until:
        raise InvalidApplication(_("The period must end after it starts."), field="requested_until")
    if requested_until < timezone.localdate():
        raise InvalidApplication(_("The period has already ended."), field="requested_until")
    try:
        # A savepoint: the caller's transaction stays usable after a refusal. The constraint
        # hub_use_one_waiting_application refuses a second application (a form sent twice).
        with transaction.atomic():
            use = ApprovedUse.objects.create(
                using_agency=using_agency,
                item=item,
                affair_code=affair_code.strip().upper(),
                affair_name_ko=affair_name_ko.strip(),
                affair_name_en=affair_name_en.strip(),
                purpose=purpose,
                legal_basis=legal_basis.strip(),
                legal_basis_en=legal_basis_en.strip(),
                consent_required=consent_required,
                requested_fields=_clean_fields(item, fields),
                expected_monthly_volume=expected_monthly_volume,
                requested_from=requested_from,
                requested_until=requested_until,
                applied_by=actor,
            )
    except IntegrityError:
        raise InvalidApplication(
            _("An application for this affair, item and purpose is already waiting for review."),
            code="duplicate_application",
        ) from None
    _record(use, Action.APPLIED, actor)
    return use


def _may_decide(actor, use: ApprovedUse) -> None:
    if actor is None:  # the portal's own seeding and tests of the model, never a request
        return
    if not OwningAgencyReviewer.objects.filter(user=actor, agency_id=use.item.agency_id).exists():
        raise NotAllowed(_("Only a reviewer of %(agency)s may decide uses of its items.") % {"agency": use.item.agency})


def _locked(use: ApprovedUse) -> ApprovedUse:
    return ApprovedUse.objects.select_for_update().select_related("item__agency").get(pk=use.pk)


def _decide(use: ApprovedUse, action: str, actor, reason: str, changes: dict | None = None) -> ApprovedUse:
    use = _locked(use)
    _may_decide(actor, use)
    if use.status not in _ALLOWED_FROM[action]:
        raise InvalidTransition(
            _("A use that is %(status)s cannot be %(action)s.")
            % {"status": use.get_status_display(), "action": Action(action).label.lower()}
        )
    reason = (reason or "").strip()
    if action in _REASON_REQUIRED and not reason:
        raise InvalidApplication(_("Give the reason, for the applicant and the record."), field="reason")
    for name, value in (changes or {}).items():
        setattr(use, name, value)
    use.status = _STATUS_AFTER[action]
    use.reason = reason[:500]
    use.version = F("version") + 1
    use.save()
    use.refresh_from_db()
    _record(use, action, actor, reason[:500])
    _changed(use)
    _push_later(use)
    return use


@transaction.atomic
def use_approve(
    *,
    actor,
    use: ApprovedUse,
    fields: Iterable[str] | None = None,
    valid_from: datetime.date | None = None,
    valid_until: datetime.date | None = None,
    reason: str = "",
) -> ApprovedUse:
    """Approves as applied for, or narrowed: fewer fields and/or a shorter period (with a reason).

    Widening (a field or a day not applied for) is refused: that needs a new application.
    """
    approved_fields = _clean_fields(use.item, fields if fields is not None else use.requested_fields)
    wider = [name for name in approved_fields if name not in use.requested_fields]
    start = valid_from or use.requested_from
    end = valid_until or use.requested_until
    if wider:
        raise InvalidApplication(
            _("The fields %(fields)s were not applied for; the agency must apply again.")
            % {"fields": ", ".join(wider)},
            field="fields",
        )
    if start < use.requested_from or end > use.requested_until or start > end:
        raise InvalidApplication(_("The approved period must lie within the period applied for."), field="valid_until")
    narrowed = len(approved_fields) < len(use.requested_fields) or (start, end) != (
        use.requested_from,
        use.requested_until,
    )
    action = Action.NARROWED if narrowed else Action.APPROVED
    return _decide(use, action, actor, reason, {"fields": approved_fields, "valid_from": start, "valid_until": end})


@transaction.atomic
def use_refuse(*, actor, use: ApprovedUse, reason: str) -> ApprovedUse:
    return _decide(use, Action.REFUSED, actor, reason)


@transaction.atomic
def use_suspend(*, actor, use: ApprovedUse, reason: str) -> ApprovedUse:
    return _decide(use, Action.SUSPENDED, actor, reason)


@transaction.atomic
def use_resume(*, actor, use: ApprovedUse, reason: str = "") -> ApprovedUse:
    return _decide(use, Action.RESUMED, actor, reason)


@transaction.atomic
def use_revoke(*, actor, use: ApprovedUse, reason: str) -> ApprovedUse:
    return _decide(use, Action.REVOKED, actor, reason)

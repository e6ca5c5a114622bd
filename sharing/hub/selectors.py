"""Reads of approved uses, and the one check every fetch passes: ``use_check``.

A fetch reads its use through ``use_for_fetch``: a snapshot kept in the shared cache under the
use's id and dropped by every change of the use (``services._changed``), so the check adds no
query per fetch once the snapshot is cached, and a suspension or revocation applies to the
very next fetch in every process. The fetches of one case are made with their uses read at
once (``uses_for_fetch``): one read of the cache, and at most one query, per case.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Case, Exists, OuterRef, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import UseRefused
from .models import ApprovedUse, OwningAgencyReviewer, UsingAgencyAdministrator

SNAPSHOT_TIMEOUT_SECONDS = 3600


@dataclass(frozen=True)
class UseSnapshot:
    """What a fetch needs of its use, small enough to cache (no personal data)."""

    id: int
    public_id: str
    version: int
    status: str
    using_agency_id: int
    using_agency_code: str
    item_code: str
    agency_code: str
    affair_code: str
    affair_name_ko: str
    affair_name_en: str
    purpose_code: str
    legal_basis: str
    legal_basis_en: str
    consent_required: bool
    fields: tuple[str, ...]
    valid_from: datetime.date | None
    valid_until: datetime.date | None

    @classmethod
    def of(cls, use: ApprovedUse) -> UseSnapshot:
        return cls(
            id=use.pk,
            public_id=str(use.public_id),
            version=use.version,
            status=use.status,
            using_agency_id=use.using_agency_id,
            using_agency_code=use.using_agency.code,
            item_code=use.item.code,
            agency_code=use.item.agency.code,
            affair_code=use.affair_code,
            affair_name_ko=use.affair_name_ko,
            affair_name_en=use.affair_name_en,
            purpose_code=use.purpose.code,
            legal_basis=use.legal_basis,
            legal_basis_en=use.legal_basis_en,
            consent_required=use.consent_required,
            fields=tuple(use.fields or ()),
            valid_from=use.valid_from,
            valid_until=use.valid_until,
        )


def snapshot_cache_key(use_id: int) -> str:
    # "2": the snapshot's shape (a cached copy of another shape is never read back).
    return f"hub:use:2:{use_id}"


def uses_queryset() -> QuerySet[ApprovedUse]:
    return ApprovedUse.objects.select_related("using_agency", "item__agency", "purpose")


def use_for_fetch(use_id: int) -> UseSnapshot | None:
    """The use as a fetch sees it: from the shared cache, else one query (then cached)."""
    return uses_for_fetch([use_id]).get(use_id)


def uses_for_fetch(use_ids: Iterable[int]) -> dict[int, UseSnapshot]:
    """``use_for_fetch`` of several uses at once (the fetches of one case): one read of the
    shared cache, and one query for the uses it does not hold (then cached); an unknown id is
    left out."""
    keys = {snapshot_cache_key(use_id): use_id for use_id in dict.fromkeys(use_ids)}
    if not keys:
        return {}
    found = {keys[key]: snapshot for key, snapshot in cache.get_many(list(keys)).items()}
    missing = [use_id for use_id in keys.values() if use_id not in found]
    if missing:
        read = {use.pk: UseSnapshot.of(use) for use in uses_queryset().filter(pk__in=missing)}
        cache.set_many(
            {snapshot_cache_key(use_id): snapshot for use_id, snapshot in read.items()}, SNAPSHOT_TIMEOUT_SECONDS
        )
        found.update(read)
    return found


def use_check(
    use: UseSnapshot | None,
    *,
    using_agency_id: int | None,
    item_code: str,
    fields: Iterable[str],
    purpose_code: str,
    consent_given: bool,
    on: datetime.date | None = None,
) -> None:
    """Raises UseRefused unless a fetch of ``fields`` of ``item_code`` for ``purpose_code`` by an
    office of ``using_agency_id`` is inside the use on day ``on`` (today by default).

    ``consent_given``: whether the data subject's consent for this fetch is on record (the
    petition's consent, a consent grant, a signed paper consent); needed only when the use says so.
    """
    if use is None:
        raise UseRefused(_("The fetch names no approved use."), code="no_use")
    if use.status != ApprovedUse.Status.APPROVED:
        label = ApprovedUse.Status(use.status).label
        raise UseRefused(
            _("The approved use %(affair)s is not in force: %(status)s.")
            % {"affair": use.affair_code, "status": label},
            code=f"use_{use.status}",
        )
    day = on or timezone.localdate()
    if use.valid_from is None or use.valid_until is None or day < use.valid_from:
        raise UseRefused(
            _("The approved use %(affair)s is not in force yet.") % {"affair": use.affair_code}, code="use_not_yet"
        )
    if day > use.valid_until:
        raise UseRefused(
            _("The approved use %(affair)s expired on %(date)s.")
            % {"affair": use.affair_code, "date": use.valid_until.isoformat()},
            code="use_expired",
        )
    if using_agency_id is None or using_agency_id != use.using_agency_id:
        raise UseRefused(
            _("The approved use %(affair)s belongs to another using agency.") % {"affair": use.affair_code},
            code="use_other_agency",
        )
    if item_code != use.item_code:
        raise UseRefused(
            _("The approved use %(affair)s does not cover the item %(item)s.")
            % {"affair": use.affair_code, "item": item_code},
            code="use_other_item",
        )
    if purpose_code != use.purpose_code:
        raise UseRefused(
            _("The approved use %(affair)s is for another purpose.") % {"affair": use.affair_code},
            code="use_other_purpose",
        )
    outside = [name for name in fields if name not in use.fields]
    if outside:
        raise UseRefused(
            _("The fields %(fields)s are not approved under %(affair)s.")
            % {"fields": ", ".join(outside), "affair": use.affair_code},
            code="use_fields",
        )
    if use.consent_required and not consent_given:
        raise UseRefused(
            _("The approved use %(affair)s needs the consent of the person concerned, and none is on record.")
            % {"affair": use.affair_code},
            code="use_consent",
        )


def uses_of_using_agency(using_agency_id: int) -> QuerySet[ApprovedUse]:
    return uses_queryset().filter(using_agency_id=using_agency_id)


def uses_in_force(*, using_agency_id: int, on: datetime.date | None = None) -> QuerySet[ApprovedUse]:
    day = on or timezone.localdate()
    return uses_of_using_agency(using_agency_id).filter(
        status=ApprovedUse.Status.APPROVED, valid_from__lte=day, valid_until__gte=day
    )


# --- The pages of applying for and deciding uses (views_uses) --------------------------------

ROLES_CACHE_SECONDS = 3600
EXPIRING_SOON_DAYS = 30


@dataclass(frozen=True)
class HubRoles:
    """Which of the hub's roles a user holds: what the officials' menu links to."""

    administers: bool = False
    reviews: bool = False


def roles_cache_key(user_id: int) -> str:
    return f"hub:roles:{user_id}"


def hub_roles(user) -> HubRoles:
    """The user's hub roles, from the shared cache (dropped by every change of a role row, see receivers)."""
    if not (user.is_authenticated and user.is_official):
        return HubRoles()
    key = roles_cache_key(user.pk)
    roles = cache.get(key)
    if roles is None:
        roles = HubRoles(
            administers=UsingAgencyAdministrator.objects.filter(user=user).exists(),
            reviews=OwningAgencyReviewer.objects.filter(user=user).exists(),
        )
        cache.set(key, roles, ROLES_CACHE_SECONDS)
    return roles


def _pages_queryset() -> QuerySet[ApprovedUse]:
    return uses_queryset().select_related("push")


def uses_for_administrator(user) -> QuerySet[ApprovedUse]:
    """The uses of every using agency the user administers, newest application first."""
    return (
        _pages_queryset()
        .filter(using_agency__administrators__user=user)
        .order_by("using_agency__name_ko", "-created_at", "-pk")
    )


def uses_for_reviewer(user) -> QuerySet[ApprovedUse]:
    """Applications for the items of every owning agency the user reviews: waiting ones first
    (oldest first, in the order they came), then the decided ones (latest change first)."""
    waiting_first = Case(When(status=ApprovedUse.Status.APPLIED, then=Value(0)), default=Value(1))
    return (
        _pages_queryset()
        .filter(item__agency__reviewers__user=user)
        .annotate(waiting_first=waiting_first)
        .order_by("waiting_first", "created_at", "-updated_at", "pk")
    )


@dataclass(frozen=True)
class UseAccess:
    use: ApprovedUse
    administers: bool  # the user administers the using agency that applied
    reviews: bool  # the user reviews for the agency that owns the item


def use_for_user(user, public_id) -> UseAccess | None:
    """The use with this public id if the user administers its using agency or reviews its item's
    agency; None otherwise (the page answers 404 whether or not the use exists)."""
    if not (user.is_authenticated and user.is_official):
        return None
    use = (
        _pages_queryset()
        .filter(public_id=public_id)
        .annotate(
            administers=Exists(
                UsingAgencyAdministrator.objects.filter(user=user, using_agency_id=OuterRef("using_agency_id"))
            ),
            reviews=Exists(OwningAgencyReviewer.objects.filter(user=user, agency_id=OuterRef("item__agency_id"))),
        )
        .first()
    )
    if use is None or not (use.administers or use.reviews):
        return None
    return UseAccess(use=use, administers=use.administers, reviews=use.reviews)


def use_history(use: ApprovedUse) -> QuerySet:
    return use.events.select_related("actor").order_by("at", "pk")


def days_left(use: ApprovedUse, today: datetime.date | None = None) -> int | None:
    """Days until the approved period ends (0: the last day), for a use in force or not yet; None otherwise."""
    if use.status != ApprovedUse.Status.APPROVED or use.valid_until is None:
        return None
    day = today or timezone.localdate()
    return (use.valid_until - day).days if use.valid_until >= day else None


def expiring_soon(use: ApprovedUse, today: datetime.date | None = None) -> bool:
    left = days_left(use, today)
    return left is not None and left <= EXPIRING_SOON_DAYS

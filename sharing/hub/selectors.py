"""Reads of approved uses, and the one check every fetch passes: ``use_check``.

A fetch reads its use through ``use_for_fetch``: a snapshot kept in the shared cache under the
use's id and dropped by every change of the use (``services._changed``), so the check adds no
query per fetch once the snapshot is cached, and a suspension or revocation applies to the
very next fetch in every process.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import QuerySet
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
    key = snapshot_cache_key(use_id)
    snapshot = cache.get(key)
    if snapshot is None:
        use = uses_queryset().filter(pk=use_id).first()
        if use is None:
            return None
        snapshot = UseSnapshot.of(use)
        cache.set(key, snapshot, SNAPSHOT_TIMEOUT_SECONDS)
    return snapshot


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


def using_agencies_administered(user) -> list[int]:
    if not (user.is_authenticated and user.is_official):
        return []
    return list(UsingAgencyAdministrator.objects.filter(user=user).values_list("using_agency_id", flat=True))


def owning_agencies_reviewed(user) -> list[int]:
    if not (user.is_authenticated and user.is_official):
        return []
    return list(OwningAgencyReviewer.objects.filter(user=user).values_list("agency_id", flat=True))

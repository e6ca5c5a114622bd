"""Reads of the oversight pages: who oversees which office, look-ups per official and per affair,
the flags and the entries behind one. Each read is a fixed number of aggregate queries.

Who oversees: the supervisors (OfficeMembership role supervisor) and the privacy officers
(sharing.tracker.PrivacyOfficer) of an office see its officials' look-ups and flags, and close
its flags. A supervisor oversees the offices they supervise, not every office of their using
agency: look-ups are personal data, and the office is where the privacy officer is appointed
and where a supervisor knows the officials and their cases. The usage by month (no personal
data) is shown to administrators for every using agency and to the overseers of an office for
the whole using agency of that office.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Case, Count, Max, Q, QuerySet, Value, When
from django.http import Http404

from portal.models import Office, OfficeMembership
from portal.roles import english_active
from sharing.models import AccessLogEntry
from sharing.tracker.models import PrivacyOfficer

from . import oversight
from .models import ApprovedUse, OversightFlag

ENTRIES_SHOWN = 500


def oversight_office_ids(user) -> set[int]:
    """The offices whose look-ups ``user`` oversees (supervisor or privacy officer)."""
    if not (user.is_authenticated and user.is_official):
        return set()
    supervised = OfficeMembership.objects.filter(user=user, role=OfficeMembership.Role.SUPERVISOR).values_list(
        "office_id", flat=True
    )
    privacy = PrivacyOfficer.objects.filter(user=user).values_list("office_id", flat=True)
    return set(supervised.union(privacy))


def usage_using_agency_ids(user) -> set[int] | None:
    """The using agencies whose usage ``user`` may read: None for every one (administrators)."""
    if user.is_authenticated and (user.is_superuser or user.is_administrator):
        return None
    offices = oversight_office_ids(user)
    return set(
        Office.objects.filter(pk__in=offices, using_agency__isnull=False).values_list("using_agency_id", flat=True)
    )


def offices(office_ids) -> list[Office]:
    return list(Office.objects.filter(pk__in=office_ids).order_by("name_ko"))


def affair_names(codes) -> dict[str, str]:
    """Affair code -> its name in the page's language (from the approved uses; one query)."""
    english = english_active()
    names: dict[str, str] = {}
    rows = ApprovedUse.objects.filter(affair_code__in=set(codes) - {""}).values_list(
        "affair_code", "affair_name_ko", "affair_name_en"
    )
    for code, name_ko, name_en in rows.order_by("affair_code", "-id"):
        names.setdefault(code, name_en if english and name_en else name_ko)
    return names


@dataclass(frozen=True)
class Period:
    first: datetime.date
    last: datetime.date


def _in_period(office_ids, period: Period) -> QuerySet[AccessLogEntry]:
    return oversight.between(oversight.lookups(), period.first, period.last).filter(office__in=office_ids)


def per_official(*, office_ids, period: Period) -> list[dict]:
    """Look-ups per official and office in the period (two queries: counts, open flags)."""
    rows = list(
        _in_period(office_ids, period)
        .values("actor", "office")
        .annotate(
            lookups=Count("id"),
            people=Count("subject_hash", distinct=True),
            affairs=Count("affair_code", distinct=True),
            no_case=Count("id", filter=Q(case_ref="")),
            label=Max("actor_label"),
            office_ko=Max("office__name_ko"),
            office_en=Max("office__name_en"),
        )
        .order_by("-lookups", "label")
    )
    open_flags = (
        OversightFlag.objects.filter(office__in=office_ids, status=OversightFlag.Status.OPEN, official__isnull=False)
        .values("official", "office")
        .annotate(n=Count("id"))
        .values_list("official", "office", "n")
    )
    flags = {(actor, office): n for actor, office, n in open_flags}
    english = english_active()
    days = (period.last - period.first).days + 1
    for row in rows:
        row["office_name"] = row["office_en"] if english and row["office_en"] else row["office_ko"]
        row["per_day"] = round(row["lookups"] / days, 1)
        row["open_flags"] = flags.get((row["actor"], row["office"]), 0)
    return rows


def per_affair(*, office_ids, period: Period) -> list[dict]:
    """Look-ups per affair (approved use) and office in the period (two queries)."""
    rows = list(
        _in_period(office_ids, period)
        .values("affair_code", "office")
        .annotate(
            lookups=Count("id"),
            officials=Count("actor", distinct=True),
            people=Count("subject_hash", distinct=True),
            no_case=Count("id", filter=Q(case_ref="")),
            office_ko=Max("office__name_ko"),
            office_en=Max("office__name_en"),
        )
        .order_by("-lookups", "affair_code")
    )
    names = affair_names(row["affair_code"] for row in rows)
    english = english_active()
    for row in rows:
        row["affair_name"] = names.get(row["affair_code"], "")
        row["office_name"] = row["office_en"] if english and row["office_en"] else row["office_ko"]
    return rows


@dataclass(frozen=True)
class FlagFilters:
    status: str = ""
    kind: str = ""
    office: int | None = None
    office_ids: set[int] = field(default_factory=set)


def flags(filters: FlagFilters) -> QuerySet[OversightFlag]:
    """The flags of the offices overseen, open ones first, then the newest window."""
    queryset = OversightFlag.objects.filter(office__in=filters.office_ids)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.office:
        queryset = queryset.filter(office=filters.office)
    open_first = Case(When(status=OversightFlag.Status.OPEN, then=Value(0)), default=Value(1))
    return queryset.select_related("office", "official", "closed_by").order_by(
        open_first, "-window_end", "-raised_at", "-id"
    )


def open_flag_counts(office_ids) -> dict[str, int]:
    return dict(
        OversightFlag.objects.filter(office__in=office_ids, status=OversightFlag.Status.OPEN)
        .values("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )


def flag_for(*, user, public_id) -> OversightFlag:
    """The flag, if ``user`` oversees its office; else 404 (whether it exists or not)."""
    flag = (
        OversightFlag.objects.filter(public_id=public_id, office__in=oversight_office_ids(user))
        .select_related("office", "official", "closed_by")
        .first()
    )
    if flag is None:
        raise Http404
    return flag


def flag_entries(flag: OversightFlag) -> dict:
    """The look-ups behind the flag, in its office (at most ENTRIES_SHOWN, the newest first), and
    for a person looked up across offices, how many look-ups other offices made (counts only)."""
    behind = oversight.entries_behind(flag)
    entries = list(
        behind.only(
            "sequence",
            "created_at",
            "actor_label",
            "office",
            "subject_hash",
            "case_ref",
            "item_code",
            "affair_code",
            "action",
        ).order_by("-sequence")[:ENTRIES_SHOWN]
    )
    total = behind.count()
    elsewhere = None
    if flag.kind == OversightFlag.Kind.SAME_PERSON:
        elsewhere = (
            oversight.between(oversight.lookups(), flag.window_start, flag.window_end)
            .filter(subject_hash=flag.subject_hash)
            .exclude(office=flag.office_id)
            .aggregate(lookups=Count("id"), offices=Count("office", distinct=True))
        )
    return {
        "entries": entries,
        "total": total,
        "elsewhere": elsewhere,
        "affairs": affair_names({entry.affair_code for entry in entries} | {flag.affair_code}),
    }

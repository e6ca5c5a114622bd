"""Usage of shared information, counted from the access log: per using agency, item and affair by
month (administrators, overseers; CSV), and per kind of using agency (the public /stats/ page).

A use is one access-log entry of a fetch (``fetched``) or an official's look-up (``looked_up``):
one per person a fetch or look-up was about. The using agency is the one of the office that made
it; entries of an office not attached to a using agency are not counted. Fixed number of
queries: one aggregate, then one query each for the names of agencies, items and affairs.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from portal.models import UsingAgency
from portal.roles import english_active
from sharing.models import AccessLogEntry, InformationItem

from .oversight import day_start
from .selectors_oversight import affair_names

USE_ACTIONS = (AccessLogEntry.Action.FETCHED, AccessLogEntry.Action.LOOKED_UP)


def uses() -> QuerySet[AccessLogEntry]:
    return AccessLogEntry.objects.filter(action__in=USE_ACTIONS, office__using_agency__isnull=False).order_by()


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def by_month(*, using_agency_ids: set[int] | None, first: datetime.date, last: datetime.date) -> list[dict]:
    """Rows (month, using agency, item, affair) with the fetches and look-ups of the months from
    ``first``'s to ``last``'s, in month order then by agency, item and affair codes. Four queries."""
    queryset = uses().filter(created_at__gte=day_start(month_start(first)), created_at__lt=day_start(next_month(last)))
    if using_agency_ids is not None:
        queryset = queryset.filter(office__using_agency__in=using_agency_ids)
    rows = list(
        queryset.annotate(month=TruncMonth("created_at", tzinfo=timezone.get_default_timezone()))
        .values("month", "office__using_agency", "item_code", "affair_code")
        .annotate(
            fetched=Count("id", filter=Q(action=AccessLogEntry.Action.FETCHED)),
            looked_up=Count("id", filter=Q(action=AccessLogEntry.Action.LOOKED_UP)),
        )
    )
    english = english_active()
    agencies = {
        agency.pk: agency for agency in UsingAgency.objects.filter(pk__in={row["office__using_agency"] for row in rows})
    }
    items = {
        code: (name_en if english and name_en else name_ko)
        for code, name_ko, name_en in InformationItem.objects.filter(
            code__in={row["item_code"] for row in rows}
        ).values_list("code", "name_ko", "name_en")
    }
    affairs = affair_names(row["affair_code"] for row in rows)
    result = []
    for row in rows:
        agency = agencies[row["office__using_agency"]]
        month = row["month"]
        result.append(
            {
                "month": f"{month:%Y-%m}",
                "agency_code": agency.code,
                "agency_name": agency.name_en if english and agency.name_en else agency.name_ko,
                "agency_kind": agency.get_kind_display(),
                "item_code": row["item_code"],
                "item_name": items.get(row["item_code"], row["item_code"]),
                "affair_code": row["affair_code"],
                "affair_name": affairs.get(row["affair_code"], ""),
                "fetched": row["fetched"],
                "looked_up": row["looked_up"],
                "total": row["fetched"] + row["looked_up"],
            }
        )
    result.sort(key=lambda r: (r["month"], r["agency_code"], r["item_code"], r["affair_code"]))
    return result


def months_of(rows: list[dict]) -> list[dict]:
    """The rows summed by month (for the chart)."""
    months: dict[str, dict] = defaultdict(lambda: {"fetched": 0, "looked_up": 0})
    for row in rows:
        months[row["month"]]["fetched"] += row["fetched"]
        months[row["month"]]["looked_up"] += row["looked_up"]
    return [{"month": month, **value} for month, value in sorted(months.items())]


def agencies_of(rows: list[dict]) -> list[dict]:
    """The rows summed by using agency, the most used first (for the chart)."""
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for row in rows:
        totals[(row["agency_code"], row["agency_name"])] += row["total"]
    return [
        {"code": code, "name": name, "total": n}
        for (code, name), n in sorted(totals.items(), key=lambda item: (-item[1], item[0][0]))
    ]


def by_agency_kind() -> list[dict]:
    """Uses per kind of using agency, every kind listed (one query). Language-neutral: the kind's
    code; the page labels it."""
    kind = "office__using_agency__kind"
    counts = dict(uses().values(kind).annotate(n=Count("id")).values_list(kind, "n"))
    return [{"kind": value, "uses": counts.get(value, 0)} for value in UsingAgency.Kind.values]

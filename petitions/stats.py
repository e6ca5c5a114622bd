"""What sharing saves (/stats/): computed from aggregates in a constant number of queries, cached.

The social cost per document not brought, and the time per petitioner, are the coefficients
of the seed document (행정정보 공동이용 성과, 2005-2012): 3,758 won of time, 383 won of travel,
486 won of fees and 46 won of printing per document; 0.36 hours per petitioner.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Aggregate, Count, DurationField, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import TruncMonth

COST_PER_DOCUMENT = {"time": 3758, "travel": 383, "fees": 486, "printing": 46}
WON_PER_DOCUMENT = sum(COST_PER_DOCUMENT.values())  # 4,673 won
HOURS_PER_PETITIONER = Decimal("0.36")
CACHE_KEY = "tracker:stats:v1"


class Median(Aggregate):
    """PostgreSQL's continuous median of an interval."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


def _month(value) -> str:
    return f"{value:%Y-%m}" if value else ""


def _savings(documents: int) -> dict:
    return {key: documents * won for key, won in COST_PER_DOCUMENT.items()} | {"total": documents * WON_PER_DOCUMENT}


def compute() -> dict:
    """The figures of /stats/ (language-neutral: names in both languages). Seven queries at most."""
    from petitions.models import Petition, PetitionType
    from sharing.models import Agency

    filed = Petition.objects.exclude(receipt_no=None).exclude(status=Petition.Status.DRAFT)
    petitions_by = list(
        filed.annotate(month=TruncMonth("submitted_at"))
        .values("month", "petition_type_id")
        .annotate(n=Count("id"))
        .order_by()
    )

    documents_by, petitioners_by = _documents_by(filed)
    decided = filed.filter(
        status__in=[Petition.Status.APPROVED, Petition.Status.REJECTED],
        decided_at__isnull=False,
        submitted_at__isnull=False,
    )
    on_time = Q(decided_at__date__lte=F("due_date"))
    if connection.vendor == "postgresql":
        processing = decided.aggregate(
            decided=Count("id"), on_time=Count("id", filter=on_time), median=Median(F("decided_at") - F("submitted_at"))
        )
        median = processing["median"]
    else:
        processing = decided.aggregate(decided=Count("id"), on_time=Count("id", filter=on_time))
        durations = [
            (d - s).total_seconds()
            for s, d in decided.values_list("submitted_at", "decided_at")
            if s is not None and d is not None  # the filter above: both are set
        ]
        median = timedelta(seconds=statistics.median(durations)) if durations else None

    type_ids = {row["petition_type_id"] for row in petitions_by}
    types: dict[int, Mapping[str, Any]] = {
        t["id"]: t for t in PetitionType.objects.filter(id__in=type_ids).values("id", "slug", "name_ko", "name_en")
    }
    agencies: dict[str, Mapping[str, Any]] = {a["code"]: a for a in Agency.objects.values("code", "name_ko", "name_en")}

    months: dict[str, dict] = defaultdict(lambda: {"petitions": 0, "documents": 0, "petitioners": 0})
    by_type: dict[int, dict] = defaultdict(lambda: {"petitions": 0, "documents": 0})
    by_agency: dict[str, int] = defaultdict(int)
    for row in petitions_by:
        months[_month(row["month"])]["petitions"] += row["n"]
        by_type[row["petition_type_id"]]["petitions"] += row["n"]
    for month, type_id, agency_code, n in documents_by:
        months[month]["documents"] += n
        by_type[type_id]["documents"] += n
        by_agency[agency_code] += n
    for month, n in petitioners_by:
        months[month]["petitioners"] += n

    def named(record: Mapping[str, Any] | None, fallback: str) -> dict:
        return {
            "name_ko": (record or {}).get("name_ko") or fallback,
            "name_en": (record or {}).get("name_en") or fallback,
        }

    return {
        "totals": {
            "petitions": sum(m["petitions"] for m in months.values()),
            "documents": sum(m["documents"] for m in months.values()),
            "petitioners": sum(m["petitioners"] for m in months.values()),
        },
        "by_month": [
            {"month": key, **value, "won_saved": value["documents"] * WON_PER_DOCUMENT}
            for key, value in sorted(months.items())
        ],
        "by_type": sorted(
            (
                {
                    "slug": types.get(type_id, {}).get("slug", ""),
                    **named(types.get(type_id), str(type_id)),
                    **value,
                    "won_saved": value["documents"] * WON_PER_DOCUMENT,
                }
                for type_id, value in by_type.items()
            ),
            key=lambda row: (-row["documents"], -row["petitions"], row["name_ko"]),
        ),
        "by_agency": sorted(
            (
                {"code": code, **named(agencies.get(code), code), "documents": n, "won_saved": n * WON_PER_DOCUMENT}
                for code, n in by_agency.items()
            ),
            key=lambda row: (-row["documents"], row["code"]),
        ),
        "processing": {
            "decided": processing["decided"],
            "on_time": processing["on_time"],
            "median_days": round(median.total_seconds() / 86400, 1) if median is not None else None,
        },
    }


def figures(*, refresh: bool = False) -> dict:
    """The cached figures (recomputed at most every STATS_CACHE_SECONDS)."""
    if not refresh:
        cached = cache.get(CACHE_KEY)
        if cached is not None:
            return cached
    data = compute()
    cache.set(CACHE_KEY, data, timeout=getattr(settings, "STATS_CACHE_SECONDS", 600))
    return data


def savings(totals: dict) -> dict:
    """The social cost saved, per coefficient, and the hours saved, from the totals."""
    documents = totals["documents"]
    return {**_savings(documents), "hours": totals["petitioners"] * HOURS_PER_PETITIONER}


def _month_sql(column: str) -> tuple[str, list]:
    """The local month ("YYYY-MM") of a datetime column, in SQL."""
    if connection.vendor == "postgresql":
        return f"to_char(({column} AT TIME ZONE %s), 'YYYY-MM')", [settings.TIME_ZONE]
    return f"substr(django_datetime_trunc('month', {column}, %s, 'UTC'), 1, 7)", [settings.TIME_ZONE]


def _documents_by(filed) -> tuple[list[tuple], list[tuple]]:
    """Documents not brought (fetched items that replace a document, of filed petitions) by
    (month, petition type, owning agency), and petitions with at least one of them by month.

    A fetch names its petition by receipt number (no foreign key): a join on it lets the
    database hash-join a million petitions instead of looking each fetch's petition up.
    """
    from petitions.models import Petition
    from sharing.models import Agency, FetchRequest, InformationItem

    if connection.vendor not in {"postgresql", "sqlite"}:
        return _documents_by_subqueries(filed)
    month, params = _month_sql("p.submitted_at")
    joined = (
        f"FROM {FetchRequest._meta.db_table} f "
        f"JOIN {Petition._meta.db_table} p ON p.receipt_no = f.case_ref "
        f"JOIN {InformationItem._meta.db_table} i ON i.id = f.item_id "
        f"JOIN {Agency._meta.db_table} a ON a.id = i.agency_id "
        "WHERE f.state = %s AND i.replaces_ko <> '' AND p.status <> %s "
    )
    where = [FetchRequest.State.FETCHED, Petition.Status.DRAFT]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {month}, p.petition_type_id, a.code, COUNT(*) {joined} GROUP BY 1, 2, 3", params + where
        )
        documents = [tuple(row) for row in cursor.fetchall()]
        cursor.execute(f"SELECT {month}, COUNT(DISTINCT p.id) {joined} GROUP BY 1", params + where)
        petitioners = [tuple(row) for row in cursor.fetchall()]
    return documents, petitioners


def _documents_by_subqueries(filed) -> tuple[list[tuple], list[tuple]]:
    """The same with portable correlated subqueries (slower; for other databases)."""
    from sharing.models import FetchRequest

    petition_of_case = filed.filter(receipt_no=OuterRef("case_ref")).order_by()
    documents = (
        FetchRequest.objects.filter(state=FetchRequest.State.FETCHED)
        .exclude(item__replaces_ko="")
        .annotate(
            petition_type_id=Subquery(petition_of_case.values("petition_type_id")[:1]),
            month=Subquery(petition_of_case.annotate(m=TruncMonth("submitted_at")).values("m")[:1]),
        )
        .filter(petition_type_id__isnull=False)
        .values_list("month", "petition_type_id", "item__agency__code")
        .annotate(n=Count("id"))
        .order_by()
    )
    replaced = FetchRequest.objects.filter(case_ref=OuterRef("receipt_no"), state=FetchRequest.State.FETCHED).exclude(
        item__replaces_ko=""
    )
    petitioners = (
        filed.filter(Exists(replaced))
        .annotate(month=TruncMonth("submitted_at"))
        .values_list("month")
        .annotate(n=Count("id"))
        .order_by()
    )
    return ([(_month(m), t, a, n) for m, t, a, n in documents], [(_month(m), n) for m, n in petitioners])

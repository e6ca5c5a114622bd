"""What sharing saves (/stats/): computed from aggregates in a constant number of queries, cached.

The social cost per document not brought, and the time per petitioner, are the coefficients
of the seed document (행정정보 공동이용 성과, 2005-2012): 3,758 won of time, 383 won of travel,
486 won of fees and 46 won of printing per document; 0.36 hours per petitioner.

The carbon saved is the factor those figures imply: "about 1,023 thousands (t-CO2) of the
carbon-emission-reduction effect" for "total 51,313,057 cases" (2005-2012), about 19.9 kg of
CO2 per case, times the cases the portal counts (documents not brought).
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
from django.db.models import (
    Aggregate,
    BigIntegerField,
    Count,
    DurationField,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear, TruncMonth
from django.utils import timezone

COST_PER_DOCUMENT = {"time": 3758, "travel": 383, "fees": 486, "printing": 46}
WON_PER_DOCUMENT = sum(COST_PER_DOCUMENT.values())  # 4,673 won
HOURS_PER_PETITIONER = Decimal("0.36")
# The seed's sentences, quoted on the page, and the factor computed from them (kg CO2 per case).
CARBON_SOURCE = (
    "1.84 trillion won of the social cost such as time cost, traffic cost, etc reduced from 2005 to Dec 2012 and "
    "about 1,023 thousands(t-CO2) of the carbon-emission-reduction effect was showed with this reducing cost"
)
CASES_SOURCE = (
    "The reduced social cost amount is 1 trillion 837.8 billion won(total 51,313,057 cases) from 2005 to 2012"
)
CARBON_TONNES_2005_2012 = 1_023_000
CASES_2005_2012 = 51_313_057
CARBON_KG_PER_CASE = Decimal(CARBON_TONNES_2005_2012 * 1000) / Decimal(CASES_2005_2012)
# v2: the figures gained the uses by kind of using agency (a v1 copy lacks them).
CACHE_KEY = "tracker:stats:v2"
_TYPE_SPAN = 1_000_000_000  # petition type ids stay below this (the ORM's month-and-type key)


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
    """The figures of /stats/ (language-neutral: names in both languages). Eight queries at most."""
    from petitions.models import Petition, PetitionType
    from sharing.hub import usage
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
        "uses_by_kind": usage.by_agency_kind(),
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
    """The social cost saved, per coefficient, the hours saved, and the carbon saved (kg CO2), from the totals."""
    documents = totals["documents"]
    return {
        **_savings(documents),
        "hours": totals["petitioners"] * HOURS_PER_PETITIONER,
        "carbon_kg": carbon_kg(documents),
    }


def carbon_kg(cases: int) -> Decimal:
    """The CO2 not emitted for ``cases`` documents not brought, in kg to one decimal."""
    return (cases * CARBON_KG_PER_CASE).quantize(Decimal("0.1"))


def _documents_by(filed) -> tuple[list[tuple], list[tuple]]:
    """Documents not brought (fetched items that replace a document, of filed petitions) by
    (month, petition type, owning agency), and petitions with at least one of them by month.

    A fetch names its petition by receipt number (no foreign key). PostgreSQL joins on it in raw
    SQL (`_documents_by_join`), the ORM cannot express that join; every other database uses the ORM
    (`_documents_by_orm`).
    """
    if connection.vendor == "postgresql":
        return _documents_by_join(filed)
    return _documents_by_orm(filed)


def _documents_by_join(filed) -> tuple[list[tuple], list[tuple]]:
    """PostgreSQL: a hash join of the fetches and the petitions on receipt number, in raw SQL."""
    from petitions.models import Petition
    from sharing.models import Agency, FetchRequest, InformationItem

    month = "to_char((p.submitted_at AT TIME ZONE %s), 'YYYY-MM')"
    joined = (
        f"FROM {FetchRequest._meta.db_table} f "
        f"JOIN {Petition._meta.db_table} p ON p.receipt_no = f.case_ref "
        f"JOIN {InformationItem._meta.db_table} i ON i.id = f.item_id "
        f"JOIN {Agency._meta.db_table} a ON a.id = i.agency_id "
        "WHERE f.state = %s AND i.replaces_ko <> '' AND p.status <> %s "
    )
    params = [settings.TIME_ZONE, FetchRequest.State.FETCHED, Petition.Status.DRAFT]
    with connection.cursor() as cursor:
        # Raw SQL, justified by tests/bench/test_stats_bench.py at 1,000,000 petitions and 2,000,000
        # fetches on PostgreSQL (2026-12-06, shared 2-core machine): this statement and the next take
        # 3.2-3.5 s together (the whole computation 3.6-3.7 s); the ORM takes 6.1-6.2 s at best (a
        # correlated subquery per fetch, petitioners by EXISTS), 10.5 s as _documents_by_orm is written
        # (9.4 s for the former portable version): over the stats target of about 1.5x today's compute.
        cursor.execute(f"SELECT {month}, p.petition_type_id, a.code, COUNT(*) {joined} GROUP BY 1, 2, 3", params)
        documents = [(m or "", t, a, n) for m, t, a, n in cursor.fetchall()]
        # Raw SQL: the figures of the statement above (3.2-3.5 s for both raw statements against 6.1-10.5 s
        # by the ORM, 1,000,000 petitions, PostgreSQL, 2026-12-06).
        cursor.execute(f"SELECT {month}, COUNT(DISTINCT p.id) {joined} GROUP BY 1", params)
        petitioners = [(m or "", n) for m, n in cursor.fetchall()]
    return documents, petitioners


def _documents_by_orm(filed) -> tuple[list[tuple], list[tuple]]:
    """The same by the ORM: each replacing fetch looks its petition's local month and type up in one
    correlated subquery (an integer, year * 100 + month, times 10**9, plus the type's id).

    Petitioners are counted from the fetch side too (distinct receipt numbers): SQLite plans an EXISTS
    from the petitions through the fetches' state index, a scan per petition (0.8 s at 3,000
    petitions against 0.2 s this way).
    """
    from sharing.models import FetchRequest

    tz = timezone.get_current_timezone()
    petition_of_case = filed.filter(receipt_no=OuterRef("case_ref")).order_by()
    yearmonth = Coalesce(
        ExtractYear("submitted_at", tzinfo=tz) * Value(100) + ExtractMonth("submitted_at", tzinfo=tz), 0
    )
    replacing = FetchRequest.objects.filter(state=FetchRequest.State.FETCHED).exclude(item__replaces_ko="")
    documents = (
        replacing.annotate(
            key=Subquery(
                petition_of_case.annotate(k=yearmonth * Value(_TYPE_SPAN) + F("petition_type_id")).values("k")[:1],
                output_field=BigIntegerField(),
            )
        )
        .values_list("key", "item__agency__code")
        .annotate(n=Count("id"))
        .order_by()
    )
    petitioners = (
        replacing.annotate(
            ym=Subquery(petition_of_case.annotate(k=yearmonth).values("k")[:1], output_field=IntegerField())
        )
        .values_list("ym")
        .annotate(n=Count("case_ref", distinct=True))
        .order_by()
    )

    def month(ym: int) -> str:
        return f"{ym // 100:04d}-{ym % 100:02d}" if ym else ""

    rows = []
    for key, agency, n in documents:
        if key is not None:  # a fetch of no filed petition (a refund inquiry's, a draft's)
            ym, type_id = divmod(key, _TYPE_SPAN)
            rows.append((month(ym), type_id, agency, n))
    return rows, [(month(ym), n) for ym, n in petitioners if ym is not None]

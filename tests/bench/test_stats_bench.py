"""Benchmark: /stats/ over many petitions (run by `make bench`).

Loads STATS_BENCH_PETITIONS petitions (default 200,000; set 1000000 for the issue's million)
over 24 months and 8 petition types, each with two fetched items (one of them replacing a
document) and a decision, then prints: the queries of one computation at 1,000 petitions and at
the full count (they must be equal), the time of the computation (what the cache spares every
visitor but one per STATS_CACHE_SECONDS), and the time of a cached page. Before that, it times
each way of counting the documents not brought named in STATS_BENCH_PATHS (default: the raw SQL
join, PostgreSQL's only, then the ORM version; on other databases the ORM's alone) and checks that
they give the same figures: the comparison that justifies the raw SQL in petitions/stats.py.
"""

import datetime
import os
import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from petitions import stats
from petitions.models import Petition
from sharing import crypto
from sharing.demo import seed as catalogue_seed
from sharing.models import FetchRequest, InformationItem
from tests.factories import CitizenFactory, OfficeFactory
from tests.petitions.factories import PetitionTypeFactory

PETITIONS = int(os.environ.get("STATS_BENCH_PETITIONS", "200000"))
BATCH = 5_000


def _load(start: int, count: int, *, types, applicant, office, items, subject) -> None:
    base = datetime.datetime(2024, 1, 1, 9, tzinfo=timezone.get_current_timezone())
    for batch_start in range(start, start + count, BATCH):
        petitions, fetches = [], []
        for number in range(batch_start, min(start + count, batch_start + BATCH)):
            submitted = base + datetime.timedelta(hours=(number * 17) % (24 * 730))
            receipt_no = f"{2024 + number // 9_000_000}-{number % 9_000_000 + 1:07d}"
            decided = number % 3 != 0
            petitions.append(
                Petition(
                    petition_type=types[number % len(types)],
                    applicant=applicant,
                    office=office,
                    status=Petition.Status.APPROVED if decided else Petition.Status.UNDER_REVIEW,
                    receipt_no=receipt_no,
                    submitted_at=submitted,
                    due_date=(submitted + datetime.timedelta(days=7)).date(),
                    decided_at=submitted + datetime.timedelta(days=number % 11) if decided else None,
                )
            )
            for item in (items[number % len(items)], items[(number + 3) % len(items)]):
                fetches.append(
                    FetchRequest(
                        case_ref=receipt_no,
                        item=item,
                        office=office,
                        fields=["name"],
                        purpose_code="P-PENSION",
                        subject_kind="person",
                        subject_encrypted=subject[0],
                        subject_hash=subject[1],
                        state=FetchRequest.State.FETCHED,
                        fetched_at=submitted,
                    )
                )
        Petition.objects.bulk_create(petitions)
        FetchRequest.objects.bulk_create(fetches)


def _queries() -> int:
    with CaptureQueriesContext(connection) as queries:
        stats.compute()
    return len(queries)


@pytest.mark.django_db(transaction=True)
def test_stats_queries_stay_constant_and_the_page_is_cached():
    catalogue_seed()
    office = OfficeFactory(code="jongno")
    applicant = CitizenFactory()
    types = [PetitionTypeFactory(slug=f"bench-{n}", handling_office=office) for n in range(8)]
    items = list(InformationItem.objects.filter(subject_kind="person").exclude(code="premium_refunds")[:6])
    subject = (crypto.encrypt_text("900101-1234567"), crypto.subject_hash("900101-1234567"))
    common = {"types": types, "applicant": applicant, "office": office, "items": items, "subject": subject}

    _load(0, 1_000, **common)
    small = _queries()
    started = time.perf_counter()
    _load(1_000, PETITIONS - 1_000, **common)
    loaded = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    large = _queries()
    started = time.perf_counter()
    data = stats.compute()
    computed = time.perf_counter() - started

    filed = Petition.objects.exclude(receipt_no=None).exclude(status=Petition.Status.DRAFT)
    reference = None
    default_paths = "_documents_by_join,_documents_by_orm" if connection.vendor == "postgresql" else "_documents_by_orm"
    for name in os.environ.get("STATS_BENCH_PATHS", default_paths).split(","):
        started = time.perf_counter()
        documents, petitioners = getattr(stats, name)(filed)
        elapsed = time.perf_counter() - started
        result = (sorted(documents), sorted(petitioners))
        print(f"\n{name}: {elapsed:.2f} s, {sum(row[-1] for row in documents):,} documents", flush=True)
        if reference is None:
            reference = result
        assert result == reference, name

    cache.clear()
    client = Client()
    client.get("/stats/")  # fills the cache
    started = time.perf_counter()
    for _ in range(20):
        response = client.get("/stats/")
    cached_ms = (time.perf_counter() - started) / 20 * 1000
    with CaptureQueriesContext(connection) as cached_queries:
        client.get("/stats/")

    print(
        f"\n/stats/ on {connection.vendor} with {PETITIONS:,} petitions ({2 * PETITIONS:,} fetches, loaded in "
        f"{loaded:.1f} s): {small} queries at 1,000 petitions, {large} at {PETITIONS:,}; computation "
        f"{computed:.2f} s (once per STATS_CACHE_SECONDS); cached page {cached_ms:.1f} ms with "
        f"{len(cached_queries)} queries (session/user only); documents not brought {data['totals']['documents']:,}, "
        f"social cost saved {data['totals']['documents'] * stats.WON_PER_DOCUMENT:,} won"
    )
    assert response.status_code == 200
    assert large == small
    assert data["totals"]["petitions"] == PETITIONS

"""The approved-use check's cost per fetch attempt (``make bench``; not run by ``make test``).

Runs ``fetch_execute`` in-process against an agency that answers at once, so only the portal's
own work is measured, and prints per attempt: the statements sent to the database, how many of
them read ``hub_approveduse`` (0 once the use's snapshot is cached, 1 on a cold cache), and the
median and p95 wall time; then the time of the check alone (``use_check`` on a cached snapshot).
Nothing is asserted about time; the statement counts are asserted in
tests/sharing/test_fetch_under_use.py.

Knobs: ``BENCH_USE_FETCHES`` (default 300). Uses the cache of ``CACHE_URL`` (Redis when set).
"""

from __future__ import annotations

import dataclasses
import os
import statistics
import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sharing import services
from sharing.hub.selectors import snapshot_cache_key, use_check, use_for_fetch
from sharing.providers.base import ProviderResponse
from sharing.types import FetchSpec
from tests.factories import OfficeFactory
from tests.sharing.factories import AgencyFactory, ItemFieldFactory, permitted

FETCHES = int(os.environ.get("BENCH_USE_FETCHES", "300"))
PROVIDER = "bench-instant-use"

pytestmark = pytest.mark.django_db(transaction=True)


class _InstantProvider:
    def fetch(self, request):
        return ProviderResponse(
            txn_id=request.txn_id,
            item_code=request.item_code,
            agency_code=request.agency.code,
            fields={key: f"{key}-value" for key in request.fields},
        )


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def test_use_check_cost_per_fetch_attempt(monkeypatch):
    monkeypatch.setattr("sharing.tasks.enqueue_fetch", lambda *args, **kwargs: None)
    office = OfficeFactory(code="bench-use-office")
    agency = AgencyFactory(code="benchuseagency", provider=PROVIDER)
    for key in ("name", "address"):
        ItemFieldFactory(item__code="resident_abstract", item__agency=agency, key=key, sensitivity="personal")
    registry = {PROVIDER: _InstantProvider()}

    def spec(number: int) -> FetchSpec:
        return FetchSpec(
            item_code="resident_abstract",
            fields=["name", "address"],
            purpose_code="P-PENSION",
            subject_kind="person",
            subject_id=f"900101-{1000000 + number:07d}",
        )

    [first] = permitted(office, [spec(0)])
    use_id = first.use_id
    fetch_ids = []
    for number in range(FETCHES):
        [fetch] = services.fetch_requests_create(
            case_ref=f"2026-{number:07d}", office=office, items=[dataclasses.replace(spec(number), use_id=use_id)]
        )
        fetch_ids.append(fetch.pk)

    def attempt(fetch_id: int, *, cold: bool) -> tuple[float, int, int]:
        if cold:
            cache.delete(snapshot_cache_key(use_id))
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            outcome = services.fetch_execute(fetch_request_id=fetch_id, registry=registry)
            elapsed = time.perf_counter() - started
        assert outcome == "fetched"
        statements = [q for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
        return elapsed, len(statements), sum("hub_approveduse" in q["sql"] for q in statements)

    half = len(fetch_ids) // 2
    print(f"\napproved-use check per fetch attempt ({connection.vendor}, {FETCHES} attempts)")
    for label, ids, cold in (("cached snapshot", fetch_ids[:half], False), ("cold cache", fetch_ids[half:], True)):
        results = [attempt(fetch_id, cold=cold) for fetch_id in ids]
        times = [elapsed * 1000 for elapsed, _n, _u in results]
        counts = sorted({n for _e, n, _u in results})
        use_reads = sorted({u for _e, _n, u in results})
        print(
            f"  {label:16s} statements {counts}, reads of the use {use_reads}, "
            f"median {statistics.median(times):.2f} ms, p95 {_p95(times):.2f} ms"
        )

    snapshot = use_for_fetch(use_id)
    office.refresh_from_db()
    rounds = 20000
    started = time.perf_counter()
    for _ in range(rounds):
        use_check(
            snapshot,
            using_agency_id=office.using_agency_id,
            item_code="resident_abstract",
            fields=["name", "address"],
            purpose_code="P-PENSION",
            consent_given=False,
        )
    per_check = (time.perf_counter() - started) / rounds * 1_000_000
    started = time.perf_counter()
    for _ in range(2000):
        use_for_fetch(use_id)
    per_read = (time.perf_counter() - started) / 2000 * 1_000_000
    print(f"  use_check alone: {per_check:.1f} µs; the cached snapshot's read: {per_read:.1f} µs")

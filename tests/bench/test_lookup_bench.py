"""Look-up benchmark (``make bench``): the time of an official's look-up itself, from the form's
data to the answer stored (``services_lookups.lookup_create``: the use check, the rows, the
"looked up" log entry and the first attempt of the fetch, run in the request), over the sandbox
agencies at 0 ms added latency (real HTTP on loopback, the signed and encrypted standard
connection). Prints the median and p95; asserts only that every look-up was answered.

Knob: ``BENCH_LOOKUPS`` (default 60).
"""

from __future__ import annotations

import os
import statistics
import time

import pytest

from sharing.hub import services_lookups as services
from sharing.models import FetchRequest
from tests.hub.sandbox_world import lookup_world_over_sandbox

LOOKUPS = int(os.environ.get("BENCH_LOOKUPS", "60"))

pytestmark = pytest.mark.django_db(transaction=True)


def test_lookup_latency_over_the_sandbox(sandbox_agencies):
    from sharing.sandbox.models import Resident

    official, office, uses = lookup_world_over_sandbox()
    rrns = list(Resident.objects.order_by("id").values_list("rrn", flat=True)[: LOOKUPS + 5])
    use = uses["resident_abstract"]
    # Warm-up: keys, connections, the use's cached snapshot.
    for rrn in rrns[:5]:
        services.lookup_create(official=official, office=office, use=use, subject=rrn, reason="bench warm-up")
    timings = []
    for rrn in rrns[5:]:
        started = time.perf_counter()
        lookup = services.lookup_create(official=official, office=office, use=use, subject=rrn, reason="bench")
        timings.append((time.perf_counter() - started) * 1000)
        assert FetchRequest.objects.get(pk=lookup.fetch_request_id).state == FetchRequest.State.FETCHED
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * len(timings)) - 1)]
    print(
        f"\nlook-up over the sandbox at 0 ms, {len(timings)} look-ups: "
        f"median {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, max {timings[-1]:.1f} ms"
    )

"""The officer queue (/officer/, default sort, first page) with 1,000 and with 1,000,000
petitions in PostgreSQL: median and p95 time of the page, their ratio (target ≤ 1.5), and the
queries per page.

Run with ``make bench`` and a PostgreSQL DATABASE_URL, for example
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_officer \
make bench PYTEST_ARGS=tests/bench/test_queue_bench.py``.

The petitions are spread like a portal that has run for years: five offices, the official's
office holding 40 %; 90 % of all petitions decided (the history), 10 % open (the work), due
dates of open petitions from three days overdue to fifteen days ahead. The same generator
(seeded, ``tests/bench/load/seed.py``, shared with the load run) makes the first 1,000 rows and
then the other 999,000, written with COPY.
"""

from __future__ import annotations

import os
import statistics
import time

import pytest
from django.db import connection
from django.test import Client

from petitions.models import Petition
from portal.models import OfficeMembership
from tests.bench.load.seed import Generator, copy_rows
from tests.conftest import login_verified
from tests.factories import CitizenFactory, MembershipFactory, OfficeFactory, OfficialFactory
from tests.petitions.factories import PetitionTypeFactory

pytestmark = pytest.mark.django_db(transaction=True)

SMALL = 1_000
LARGE = int(os.environ.get("QUEUE_BENCH_PETITIONS", "1000000"))
REQUESTS = int(os.environ.get("QUEUE_BENCH_REQUESTS", "60"))


def _copy(start: int, stop: int, generator: Generator) -> None:
    copy_rows(start, stop, generator)


def _measure(client: Client, *, counts_of: int | None = None) -> dict:
    """The page's timings. ``counts_of`` (an office id): before each request the office's queue
    counts are started anew, as after any change of one of its petitions, so that every request
    counts again; without it, the counts come from the cache (any view after the first since the
    office's last change)."""
    from petitions.officer_selectors import queue_counts_changed

    def changed():
        if counts_of is not None:
            queue_counts_changed(office_id=counts_of)

    for _ in range(5):
        changed()
        assert client.get("/officer/").status_code == 200
    queries = []

    def record(execute, sql, params, many, context):
        queries.append(sql % tuple(_literal(p) for p in params) if params else sql)
        return execute(sql, params, many, context)

    changed()
    with connection.execute_wrapper(record):
        response = client.get("/officer/")
    assert response.status_code == 200 and len(response.context["queue"].rows) == 25
    timings, sql_timings = [], []
    for _ in range(REQUESTS):
        sql_time = [0.0]

        def timed(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                sql_time[0] += time.perf_counter() - started

        changed()
        with connection.execute_wrapper(timed):
            started = time.perf_counter()
            client.get("/officer/")
            timings.append((time.perf_counter() - started) * 1000)
        sql_timings.append(sql_time[0] * 1000)
    timings.sort()
    return {
        "median": statistics.median(timings),
        "p95": timings[max(0, int(round(0.95 * len(timings))) - 1)],
        "sql_median": statistics.median(sql_timings),
        "queries": len(queries),
        "sql": queries,
    }


def _literal(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(_literal(v) for v in value) + ")"
    return "'" + str(value).replace("'", "''") + "'"


def _plan(sql_of_rows: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING ON) " + sql_of_rows)
        return "\n".join("      " + row[0] for row in cursor.fetchall())


def test_queue_page_at_a_thousand_and_a_million_petitions():
    if connection.vendor != "postgresql":
        pytest.skip("the queue benchmark needs PostgreSQL (set DATABASE_URL)")
    from tests.sharing.factories import InformationItemFactory

    offices = [OfficeFactory(code=f"bench-{n}") for n in range(5)]
    office = offices[0]
    official = MembershipFactory(office=office, user=OfficialFactory(username="bench-official")).user
    colleagues = [MembershipFactory(office=office, user=OfficialFactory()).user for _ in range(4)]
    OfficeMembership.objects.filter(user=official).update(role=OfficeMembership.Role.REVIEWER)
    petition_type = PetitionTypeFactory(handling_office=office)
    applicants = [CitizenFactory().pk for _ in range(50)]
    items = [
        InformationItemFactory(code="bench_resident"),
        InformationItemFactory(code="bench_land", subject_kind="parcel"),
    ]
    generator = Generator(
        offices=offices,
        official_office=office,
        petition_type=petition_type,
        applicants=applicants,
        officials=[official.pk] + [c.pk for c in colleagues],
        items=items,
    )
    client = login_verified(Client(), official)

    from petitions.officer_selectors import queue_counts_changed

    def bulk_written():  # COPY and DELETE pass by the signals that start the counts anew
        for one in offices:
            queue_counts_changed(office_id=one.pk)

    print(f"\nQueue page benchmark (PostgreSQL, {REQUESTS} requests per size, default sort, first page)")
    _copy(0, SMALL, generator)
    bulk_written()
    small, small_counted = _measure(client), _measure(client, counts_of=office.pk)
    last_small_petition = Petition.objects.order_by("-pk").values_list("pk", flat=True).first()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM sharing_fetchrequest")
        last_small_fetch = cursor.fetchone()[0]
    _copy(SMALL, LARGE, generator)
    bulk_written()
    large, large_counted = _measure(client), _measure(client, counts_of=office.pk)

    rows_sql = next(sql for sql in large["sql"] if "petitions_petition" in sql and "LIMIT 26" in sql)
    print("  plan of the rows query at the large size:\n" + _plan(rows_sql))
    counts_sql = next(sql for sql in large_counted["sql"] if "GROUP BY" in sql and "petitions_petition" in sql)
    print("  plan of the counts query at the large size:\n" + _plan(counts_sql))
    # Back to the small table and measure again: the machine is shared, so the small size is
    # measured before and after the large one and the ratio taken against their mean.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM sharing_fetchrequest WHERE id > %s", [last_small_fetch])
        cursor.execute("DELETE FROM petitions_petition WHERE id > %s", [last_small_petition])
        cursor.execute("VACUUM ANALYZE petitions_petition")
        cursor.execute("VACUUM ANALYZE sharing_fetchrequest")
    bulk_written()
    again, again_counted = _measure(client), _measure(client, counts_of=office.pk)

    def line(label, m):
        print(
            f"    {label}: median {m['median']:7.1f} ms, p95 {m['p95']:7.1f} ms "
            f"(of which SQL: median {m['sql_median']:5.1f} ms), {m['queries']} queries per page"
        )

    for title, (one, two, three) in (
        (
            "counts from the cache (every view after the first since a petition of the office changed)",
            (small, large, again),
        ),
        ("counts read again (the first view after a change)", (small_counted, large_counted, again_counted)),
    ):
        print(f"  {title}:")
        line(f"{SMALL:>9,} petitions", one)
        line(f"{LARGE:>9,} petitions", two)
        line(f"{SMALL:>9,} petitions again", three)
        median_small = (one["median"] + three["median"]) / 2
        p95_small = (one["p95"] + three["p95"]) / 2
        print(
            f"    ratio large/small: median {two['median'] / median_small:.2f}, "
            f"p95 {two['p95'] / p95_small:.2f} (target ≤ 1.5); "
            f"SQL time ratio {two['sql_median'] / ((one['sql_median'] + three['sql_median']) / 2):.2f}"
        )
        assert one["queries"] == two["queries"] == three["queries"]

"""Access-log append benchmark (``make bench``; PostgreSQL only): the ceiling that serialising the
hash chain puts on fetching.

Every append takes one PostgreSQL advisory lock and holds it until its transaction commits, so
appends run one at a time whatever the number of workers. This prints, with 1, 4 and 8 writer
processes (each its own connection, as the prefork worker's processes are):

1. appends per second through ``sharing.audit.log_personal_data_access`` (each in its own
   transaction, committed right after);
2. fetches per second through the real fetch path (``sharing.services.fetch_execute``: claim,
   the agency's answer from an in-process provider that answers at once, then the transaction
   that stores it and appends its entries);
3. per append: how long a writer waited for the lock and how long it held it (from the moment
   the lock was granted to the end of the commit), median and p95; and, since the append no
   longer waits for the disk under the lock, the median wait for it after the lock ("disk");
   the CPU the writers and their PostgreSQL backends spent per operation ("cpu/op", ms) and how
   busy the machine's cores were ("busy"): past ~90 % the cores set the pace, not the lock;
4. with one writer, what runs while the lock is held: each statement and its time, the
   Python work between them and the commit.

Nothing is asserted on time. Sizes: ``BENCH_AUDIT_APPENDS`` (default 1200 per configuration),
``BENCH_AUDIT_FETCHES`` (default 480 per configuration).
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import statistics
import time

import pytest
from django.db import connection, connections, transaction

from sharing import audit, crypto, services
from sharing.models import AccessLogEntry
from sharing.providers import ProviderResponse
from sharing.types import FetchSpec
from tests.bench.load.stack import machine_cpu_seconds
from tests.bench.processes import cpu_seconds
from tests.factories import OfficeFactory
from tests.sharing.factories import AgencyFactory, ItemFieldFactory, permitted

APPENDS = int(os.environ.get("BENCH_AUDIT_APPENDS", "1200"))
FETCHES = int(os.environ.get("BENCH_AUDIT_FETCHES", "480"))
WRITERS = (1, 4, 8)
PROVIDER = "bench-instant"

pytestmark = pytest.mark.django_db(transaction=True)


class _InstantProvider:
    """Answers every request at once, in-process: only the portal's own work is measured."""

    def fetch(self, request):
        return ProviderResponse(
            txn_id=request.txn_id,
            item_code=request.item_code,
            agency_code=request.agency.code,
            fields={key: f"{key}-value" for key in request.fields},
        )


def _timed_lock(waits: list, holds: list):
    """``audit._lock_chain`` measured: the wait for the lock, and the time from its grant to the
    end of the commit (the callback runs right after the commit)."""
    real = audit._lock_chain

    def lock_chain():
        asked = time.monotonic()
        real()
        granted = time.monotonic()
        waits.append(granted - asked)
        transaction.on_commit(lambda: holds.append(time.monotonic() - granted))

    return lock_chain


def _writer(mode: str, work, office_pk: int, start, results) -> None:
    """One writer process: ``work`` appends (an int) or fetch ids (a list)."""
    from portal.models import Office

    waits: list[float] = []
    holds: list[float] = []
    durable: list[float] = []
    audit._lock_chain = _timed_lock(waits, holds)
    if hasattr(audit, "_wait_until_durable"):  # the wait for the disk after the lock
        real_wait = audit._wait_until_durable

        def wait_until_durable():
            started = time.monotonic()
            real_wait()
            durable.append(time.monotonic() - started)

        audit._wait_until_durable = wait_until_durable
    office = Office.objects.get(pk=office_pk)
    subject = crypto.subject_hash("900101-1234567")
    registry = {PROVIDER: _InstantProvider()}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend_before = cpu_seconds(cursor.fetchone()[0], with_children=False)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = usage.ru_utime + usage.ru_stime
    start.wait()
    began = time.monotonic()
    done = 0
    if mode == "append":
        for _ in range(work):
            audit.log_personal_data_access(
                action="viewed",
                subject_hash=subject,
                case_ref="2026-0000001",
                office=office,
                actor=None,
                item_code="resident_abstract",
                fields=["name", "address"],
                purpose="P-PENSION",
                ip_address="192.0.2.7",
            )
            done += 1
    else:
        for fetch_id in work:
            done += services.fetch_execute(fetch_request_id=fetch_id, registry=registry) == "fetched"
    ended = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu_before + cpu_seconds(backend, with_children=False) - backend_before
    connection.close()
    results.put(
        {"done": done, "began": began, "ended": ended, "waits": waits, "holds": holds, "durable": durable, "cpu": cpu}
    )


def _run(mode: str, writers: int, works: list, office_pk: int) -> dict:
    context = multiprocessing.get_context("fork")
    connections.close_all()  # each child opens its own connection
    start = context.Barrier(writers + 1)
    results = context.Queue()
    processes = [
        context.Process(target=_writer, args=(mode, works[index], office_pk, start, results))
        for index in range(writers)
    ]
    for process in processes:
        process.start()
    start.wait()
    busy_before = machine_cpu_seconds()
    reports = [results.get(timeout=600) for _ in processes]
    busy = machine_cpu_seconds() - busy_before
    for process in processes:
        process.join(timeout=60)
    elapsed = max(r["ended"] for r in reports) - min(r["began"] for r in reports)
    waits = sorted(w for r in reports for w in r["waits"])
    holds = sorted(h for r in reports for h in r["holds"])
    durable = sorted(d for r in reports for d in r["durable"])
    return {
        "done": sum(r["done"] for r in reports),
        "rate": sum(r["done"] for r in reports) / elapsed,
        "wait_median": statistics.median(waits) * 1000,
        "wait_p95": waits[int(len(waits) * 0.95)] * 1000,
        "hold_median": statistics.median(holds) * 1000,
        "hold_p95": holds[int(len(holds) * 0.95)] * 1000,
        "locks": len(holds),
        "durable_median": statistics.median(durable) * 1000 if durable else None,
        # CPU of the writers and their PostgreSQL backends per operation, and how busy the
        # machine was: past ~90 %, the cores set the pace, not the lock.
        "cpu_per_op": sum(r["cpu"] for r in reports) / max(1, sum(r["done"] for r in reports)) * 1000,
        "machine_busy": busy / elapsed / (os.cpu_count() or 1),
    }


_cases = iter(range(1, 10_000_000))


def _fetches(office, count: int) -> list[int]:
    """``count`` fetches waiting to run, each of its own case (the task queue left out)."""
    from unittest import mock

    ids = []
    with mock.patch("sharing.tasks.enqueue_fetch"):
        for _ in range(count):
            number = next(_cases)
            [fetch] = services.fetch_requests_create(
                case_ref=f"2026-{number:07d}",
                office=office,
                items=permitted(
                    office,
                    [
                        FetchSpec(
                            item_code="resident_abstract",
                            fields=["name", "address"],
                            purpose_code="P-PENSION",
                            subject_kind="person",
                            subject_id=f"900101-{1000000 + number:07d}",
                        )
                    ],
                ),
            )
            ids.append(fetch.pk)
    return ids


def _inside_the_lock(operation) -> list[str]:
    """With one writer: the statements sent while the lock is held, the Python work between them
    and the commit, each with its time (median of 50 runs)."""
    timeline: list[tuple[str, float, float]] = []

    def record(execute, sql, params, many, context):
        started = time.monotonic()
        try:
            return execute(sql, params, many, context)
        finally:
            timeline.append((" ".join(sql.split()[:3]), started, time.monotonic()))

    runs = []
    for _ in range(50):
        timeline.clear()
        marks: dict[str, float] = {}

        def lock_chain(real=audit._lock_chain, marks=marks):
            real()
            marks["granted"] = time.monotonic()
            transaction.on_commit(lambda: marks.__setitem__("committed", time.monotonic()))

        audit._lock_chain, saved = lock_chain, audit._lock_chain
        try:
            with connection.execute_wrapper(record):
                operation()
        finally:
            audit._lock_chain = saved
        steps, cursor = [], marks["granted"]
        for name, started, ended in timeline:
            if started < marks["granted"] or started > marks["committed"]:
                continue  # before the lock, or after the commit (callbacks of the fetch)
            steps.append(("python", started - cursor))
            steps.append((name, ended - started))
            cursor = ended
        steps.append(("python", 0.0))  # none but the return to the caller
        steps.append(("COMMIT", marks["committed"] - cursor))
        total = sum(value for _name, value in steps)
        # The wait for the disk once the lock is released (the design since this bench was written).
        after = [
            (f"after the lock: {name}", ended - started)
            for name, started, ended in timeline
            if started > marks["committed"] and "pg_logical_emit_message" in name
        ]
        runs.append([*steps, ("held in all", total), *after])
    lines = []
    for index, (name, _) in enumerate(runs[0]):
        values = [run[index][1] for run in runs if len(run) > index]
        if name == "python" and max(values) == 0.0:
            continue
        lines.append(f"    {name:<40} {statistics.median(values) * 1000:7.3f} ms")
    return lines


def test_access_log_append_ceiling():
    if connection.vendor != "postgresql":
        pytest.skip("the advisory lock and concurrent writers need PostgreSQL (DATABASE_URL)")
    office = OfficeFactory(code="jongno")
    agency = AgencyFactory(code="benchagency", provider=PROVIDER)
    for key in ("name", "address"):
        ItemFieldFactory(item__code="resident_abstract", item__agency=agency, key=key, sensitivity="personal")

    print(f"\naccess-log append (PostgreSQL, load average {os.getloadavg()[0]:.1f} at start)")
    print("  inside the lock, one writer, one append (log_personal_data_access):")
    subject = crypto.subject_hash("900101-1234567")
    for line in _inside_the_lock(
        lambda: audit.log_personal_data_access(
            action="viewed",
            subject_hash=subject,
            case_ref="2026-0000001",
            office=office,
            actor=None,
            item_code="resident_abstract",
            fields=["name", "address"],
            purpose="P-PENSION",
            ip_address="192.0.2.7",
        )
    ):
        print(line)
    registry = {PROVIDER: _InstantProvider()}
    pending = iter(_fetches(office, 50))
    print("  inside the lock, one writer, one fetch (fetch_execute, its storing transaction):")
    for line in _inside_the_lock(lambda: services.fetch_execute(fetch_request_id=next(pending), registry=registry)):
        print(line)

    print(
        f"  {'writers':>7} {'mode':>7} {'done':>6} {'per s':>8} {'wait p50':>9} {'wait p95':>9} "
        f"{'held p50':>9} {'held p95':>9} {'disk p50':>9} {'cpu/op':>7} {'busy':>5}"
    )
    for mode in ("append", "fetch"):
        for writers in WRITERS:
            if mode == "append":
                works = [APPENDS // writers] * writers
            else:
                ids = _fetches(office, FETCHES)
                works = [ids[index::writers] for index in range(writers)]
            result = _run(mode, writers, works, office.pk)
            print(
                f"  {writers:>7} {mode:>7} {result['done']:>6} {result['rate']:>8.1f} "
                f"{result['wait_median']:>9.3f} {result['wait_p95']:>9.3f} "
                f"{result['hold_median']:>9.3f} {result['hold_p95']:>9.3f}"
                + (f" {result['durable_median']:>9.3f}" if result["durable_median"] is not None else f" {'-':>9}")
                + f" {result['cpu_per_op']:>7.2f} {result['machine_busy']:>5.0%}"
            )
            if mode == "fetch":
                verified = audit.verify_chain()
    print(f"  chain after the run: {verified.checked} entries, intact: {verified.ok}")
    assert verified.ok and verified.checked == AccessLogEntry.objects.count()

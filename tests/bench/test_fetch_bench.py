"""Fetch benchmarks (``make bench``): a real Celery worker process against the sandbox over HTTP.

1. Parallelism: a case of 4 items from 4 agencies whose sandbox latencies are 50, 100, 200
   and 400 ms. Prints the median and p95 time from enqueue to all fetched, and the ratio of
   the median to the slowest latency (target <= 1.3: the items are fetched in parallel).
2. Throughput: sustained fetches per second with one worker at 0 ms added latency
   (target >= 100/s), with the access log's checkpoints made beside it every 0.5 s
   (``BENCH_CHECKPOINT_EVERY_SECONDS``; 0: without), far more often than beat's minute.

The worker is a separate Celery worker (prefork pool of 8 processes, as the README deploys it;
``BENCH_WORKER_POOL=threads`` for the threads pool of ``make run``) consuming the per-agency queues from Redis
(``CELERY_BROKER_URL``, default redis://127.0.0.1:6379/15) and sharing the test database
(PostgreSQL when ``DATABASE_URL`` is set, else an SQLite file). The sandbox agencies are
seeded by the ``sandbox_agencies`` fixture and served by gunicorn as a service of their own
(``sharing.sandbox.service_settings``), as agencies are deployed.
"""

from __future__ import annotations

import base64
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.db import connection

from sharing import services
from sharing.demo_catalogue import AGENCIES
from sharing.models import Agency, FetchRequest, fetch_queue_name
from sharing.types import FetchSpec
from tests.bench.load.stack import machine_cpu_seconds, postgres_cpu_seconds
from tests.bench.processes import cpu_seconds, free_port
from tests.factories import OfficeFactory
from tests.sharing.factories import permitted

BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
if not BROKER_URL.startswith(("redis://", "rediss://")):
    BROKER_URL = "redis://127.0.0.1:6379/15"
WORKER_CACHE_URL = os.environ.get("CACHE_URL", "redis://127.0.0.1:6379/15")
WORKER_CONCURRENCY = int(os.environ.get("BENCH_WORKER_CONCURRENCY", "8"))
# The worker as the README deploys it: Celery's default prefork pool, eight processes.
WORKER_POOL = os.environ.get("BENCH_WORKER_POOL", "prefork")
LATENCY_ROUNDS = int(os.environ.get("BENCH_LATENCY_ROUNDS", "30"))
THROUGHPUT_FETCHES = int(os.environ.get("BENCH_THROUGHPUT_FETCHES", "600"))
SANDBOX_WORKERS = int(os.environ.get("BENCH_SANDBOX_WORKERS", "2"))
# The access log's checkpoints run beside the throughput phase, this often (0: off). Beat makes
# one a minute; far more often here, so that the figure shows the appends never wait for them.
CHECKPOINT_EVERY_SECONDS = float(os.environ.get("BENCH_CHECKPOINT_EVERY_SECONDS", "0.5"))

# Four items from four agencies, all granted for the same purpose, with the latency of each agency.
CASE_ITEMS = [
    ("mois", "resident_abstract", ["name", "address", "move_in_date"], 50),
    ("scourt", "family_relation", ["name", "spouse"], 100),
    ("nhis", "health_insurance_eligibility", ["name", "insured_type"], 200),
    ("nts", "income_certificate", ["name", "total_income"], 400),
]
PURPOSE = "P-PENSION"

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """The worker process must open the same test database: a file, not SQLite's shared memory."""
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        database.setdefault("TEST", {})["NAME"] = str(
            Path(tempfile.gettempdir()) / f"portal-fetch-bench-{os.getpid()}.sqlite3"
        )
        # Other processes write the same file: take the write lock when a transaction starts,
        # rather than fail when a read turns into a write.
        database.setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"


def _database_url() -> str:
    params = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{params['NAME']}"
    user = params.get("USER") or ""
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    credentials = f"{user}{password}@" if user else ""
    port = f":{params['PORT']}" if params.get("PORT") else ""
    return f"postgres://{credentials}{params.get('HOST') or '127.0.0.1'}{port}/{params['NAME']}"


@pytest.fixture
def celery_to_redis(monkeypatch):
    """This process sends tasks to the real broker instead of running them itself."""
    from portal.celery import app

    monkeypatch.setenv("CELERY_BROKER_URL", BROKER_URL)  # Celery prefers the variable to its settings

    saved = {key: app.conf.get(key) for key in ("task_always_eager", "broker_url", "broker_transport_options")}
    app.conf.task_always_eager = False
    app.conf.broker_url = BROKER_URL
    app.conf.broker_transport_options = {"visibility_timeout": 3600}
    app._pool = None
    queues = [fetch_queue_name(code) for code, *_ in AGENCIES]
    with app.connection_for_write() as conn:
        channel = conn.default_channel
        for queue in queues:
            with contextlib.suppress(Exception):  # a queue that does not exist yet
                channel.queue_purge(queue)
    yield app
    app.conf.update(saved)
    app._pool = None


def _service_env() -> dict:
    """The worker and the agencies run as deployed: production settings (DEBUG off), with this
    process's secrets and key files, so that they read and sign what this process wrote."""
    env = os.environ.copy()
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DEBUG": "0",
            "PORTAL_VAR_DIR": str(settings.VAR_DIR),
            "SECRET_KEY": settings.SECRET_KEY,
            "FIELD_ENCRYPTION_KEYS": ",".join(
                base64.urlsafe_b64encode(key).decode() for key in settings.FIELD_ENCRYPTION_KEYS
            ),
            "PORTAL_SIGNING_KEY_FILES": ",".join(str(path) for path in settings.PORTAL_SIGNING_KEY_FILES),
            "PORTAL_ENCRYPTION_KEY_FILES": ",".join(str(path) for path in settings.PORTAL_ENCRYPTION_KEY_FILES),
            "SANDBOX_AGENCIES_ENABLED": "1",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": BROKER_URL,
            "CACHE_URL": WORKER_CACHE_URL,
            "LOG_LEVEL": "WARNING",
        }
    )
    for name in ("SUBJECT_HASH_KEY", "SANDBOX_KEY_SEED"):
        if getattr(settings, name, ""):
            env[name] = getattr(settings, name)
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    return env


def _stop(process: subprocess.Popen, log_path: Path) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
    if process.returncode not in (0, -15) or os.environ.get("BENCH_SHOW_LOGS"):
        print(log_path.read_text()[-4000:])


@pytest.fixture
def sandbox_server(sandbox_agencies, tmp_path):
    """The sandbox agencies as a service of their own (``sharing.sandbox.service_settings``) behind
    gunicorn (threads, persistent database connections), as agencies are deployed.

    ``live_server`` opens a database connection per request; a real server keeps them.
    """
    from sharing import keys

    keys.signing_keys(), keys.encryption_keys()  # the portal's key files exist before anyone else starts
    port = free_port()
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "sharing.sandbox.service_wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--worker-class",
                "gthread",
                "--workers",
                str(SANDBOX_WORKERS),
                "--threads",
                "8",
                "--log-level",
                "warning",
            ],
            # The agencies learn the portal's keys from its JWKS, served by this process's live server.
            env=_service_env()
            | {
                "DJANGO_SETTINGS_MODULE": "sharing.sandbox.service_settings",
                "SANDBOX_PORTAL_JWKS_URL": f"{sandbox_agencies.url}/sharing/jwks.json",
            },
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=settings.BASE_DIR,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise AssertionError(f"gunicorn did not start: {log_path.read_text()[-2000:]}")
            time.sleep(0.2)
        for agency in Agency.objects.all():
            agency.base_url = f"{url}/sandbox/agencies/{agency.code}/"
            agency.save(update_fields=["base_url"])
        yield url, process.pid
    finally:
        _stop(process, log_path)


@pytest.fixture
def worker(celery_to_redis, sandbox_server, tmp_path):
    queues = ",".join(fetch_queue_name(code) for code, *_ in AGENCIES)
    log_path = tmp_path / "worker.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "portal",
                "worker",
                f"--pool={WORKER_POOL}",
                f"--concurrency={WORKER_CONCURRENCY}",
                "-Q",
                queues,
                f"--loglevel={os.environ.get('BENCH_WORKER_LOGLEVEL', 'WARNING')}",
                "--without-gossip",
                *os.environ.get("BENCH_WORKER_EXTRA", "").split(),
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"fetch-bench-{os.getpid()}@%h",
            ],
            env=_service_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=settings.BASE_DIR,
        )
    try:
        yield process
    finally:
        _stop(process, log_path)


def _person(sandbox) -> str:
    return sandbox.people[0]["rrn"]


def _case_specs(office, rrn: str, items=CASE_ITEMS) -> list[FetchSpec]:
    """The case's fetches, each naming its approved use: resolved once, as filing resolves them
    before it creates the fetches (the test helper ``permitted`` reads the catalogue and the uses:
    not part of what is measured)."""
    return permitted(
        office,
        [
            FetchSpec(item_code=item_code, fields=fields, purpose_code=PURPOSE, subject_kind="person", subject_id=rrn)
            for _agency, item_code, fields, _latency in items
        ],
    )


def _create_case(case_ref: str, office, specs: list[FetchSpec]) -> None:
    services.fetch_requests_create(case_ref=case_ref, office=office, items=specs)


class _QueryCounter:
    """Counts the statements sent on a connection (``connection.execute_wrapper``)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _wait_settled(case_refs: list[str], *, deadline_seconds: float, poll: float) -> float:
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        if not FetchRequest.objects.filter(case_ref__in=case_refs, state__in=FetchRequest.PENDING_STATES).exists():
            return time.perf_counter()
        time.sleep(poll)
    states = dict(FetchRequest.objects.filter(case_ref__in=case_refs).values_list("item__code", "state")[:10])
    raise AssertionError(f"not settled within {deadline_seconds}s: {states}")


def _assert_all_fetched(case_refs: list[str]) -> None:
    failures = list(
        FetchRequest.objects.filter(case_ref__in=case_refs)
        .exclude(state=FetchRequest.State.FETCHED)
        .values_list("item__code", "state", "error_code", "error_detail")[:5]
    )
    assert not failures, failures


class _Checkpointer(threading.Thread):
    """Commits to the access log every ``every`` seconds (signing and exporting, as beat's task
    does; the time stamp is left to the TSA-less bench) until stopped."""

    def __init__(self, every: float, directory: Path) -> None:
        super().__init__(daemon=True)
        self.every, self.directory = every, directory
        self.stopped = threading.Event()
        self.made = 0
        self.seconds: list[float] = []
        self.failure: BaseException | None = None

    def run(self) -> None:
        from django.db import connections
        from django.test import override_settings

        from sharing import ledger
        from sharing.models import AccessLogCheckpoint

        try:
            with override_settings(ACCESS_LOG_CHECKPOINT_DIR=self.directory):
                while not self.stopped.wait(self.every):
                    started = time.perf_counter()
                    if ledger.checkpoint_commit() is not None:
                        self.made += 1
                        self.seconds.append(time.perf_counter() - started)
                    for checkpoint in AccessLogCheckpoint.objects.filter(exported_at__isnull=True):
                        ledger.checkpoint_export(checkpoint)
        except BaseException as exc:  # noqa: BLE001 (reported by the test)
            self.failure = exc
        finally:
            connections.close_all()


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def test_parallel_fetch_latency_and_sustained_throughput(sandbox_agencies, sandbox_server, worker):
    worker_process = worker
    _sandbox_url, sandbox_pid = sandbox_server
    office = OfficeFactory(code="jongno", name_ko="종로구청", name_en="Jongno-gu Office")
    rrn = _person(sandbox_agencies)
    specs = _case_specs(office, rrn)
    for agency_code, *_rest in CASE_ITEMS:
        sandbox_agencies.set_faults(agency_code, latency_ms=0, jitter_ms=0)

    # Warm up: the worker is ready, connections are open, and the subject exists at every agency.
    warmup = [f"2099-9{n:06d}" for n in range(3)]
    for case_ref in warmup:
        _create_case(case_ref, office, specs)
    _wait_settled(warmup, deadline_seconds=90, poll=0.05)
    _assert_all_fetched(warmup)

    # 1. One case, four agencies at 50/100/200/400 ms.
    for agency_code, _item, _fields, latency in CASE_ITEMS:
        sandbox_agencies.set_faults(agency_code, latency_ms=latency, jitter_ms=0)
    durations = []
    for n in range(LATENCY_ROUNDS):
        case_ref = f"2099-1{n:06d}"
        started = time.perf_counter()
        _create_case(case_ref, office, specs)
        durations.append(_wait_settled([case_ref], deadline_seconds=30, poll=0.005) - started)
        _assert_all_fetched([case_ref])
    slowest = max(latency for *_rest, latency in CASE_ITEMS) / 1000
    median, p95 = statistics.median(durations), _percentile(durations, 0.95)
    ratio = median / slowest

    # 2. Sustained fetches per second, one worker, no added latency.
    for agency_code, *_rest in CASE_ITEMS:
        sandbox_agencies.set_faults(agency_code, latency_ms=0, jitter_ms=0)
    cases = [f"2099-2{n:06d}" for n in range(max(1, THROUGHPUT_FETCHES // len(CASE_ITEMS)))]
    from django.db import transaction

    database = connection.settings_dict["NAME"]
    cpu_before = (
        cpu_seconds(worker_process.pid, with_children=True),
        cpu_seconds(sandbox_pid, with_children=True),
        postgres_cpu_seconds(database) if connection.vendor == "postgresql" else 0.0,
        machine_cpu_seconds(),
    )
    checkpointer = _Checkpointer(CHECKPOINT_EVERY_SECONDS, Path(tempfile.mkdtemp(prefix="bench-checkpoints-")))
    if CHECKPOINT_EVERY_SECONDS > 0:
        checkpointer.start()
    counter = _QueryCounter()
    started, cpu_started = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(counter), transaction.atomic():  # enqueued together on commit
        for case_ref in cases:
            _create_case(case_ref, office, specs)
        created = time.perf_counter()
    enqueued, creating_cpu = time.perf_counter(), time.process_time() - cpu_started
    try:
        finished = _wait_settled(cases, deadline_seconds=600, poll=0.02)
    finally:
        checkpointer.stopped.set()
        if checkpointer.is_alive():
            checkpointer.join(timeout=30)
    assert checkpointer.failure is None, checkpointer.failure
    _assert_all_fetched(cases)
    fetches = len(cases) * len(CASE_ITEMS)
    per_second = fetches / (finished - started)
    # The worker's own pace, from the first to the last fetch it recorded (enqueueing excluded).
    from django.db.models import Max, Min

    window = FetchRequest.objects.filter(case_ref__in=cases).aggregate(first=Min("fetched_at"), last=Max("fetched_at"))
    sustained = (fetches - 1) / max(1e-6, (window["last"] - window["first"]).total_seconds())
    worker_cpu = (cpu_seconds(worker_process.pid, with_children=True) - cpu_before[0]) / fetches
    sandbox_cpu = (cpu_seconds(sandbox_pid, with_children=True) - cpu_before[1]) / fetches
    postgres_cpu = (
        (postgres_cpu_seconds(database) - cpu_before[2]) / fetches if connection.vendor == "postgresql" else 0.0
    )
    busy = (machine_cpu_seconds() - cpu_before[3]) / ((finished - started) * (os.cpu_count() or 1))

    print()
    print(
        f"fetch bench ({connection.vendor}, broker {BROKER_URL}, one worker ({WORKER_POOL} pool) with "
        f"concurrency {WORKER_CONCURRENCY}; sandbox on gunicorn {SANDBOX_WORKERS}x8 threads; {os.cpu_count()} CPUs, "
        f"load {os.getloadavg()[0]:.1f})"
    )
    print(f"  case of 4 items from 4 agencies at 50/100/200/400 ms, {LATENCY_ROUNDS} rounds, enqueue -> all fetched:")
    print(
        f"    median {median * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
        f"min {min(durations) * 1000:.0f} ms, max {max(durations) * 1000:.0f} ms"
    )
    print(f"    median / slowest latency (400 ms) = {ratio:.2f} (target <= 1.3)")
    print(
        f"  {fetches} fetches at 0 ms: enqueue -> all fetched {finished - started:.2f} s = {per_second:.0f} fetches/s; "
        f"sustained (first to last fetched) {sustained:.0f} fetches/s (target >= 100/s)"
    )
    print(
        f"    of which creating the {len(cases)} cases' fetches in one transaction: {enqueued - started:.2f} s "
        f"(the rows {created - started:.2f} s, the commit queueing the {fetches} fetches {enqueued - created:.2f} s; "
        f"{creating_cpu:.2f} s CPU of this process; {counter.count} statements, "
        f"{counter.count / len(cases):.1f} per case of {len(CASE_ITEMS)} items, savepoints included)"
    )
    print(
        f"  CPU per fetch: portal worker {worker_cpu * 1000:.1f} ms, sandbox agencies {sandbox_cpu * 1000:.1f} ms, "
        f"PostgreSQL {postgres_cpu * 1000:.1f} ms (this database's backends); the machine's CPUs were "
        f"{busy:.0%} busy from enqueue to all fetched"
    )
    if CHECKPOINT_EVERY_SECONDS > 0:
        made = checkpointer.seconds or [0.0]
        print(
            f"  access-log checkpoints beside it, every {CHECKPOINT_EVERY_SECONDS:g} s: {checkpointer.made} made, "
            f"median {statistics.median(made) * 1000:.0f} ms, max {max(made) * 1000:.0f} ms each "
            "(BENCH_CHECKPOINT_EVERY_SECONDS=0: without)"
        )
    else:
        print("  access-log checkpoints off (BENCH_CHECKPOINT_EVERY_SECONDS=0)")
    assert ratio < 2.0, "fetches of one case do not run in parallel"

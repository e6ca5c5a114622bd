"""The production stack on this machine, for the load run (``test_load_bench.py``) and the soak run.

Everything runs in subprocesses, so the pytest process never imports Django settings of the stack
nor locust's gevent monkey-patching::

    from tests.bench.load.stack import Stack, run_locust

    with Stack(workdir=tmp) as stack:          # defaults: DATABASE_URL or .../portal_load, Redis 10/11
        stack.seed()                            # bulk: 100,000 residents, 1,000,000 petitions; skipped
                                                # when the database holds them already (force=True or
                                                # LOAD_BENCH_RESEED=1 seeds again from an empty database)
        stack.start()                           # gunicorn (DEBUG off) + one Celery worker (all queues,
                                                # the per-agency fetch queues included, with beat); waits
        stats = run_locust(stack, seconds=60, users=40)   # the citizen/official mix; a LocustResult
        stack.set_faults("nts", error_rate=0.2, timeout_rate=0.05)   # manage.py sandbox_faults
        stack.kill_worker(); stack.start_worker()                   # SIGKILL, then a fresh worker
    # leaving the block stops everything (stack.stop())

``Stack(database_url=None, broker_url=None, cache_url=None, workdir=Path, residents=100_000,
petitions=1_000_000, web_workers=None, web_threads=None, worker_concurrency=8, beat=True)``

- ``.url``: the gunicorn address (``http://127.0.0.1:<port>``), the sandbox agencies included
  (``/sandbox/agencies/<code>/``; the portal's Agency rows are pointed at it on start).
- ``.env(debug=False)``: the environment of the stack's processes (production settings: DEBUG off,
  SECRET_KEY, FIELD_ENCRYPTION_KEYS and key files fixed for the bench; plain HTTP on loopback, so
  SECURE_SSL_REDIRECT and the Secure cookie flags are off, as behind a TLS-terminating proxy).
- ``.manage(*args)``: runs ``manage.py`` with the production environment; returns its stdout.
- ``.cpu_seconds()``: CPU time used so far by gunicorn (with its workers), the Celery worker,
  the bench database's PostgreSQL backends (sampled twice a second from the start) and the whole
  machine, from /proc, for the CPU share of each part.
- ``.sessions_file``: JSON written by ``.start()`` with logged-in session cookies of the bench
  citizens (identity confirmed) and officials (second factor passed), read by the locustfile.
- ``.filed_path``: the locust scenario appends one line per petition it files (``receipt_no``,
  JSON per line); ``run_locust(..., filed_path=...)`` may name another file.

``run_locust(stack_or_url, *, seconds, users, spawn_rate=None, workdir=None, scenario="mix",
sessions_file=None, filed_path=None, label=None) -> LocustResult`` runs locust headless in a
subprocess (FastHttpUser) and parses its CSV: ``.rows`` per request name (requests, failures,
rps, p50/p95/p99 ms), ``.total``, ``.failures`` (the failures CSV), ``.locust_cpu_seconds``.
``scenario="trivial"`` requests ``/healthz`` only (the same gunicorn and middleware).
``extra_env={"LOAD_RATE": "100"}`` paces the users to send about 100 requests/s together (instead
of each sending its next request when the last is answered).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tests.bench.processes import cpu_seconds, free_port

BASE_DIR = Path(__file__).resolve().parents[3]
PYTHON = sys.executable
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_load"
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/10"
DEFAULT_CACHE_URL = "redis://127.0.0.1:6379/11"
# Fixed secrets of the bench stack (never used anywhere else): the data seeded with DEBUG on must
# decrypt and verify in the production processes, so both use the same values.
BENCH_SECRET_KEY = "load-bench-secret-key-not-for-production-3f1c9a7e5b2d4c6e8a0b1d3f5a7c9e1b"
BENCH_FIELD_KEY = base64.urlsafe_b64encode(hashlib.sha256(b"portal load bench field key").digest()).decode()
LOCUSTFILE = Path(__file__).with_name("locustfile.py")


def _log(message: str) -> None:
    print(f"[stack] {message}", flush=True)


def _redis_db(url: str) -> tuple[str, int, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 6379, int((parts.path or "/0").strip("/") or 0)


def ensure_services(database_url: str) -> None:
    """PostgreSQL and Redis are up (started like .ci/run does when down) and the database exists."""

    def pg_up() -> bool:
        return subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"]).returncode == 0

    if not pg_up():
        _log("starting PostgreSQL")
        version = sorted(os.listdir("/etc/postgresql"))[0]
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=False)
        for _ in range(30):
            if pg_up():
                break
            time.sleep(1)
    if (
        subprocess.run(
            ["redis-cli", "-h", "127.0.0.1", "-p", "6379", "ping"], capture_output=True, text=True
        ).stdout.strip()
        != "PONG"
    ):
        _log("starting Redis")
        subprocess.run(
            [
                "redis-server",
                "--daemonize",
                "yes",
                "--bind",
                "127.0.0.1",
                "--port",
                "6379",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            check=False,
        )
        time.sleep(1)
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    exists = subprocess.run(
        ["psql", admin_url, "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if exists != "1":
        _log(f"creating database {name}")
        subprocess.run(["psql", admin_url, "-qc", f'CREATE DATABASE "{name}"'], check=True)


def drop_database(database_url: str) -> None:
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    subprocess.run(["psql", admin_url, "-qc", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], check=True)


def postgres_cpu_seconds(database: str | None = None) -> float:
    """CPU time of PostgreSQL. With ``database``: its live backends only (the bench keeps its
    connections open, CONN_MAX_AGE); without: every process, plus the ended backends (counted in
    the postmaster's children time), whoever's database they served."""
    total = 0.0
    clock = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if Path(entry, "comm").read_text().strip() not in {"postgres", "postmaster"}:
                continue
            fields_ = Path(entry, "stat").read_text().rsplit(")", 1)[1].split()
            command = Path(entry, "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if database is not None:
            if f" {database} " in command:
                total += (int(fields_[11]) + int(fields_[12])) / clock
            continue
        total += (int(fields_[11]) + int(fields_[12])) / clock
        if _is_postmaster(entry):  # the children it has reaped: ended backends
            total += (int(fields_[13]) + int(fields_[14])) / clock
    return total


def _is_postmaster(entry: Path) -> bool:
    try:
        parent = Path(entry, "stat").read_text().rsplit(")", 1)[1].split()[1]
        return Path(f"/proc/{parent}/comm").read_text().strip() not in {"postgres", "postmaster"}
    except OSError:
        return False


def postgres_backends(database: str) -> dict[int, float]:
    """CPU seconds of each live backend of ``database``, by process id."""
    clock = os.sysconf("SC_CLK_TCK")
    backends = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if Path(entry, "comm").read_text().strip() != "postgres":
                continue
            if f" {database} " not in Path(entry, "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"):
                continue
            fields_ = Path(entry, "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        backends[int(entry.name)] = (int(fields_[11]) + int(fields_[12])) / clock
    return backends


class PostgresSampler(threading.Thread):
    """Adds up the CPU time of one database's backends, sampled twice a second (backends come and
    go: gunicorn reconnects every CONN_MAX_AGE seconds; at most the last half second of an ended
    backend is missed)."""

    def __init__(self, database: str, interval: float = 0.5):
        super().__init__(daemon=True, name=f"pg-sampler-{database}")
        self.database, self.interval = database, interval
        self.total = 0.0
        self._seen: dict[int, float] = {}
        self._baseline_taken = False
        self._halt = threading.Event()
        self._lock = threading.Lock()

    def sample(self) -> float:
        with self._lock:
            now = postgres_backends(self.database)
            if self._baseline_taken:  # a backend new since the last sample counts from its start
                for pid, cpu in now.items():
                    self.total += max(0.0, cpu - self._seen.get(pid, 0.0))
            self._baseline_taken = True
            self._seen = now
            return self.total

    def run(self) -> None:
        while not self._halt.wait(self.interval):
            self.sample()

    def stop(self) -> None:
        self._halt.set()


def machine_cpu_seconds() -> float:
    """Busy CPU seconds of the whole machine (all cores), from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class Stack:
    """gunicorn + a Celery worker (+ beat) + PostgreSQL + Redis + the sandbox agencies, seeded."""

    def __init__(
        self,
        database_url: str | None = None,
        broker_url: str | None = None,
        cache_url: str | None = None,
        workdir: Path | None = None,
        residents: int = 100_000,
        petitions: int = 1_000_000,
        *,
        web_workers: int | None = None,
        web_threads: int | None = None,
        worker_concurrency: int = 8,
        beat: bool = True,
        citizens: int | None = None,
    ):
        self.database_url = (
            database_url
            or os.environ.get("LOAD_BENCH_DATABASE_URL")
            or os.environ.get("DATABASE_URL")
            or DEFAULT_DATABASE_URL
        )
        if not self.database_url.startswith(("postgres://", "postgresql://")):
            self.database_url = DEFAULT_DATABASE_URL
        self.broker_url = broker_url or DEFAULT_BROKER_URL
        self.cache_url = cache_url or DEFAULT_CACHE_URL
        self.workdir = Path(workdir or BASE_DIR / "var" / "bench" / "stack")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.var_dir = self.workdir / "var"
        self.var_dir.mkdir(exist_ok=True)
        self.residents = residents
        self.petitions = petitions
        self.citizens = citizens
        self.web_workers = web_workers or int(os.environ.get("LOAD_BENCH_WEB_WORKERS", "3"))
        self.web_threads = web_threads or int(os.environ.get("LOAD_BENCH_WEB_THREADS", "4"))
        self.worker_concurrency = worker_concurrency
        self.beat = beat
        self.port = free_port()
        self.sessions_file = self.workdir / "sessions.json"
        self.filed_path = self.workdir / "filed.jsonl"
        self.web: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.pg_sampler: PostgresSampler | None = None
        self._worker_starts = 0

    # --- environment -----------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self, *, debug: bool = False) -> dict:
        keys = self.var_dir / "keys"
        env = os.environ.copy()
        for name in ("DJANGO_SETTINGS_MODULE", "CELERY_TASK_ALWAYS_EAGER", "PYTEST_ADDOPTS"):
            env.pop(name, None)
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "portal.settings",
                "DEBUG": "1" if debug else "0",
                "PORTAL_VAR_DIR": str(self.var_dir),
                "DATABASE_URL": self.database_url,
                "CELERY_BROKER_URL": self.broker_url,
                "CACHE_URL": self.cache_url,
                "SECRET_KEY": BENCH_SECRET_KEY,
                "FIELD_ENCRYPTION_KEYS": BENCH_FIELD_KEY,
                "PORTAL_SIGNING_KEY_FILES": str(keys / "portal-signing-1.pem"),
                "PORTAL_ENCRYPTION_KEY_FILES": str(keys / "portal-encryption-1.pem"),
                "SANDBOX_AGENCIES_ENABLED": "1",
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "SITE_URL": self.url,
                "SECURE_SSL_REDIRECT": "0",
                "SESSION_COOKIE_SECURE": "0",
                "CSRF_COOKIE_SECURE": "0",
                "SECURE_HSTS_SECONDS": "0",
                # Connection reuse: a gunicorn thread keeps its PostgreSQL connection (the default, 60 s,
                # reconnects every thread once a minute).
                "DATABASE_CONN_MAX_AGE": os.environ.get("LOAD_BENCH_CONN_MAX_AGE", "600"),
                "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
                "LOG_LEVEL": os.environ.get("LOAD_BENCH_LOG_LEVEL", "WARNING"),
                "STATIC_ROOT": str(self.var_dir / "static"),
                "MEDIA_ROOT": str(self.var_dir / "media"),
                "PYTHONPATH": str(BASE_DIR),
            }
        )
        return env

    def manage(self, *args: str, debug: bool = False, check: bool = True, quiet: bool = False) -> str:
        result = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=BASE_DIR,
            env=self.env(debug=debug),
            stdout=subprocess.PIPE,
            stderr=None if not quiet else subprocess.PIPE,
            text=True,
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed ({result.returncode}): {result.stdout[-2000:]}")
        return result.stdout

    def _helper(self, *args: str, debug: bool) -> None:
        """Runs tests/bench/load/seed.py (its progress bar goes straight to the terminal)."""
        subprocess.run(
            [PYTHON, "-m", "tests.bench.load.seed", *args], cwd=BASE_DIR, env=self.env(debug=debug), check=True
        )

    # --- seeding ---------------------------------------------------------------------------
    def seed(self, *, force: bool | None = None) -> None:
        """Migrates and seeds (DEBUG on: demo data); skipped when the database holds the data already."""
        if force is None:
            force = os.environ.get("LOAD_BENCH_RESEED", "") not in ("", "0")
        ensure_services(self.database_url)
        if force:
            _log("reseeding: dropping the database")
            drop_database(self.database_url)
            ensure_services(self.database_url)
        args = ["seed", "--residents", str(self.residents), "--petitions", str(self.petitions)]
        if self.citizens:
            args += ["--citizens", str(self.citizens)]
        self._helper(*args, debug=True)

    # --- processes -------------------------------------------------------------------------
    def _log_file(self, name: str):
        return (self.workdir / f"{name}.log").open("a")

    def start(self) -> None:
        ensure_services(self.database_url)
        for url in (self.broker_url,):
            host, port, db = _redis_db(url)
            subprocess.run(
                ["redis-cli", "-h", host, "-p", str(port), "-n", str(db), "flushdb"], capture_output=True, check=False
            )
        self.collectstatic()
        # Sessions of the bench accounts and the portal's agencies pointed at this server.
        self._helper("prepare", "--url", self.url, "--sessions", str(self.sessions_file), debug=False)
        self.pg_sampler = PostgresSampler(urlsplit(self.database_url).path.lstrip("/"))
        self.pg_sampler.sample()
        self.pg_sampler.start()
        self._start_web()
        self.start_worker()

    def collectstatic(self) -> None:
        """``collectstatic`` (compressed, with the manifest) unless the files are newer than the sources."""
        manifest = self.var_dir / "static" / "staticfiles.json"
        if manifest.exists():
            built = manifest.stat().st_mtime
            sources = [BASE_DIR / "static", *BASE_DIR.glob("*/static"), *BASE_DIR.glob("*/*/static")]
            newest = max(
                (p.stat().st_mtime for d in sources if d.is_dir() for p in d.rglob("*") if p.is_file()), default=0
            )
            if newest < built:
                return
        self.manage("collectstatic", "--noinput", "-v", "0", quiet=True)

    def _start_web(self) -> None:
        with self._log_file("gunicorn") as log:
            self.web = subprocess.Popen(
                [
                    PYTHON,
                    "-m",
                    "gunicorn",
                    "portal.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--worker-class",
                    "gthread",
                    "--workers",
                    str(self.web_workers),
                    "--threads",
                    str(self.web_threads),
                    "--log-level",
                    "warning",
                    "--timeout",
                    "60",
                    "--keep-alive",
                    "5",
                ],
                cwd=BASE_DIR,
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/readyz", timeout=2) as response:  # noqa: S310 (our http server)
                    if response.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline or self.web.poll() is not None:
                raise RuntimeError(f"gunicorn did not start: {(self.workdir / 'gunicorn.log').read_text()[-3000:]}")
            time.sleep(0.3)
        _log(f"gunicorn {self.web_workers}x{self.web_threads} threads at {self.url}")

    def worker_queues(self) -> str:
        return (
            self.manage(
                "shell", "-c", "from django.conf import settings; print(','.join(settings.PORTAL_WORKER_QUEUES()))"
            )
            .strip()
            .splitlines()[-1]
        )

    def start_worker(self) -> None:
        """One Celery worker consuming every queue (default, documents, fetch.<agency>), with beat."""
        if self.worker is not None and self.worker.poll() is None:
            return
        queues = self.worker_queues()
        self._worker_starts += 1
        command = [
            PYTHON,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--pool=threads",
            f"--concurrency={self.worker_concurrency}",
            "-Q",
            queues,
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"load-{os.getpid()}-{self._worker_starts}@%h",
        ]
        if self.beat:
            command += ["-B", f"--schedule={self.var_dir / 'beat-schedule'}"]
        with self._log_file("worker") as log:
            self.worker = subprocess.Popen(
                command, cwd=BASE_DIR, env=self.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.worker.poll() is not None:
                raise RuntimeError(f"the worker died: {(self.workdir / 'worker.log').read_text()[-3000:]}")
            if "ready" in (self.workdir / "worker.log").read_text()[-20000:].split("load-")[-1] or self._worker_pings():
                break
            time.sleep(0.5)
        _log(f"celery worker (threads x{self.worker_concurrency}) on {queues}")

    def _worker_pings(self) -> bool:
        result = subprocess.run(
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "portal",
                "inspect",
                "ping",
                "-t",
                "1",
                "-d",
                f"load-{os.getpid()}-{self._worker_starts}@{socket.gethostname()}",
            ],
            cwd=BASE_DIR,
            env=self.env(),
            capture_output=True,
            text=True,
        )
        return result.returncode == 0 and "pong" in result.stdout

    def kill_worker(self) -> None:
        """SIGKILL the worker (its process group: beat and pool threads go with it), as a crash would."""
        if self.worker is not None and self.worker.poll() is None:
            os.killpg(self.worker.pid, signal.SIGKILL)
            self.worker.wait(timeout=10)
            _log("worker killed (SIGKILL)")

    def set_faults(self, agency_code: str, **faults) -> str:
        """``manage.py sandbox_faults``: latency_ms, jitter_ms, error_rate, timeout_rate, timeout_ms,
        tamper_signature, malformed, down (True/False), reset=True."""
        args = ["sandbox_faults", agency_code]
        for name, value in faults.items():
            flag = "--" + name.replace("_", "-")
            if isinstance(value, bool):
                if name == "down":
                    args.append("--down" if value else "--up")
                elif name == "reset":
                    if value:
                        args.append("--reset")
                else:
                    args.append(flag if value else f"--no-{name.replace('_', '-')}")
            else:
                args += [flag, str(value)]
        return self.manage(*args)

    def cpu_seconds(self) -> dict:
        return {
            "gunicorn": cpu_seconds(self.web.pid) if self.web else 0.0,
            "worker": cpu_seconds(self.worker.pid) if self.worker else 0.0,
            "postgres": self.pg_sampler.sample() if self.pg_sampler else 0.0,
            "postgres_all": postgres_cpu_seconds(),
            "machine": machine_cpu_seconds(),
        }

    def stop(self) -> None:
        if self.pg_sampler is not None:
            self.pg_sampler.stop()
        for process in (self.worker, self.web):
            if process is None or process.poll() is not None:
                continue
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


# --- locust -------------------------------------------------------------------------------


@dataclass
class LocustResult:
    label: str
    seconds: float
    users: int
    rows: dict = field(default_factory=dict)  # name -> {method, requests, failures, rps, p50, p95, p99, avg}
    total: dict = field(default_factory=dict)  # the "Aggregated" row
    failures: list = field(default_factory=list)
    locust_cpu_seconds: float = 0.0
    wall_seconds: float = 0.0
    output_tail: str = ""

    def as_dict(self) -> dict:
        return {
            "label": self.label,
            "seconds": self.seconds,
            "users": self.users,
            "rows": self.rows,
            "total": self.total,
            "failures": self.failures,
            "locust_cpu_seconds": self.locust_cpu_seconds,
            "wall_seconds": self.wall_seconds,
        }


def _num(value: str | None) -> float:
    """A locust CSV figure; 0 when the column is missing or not a number ("N/A")."""
    if value is None:
        return 0.0
    try:
        return float(value)
    except ValueError:
        return 0.0


def run_locust(
    stack_or_url,
    *,
    seconds: int,
    users: int,
    spawn_rate: float | None = None,
    workdir: Path | None = None,
    scenario: str = "mix",
    sessions_file: Path | None = None,
    filed_path: Path | None = None,
    label: str | None = None,
    extra_env: dict | None = None,
) -> LocustResult:
    """Runs locust headless against the stack for ``seconds`` and returns its parsed statistics."""
    if isinstance(stack_or_url, Stack):
        url = stack_or_url.url
        workdir = workdir or stack_or_url.workdir
        sessions_file = sessions_file or stack_or_url.sessions_file
        filed_path = filed_path or stack_or_url.filed_path
    else:
        url = str(stack_or_url)
    workdir = Path(workdir or BASE_DIR / "var" / "bench")
    label = label or scenario
    prefix = workdir / f"locust-{label}"
    for suffix in ("_stats.csv", "_failures.csv", "_stats_history.csv", "_exceptions.csv"):
        Path(f"{prefix}{suffix}").unlink(missing_ok=True)
    env = os.environ.copy()
    env.update(
        {
            "LOAD_SCENARIO": scenario,
            "LOAD_SESSIONS_FILE": str(sessions_file or ""),
            "LOAD_FILED_PATH": str(filed_path or workdir / "filed.jsonl"),
            "LOAD_USERS": str(users),
            "PYTHONPATH": str(BASE_DIR),
        }
    )
    env.update(extra_env or {})
    command = [
        shutil.which("locust") or str(Path(PYTHON).with_name("locust")),
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--host",
        url,
        "-u",
        str(users),
        "-r",
        str(spawn_rate or max(1, users)),
        "--run-time",
        f"{seconds}s",
        "--csv",
        str(prefix),
        "--only-summary",
        "--stop-timeout",
        "10",
        "--loglevel",
        "WARNING",
    ]
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    process = subprocess.Popen(
        command, cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    output, _ = process.communicate(timeout=seconds + 180)
    wall = time.monotonic() - started
    # The locust process has ended and been waited for: its CPU time is in our children's rusage.
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = LocustResult(label=label, seconds=seconds, users=users, wall_seconds=wall, output_tail=output[-3000:])
    result.locust_cpu_seconds = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    stats_path = Path(f"{prefix}_stats.csv")
    if not stats_path.exists():
        raise RuntimeError(f"locust wrote no statistics (exit {process.returncode}):\n{output[-3000:]}")
    with stats_path.open() as handle:
        for row in csv.DictReader(handle):
            entry = {
                "method": row.get("Type", ""),
                "requests": int(_num(row["Request Count"])),
                "failures": int(_num(row["Failure Count"])),
                "rps": _num(row["Requests/s"]),
                "p50": _num(row.get("50%")),
                "p95": _num(row.get("95%")),
                "p99": _num(row.get("99%")),
                "avg": _num(row.get("Average Response Time")),
                "max": _num(row.get("Max Response Time")),
            }
            if row["Name"] == "Aggregated":
                result.total = entry
            else:
                result.rows[f"{row.get('Type', '')} {row['Name']}".strip()] = entry
    failures_path = Path(f"{prefix}_failures.csv")
    if failures_path.exists():
        with failures_path.open() as handle:
            result.failures = [dict(row) for row in csv.DictReader(handle)]
    return result

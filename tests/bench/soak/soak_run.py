"""The soak run (``make soak``): the load of ``make bench`` under agency faults and a worker crash,
then a consistency check of the database.

Bounded in time (about six minutes once the database is seeded) and on loopback only:

1. boots the production stack of the load run (``tests/bench/load/stack.py``: gunicorn, one
   Celery worker with beat, PostgreSQL, Redis, the sandbox agencies) on its own database
   (``portal_soak``) and Redis databases (12 and 13), seeded once and reused;
2. drives it with the load mix (locust, headless) for ``SOAK_LOAD_SECONDS``, and meanwhile:
   two agencies the filed petitions fetch from answer 20 % errors and 5 % timeouts
   (``SOAK_FAULTY_AGENCIES``, default ``scourt,mma``), a third (``SOAK_DOWN_AGENCY``, default
   ``mois``) is down for 60 s and back, and the Celery worker is killed (SIGKILL) and restarted;
3. stops the load and lets the system drain on its own, the two agencies still faulty (the
   worker catches up with the fetches filed under load, and beat's recovery sweeps queue again
   what the killed worker held: fetches, renders, petitions left collecting; the soak shortens
   their periods to 60 s with ``FETCH_STALLED_AFTER_SECONDS`` / ``DOCUMENT_STALLED_AFTER_SECONDS``),
   up to ``SOAK_DRAIN_SECONDS``; what is still pending after ``SOAK_GRACE_SECONDS`` is recorded.
   ``SOAK_CRON_SECONDS`` > 0 also runs ``manage.py requeue_fetches`` as a cron job would (off by
   default: the product recovers by itself); then removes the faults;
4. runs ``manage.py check_consistency --idle`` over the run's window with the receipt numbers
   locust was given, prints the counts and asserts: no petition lost or stored twice, no item
   fetched twice, every fetch fetched or failed with its reason, nothing stuck, the access-log
   chain intact; the receipt counter moved exactly by the petitions filed.

Writes ``var/bench/soak/soak.json`` and ``soak.md`` (and a copy stamped with the time).

Environment: ``SOAK_DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/portal_soak``),
``SOAK_RESIDENTS`` / ``SOAK_PETITIONS`` (seed size, default 100,000 / 1,000,000, as the load
run; a database holding another size is refused, ``LOAD_BENCH_RESEED=1`` seeds again),
``SOAK_USERS`` (locust users, default 40), ``SOAK_THINK`` (think time, default ``0.5,1.5`` s),
``SOAK_LOAD_SECONDS`` (default 180),
``SOAK_DOWN_AT`` / ``SOAK_DOWN_SECONDS`` (20 / 60), ``SOAK_KILL_AT`` (seconds into the load,
default 100; the kill waits up to ``SOAK_KILL_WAIT_SECONDS`` for a fetch in hand),
``SOAK_GRACE_SECONDS`` (60), ``SOAK_DRAIN_SECONDS`` (300). Faults are changed through
one long-lived ``sandbox_faults`` process (``faults_console.py``), so they land on time under load.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

from tests.bench.load.stack import BASE_DIR, PYTHON, Stack, run_locust

DATABASE_URL = os.environ.get("SOAK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_soak")
BROKER_URL = "redis://127.0.0.1:6379/12"
CACHE_URL = "redis://127.0.0.1:6379/13"
OUT_DIR = BASE_DIR / "var" / "bench" / "soak"


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


RESIDENTS = _int("SOAK_RESIDENTS", 100_000)
PETITIONS = _int("SOAK_PETITIONS", 1_000_000)
USERS = _int("SOAK_USERS", 40)
# Users think between tasks (seconds, min,max), as people do: the load run's closed loop (no
# think time) saturates the web tier with cheap pages and files few petitions, so few fetches.
THINK = tuple(os.environ.get("SOAK_THINK", "0.5,1.5").split(",", 1))
LOAD_SECONDS = _int("SOAK_LOAD_SECONDS", 180)
DOWN_AT = _int("SOAK_DOWN_AT", 20)
DOWN_SECONDS = _int("SOAK_DOWN_SECONDS", 60)
KILL_AT = _int("SOAK_KILL_AT", 100)
RESTART_AFTER = _int("SOAK_RESTART_AFTER", 5)
KILL_WAIT_SECONDS = _int("SOAK_KILL_WAIT_SECONDS", 30)
GRACE_SECONDS = _int("SOAK_GRACE_SECONDS", 60)
CRON_SECONDS = _int("SOAK_CRON_SECONDS", 0)
DRAIN_SECONDS = _int("SOAK_DRAIN_SECONDS", 300)
# The recovery sweeps (beat, every minute) take what has not moved for this long: shorter than
# in production (120 s / 300 s), so that the bounded run sees them work.
os.environ.setdefault("FETCH_STALLED_AFTER_SECONDS", "60")
os.environ.setdefault("DOCUMENT_STALLED_AFTER_SECONDS", "60")
FAULTY = [code for code in os.environ.get("SOAK_FAULTY_AGENCIES", "scourt,mma").split(",") if code]
DOWN_AGENCY = os.environ.get("SOAK_DOWN_AGENCY", "mois")
ERROR_RATE = float(os.environ.get("SOAK_ERROR_RATE", "0.2"))
TIMEOUT_RATE = float(os.environ.get("SOAK_TIMEOUT_RATE", "0.05"))


def _say(message: str) -> None:
    print(f"[soak {time.strftime('%H:%M:%S', time.gmtime())}Z] {message}", flush=True)


def _psql(sql: str) -> list[list[str]]:
    """A read-only query on the soak database (the pytest process does not load the stack's Django)."""
    out = subprocess.run(
        ["psql", DATABASE_URL, "-tAF", "\t", "-c", sql], capture_output=True, text=True, check=True
    ).stdout
    return [line.split("\t") for line in out.splitlines() if line.strip()]


def _loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


class Window:
    """Counts of the run's window (rows created since the run started), read with psql."""

    def __init__(self, since: dt.datetime):
        self.since = since.isoformat()

    def fetch_states(self) -> dict[str, int]:
        rows = _psql(
            f"SELECT state, count(*) FROM sharing_fetchrequest WHERE created_at >= '{self.since}' "
            "GROUP BY state ORDER BY state"
        )
        return {state: int(n) for state, n in rows}

    def pending_fetches(self) -> list[dict]:
        rows = _psql(
            "SELECT f.case_ref, i.code, f.state, f.attempts, f.error_code, f.updated_at, f.next_attempt_at "
            "FROM sharing_fetchrequest f JOIN sharing_informationitem i ON i.id = f.item_id "
            f"WHERE f.created_at >= '{self.since}' AND f.state IN "
            "('waiting', 'fetching', 'retrying', 'agency_unavailable') ORDER BY f.updated_at"
        )
        keys = ("case_ref", "item", "state", "attempts", "error_code", "updated_at", "next_attempt_at")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def pending_documents(self) -> list[dict]:
        rows = _psql(
            "SELECT case_ref, kind, attempts, updated_at FROM documents_documentrequest "
            f"WHERE created_at >= '{self.since}' AND state = 'pending' ORDER BY updated_at"
        )
        return [dict(zip(("case_ref", "kind", "attempts", "updated_at"), row, strict=True)) for row in rows]

    def collecting(self) -> int:
        return int(
            _psql(
                "SELECT count(*) FROM petitions_petition WHERE status = 'collecting_information' "
                f"AND submitted_at >= '{self.since}'"
            )[0][0]
        )

    def filed(self) -> int:
        return int(_psql(f"SELECT count(*) FROM petitions_petition WHERE submitted_at >= '{self.since}'")[0][0])

    def attempts(self) -> dict[str, dict[str, int]]:
        """Attempts that asked an agency, by agency and outcome (the tracker's exchange log)."""
        rows = _psql(
            "SELECT agency_code, outcome || CASE WHEN error_code <> '' THEN ' ' || error_code ELSE '' END, "
            f"count(*) FROM tracker_exchange WHERE finished_at >= '{self.since}' GROUP BY 1, 2 ORDER BY 1, 2"
        )
        result: dict[str, dict[str, int]] = {}
        for agency, outcome, n in rows:
            result.setdefault(agency, {})[outcome] = int(n)
        return result

    def in_flight(self) -> int:
        return int(
            _psql(
                f"SELECT count(*) FROM sharing_fetchrequest WHERE state = 'fetching' AND created_at >= '{self.since}'"
            )[0][0]
        )


def fault_args(agency_code: str, **faults) -> list[str]:
    """The arguments of ``manage.py sandbox_faults`` for ``Stack.set_faults``-style keywords."""
    args = [agency_code]
    for name, value in faults.items():
        if name == "reset":
            args += ["--reset"] if value else []
        elif name == "down":
            args.append("--down" if value else "--up")
        elif isinstance(value, bool):
            args.append(f"--{name.replace('_', '-')}" if value else f"--no-{name.replace('_', '-')}")
        else:
            args += [f"--{name.replace('_', '-')}", str(value)]
    return args


class FaultsConsole:
    """``manage.py sandbox_faults`` without a process start per change (faults_console.py)."""

    def __init__(self, stack: Stack):
        self.process = subprocess.Popen(
            [PYTHON, "-m", "tests.bench.soak.faults_console"],
            cwd=BASE_DIR,
            env=stack.env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        if self.process.stdin is None or self.process.stdout is None:
            raise RuntimeError("the faults console has no pipes")
        self.stdin, self.stdout = self.process.stdin, self.process.stdout
        ready = self.stdout.readline()
        if not ready:
            raise RuntimeError("the faults console did not start")

    def set(self, agency_code: str, **faults) -> str:
        self.stdin.write(json.dumps(fault_args(agency_code, **faults)) + "\n")
        self.stdin.flush()
        answer = json.loads(self.stdout.readline())
        if not answer["ok"]:
            raise RuntimeError(f"sandbox_faults {agency_code} {faults}: {answer['output']}")
        return answer["output"]

    def close(self) -> None:
        if self.process.poll() is None:
            self.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def _receipt_counter(year: int) -> int:
    rows = _psql(f"SELECT last FROM petitions_receiptcounter WHERE year = {year}")
    return int(rows[0][0]) if rows else 0


def _broker_unacked() -> list[str]:
    """The tasks Redis holds as delivered but not acknowledged (a killed worker's leave them there
    until the visibility timeout): "task(args) queue" each."""
    out = subprocess.run(
        ["redis-cli", "-n", BROKER_URL.rsplit("/", 1)[1], "hvals", "unacked"], capture_output=True, text=True
    ).stdout
    tasks = []
    for line in out.splitlines():
        try:
            message = json.loads(line)[0]
            headers = message["headers"]
            queue = message["properties"]["delivery_info"].get("routing_key", "")
            tasks.append(f"{headers['task']}{headers.get('argsrepr', '')} {queue}")
        except (ValueError, KeyError, IndexError, TypeError):
            continue
    return sorted(tasks)


def _documents_table_exists() -> bool:
    return bool(_psql("SELECT 1 FROM pg_tables WHERE tablename = 'documents_documentrequest'"))


def test_soak():
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    workdir = OUT_DIR / "stack"
    started_wall = time.monotonic()
    events: list[dict] = []

    def event(what: str, **details) -> None:
        events.append(
            {
                "t": round(time.monotonic() - load_started, 1) if load_started else None,
                "what": what,
                "load_average": _loadavg(),
                **details,
            }
        )
        _say(what + (f" {details}" if details else ""))

    load_started = 0.0
    with Stack(
        database_url=DATABASE_URL,
        broker_url=BROKER_URL,
        cache_url=CACHE_URL,
        workdir=workdir,
        residents=RESIDENTS,
        petitions=PETITIONS,
    ) as stack:
        seed_started = time.monotonic()
        stack.seed()
        seed_seconds = time.monotonic() - seed_started
        stack.start()
        boot_seconds = time.monotonic() - started_wall
        # The stack's start flushed the broker: fetches an earlier (interrupted) run left pending
        # lost their tasks; queue them again, as the README says to after a broker was flushed.
        _say(stack.manage("requeue_fetches", "--stalled-minutes", "0").strip())
        faults = FaultsConsole(stack)
        # Every agency healthy to begin with (a previous run may have been interrupted).
        faults.set("all", reset=True)
        documents = _documents_table_exists()

        since = dt.datetime.now(dt.UTC)
        window = Window(since)
        year = dt.datetime.now(dt.timezone(dt.timedelta(hours=9))).year
        counter_before = _receipt_counter(year)
        worker_log_start = (workdir / "worker.log").stat().st_size if (workdir / "worker.log").exists() else 0
        filed_path = workdir / "soak-filed.jsonl"
        filed_path.unlink(missing_ok=True)

        result: dict = {}

        def load() -> None:
            try:
                result["locust"] = run_locust(
                    stack,
                    seconds=LOAD_SECONDS,
                    users=USERS,
                    filed_path=filed_path,
                    label="soak",
                    extra_env={"LOAD_THINK_MIN": THINK[0], "LOAD_THINK_MAX": THINK[1]},
                )
            except Exception as exc:  # noqa: BLE001 (reported by the main thread)
                result["error"] = exc

        _say(
            f"load: {USERS} users for {LOAD_SECONDS} s; faults on {', '.join(FAULTY)} throughout, "
            f"{DOWN_AGENCY} down {DOWN_AT}-{DOWN_AT + DOWN_SECONDS} s, worker SIGKILL at {KILL_AT} s"
        )
        for code in FAULTY:
            faults.set(code, error_rate=ERROR_RATE, timeout_rate=TIMEOUT_RATE)
        locust = threading.Thread(target=load, name="locust", daemon=True)
        load_started = time.monotonic()
        locust.start()
        event(f"{', '.join(FAULTY)}: {ERROR_RATE:.0%} errors, {TIMEOUT_RATE:.0%} timeouts")

        schedule = [
            (DOWN_AT, "down", lambda: faults.set(DOWN_AGENCY, down=True)),
            (DOWN_AT + DOWN_SECONDS, "up", lambda: faults.set(DOWN_AGENCY, down=False)),
            (KILL_AT, "kill", None),
            (KILL_AT + RESTART_AFTER, "restart", None),
        ]
        schedule.sort(key=lambda step: step[0])
        samples: list[dict] = []
        kill_snapshot: dict = {}
        next_sample = 0.0
        while locust.is_alive() or schedule:
            elapsed = time.monotonic() - load_started
            while schedule and schedule[0][0] <= elapsed:
                _at, what, action = schedule.pop(0)
                if what == "kill":
                    # Kill while fetches are in hand, so that some fetch task dies with the worker.
                    wait_until = time.monotonic() + KILL_WAIT_SECONDS
                    while window.in_flight() == 0 and time.monotonic() < wait_until:
                        time.sleep(0.2)
                    kill_snapshot = {
                        "states": window.fetch_states(),
                        "documents_pending": len(window.pending_documents()) if documents else None,
                    }
                    stack.kill_worker()
                    event("worker killed (SIGKILL)", fetches_at_kill=kill_snapshot["states"])
                elif what == "restart":
                    stack.start_worker()
                    event("worker restarted")
                else:
                    action()
                    event({"down": f"{DOWN_AGENCY} down", "up": f"{DOWN_AGENCY} up again"}[what])
            if elapsed >= next_sample:
                samples.append({"t": round(elapsed), "fetches": window.fetch_states(), "load_average": _loadavg()})
                next_sample += 15
            if not locust.is_alive() and not schedule:
                break
            time.sleep(0.5)
        locust.join()
        load_seconds = time.monotonic() - load_started
        event("load stopped")

        # --- drain: on its own (beat's recovery sweeps), optionally with requeue_fetches as cron ---
        drain_started = time.monotonic()
        requeue_runs: list[dict] = []
        stuck_before_requeue: dict = {}
        next_cron = drain_started + GRACE_SECONDS
        last_left = [None, time.monotonic()]
        while True:
            pending = window.pending_fetches()
            pending_docs = window.pending_documents() if documents else []
            collecting = window.collecting()
            waited = time.monotonic() - drain_started
            if not pending and not pending_docs and not collecting:
                event("drained", after_seconds=round(waited))
                break
            if (len(pending_docs), collecting) != last_left[0]:
                last_left[:] = [(len(pending_docs), collecting), time.monotonic()]
            if not pending and waited > GRACE_SECONDS and time.monotonic() - last_left[1] > 150:
                # Two sweep periods and more without a change, and no fetch left to settle them.
                event(
                    "stuck: no change for 150 s with no fetch pending",
                    pending_documents=len(pending_docs),
                    collecting=collecting,
                )
                break
            if waited > DRAIN_SECONDS:
                event(
                    "drain timed out",
                    pending_fetches=len(pending),
                    pending_documents=len(pending_docs),
                    collecting=collecting,
                )
                break
            if time.monotonic() >= next_cron:
                if not stuck_before_requeue:
                    stuck_before_requeue = {
                        "after_seconds": round(waited),
                        "fetches": pending[:20],
                        "fetch_count": len(pending),
                        "documents": pending_docs[:20],
                        "document_count": len(pending_docs),
                        "collecting": collecting,
                    }
                    event(
                        "still pending after the grace period",
                        fetches=len(pending),
                        documents=len(pending_docs),
                        collecting=collecting,
                    )
                if CRON_SECONDS > 0:
                    out = stack.manage("requeue_fetches", "--stalled-minutes", "1").strip()
                    requeue_runs.append({"t": round(waited), "output": out})
                    event("requeue_fetches (as cron)", output=out)
                    next_cron = time.monotonic() + CRON_SECONDS
                else:
                    next_cron = float("inf")
            time.sleep(2)
        drain_seconds = time.monotonic() - drain_started
        # The faulty agencies stayed faulty while the worker caught up with the fetches filed
        # under load; healthy again for the check.
        faults.set("all", reset=True)
        faults.close()
        event("faults removed")
        attempts = window.attempts()
        window_states = window.fetch_states()
        worker_log = (
            (workdir / "worker.log").read_bytes()[worker_log_start:].decode(errors="replace")
            if (workdir / "worker.log").exists()
            else ""
        )
        task_errors = [line for line in worker_log.splitlines() if " ERROR " in line]
        unacked = _broker_unacked()
        if unacked:
            event("tasks left unacknowledged in the broker", count=len(unacked), tasks=unacked[:10])

        # --- the check ---------------------------------------------------------------------
        filed_lines = filed_path.read_text().splitlines() if filed_path.exists() else []
        counter_after = _receipt_counter(year)
        filed_in_window = window.filed()
        check_args = [
            "check_consistency",
            "--idle",
            "--json",
            "--since",
            since.isoformat(),
            "--expected-receipts",
            str(filed_path),
        ]
        check_started = time.monotonic()
        raw = subprocess.run(
            [PYTHON, "manage.py", *check_args], cwd=BASE_DIR, env=stack.env(), capture_output=True, text=True
        )
        check_seconds = time.monotonic() - check_started
        text = subprocess.run(
            [PYTHON, "manage.py", *[a for a in check_args if a != "--json"]],
            cwd=BASE_DIR,
            env=stack.env(),
            capture_output=True,
            text=True,
        )
        worker_log_tail = worker_log[-4000:]

    if "error" in result:
        raise result["error"]
    locust_result = result["locust"]
    try:
        report = json.loads(raw.stdout)
    except json.JSONDecodeError as exc:
        raise AssertionError(
            f"check_consistency gave no JSON ({raw.returncode}): {raw.stdout[-2000:]}{raw.stderr[-2000:]}"
        ) from exc

    total = locust_result.total
    figures = {
        "load_average_at_end": _loadavg(),
        "seed_seconds": round(seed_seconds, 1),
        "boot_seconds": round(boot_seconds, 1),
        "load_seconds": round(load_seconds, 1),
        "drain_seconds": round(drain_seconds, 1),
        "check_seconds": round(check_seconds, 1),
        "total_seconds": round(time.monotonic() - started_wall, 1),
        "users": USERS,
        "requests": total.get("requests", 0),
        "request_failures": total.get("failures", 0),
        "rps": round(total.get("rps", 0.0), 1),
        "p50_ms": total.get("p50"),
        "p95_ms": total.get("p95"),
        "p99_ms": total.get("p99"),
        "receipts_given_to_locust": len(filed_lines),
        "petitions_filed_in_window": filed_in_window,
        "receipt_counter_moved": counter_after - counter_before,
        "fetches_at_kill": kill_snapshot.get("states", {}),
        "stuck_before_requeue": stuck_before_requeue.get("fetch_count", 0),
        "documents_stuck_before_requeue": stuck_before_requeue.get("document_count", 0),
        "requeue_runs": len(requeue_runs),
        "broker_unacked_after_drain": len(unacked),
        "fetches_in_window": window_states,
        "attempts_by_agency": attempts,
        "worker_task_errors": len(task_errors),
    }
    data = {
        "run_at": since.isoformat(),
        "figures": figures,
        "consistency": report,
        "events": events,
        "samples": samples,
        "requeue_runs": requeue_runs,
        "stuck_before_requeue": stuck_before_requeue,
        "locust": locust_result.as_dict(),
        "broker_unacked": unacked,
        "worker_task_errors": task_errors[:50],
        "settings": {
            "think_seconds": THINK,
            "residents": RESIDENTS,
            "petitions": PETITIONS,
            "faulty_agencies": FAULTY,
            "error_rate": ERROR_RATE,
            "timeout_rate": TIMEOUT_RATE,
            "down_agency": DOWN_AGENCY,
            "down_seconds": DOWN_SECONDS,
            "kill_at": KILL_AT,
            "load_seconds": LOAD_SECONDS,
            "grace_seconds": GRACE_SECONDS,
            "drain_seconds": DRAIN_SECONDS,
        },
        "worker_log_tail": worker_log_tail,
    }
    _write(data)
    print()
    print(text.stdout.strip())
    print(_summary(figures, report))

    p, f, a = report["petitions"], report["fetches"], report["agencies"]
    violations = [
        v["check"] + ": " + v["message"] + f" ({v['count']}; e.g. {v['examples']})" for v in report["violations"]
    ]
    assert report["ok"], "consistency violations:\n" + "\n".join(violations)
    assert raw.returncode == 0
    # The load ran and filed petitions, whose items went through the faulty agencies.
    assert figures["receipts_given_to_locust"] > 0 and figures["petitions_filed_in_window"] > 0
    assert report["expected"]["missing"] == 0 and report["expected"]["more_than_once"] == 0
    # Gap-free receipt numbers: the counter moved by exactly the petitions filed in the run.
    assert figures["receipt_counter_moved"] == figures["petitions_filed_in_window"]
    assert p["duplicate_submissions"] == 0 and p["submitted_twice"] == 0
    assert f["fetched_twice"] == 0 and f["answer_logged_twice"] == 0 and f["answer_stored_twice"] == 0
    assert f["pending"] == 0 and f["without_reason"] == 0
    assert report["access_log"]["intact"]
    assert a.get("mounted") is True


def _summary(figures: dict, report: dict) -> str:
    f = report["fetches"]
    return "\n".join(
        [
            "",
            f"Soak: {figures['users']} users for {figures['load_seconds']} s: {figures['requests']} requests, "
            f"{figures['rps']} req/s, p95 {figures['p95_ms']} ms, {figures['request_failures']} failed requests "
            f"(load average at the end {figures['load_average_at_end']})",
            f"  petitions filed {figures['petitions_filed_in_window']} (receipts given to locust "
            f"{figures['receipts_given_to_locust']}, receipt counter moved {figures['receipt_counter_moved']})",
            f"  fetches of the run {figures['fetches_in_window']} (whole database {f['by_state']}; failed/refused by "
            f"reason {f['failed_by_reason']})",
            f"  fetches at the worker kill {figures['fetches_at_kill']}; still pending after the grace period "
            f"{figures['stuck_before_requeue']} (documents {figures['documents_stuck_before_requeue']}); "
            f"requeue_fetches runs {figures['requeue_runs']}",
            "  attempts by agency: "
            + "; ".join(
                f"{agency} " + ", ".join(f"{k} {v}" for k, v in outcomes.items())
                for agency, outcomes in figures["attempts_by_agency"].items()
            ),
            f"  agency answers the portal never recorded {report['agencies'].get('answers_not_recorded')}; "
            f"tasks left unacknowledged in the broker {figures['broker_unacked_after_drain']}; worker task errors "
            f"{figures['worker_task_errors']}",
            f"  drained in {figures['drain_seconds']} s; whole run {figures['total_seconds']} s "
            f"(seed {figures['seed_seconds']} s, boot {figures['boot_seconds']} s)",
            f"  results: {OUT_DIR / 'soak.json'} and soak.md",
        ]
    )


def _write(data: dict) -> None:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    (OUT_DIR / "soak.json").write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    (OUT_DIR / "soak.md").write_text(_markdown(data))
    shutil.copyfile(OUT_DIR / "soak.json", OUT_DIR / f"soak-{stamp}.json")
    shutil.copyfile(OUT_DIR / "soak.md", OUT_DIR / f"soak-{stamp}.md")


def _markdown(data: dict) -> str:
    fig, report = data["figures"], data["consistency"]
    p, f, log = report["petitions"], report["fetches"], report["access_log"]
    s = data["settings"]
    expected = report.get("expected") or {}
    rows = [
        (
            "load",
            f"{fig['users']} users, {fig['load_seconds']} s, {fig['requests']} requests, {fig['rps']} req/s, "
            f"p95 {fig['p95_ms']} ms, {fig['request_failures']} failed",
        ),
        (
            "faults",
            f"{', '.join(s['faulty_agencies'])}: {s['error_rate']:.0%} errors + {s['timeout_rate']:.0%} "
            f"timeouts; {s['down_agency']} down {s['down_seconds']} s; worker SIGKILL at {s['kill_at']} s",
        ),
        (
            "petitions filed",
            f"{fig['petitions_filed_in_window']} (locust was given {fig['receipts_given_to_locust']}"
            f" receipts, missing {expected.get('missing')}, stored twice "
            f"{expected.get('more_than_once')}; receipt counter moved {fig['receipt_counter_moved']})",
        ),
        (
            "duplicates",
            f"submissions {p['duplicate_submissions']}, receipt numbers {p['duplicate_receipt_no']}, "
            f"filed twice {p['submitted_twice']}",
        ),
        ("fetches of the run", ", ".join(f"{k} {v}" for k, v in fig["fetches_in_window"].items())),
        ("fetches in the database", f"{f['total']}: " + ", ".join(f"{k} {v}" for k, v in f["by_state"].items())),
        (
            "failed/refused by reason (database)",
            ", ".join(f"{k} {v}" for k, v in f["failed_by_reason"].items()) or "none",
        ),
        (
            "fetched twice",
            f"{f['fetched_twice']} (answers logged twice {f['answer_logged_twice']}, stored twice "
            f"{f['answer_stored_twice']})",
        ),
        ("without reason / pending", f"{f['without_reason']} / {f['pending']}"),
        (
            "worker kill",
            f"fetches at the kill {fig['fetches_at_kill']}; pending after {s['grace_seconds']} s "
            f"{fig['stuck_before_requeue']} (documents {fig['documents_stuck_before_requeue']}); "
            f"requeue_fetches runs {fig['requeue_runs']}",
        ),
        (
            "attempts by agency",
            "; ".join(
                f"{agency}: " + ", ".join(f"{k} {v}" for k, v in outcomes.items())
                for agency, outcomes in fig["attempts_by_agency"].items()
            ),
        ),
        ("agency answers not recorded", str(report["agencies"].get("answers_not_recorded"))),
        (
            "tasks unacknowledged after the drain",
            f"{fig['broker_unacked_after_drain']} {sorted({t.split('(')[0] for t in data['broker_unacked']})}",
        ),
        ("worker task errors", str(fig["worker_task_errors"])),
        ("access log", f"{log['verified']} entries, " + ("intact" if log["intact"] else f"BROKEN: {log['reason']}")),
        ("violations", ", ".join(v["check"] for v in report["violations"]) or "none"),
        (
            "time",
            f"run {fig['total_seconds']} s (seed {fig['seed_seconds']}, boot {fig['boot_seconds']}, drain "
            f"{fig['drain_seconds']}, check {fig['check_seconds']}); load average at the end "
            f"{fig['load_average_at_end']}",
        ),
    ]
    lines = [f"# Soak run {data['run_at']}", "", "| what | figure |", "| --- | --- |"]
    lines += [f"| {what} | {figure} |" for what, figure in rows]
    lines += ["", "## Events", ""]
    lines += [f"- {e['t']} s: {e['what']} (load {e['load_average']})" for e in data["events"]]
    return "\n".join(lines) + "\n"

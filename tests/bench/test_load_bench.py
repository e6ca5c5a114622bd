"""The load run of ``make bench``: the production stack under a realistic mix, and a trivial view.

Boots gunicorn (DEBUG off), one Celery worker (with beat), PostgreSQL, Redis and the sandbox
agencies, seeded with 100,000 residents and 1,000,000 petitions (skipped when the database holds
them already; ``LOAD_BENCH_RESEED=1`` seeds again), then drives it with locust headless
(``tests/bench/load/locustfile.py``): anonymous citizens browsing the catalogue, citizens
tracking their petitions and filing new ones, officials working the queue and deciding.
Three runs of ``LOAD_BENCH_SECONDS`` each (after a warm-up of ``LOAD_BENCH_WARMUP``):

1. the mix paced at ``LOAD_BENCH_RATE`` requests/s (105, by ``LOAD_BENCH_RATE_USERS`` = 48 users):
   the rate sustained, p50/p95/p99 per page and the errors, against the targets;
2. the mix with ``LOAD_BENCH_USERS`` (16) users, each sending its next request as soon as the last
   is answered: the requests/s the stack sustains;
3. ``/healthz`` (a trivial view through the same gunicorn and middleware), the same users and
   duration as 2.

CPU time per request of gunicorn, the worker, PostgreSQL (the bench database's backends) and
locust is printed too: the machine is shared, and these do not depend on its load as much.

Targets on the 2-core machine: the mix sustains >= 100 requests/s with p95 < 300 ms and no
errors. The web's cost is gunicorn's CPU time per mix request, printed as a multiple of
``/healthz``'s (a figure of the web process alone: the worker's, PostgreSQL's and locust's CPU
do not enter it). With ``LOAD_BENCH_BASELINE`` naming the ``load.json`` of an earlier run (the
commit before a change, run just before on the same machine), the run also says whether
gunicorn's CPU per mix request, as a multiple of /healthz's in the same run, stays within 10 % of
that run's (the change in ms is printed too). Results: ``var/bench/load.json``
and ``var/bench/load.md``.

Environment: ``DATABASE_URL`` (PostgreSQL; default postgres://postgres@127.0.0.1:5432/portal_load),
``LOAD_BENCH_BASELINE`` (none), ``LOAD_BENCH_SECONDS`` (60), ``LOAD_BENCH_USERS`` (16),
``LOAD_BENCH_RESIDENTS`` (100000),
``LOAD_BENCH_PETITIONS`` (1000000), ``LOAD_BENCH_WEB_WORKERS`` / ``LOAD_BENCH_WEB_THREADS``,
``LOAD_THINK_MIN`` / ``LOAD_THINK_MAX`` (seconds a user waits between tasks; default 0: a closed
loop, each user sends its next request when the last is answered, so both runs measure what the
stack sustains, at the same concurrency for the mix and the cheapest page).
"""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path

from tests.bench.load.stack import BASE_DIR, Stack, run_locust

SECONDS = int(os.environ.get("LOAD_BENCH_SECONDS", "60"))
USERS = int(os.environ.get("LOAD_BENCH_USERS", "16"))
RESIDENTS = int(os.environ.get("LOAD_BENCH_RESIDENTS", "100000"))
PETITIONS = int(os.environ.get("LOAD_BENCH_PETITIONS", "1000000"))
WARMUP_SECONDS = int(os.environ.get("LOAD_BENCH_WARMUP", "10"))
RATE = float(os.environ.get("LOAD_BENCH_RATE", "105"))  # a little over the target: pacing is not exact
RATE_USERS = int(os.environ.get("LOAD_BENCH_RATE_USERS", "48"))
OUT_DIR = BASE_DIR / "var" / "bench"

BASELINE = os.environ.get("LOAD_BENCH_BASELINE", "")

TARGET_RPS, TARGET_P95_MS = 100, 300
# gunicorn's CPU per mix request may grow by this much over the baseline run's.
TARGET_CPU_GROWTH = 0.10


def _gunicorn_ms(data: dict) -> float:
    return data["cpu_share"]["cpu_ms_per_request"]["gunicorn"]


def _baseline() -> dict | None:
    """The gunicorn CPU per mix request (ms) of the run in LOAD_BENCH_BASELINE, if one is named."""
    if not BASELINE:
        return None
    earlier = json.loads(Path(BASELINE).read_text())
    mix, trivial = _gunicorn_ms(earlier["mix"]), _gunicorn_ms(earlier["trivial"])
    return {"path": BASELINE, "when": earlier.get("when"), "gunicorn_ms": mix, "multiple": mix / trivial}


def _cpu_share(before: dict, after: dict, locust_cpu: float, wall: float, requests: int) -> dict:
    used = {name: after[name] - before[name] for name in before}
    capacity = wall * (os.cpu_count() or 1)
    per_request = {name: round(used[name] / max(1, requests) * 1000, 2) for name in ("gunicorn", "worker", "postgres")}
    per_request["locust"] = round(locust_cpu / max(1, requests) * 1000, 2)
    stack_ms = per_request["gunicorn"] + per_request["worker"] + per_request["postgres"]
    return {
        "cpu_ms_per_request": per_request,
        # What the stack's own CPU cost allows on this machine's cores with nothing else running
        # (locust and other work excluded): a figure that does not depend on the machine's load.
        "cpu_bound_rps": round((os.cpu_count() or 1) * 1000 / stack_ms, 1) if stack_ms else None,
        "capacity_cpu_seconds": round(capacity, 1),
        "machine_busy": round(used["machine"] / capacity, 3),
        "gunicorn": round(used["gunicorn"] / capacity, 3),
        "worker": round(used["worker"] / capacity, 3),
        "postgres": round(used["postgres"] / capacity, 3),
        "postgres_all_databases": round(used["postgres_all"] / capacity, 3),
        "locust": round(locust_cpu / capacity, 3),
    }


def _measure(stack: Stack, scenario: str, *, users: int = USERS, rate: float = 0, label: str | None = None) -> dict:
    label = label or scenario
    extra = {"LOAD_RATE": str(rate)} if rate else {}
    if WARMUP_SECONDS:
        run_locust(
            stack, seconds=WARMUP_SECONDS, users=users, scenario=scenario, label=f"{label}-warmup", extra_env=extra
        )
    before = stack.cpu_seconds()
    result = run_locust(stack, seconds=SECONDS, users=users, scenario=scenario, label=label, extra_env=extra)
    after = stack.cpu_seconds()
    data = result.as_dict()
    data["cpu_share"] = _cpu_share(
        before, after, result.locust_cpu_seconds, result.wall_seconds, result.total.get("requests", 0)
    )
    data["load_average"] = os.getloadavg()
    data["rate_target"] = rate or None
    return data


def _table(paced: dict, mix: dict, trivial: dict, cpu_multiple: float, baseline: dict | None) -> str:
    lines = [
        f"Mix paced at {paced['rate_target']:.0f} requests/s ({paced['users']} users, {paced['seconds']} s, "
        f"load average {paced['load_average'][0]:.1f}):",
        "",
        "| page | requests | failures | req/s | p50 ms | p95 ms | p99 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, row in sorted(paced["rows"].items(), key=lambda item: -item[1]["requests"]):
        lines.append(
            f"| `{name}` | {row['requests']} | {row['failures']} | {row['rps']:.1f} | {row['p50']:.0f} "
            f"| {row['p95']:.0f} | {row['p99']:.0f} |"
        )
    total = paced["total"]
    lines.append(
        f"| **all pages** | {total['requests']} | {total['failures']} | {total['rps']:.1f} | "
        f"{total['p50']:.0f} | {total['p95']:.0f} | {total['p99']:.0f} |"
    )
    lines += [
        "",
        f"What the stack sustains ({mix['users']} users, each sending its next request when the last "
        f"is answered, {mix['seconds']} s each):",
        "",
        "| run | requests | failures | req/s | p50 ms | p95 ms | p99 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, data in (("**mix, all pages**", mix), ("**trivial view `/healthz`**", trivial)):
        total = data["total"]
        lines.append(
            f"| {label} | {total['requests']} | {total['failures']} | {total['rps']:.1f} | "
            f"{total['p50']:.0f} | {total['p95']:.0f} | {total['p99']:.0f} |"
        )
    cpu = mix["cpu_share"]
    lines += [
        "",
        f"gunicorn CPU per mix request: {_gunicorn_ms(mix):.2f} ms, {cpu_multiple:.1f} x /healthz's "
        f"({_gunicorn_ms(trivial):.2f} ms)"
        + (
            f"; the baseline run ({baseline['when']}) {baseline['gunicorn_ms']:.2f} ms, "
            f"{baseline['multiple']:.1f} x: {_gunicorn_ms(mix) / baseline['gunicorn_ms'] - 1:+.0%} in ms, "
            f"{cpu_multiple / baseline['multiple'] - 1:+.0%} as a multiple of /healthz's "
            f"(target <= +{TARGET_CPU_GROWTH:.0%})"
            if baseline
            else ""
        )
        + ". "
        f"{mix['users']} users, {mix['seconds']} s each, load average {mix['load_average'][0]:.1f}. "
        f"CPU during the mix (share of {os.cpu_count()} cores): machine {cpu['machine_busy']:.0%}, "
        f"gunicorn {cpu['gunicorn']:.0%}, worker {cpu['worker']:.0%}, PostgreSQL {cpu['postgres']:.0%}, "
        f"locust {cpu['locust']:.0%}.",
        "",
        "CPU per request (ms): "
        + "; ".join(
            f"{label}: gunicorn {d['cpu_share']['cpu_ms_per_request']['gunicorn']:.1f}, "
            f"worker {d['cpu_share']['cpu_ms_per_request']['worker']:.1f}, "
            f"PostgreSQL {d['cpu_share']['cpu_ms_per_request']['postgres']:.1f}, "
            f"locust {d['cpu_share']['cpu_ms_per_request']['locust']:.1f}"
            for label, d in (("mix", mix), ("/healthz", trivial))
        )
        + ". "
        f"Requests/s the stack's CPU cost allows on {os.cpu_count()} otherwise idle cores: mix "
        f"{mix['cpu_share']['cpu_bound_rps']}, /healthz {trivial['cpu_share']['cpu_bound_rps']}.",
    ]
    return "\n".join(lines) + "\n"


def test_load_mix_against_a_trivial_view():
    workdir = OUT_DIR / "load"
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "filed.jsonl").unlink(missing_ok=True)
    stack = Stack(workdir=workdir, residents=RESIDENTS, petitions=PETITIONS)
    print(f"\nload bench: database {stack.database_url}, broker {stack.broker_url}, cache {stack.cache_url}")
    stack.seed()
    with stack:
        stack.start()
        # 1. The targets: the mix paced at RATE requests/s (RATE_USERS users): is it sustained, how fast.
        paced = _measure(stack, "mix", users=RATE_USERS, rate=RATE, label="mix-paced")
        # 2. The mix and /healthz, each with USERS users sending their next request as soon as the
        #    last is answered (what the stack sustains), same users, same duration; the CPU per
        #    request of each is what the web's cost is compared by.
        mix = _measure(stack, "mix")
        trivial = _measure(stack, "trivial")
        worker_alive = stack.worker.poll() is None

    cpu_multiple = _gunicorn_ms(mix) / _gunicorn_ms(trivial) if _gunicorn_ms(trivial) else 0.0
    baseline = _baseline()
    filed = sum(1 for _ in (workdir / "filed.jsonl").open()) if (workdir / "filed.jsonl").exists() else 0
    result = {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "residents": RESIDENTS,
        "petitions": PETITIONS,
        "web": {"workers": stack.web_workers, "threads": stack.web_threads},
        "paced": paced,
        "mix": mix,
        "trivial": trivial,
        "gunicorn_cpu_multiple_of_healthz": round(cpu_multiple, 2),
        "baseline": baseline,
        "petitions_filed": filed,
        "targets": {"rps": TARGET_RPS, "p95_ms": TARGET_P95_MS, "errors": 0, "cpu_growth": TARGET_CPU_GROWTH},
    }
    total = paced["total"]
    errors = paced["total"]["failures"] + mix["total"]["failures"] + trivial["total"]["failures"]
    met = {
        "rps": total["rps"] >= TARGET_RPS,
        "p95": total["p95"] < TARGET_P95_MS,
        "errors": errors == 0,
    }
    if baseline:
        # Judged on the multiple of /healthz's CPU, measured in the same run: /healthz's own CPU
        # per request moves by 10 % and more between runs of the same code on this machine
        # (0.41 and 0.46 ms, 2026-12-06), and a comparison in ms would carry that into the verdict.
        met["cpu"] = cpu_multiple <= baseline["multiple"] * (1 + TARGET_CPU_GROWTH)
    result["met"] = met
    table = _table(paced, mix, trivial, cpu_multiple, baseline)
    (OUT_DIR / "load.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    (OUT_DIR / "load.md").write_text(table)

    print()
    print(table)
    print(
        f"mix paced at {RATE:.0f}/s: {total['rps']:.1f} requests/s sustained (target >= {TARGET_RPS}) "
        f"{'met' if met['rps'] else 'NOT MET'}; "
        f"p95 {total['p95']:.0f} ms (target < {TARGET_P95_MS}) {'met' if met['p95'] else 'NOT MET'}; "
        f"errors {errors} {'met' if met['errors'] else 'NOT MET'}; "
        f"gunicorn CPU per mix request {_gunicorn_ms(mix):.2f} ms = {cpu_multiple:.1f} x /healthz's"
        + (
            f", baseline {baseline['gunicorn_ms']:.2f} ms = {baseline['multiple']:.1f} x: "
            f"{cpu_multiple / baseline['multiple'] - 1:+.0%} (target <= +{TARGET_CPU_GROWTH:.0%}) "
            f"{'met' if met['cpu'] else 'NOT MET'}"
            if baseline
            else " (no baseline: LOAD_BENCH_BASELINE unset)"
        )
        + "; "
        f"{filed} petitions filed"
    )
    for failure in (paced["failures"] + mix["failures"] + trivial["failures"])[:10]:
        print(f"  failure: {failure}")
    print(f"results: {OUT_DIR / 'load.json'}, {OUT_DIR / 'load.md'}")
    # Benchmarks print figures; the run itself must have worked.
    assert paced["total"]["requests"] > 0 and mix["total"]["requests"] > 0 and trivial["total"]["requests"] > 0
    assert worker_alive, "the Celery worker died during the run"
    assert filed > 0, "the mix filed no petition"

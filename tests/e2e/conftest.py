"""Browser tests: Playwright's Python package driving Debian's Chromium.

Chromium is found at $CHROMIUM_PATH or /usr/bin/chromium. When it is absent the browser tests
skip with the reason, unless REQUIRE_BROWSER=1 (set by .ci/run), which turns the skip into a
failure so CI cannot pass without them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls made by the
# test itself (fixtures, assertions) are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
AXE_SCRIPT = Path(__file__).parent / "vendor" / "axe.min.js"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE_VIEWPORT = {"width": 390, "height": 844}
DESKTOP_VIEWPORT = {"width": 1280, "height": 900}


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM_PATH"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def _unavailable(reason: str):
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"Browser tests are required (REQUIRE_BROWSER=1) but cannot run: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium():
    path = chromium_path()
    if path is None:
        _unavailable("Debian's Chromium is not installed (apt-get install -y chromium, or set CHROMIUM_PATH)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test extras install it
        _unavailable("the playwright package is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def _new_page(chromium, viewport):
    # bypass_csp lets the test inject axe-core; the site's own scripts are unaffected.
    context = chromium.new_context(viewport=viewport, bypass_csp=True, locale="ko-KR")
    page = context.new_page()
    # 30 s: make test runs two pytest-xdist workers on two cores, and a page of this worker's live
    # server can wait that long for a core while the other worker renders PDFs or fuzzes forms
    # (a correction page took more than 15 s once in CI, and nothing else was wrong).
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if msg.type == "error" and "Content Security Policy" in msg.text else None,
    )
    page.js_errors = errors
    return context, page


@pytest.fixture
def page(chromium, live_server, transactional_db):
    context, page = _new_page(chromium, DESKTOP_VIEWPORT)
    yield page
    context.close()


@pytest.fixture
def phone_page(chromium, live_server, transactional_db):
    context, page = _new_page(chromium, PHONE_VIEWPORT)
    yield page
    context.close()


def axe_violations(page) -> list[dict]:
    """Runs axe-core on the current page and returns the serious and critical violations."""
    page.add_script_tag(path=str(AXE_SCRIPT))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    summary = [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in violations
    ]
    assert not violations, (
        f"axe found serious or critical violations on {page.url}:\n{json.dumps(summary, indent=2, ensure_ascii=False)}"
    )


@pytest.fixture
def axe_check():
    return assert_accessible


@pytest.fixture
def real_worker(live_server, transactional_db, monkeypatch):
    """A Celery worker process on every queue of the portal, on the test database.

    The worker is another process, so it needs a database and a broker it can share:
    PostgreSQL and Redis (CI). Elsewhere the test skips with the reason.
    """
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("a worker process needs a database it can share: run with DATABASE_URL=postgres://…")
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith("redis"):
        pytest.skip("a worker process needs a broker it can share: run with CELERY_BROKER_URL=redis://…")
    from portal.celery import app

    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = os.environ.copy() | {
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "PORTAL_VAR_DIR": str(settings.VAR_DIR),
        "SITE_URL": live_server.url,
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    queues = ",".join(settings.PORTAL_WORKER_QUEUES())
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--pool=threads",
            "--concurrency=6",
            "--loglevel=WARNING",
            "-Q",
            queues,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    # The site (live server, in this process) now queues tasks to the broker instead of running them.
    monkeypatch.setattr(app.conf, "task_always_eager", False)
    try:
        yield worker
    finally:
        worker.terminate()
        try:
            output, _ = worker.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()
        assert b"Traceback" not in output, output.decode(errors="replace")[-3000:]

"""Issue 13, point 7: the development setup (`make run`, SQLite) takes a few people at once.

The test builds what `make run` builds, in a temporary folder and without any server variable
(DATABASE_URL, CELERY_BROKER_URL, CACHE_URL unset, whatever the test run itself uses): migrate,
the demo data, and `manage.py rundev` (the development web server and a Celery worker with its
threads, on the SQLite file and the filesystem broker). Four citizens then log in and file a
passport application at the same moment, twice each, while the worker fetches their information
and renders their receipts. No request may answer a server error, and neither the web server
nor the worker may log "database is locked"; every receipt gets rendered.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.worker

ROOT = Path(__file__).resolve().parents[2]
SERVER_VARIABLES = (
    "DATABASE_URL",
    "CACHE_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "CELERY_TASK_ALWAYS_EAGER",
)
FILERS = ("citizen1", "citizen2", "citizen3", "citizen4")
PETITIONS_EACH = 2
PETITION_TYPE = "passport-issuance"
# Two more citizens beside the demo's two, each linked to a sandbox resident as after identity
# verification (the demo links its own citizens the same way).
SETUP = """
from django.core.management import call_command
call_command("migrate", "--noinput", verbosity=0)
call_command("seed_demo", residents=500)
from petitions.identity import resident_link_set
from sharing.sandbox.identity import sandbox_register_lookup
from portal.demo import DEMO_PASSWORD
from portal.models import User
from sharing.sandbox.demo import DEMO_PEOPLE
from sharing.sandbox.models import Resident
from petitions.models import PetitionType
# Filed without the payment window (paying is tested in tests/payments and tests/e2e/test_fee_payment.py).
PetitionType.objects.filter(slug="passport-issuance").update(fee_at_filing=False)
taken = {person["rrn"] for person in DEMO_PEOPLE}
heads = [r for r in Resident.objects.filter(relation_to_head="본인").order_by("pk")[:20] if r.rrn not in taken]
assert len(heads) >= 2, "the sandbox register has too few households"
for number, resident in enumerate(heads[:2], start=3):
    user = User(username=f"citizen{number}", role=User.Role.CITIZEN, full_name=resident.name,
                email=f"citizen{number}@example.org")
    user.set_password(DEMO_PASSWORD)
    user.save()
    resident_link_set(user=user, record=sandbox_register_lookup(resident.rrn))
print("setup done")
"""
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
FORM_RE = re.compile(r"<form\b[^>]*>.*?</form>", re.S)
RECEIPT_RE = re.compile(r"/my/petitions/(\d{4}-\d{7})/")
DOWNLOAD_RE = re.compile(r'href="(/documents/[0-9a-f-]{36}/download/)"')
LOCKED = "database is locked"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _development_env(var_dir: Path, port: int) -> dict:
    from django.conf import settings

    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DEBUG", "PORTAL_")) and k not in SERVER_VARIABLES
    }
    return env | {
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "PORTAL_VAR_DIR": str(var_dir),
        "SITE_URL": f"http://127.0.0.1:{port}",
        "PYTHONUNBUFFERED": "1",
        # The converted document fonts of this test run (made once, by rundev or an earlier test):
        # a few seconds of CPU that are not what this test is about.
        "DOCUMENT_FONT_CACHE_DIR": str(Path(settings.VAR_DIR) / "fonts"),
    }


def _csrf(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def _main_form(html: str) -> str:
    forms = [
        f
        for f in FORM_RE.findall(html)
        if 'method="post"' in f[:300]
        and "setlang" not in f[:300]
        and "logout" not in f[:300]
        and "discard" not in f[:300]
    ]
    return max(forms, key=len) if forms else ""


def _fill(form: str, answers: dict) -> dict:
    """The form's fields with the values shown (the first choice of each group), then the answers."""
    data: dict = {}
    for match in re.finditer(r"<input\b([^>]*)>", form):
        attrs = match.group(1)
        name = re.search(r'name="([^"]+)"', attrs)
        if not name:
            continue
        kind = (re.search(r'type="([^"]+)"', attrs) or [None, "text"])[1]
        value_match = re.search(r'value="([^"]*)"', attrs)
        value = value_match.group(1) if value_match else ("on" if kind == "checkbox" else "")
        if kind in ("radio", "checkbox"):
            if name.group(1) not in data or "checked" in attrs:
                data[name.group(1)] = value
        elif kind != "file":
            data.setdefault(name.group(1), value)
    for match in re.finditer(r'<select\b[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        options = [v for v in re.findall(r'<option[^>]*value="([^"]*)"', match.group(2)) if v]
        data[match.group(1)] = options[0] if options else ""
    for match in re.finditer(r'<textarea\b[^>]*name="([^"]+)"', form):
        data.setdefault(match.group(1), "")
    data.update(answers)
    return data


class Filer:
    """One citizen in a browser-like session; every answer's status is kept."""

    def __init__(self, base: str, username: str, answers: list):
        self.base = base
        self.username = username
        self.session = httpx.Client(follow_redirects=False, timeout=120)
        self.answers = answers
        self.receipts: list[str] = []
        self.error: BaseException | None = None

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        headers = {"Referer": self.base + path, "Accept-Language": "ko"}
        response = self.session.request(method, self.base + path, headers=headers, **kwargs)
        self.answers.append((self.username, method, path, response.status_code))
        return response

    def login(self) -> None:
        page = self.request("GET", "/account/login/")
        response = self.request(
            "POST",
            "/account/login/",
            data={
                "csrfmiddlewaretoken": _csrf(page.text),
                "username": self.username,
                "password": _demo_password(),
            },
        )
        assert response.status_code == 302, (self.username, response.status_code)

    def file(self, barrier: threading.Barrier) -> str:
        start = f"/petitions/{PETITION_TYPE}/apply/"
        page = self.request("GET", start)
        response = self.request("POST", start, data={"csrfmiddlewaretoken": _csrf(page.text)})
        location = response.headers.get("Location", "")
        for step in ("applicant", "form", "consent", "review"):
            if f"/{step}/" not in location:
                break
            page = self.request("GET", location)
            answers = (
                {"phone": "010-1234-5678", "email": f"{self.username}@example.org", "english_name": "HONG GILDONG"}
                if step in ("applicant", "form")
                else {}
            )
            data = _fill(_main_form(page.text), answers)
            if step == "consent":
                data = {k: ("agree" if k.startswith("consent_") else v) for k, v in data.items()}
            if step == "review":
                barrier.wait(timeout=120)  # the four submit at the same moment
            response = self.request("POST", location, data=data)
            location = response.headers.get("Location", "")
        match = RECEIPT_RE.search(location)
        assert match, (self.username, response.status_code, location, response.text[:500])
        self.request("GET", location)
        return match.group(1)

    def run(self, barrier: threading.Barrier) -> None:
        try:
            self.login()
            for _ in range(PETITIONS_EACH):
                self.receipts.append(self.file(barrier))
        except BaseException as exc:  # noqa: BLE001 (reported by the test)
            self.error = exc
            barrier.abort()


def _demo_password() -> str:
    from portal.demo import DEMO_PASSWORD

    return DEMO_PASSWORD


def _wait_for(url: str, process: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the development site stopped:\n{log.read_text(errors='replace')[-3000:]}"
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"the development site did not answer {url}:\n{log.read_text(errors='replace')[-3000:]}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)  # rundev stops its web server and worker on Ctrl-C
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_four_citizens_filing_at_once_on_the_development_setup_get_no_server_error(tmp_path):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = _development_env(tmp_path / "var", port)
    setup = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SETUP],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert setup.returncode == 0 and "setup done" in setup.stdout, setup.stdout[-2000:] + setup.stderr[-4000:]

    log = tmp_path / "rundev.log"
    with open(log, "wb") as output:
        site = subprocess.Popen(
            [sys.executable, "manage.py", "rundev", "--address", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    answers: list = []
    filers = [Filer(base, username, answers) for username in FILERS]
    try:
        _wait_for(f"{base}/healthz", site, log)
        barrier = threading.Barrier(len(filers))
        threads = [threading.Thread(target=filer.run, args=(barrier,)) for filer in filers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        errors = [answer for answer in answers if answer[3] >= 500]
        assert not errors, f"server errors while filing: {errors}"
        for filer in filers:
            if filer.error is not None and not isinstance(filer.error, threading.BrokenBarrierError):
                raise filer.error
        assert all(filer.error is None for filer in filers), [repr(filer.error) for filer in filers]
        assert sum(len(filer.receipts) for filer in filers) == len(FILERS) * PETITIONS_EACH

        # The worker renders every receipt while the citizens follow their petitions.
        deadline = time.monotonic() + 120
        pending = {(filer, receipt) for filer in filers for receipt in filer.receipts}
        while pending and time.monotonic() < deadline:
            for filer, receipt in sorted(pending, key=lambda pair: pair[1]):
                page = filer.request("GET", f"/my/petitions/{receipt}/")
                download = DOWNLOAD_RE.search(page.text)
                if download:
                    document = filer.request("GET", download.group(1))
                    assert document.status_code == 200 and document.content.startswith(b"%PDF"), receipt
                    pending.discard((filer, receipt))
            if pending:
                time.sleep(1)
        assert not pending, f"receipts never rendered: {sorted(r for _, r in pending)}"

        errors = [answer for answer in answers if answer[3] >= 500]
        assert not errors, f"server errors while following the petitions: {errors}"
    finally:
        for filer in filers:
            filer.session.close()
        _stop(site)
    output = log.read_text(errors="replace")
    assert LOCKED not in output, output[output.index(LOCKED) - 3000 : output.index(LOCKED) + 500]
    assert "Internal Server Error" not in output, output[-4000:]

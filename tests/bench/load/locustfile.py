"""The load mix of ``make bench`` (run by ``stack.run_locust`` in its own process, headless).

Environment: ``LOAD_SCENARIO`` (``mix`` or ``trivial``), ``LOAD_SESSIONS_FILE`` (written by
``seed.py prepare``: logged-in session cookies of the bench citizens and officials),
``LOAD_FILED_PATH`` (one JSON line per petition filed: receipt number, account, time).

The mix (weights are users of each kind):

- ``Browser`` (anonymous citizens, 6): the home page, the catalogue (all, by category, a search)
  and petition type pages.
- ``Tracker`` (logged-in citizens, 3): their petitions, one petition's page and its live part.
- ``Filer`` (logged-in citizens, 1): files a passport application through the whole wizard
  (applicant, answers, consent, review, submit), then opens the petition's page.
- ``Official`` (officials with the second factor passed, 2): the queue (default, "mine",
  "unassigned", next page), a petition's review page, claiming it, and deciding their own
  petitions (approve, or reject when the information is not settled).

Sessions are made beforehand (``prepare``): the login itself (PBKDF2, OTP) is not part of the mix.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from pathlib import Path

from locust import FastHttpUser, between, constant_throughput, task

SCENARIO = os.environ.get("LOAD_SCENARIO", "mix")
SESSIONS = (
    json.loads(Path(os.environ["LOAD_SESSIONS_FILE"]).read_text()) if os.environ.get("LOAD_SESSIONS_FILE") else {}
)
FILED_PATH = os.environ.get("LOAD_FILED_PATH", "filed.jsonl")
# Seconds a user waits between two tasks. 0 (the default): closed loop, every user sends its next
# request as soon as the last one is answered, so the run measures what the stack sustains.
THINK = (float(os.environ.get("LOAD_THINK_MIN", "0")), float(os.environ.get("LOAD_THINK_MAX", "0")))
# LOAD_RATE: a target of requests per second for all users together (an open-ish loop): each user
# paces its tasks so that its share of the rate is sent, whatever the answers' latency (as long as
# it can keep up). Unset: THINK applies.
RATE = float(os.environ.get("LOAD_RATE", "0") or 0)
USERS = int(os.environ.get("LOAD_USERS", "1") or 1)
FILE_TYPE = os.environ.get("LOAD_FILE_TYPE", "passport-issuance")
CATEGORIES = ["transport", "building", "land", "business", "welfare", "travel", "residence", "tax"]
SEARCHES = ["여권", "신고", "tax", "주차", "환급"]

_citizens = itertools.cycle(SESSIONS.get("citizens", []))
_officials = itertools.cycle(
    sorted(SESSIONS.get("officials", []), key=lambda o: (o["office"] != "jongno", o["username"]))
)
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
RECEIPT_RE = re.compile(r"/my/petitions/(\d{4}-\d{7})/")
REVIEW_RE = re.compile(r"/officer/petitions/(\d{4}-\d{7})/")
FORM_RE = re.compile(r"<form\b[^>]*>.*?</form>", re.S)


def _csrf(html: str) -> str:
    match = CSRF_RE.search(html)
    return match.group(1) if match else ""


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
    """The form's fields with their values: given answers, else the value shown, else the first choice."""
    data: dict = {}
    for match in re.finditer(r"<input\b([^>]*)>", form):
        attrs = match.group(1)
        name_match = re.search(r'name="([^"]+)"', attrs)
        if not name_match:
            continue
        name = name_match.group(1)
        kind = (re.search(r'type="([^"]+)"', attrs) or [None, "text"])[1]
        value_match = re.search(r'value="([^"]*)"', attrs)
        value = value_match.group(1) if value_match else ("on" if kind == "checkbox" else "")
        if kind in ("radio", "checkbox"):
            if name not in data or "checked" in attrs:
                data[name] = value
        elif kind == "file":
            continue
        else:
            data.setdefault(name, value)
    for match in re.finditer(r'<select\b[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        options = [v for v in re.findall(r'<option[^>]*value="([^"]*)"', match.group(2)) if v]
        data[match.group(1)] = options[0] if options else ""
    for match in re.finditer(r'<textarea\b[^>]*name="([^"]+)"', form):
        data.setdefault(match.group(1), "")
    data.update(answers)
    return data


def _pace(requests_per_task: float):
    """The wait time of a kind of user: between(THINK), or its share of LOAD_RATE."""
    if RATE:
        return constant_throughput(RATE / USERS / requests_per_task)
    return between(*THINK)


class PortalUser(FastHttpUser):
    abstract = True
    wait_time = _pace(1)
    session_cookie = SESSIONS.get("session_cookie", "sessionid")

    def login_with(self, session: str) -> None:
        self.client.cookiejar.set_cookie(_cookie(self.session_cookie, session, self.host))

    def get(self, path: str, name: str, **kwargs):
        return self.client.get(path, name=name, **kwargs)

    def post_form(self, path: str, data: dict, name: str, *, expect=(302,)):
        with self.client.post(
            path,
            data=data,
            name=name,
            allow_redirects=False,
            catch_response=True,
            headers={"Referer": f"{self.host}{path}"},
        ) as response:
            if response.status_code in expect:
                response.success()
            else:
                response.failure(f"{response.status_code} (expected {'/'.join(map(str, expect))})")
            return response


def _cookie(name: str, value: str, host: str | None):
    from http.cookiejar import Cookie
    from urllib.parse import urlsplit

    domain = urlsplit(host or "").hostname or ""
    return Cookie(0, name, value, None, False, domain, False, False, "/", True, False, None, False, None, None, {})


if SCENARIO == "trivial":

    class Trivial(FastHttpUser):
        """The same users and pacing as the mix, one trivial view through the same stack."""

        wait_time = _pace(1)

        @task
        def healthz(self):
            self.client.get("/healthz", name="/healthz")

else:

    class Browser(PortalUser):
        weight = 6

        @task(3)
        def catalogue(self):
            self.get("/petitions/", "/petitions/ (catalogue)")

        @task(2)
        def category(self):
            self.get(f"/petitions/?category={random.choice(CATEGORIES)}", "/petitions/?category=")

        @task(1)
        def search(self):
            self.get(f"/petitions/?q={random.choice(SEARCHES)}", "/petitions/?q=")

        @task(3)
        def type_page(self):
            slug = random.choice(SESSIONS.get("petition_types") or [FILE_TYPE])
            self.get(f"/petitions/{slug}/", "/petitions/<slug>/")

        @task(1)
        def home(self):
            self.get("/", "/ (home)")

    class Tracker(PortalUser):
        weight = 3
        wait_time = _pace(1.6)  # requests per task, on average

        def on_start(self):
            self.login_with(next(_citizens)["session"])
            self.receipts: list[str] = []

        @task(2)
        def my_list(self):
            response = self.get("/my/petitions/", "/my/petitions/")
            self.receipts = RECEIPT_RE.findall(response.text or "")[:50]

        @task(3)
        def my_detail(self):
            if not self.receipts:
                return self.my_list()
            receipt = random.choice(self.receipts)
            self.get(f"/my/petitions/{receipt}/", "/my/petitions/<receipt>/")
            self.get(f"/my/petitions/{receipt}/progress/", "/my/petitions/<receipt>/progress/")

    class Filer(PortalUser):
        weight = 1
        wait_time = _pace(11)

        def on_start(self):
            self.account = next(_citizens)
            self.login_with(self.account["session"])

        @task
        def file_a_petition(self):
            slug = FILE_TYPE
            start = f"/petitions/{slug}/apply/"
            page = self.get(start, "/petitions/<slug>/apply/ (wizard start)")
            response = self.post_form(
                start, {"csrfmiddlewaretoken": _csrf(page.text or "")}, "/petitions/<slug>/apply/"
            )
            location = response.headers.get("Location", "") if response.status_code == 302 else ""
            for step in ("applicant", "form", "consent", "review"):
                if f"/{step}/" not in location:
                    break
                page = self.get(location, f"/petitions/<slug>/apply/<id>/{step}/")
                if THINK[1]:
                    time.sleep(random.uniform(*THINK) / 2)
                answers = (
                    {"phone": "010-1234-5678", "email": "load@example.org", "english_name": "KIM MINWON"}
                    if step in ("applicant", "form")
                    else {}
                )
                data = _fill(_main_form(page.text or ""), answers)
                if step == "consent":
                    data = {k: ("agree" if k.startswith("consent_") else v) for k, v in data.items()}
                response = self.post_form(location, data, f"/petitions/<slug>/apply/<id>/{step}/")
                location = response.headers.get("Location", "") if response.status_code == 302 else ""
            match = RECEIPT_RE.search(location)
            if match:
                receipt = match.group(1)
                with open(FILED_PATH, "a") as handle:
                    handle.write(
                        json.dumps({"receipt_no": receipt, "username": self.account["username"], "at": time.time()})
                        + "\n"
                    )
                self.get(location, "/my/petitions/<receipt>/")
            elif location or response.status_code != 302:
                # The wizard went somewhere else: count it as a failure of the filing.
                self.client.get(location or "/my/petitions/", name="filing did not end on the petition page")

    class Official(PortalUser):
        weight = 2
        wait_time = _pace(2.4)

        def on_start(self):
            self.account = next(_officials)
            self.login_with(self.account["session"])

        def queue(self, query: str, name: str) -> list[str]:
            response = self.get(f"/officer/{query}", name)
            return list(dict.fromkeys(REVIEW_RE.findall(response.text or "")))

        @task(3)
        def work_the_queue(self):
            receipts = self.queue("", "/officer/ (queue)")
            if receipts:
                self.get(f"/officer/petitions/{random.choice(receipts)}/", "/officer/petitions/<receipt>/")

        @task(1)
        def next_page(self):
            self.queue("?page=2", "/officer/?page=2")

        @task(2)
        def claim_one(self):
            receipts = self.queue("?assignee=unassigned", "/officer/?assignee=unassigned")
            if not receipts:
                return
            receipt = random.choice(receipts)
            page = self.get(f"/officer/petitions/{receipt}/", "/officer/petitions/<receipt>/")
            self.post_form(
                f"/officer/petitions/{receipt}/claim/",
                {"csrfmiddlewaretoken": _csrf(page.text or "")},
                "/officer/petitions/<receipt>/claim/",
            )

        @task(2)
        def decide_mine(self):
            receipts = self.queue("?assignee=me&status=under_review", "/officer/?assignee=me&status=under_review")
            if not receipts:
                return
            receipt = random.choice(receipts)
            page = self.get(f"/officer/petitions/{receipt}/", "/officer/petitions/<receipt>/")
            token = _csrf(page.text or "")
            response = self.post_form(
                f"/officer/petitions/{receipt}/approve/",
                {"csrfmiddlewaretoken": token, "decision": "승인합니다."},
                "/officer/petitions/<receipt>/approve/",
                expect=(302, 403),
            )
            if response.status_code == 403:
                # Refused by the rules (the information is not settled yet): reject instead.
                self.post_form(
                    f"/officer/petitions/{receipt}/reject/",
                    {"csrfmiddlewaretoken": token, "reason": "요건을 충족하지 않습니다."},
                    "/officer/petitions/<receipt>/reject/",
                )

"""Issue 13, point 6: the security headers on every response, not only on rendered pages.

Responses made before a view runs (the second-factor gate's redirect, the staff middleware's
404, the staff session's end) and static files served by WhiteNoise carry the same headers as
a page: X-Frame-Options DENY, a Content-Security-Policy, nosniff and a Referrer-Policy.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client

from portal.middleware import STAFF_SESSION_STARTED_KEY
from tests.conftest import login_verified
from tests.factories import TOTPDeviceFactory


@dataclass(frozen=True)
class Case:
    name: str
    status: int
    request: Callable[[dict], object]  # the fixtures by name -> the response
    location_starts: str = ""


def _anonymous(method="get", path="/", **extra):
    return lambda fx: getattr(Client(**extra.pop("client", {})), method)(path, **extra)


def _otp_gate_redirect(fx):
    official = fx["official"]
    TOTPDeviceFactory(user=official)
    client = Client()
    client.force_login(official, backend="django.contrib.auth.backends.ModelBackend")
    return client.get("/officer/")


def _staff_session_ended(fx):
    client = login_verified(Client(), fx["official"])
    session = client.session
    session[STAFF_SESSION_STARTED_KEY] = int(time.time()) - 13 * 3600
    session.save()
    return client.get("/officer/")


def _citizen(path):
    def request(fx):
        client = Client()
        client.force_login(fx["citizen"], backend="django.contrib.auth.backends.ModelBackend")
        return client.get(path)

    return request


def _csrf_refused(fx):
    return Client(enforce_csrf_checks=True).post("/account/login/", {"username": "x", "password": "y"})


CASES = [
    Case("redirect from the second-factor gate", 302, _otp_gate_redirect, "/account/two-factor/"),
    Case("redirect at the end of a staff session", 302, _staff_session_ended, "/account/login/"),
    Case("404 from the staff middleware", 404, _anonymous(path="/officer/petitions/2026-0000001/")),
    Case("redirect to login from the staff middleware", 302, _anonymous(path="/officer/"), "/account/login/"),
    Case("static file through WhiteNoise", 200, _anonymous(path="/static/css/portal.css")),
    Case("static script through WhiteNoise", 200, _anonymous(path="/static/js/portal.js")),
    Case("a normal page", 200, _anonymous(path="/petitions/")),
    Case("a 404 page", 404, _anonymous(path="/no-such-page/")),
    Case("a 403 page", 403, _citizen("/account/two-factor/setup/")),
    Case("a 403 from the CSRF check", 403, _csrf_refused),
]


@pytest.fixture
def whitenoise_serves_from_the_source(settings):
    """WhiteNoise finds the files where collectstatic would take them from (the test run has no
    collected files); it serves them with the same function as in production."""
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = False


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_every_kind_of_response_carries_the_security_headers(case, whitenoise_serves_from_the_source, request):
    fixtures = {name: request.getfixturevalue(name) for name in ("official", "citizen")}
    response = case.request(fixtures)
    assert response.status_code == case.status, (case.name, response.status_code)
    if case.location_starts:
        assert response["Location"].startswith(case.location_starts), response["Location"]
    if case.name.startswith("static"):
        assert type(response).__name__ == "WhiteNoiseFileResponse", "not served by WhiteNoise"

    assert response.get("X-Frame-Options") == "DENY", f"{case.name}: X-Frame-Options {response.get('X-Frame-Options')}"
    csp = response.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, f"{case.name}: CSP {csp!r}"
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp, f"{case.name}: CSP {csp!r}"
    assert response.get("X-Content-Type-Options") == "nosniff", f"{case.name}: no nosniff"
    assert response.get("Referrer-Policy") == "same-origin", f"{case.name}: Referrer-Policy"

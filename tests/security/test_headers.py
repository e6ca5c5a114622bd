"""Security headers on every page, and cookie flags under the production settings.

Pages are discovered from the URL configuration (every route without parameters), so a new
page is covered without editing this file.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from django.test import Client

from portal.middleware import STAFF_SESSION_STARTED_KEY
from tests.conftest import login_verified
from tests.factories import TEST_PASSWORD
from tests.portal.test_settings import ROOT, _production_env

from .routes import all_routes

PAGES = sorted({r.path for r in all_routes() if not r.parameters and not r.regex})

PRODUCTION_KEYS = (
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "X_FRAME_OPTIONS",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SAMESITE",
    "LANGUAGE_COOKIE_SECURE",
    "LANGUAGE_COOKIE_HTTPONLY",
    "LANGUAGE_COOKIE_SAMESITE",
    "STAFF_SESSION_IDLE_SECONDS",
    "STAFF_SESSION_ABSOLUTE_SECONDS",
)


def _directives(csp: str) -> dict[str, list[str]]:
    parsed = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def assert_secure_headers(response, page: str) -> None:
    csp = response.get("Content-Security-Policy", "")
    assert csp, f"{page}: no Content-Security-Policy"
    directives = _directives(csp)
    scripts = directives.get("script-src", directives.get("default-src"))
    assert scripts is not None, f"{page}: CSP without script-src or default-src"
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, f"{page}: unsafe scripts: {csp}"
    assert directives.get("frame-ancestors") == ["'none'"] or response.get("X-Frame-Options") in (
        "DENY",
        "SAMEORIGIN",
    ), f"{page}: may be framed"
    if not 300 <= response.status_code < 400:  # a redirect is never rendered in a frame
        assert response.get("X-Frame-Options") == "DENY", f"{page}: X-Frame-Options {response.get('X-Frame-Options')}"
    assert directives.get("object-src") == ["'none'"], f"{page}: plugins allowed: {csp}"
    assert response.get("Referrer-Policy") in ("same-origin", "no-referrer", "strict-origin-when-cross-origin"), (
        f"{page}: Referrer-Policy {response.get('Referrer-Policy')}"
    )
    assert response.get("X-Content-Type-Options") == "nosniff", f"{page}: no nosniff"


def test_the_page_list_is_discovered():
    assert {"/", "/account/login/", "/petitions/", "/verify/", "/officer/"} <= set(PAGES)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "citizen"])
def test_every_page_sends_the_security_headers(who, citizen):
    client = Client()
    if who == "citizen":
        client.force_login(citizen, backend="django.contrib.auth.backends.ModelBackend")
    errors = []
    for page in PAGES:
        response = client.get(page)
        if response.status_code >= 500 and page != "/readyz":
            errors.append(f"{page}: {response.status_code}")
            continue
        assert_secure_headers(response, page)
    assert not errors, errors


@pytest.fixture(scope="module")
def production_settings(tmp_path_factory) -> dict:
    """The security settings exactly as portal/settings.py computes them with DEBUG off."""
    env = _production_env(tmp_path_factory.mktemp("production"))
    code = f"import json, portal.settings as s; print(json.dumps({{k: getattr(s, k) for k in {PRODUCTION_KEYS!r}}}))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def production(settings, production_settings):
    for key, value in production_settings.items():
        setattr(settings, key, value)
    settings.ALLOWED_HOSTS = ["testserver"]
    return production_settings


def test_production_forces_https_with_hsts(production, db):
    client = Client()
    assert client.get("/petitions/").status_code == 301
    assert client.get("/petitions/")["Location"] == "https://testserver/petitions/"
    response = client.get("/petitions/", secure=True)
    assert response.status_code == 200
    hsts = response["Strict-Transport-Security"]
    max_age = int(hsts.split("max-age=")[1].split(";")[0])
    assert max_age >= 31_536_000 and "includeSubDomains" in hsts and "preload" in hsts
    assert_secure_headers(response, "/petitions/")


def _cookie_flags(morsel) -> dict:
    return {"secure": bool(morsel["secure"]), "httponly": bool(morsel["httponly"]), "samesite": morsel["samesite"]}


def test_production_session_and_csrf_cookies_are_secure_httponly_samesite(production, citizen):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/account/login/", secure=True)
    csrf = page.cookies["csrftoken"]
    assert _cookie_flags(csrf) == {"secure": True, "httponly": True, "samesite": "Lax"}
    response = client.post(
        "/account/login/",
        {"username": citizen.username, "password": TEST_PASSWORD, "csrfmiddlewaretoken": page.context["csrf_token"]},
        secure=True,
        HTTP_REFERER="https://testserver/account/login/",
    )
    assert response.status_code == 302, response.content[:500]
    session = response.cookies["sessionid"]
    assert _cookie_flags(session) == {"secure": True, "httponly": True, "samesite": "Lax"}
    language = client.post(
        "/i18n/setlang/",
        {"language": "en", "next": "/", "csrfmiddlewaretoken": client.cookies["csrftoken"].value},
        secure=True,
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
        HTTP_REFERER="https://testserver/",
    )
    cookie = language.cookies.get("django_language")
    assert cookie is not None and _cookie_flags(cookie) == {"secure": True, "httponly": True, "samesite": "Lax"}


def test_official_session_cookie_lives_thirty_minutes_from_the_last_request(production, official):
    assert production["STAFF_SESSION_IDLE_SECONDS"] == 1800
    client = login_verified(Client(), official)
    response = client.get("/officer/", secure=True)
    assert response.status_code == 200
    cookie = response.cookies["sessionid"]
    assert int(cookie["max-age"]) == 1800
    assert _cookie_flags(cookie) == {"secure": True, "httponly": True, "samesite": "Lax"}
    # The server side agrees: the stored session expires with the cookie.
    assert client.session.get_expiry_age() == 1800


def test_official_session_ends_twelve_hours_after_login_even_when_active(production, official):
    assert production["STAFF_SESSION_ABSOLUTE_SECONDS"] == 12 * 3600
    client = login_verified(Client(), official)
    session = client.session
    session[STAFF_SESSION_STARTED_KEY] = int(time.time()) - 12 * 3600 + 60  # one minute to go
    session.save()
    assert client.get("/officer/", secure=True).status_code == 200
    session = client.session
    session[STAFF_SESSION_STARTED_KEY] = int(time.time()) - 12 * 3600 - 1
    session.save()
    response = client.get("/officer/", secure=True)
    assert response.status_code == 302 and response["Location"].startswith("/account/login/")
    cookie = response.cookies["sessionid"]
    assert cookie.value == "" and int(cookie["max-age"]) == 0  # the browser drops it


def test_citizen_session_is_not_cut_short_by_the_official_rules(production, citizen):
    client = Client()
    client.force_login(citizen, backend="django.contrib.auth.backends.ModelBackend")
    client.get("/my/petitions/", secure=True)
    assert client.session.get_expiry_age() == production.get("SESSION_COOKIE_AGE", 8 * 3600)

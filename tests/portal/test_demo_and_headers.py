import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from portal.models import Office, OfficeMembership, User

pytestmark = pytest.mark.django_db


def _snapshot():
    tables = ["portal_user", "portal_office", "portal_officemembership", "otp_totp_totpdevice"]
    rows = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {table} ORDER BY 1")
            rows[table] = cursor.fetchall()
    return rows


def test_seed_demo_creates_the_demo_accounts_and_is_idempotent():
    call_command("seed_demo", residents=50, stdout=io.StringIO())
    first = _snapshot()
    call_command("seed_demo", residents=50, stdout=io.StringIO())
    assert _snapshot() == first

    officer = User.objects.get(username="officer1")
    assert officer.role == User.Role.OFFICIAL and officer.check_password("portal-demo-1234")
    membership = OfficeMembership.objects.get(user=officer)
    assert membership.office.code == "jongno" and membership.role == "reviewer"
    assert OfficeMembership.objects.get(user__username="supervisor1").role == "supervisor"
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser and admin.role == User.Role.ADMINISTRATOR
    for username in ("officer1", "supervisor1", "admin"):
        device = User.objects.get(username=username).totpdevice_set.get()
        assert device.key == "48656c6c6f21deadbeef" and device.confirmed
    assert User.objects.get(username="citizen1").role == User.Role.CITIZEN
    assert Office.objects.filter(code="jongno", district_code="11110").exists()


def test_seed_demo_is_refused_when_demo_data_is_not_allowed(settings):
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError, match="refused when DEBUG is off"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_security_headers_on_pages(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_pages_have_no_inline_scripts(client):
    import re

    for path in ("/", "/account/login/", "/account/sign-up/", "/account/password-reset/"):
        html = client.get(path).content.decode()
        for match in re.finditer(r"<script(?P<attrs>[^>]*)>", html):
            assert "src=" in match.group("attrs"), f"inline script on {path}"
        assert not re.search(r"\son[a-z]+=\"", html), f"inline event handler on {path}"

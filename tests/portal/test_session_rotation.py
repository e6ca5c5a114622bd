"""Issue 13, point 3: the session key changes when the second factor is passed, and staff change
their password only in a session that passed it.

Seen from the outside: a session cookie captured before the code (by someone who saw the
password, or planted a session id) must not be the one that carries the verified session.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import TEST_PASSWORD, TOTPDeviceFactory

NEW_PASSWORD = "a-new-Password-for-2026"


def _login(client: Client, username: str, next_url: str = "/officer/"):
    response = client.post("/account/login/", {"username": username, "password": TEST_PASSWORD, "next": next_url})
    assert response.status_code == 302
    return response


def _session_key(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _client_with_session(key: str) -> Client:
    """Another browser that presents a session id captured earlier."""
    intruder = Client()
    intruder.cookies[settings.SESSION_COOKIE_NAME] = key
    return intruder


def _code(device) -> str:
    return f"{totp(device.bin_key):06d}"


def test_the_session_key_changes_when_the_code_is_verified(official):
    device = TOTPDeviceFactory(user=official)
    client = Client()
    _login(client, official.username)
    before = _session_key(client)

    response = client.post("/account/two-factor/", {"otp_token": _code(device), "next": "/officer/"})
    assert response.status_code == 302 and response["Location"] == "/officer/"
    after = _session_key(client)
    assert after != before

    # The verified browser keeps its session and its data (the login, the second factor).
    assert client.get("/officer/").status_code == 200
    # The key captured before the code no longer opens anything.
    stale = _client_with_session(before)
    response = stale.get("/officer/")
    assert response.status_code == 302 and response["Location"].startswith("/account/login/")


def test_the_session_key_changes_when_an_authenticator_is_enrolled(official):
    client = Client()
    response = _login(client, official.username)
    assert response["Location"].startswith("/account/two-factor/setup/")
    assert client.get(response["Location"]).status_code == 200
    before = _session_key(client)
    device = TOTPDevice.objects.get(user=official, confirmed=False)

    response = client.post("/account/two-factor/setup/", {"otp_token": _code(device), "next": "/officer/"})
    assert response.status_code == 302 and response["Location"].startswith("/account/two-factor/backup-codes/")
    assert _session_key(client) != before
    # The fresh backup codes kept in the session survive the new key.
    page = client.get(response["Location"]).content.decode()
    assert device.user.staticdevice_set.get().token_set.first().token in page
    assert client.get("/officer/").status_code == 200
    assert _client_with_session(before).get("/officer/").status_code == 302


@pytest.mark.parametrize("who", ["official", "administrator"])
def test_staff_cannot_change_the_password_with_a_password_only_session(who, request):
    user = request.getfixturevalue(who)
    device = TOTPDeviceFactory(user=user)
    client = Client()
    _login(client, user.username)

    page = client.get("/account/password-change/")
    assert page.status_code == 302
    assert page["Location"].startswith("/account/two-factor/?next=/account/password-change/")
    response = client.post(
        "/account/password-change/",
        {"old_password": TEST_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response["Location"].startswith("/account/two-factor/")
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD) and not user.check_password(NEW_PASSWORD)

    # After the code the same person changes it.
    client.post("/account/two-factor/", {"otp_token": _code(device)})
    assert client.get("/account/password-change/").status_code == 200
    response = client.post(
        "/account/password-change/",
        {"old_password": TEST_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == "/account/password-change/done/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # Still signed in with the second factor after the change.
    assert client.get("/account/password-change/done/").status_code == 200


def test_staff_without_an_authenticator_is_sent_to_enrolment_before_a_password_change(official):
    client = Client()
    _login(client, official.username)
    page = client.get("/account/password-change/")
    assert page.status_code == 302
    assert page["Location"].startswith("/account/two-factor/setup/?next=/account/password-change/")


def test_citizens_change_their_password_with_the_password_alone(citizen):
    client = Client()
    client.post("/account/login/", {"username": citizen.username, "password": TEST_PASSWORD})
    assert client.get("/account/password-change/").status_code == 200
    response = client.post(
        "/account/password-change/",
        {"old_password": TEST_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.check_password(NEW_PASSWORD)

"""Sign-up, login, lockout, logout and password reset for citizens."""

import re

import pytest
from django.core import mail
from django.test import Client

from portal.models import User
from tests.factories import TEST_PASSWORD, CitizenFactory

pytestmark = pytest.mark.django_db

SIGN_UP = {
    "username": "newcitizen",
    "full_name": "홍길동",
    "email": "hong@example.org",
    "preferred_language": "ko",
    "password1": "a long enough passphrase 42",
    "password2": "a long enough passphrase 42",
    "agree_terms": "on",
}


def test_sign_up_creates_a_citizen_and_logs_in(client):
    response = client.post("/account/sign-up/", SIGN_UP)
    assert response.status_code == 302
    user = User.objects.get(username="newcitizen")
    assert user.role == User.Role.CITIZEN and not user.is_staff
    assert user.full_name == "홍길동"
    assert int(client.session["_auth_user_id"]) == user.pk


def test_sign_up_refuses_a_taken_email_with_a_message_and_creates_nothing(client):
    CitizenFactory(email="HONG@example.org")
    response = client.post("/account/sign-up/", SIGN_UP)
    assert response.status_code == 200
    assert "이미 있습니다" in response.content.decode()
    assert not User.objects.filter(username="newcitizen").exists()


def test_sign_up_requires_consent_and_matching_passwords(client):
    data = SIGN_UP | {"password2": "something else entirely", "agree_terms": ""}
    response = client.post("/account/sign-up/", data)
    assert response.status_code == 200
    assert response.content.decode().count('class="form-hint-invalid"') >= 2
    assert not User.objects.filter(username="newcitizen").exists()


def test_login_and_logout(client):
    user = CitizenFactory()
    response = client.post("/account/login/", {"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert client.post("/account/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_login_failure_message_does_not_tell_which_part_was_wrong(client):
    response = client.post("/account/login/", {"username": "nobody", "password": "wrong"})
    assert response.status_code == 200
    assert "아이디 또는 비밀번호" in response.content.decode()


def test_repeated_failures_lock_the_account_with_a_clear_message(settings):
    user = CitizenFactory()
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/account/login/", {"username": user.username, "password": "wrong password"})
    # Even the right password is refused now, from any address.
    other_address = Client(REMOTE_ADDR="198.51.100.9")
    response = other_address.post("/account/login/", {"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 429
    text = response.content.decode()
    assert "로그인이 잠시 제한" in text
    assert "15분" in text
    assert "_auth_user_id" not in other_address.session


def test_repeated_failures_lock_the_address_for_other_accounts(settings):
    client = Client(REMOTE_ADDR="203.0.113.8")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post("/account/login/", {"username": f"guess{attempt}", "password": "wrong"})
    victim = CitizenFactory()
    response = client.post("/account/login/", {"username": victim.username, "password": TEST_PASSWORD})
    assert response.status_code == 429


def test_password_reset_sends_a_working_link(client):
    user = CitizenFactory(email="reset@example.org")
    response = client.post("/account/password-reset/", {"email": "reset@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/account/password-reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0]
    response = client.post(
        set_url, {"new_password1": "another passphrase 77", "new_password2": "another passphrase 77"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("another passphrase 77")


def test_password_reset_for_an_unknown_address_says_the_same(client):
    response = client.post("/account/password-reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_replayed_login_form_without_csrf_is_refused():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/account/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403

"""The login lockout's window, on a controlled clock: locked for exactly the cool-off period
after the last failure, then open again; the page says how long and after how many failures.

django-axes stamps attempts both with its own clock and with the database field's
``auto_now_add``, so the whole process's clock is held still and moved by hand (time-machine).
"""

import datetime

import pytest
import time_machine
from django.test import Client

from tests.factories import TEST_PASSWORD, CitizenFactory

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)


class Clock:
    def __init__(self, traveller):
        self._traveller = traveller

    def advance(self, **delta) -> None:
        self._traveller.shift(datetime.timedelta(**delta))


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield Clock(traveller)


def _fail(client, username, times, *, before=0, limit=5):
    """Wrong passwords: the form again until the limit, the lockout page from the limit on."""
    for attempt in range(before + 1, before + times + 1):
        response = client.post("/account/login/", {"username": username, "password": "wrong password"})
        assert response.status_code == (429 if attempt >= limit else 200)


def _login(address, username):
    client = Client(REMOTE_ADDR=address)
    return client.post("/account/login/", {"username": username, "password": TEST_PASSWORD})


def test_the_account_lock_holds_for_the_whole_window_and_then_ends(clock, settings):
    assert settings.AXES_FAILURE_LIMIT == 5 and datetime.timedelta(minutes=15) == settings.AXES_COOLOFF_TIME
    user = CitizenFactory()
    _fail(Client(REMOTE_ADDR="203.0.113.7"), user.username, 5)

    assert _login("198.51.100.9", user.username).status_code == 429
    clock.advance(minutes=14, seconds=59)
    assert _login("198.51.100.10", user.username).status_code == 429
    clock.advance(seconds=2)  # 15 minutes and a second after the last failure
    response = _login("198.51.100.11", user.username)
    assert response.status_code == 302 and response["Location"] == "/"


def test_the_window_counts_from_the_last_failure_not_the_first(clock):
    user = CitizenFactory()
    client = Client(REMOTE_ADDR="203.0.113.7")
    _fail(client, user.username, 4)
    clock.advance(minutes=10)
    _fail(client, user.username, 1, before=4)  # the fifth failure, ten minutes later
    clock.advance(minutes=10)  # 20 minutes after the first, 10 after the last
    assert _login("198.51.100.9", user.username).status_code == 429
    clock.advance(minutes=5, seconds=1)
    assert _login("198.51.100.9", user.username).status_code == 302


def test_four_failures_do_not_lock(clock):
    user = CitizenFactory()
    _fail(Client(REMOTE_ADDR="203.0.113.7"), user.username, 4)
    assert _login("203.0.113.7", user.username).status_code == 302


def test_the_address_lock_ends_with_its_window_too(clock):
    client = Client(REMOTE_ADDR="203.0.113.8")
    for attempt in range(5):
        client.post("/account/login/", {"username": f"guess{attempt}", "password": "wrong"})
    victim = CitizenFactory()
    assert _login("203.0.113.8", victim.username).status_code == 429
    assert _login("203.0.113.9", victim.username).status_code == 302  # another address is not locked
    clock.advance(minutes=15, seconds=1)
    other = CitizenFactory()
    assert _login("203.0.113.8", other.username).status_code == 302


def test_a_locked_login_is_refused_with_the_right_password_and_logs_nobody_in(clock):
    user = CitizenFactory()
    _fail(Client(REMOTE_ADDR="203.0.113.7"), user.username, 5)
    client = Client(REMOTE_ADDR="203.0.113.7")
    response = client.post("/account/login/", {"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lockout_page_says_the_limit_and_the_window(clock, settings):
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=30)
    settings.AXES_FAILURE_LIMIT = 3
    user = CitizenFactory()
    _fail(Client(REMOTE_ADDR="203.0.113.7"), user.username, 3, limit=3)
    response = _login("198.51.100.9", user.username)
    assert response.status_code == 429
    text = response.content.decode()
    assert "30분 뒤에 다시 시도" in text
    assert "(3회)" in text
    clock.advance(minutes=29)
    assert _login("198.51.100.9", user.username).status_code == 429
    clock.advance(minutes=1, seconds=1)
    assert _login("198.51.100.9", user.username).status_code == 302


def test_a_window_of_ninety_seconds_is_said_as_one_minute(clock, settings):
    settings.AXES_COOLOFF_TIME = datetime.timedelta(seconds=90)
    user = CitizenFactory()
    _fail(Client(REMOTE_ADDR="203.0.113.7"), user.username, 5)
    response = _login("198.51.100.9", user.username)
    assert response.status_code == 429
    assert "1분 뒤에 다시 시도" in response.content.decode()


def test_the_lockout_page_is_a_page_of_the_site_with_its_request(clock):
    # Rendered with the request: the page's forms and htmx calls carry a real CSRF token.
    import re

    user = CitizenFactory()
    _fail(Client(REMOTE_ADDR="203.0.113.7"), user.username, 5)
    response = _login("198.51.100.9", user.username)
    assert response.status_code == 429
    token = re.search(r'"X-CSRFToken": "([^"]*)"', response.content.decode())
    assert token and len(token.group(1)) >= 32

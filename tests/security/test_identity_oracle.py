"""Identity confirmation (/my/identity/) is no oracle (issue 13, point 1).

From outside, a matching and a non-matching name + RRN get the same answer and the same work;
attempts are limited per account, per client address and per subject over a window; wrong codes
are limited per subject and per account however often the confirmation is started again; every
attempt is recorded in a table administrators read, with no name or RRN in it or in the logs.
"""

from __future__ import annotations

import datetime
import json
import logging
import re
import threading

import pytest
from django.db import connection, connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from petitions import identity
from petitions.identity import ResidentRecord
from petitions.models import IdentityAttempt, IdentityChallenge, ResidentLink
from sharing.crypto import subject_hash
from sharing.sandbox import identity as sandbox_identity
from sharing.sandbox.identity import SandboxIdentityProvider
from tests.factories import CITIZEN1, CITIZEN2, CitizenFactory

pytestmark = pytest.mark.django_db

NO_PHONE = ResidentRecord(
    name="박무폰", rrn="880808-1888888", phone="", address="서울특별시 종로구 1", district_code="11110"
)
UNKNOWN_RRN = "010101-3000000"
START = reverse("petitions:identity")
CODE = reverse("petitions:identity_code")
Outcome = IdentityAttempt.Outcome


class Outbox:
    def __init__(self):
        self.sent: list[tuple[str, str]] = []

    def __call__(self, phone, code):
        self.sent.append((phone, code))

    def last_code(self) -> str:
        return self.sent[-1][1]


@pytest.fixture
def outbox(monkeypatch):
    """The sandbox register holds CITIZEN1, CITIZEN2 and a resident without a phone; codes are
    collected instead of printed."""
    box = Outbox()
    register = {record.rrn: record for record in (CITIZEN1, CITIZEN2, NO_PHONE)}
    monkeypatch.setattr(sandbox_identity, "sandbox_register_lookup", register.get)
    monkeypatch.setattr(SandboxIdentityProvider, "_print_code", staticmethod(box))
    identity.get_provider.cache_clear()
    yield box
    identity.get_provider.cache_clear()


def _client(user=None, address="10.0.0.1") -> Client:
    """A citizen's client; every citizen here has the same display name, so pages compare."""
    client = Client(REMOTE_ADDR=address)
    client.force_login(
        user or CitizenFactory.create(full_name="한시민"), backend="django.contrib.auth.backends.ModelBackend"
    )
    return client


def _start(client, name, rrn):
    return client.post(START, {"name": name, "rrn": rrn})


def _wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def _normalised(response) -> str:
    """The page with its CSRF token (the only thing that may differ) blanked out."""
    return re.sub(r"[A-Za-z0-9]{64}", "CSRF", response.content.decode())


# --- The same answer whether or not the pair matches ---------------------------------------


def test_a_matching_and_a_non_matching_pair_get_the_same_answer(outbox):
    client = _client()
    answers = {}
    for label, name, rrn in (
        ("match", CITIZEN1.name, CITIZEN1.rrn),
        ("wrong name", "홍길동", CITIZEN1.rrn),
        ("unknown number", CITIZEN1.name, UNKNOWN_RRN),
        ("no phone on record", NO_PHONE.name, NO_PHONE.rrn),
    ):
        response = _start(client, name, rrn)
        page = client.get(response["Location"]) if response.status_code == 302 else response
        answers[label] = (response.status_code, response.get("Location"), page.status_code, _normalised(page))
    assert answers["match"][:2] == (302, f"{CODE}?next={reverse('petitions:my_list')}")
    for label, answer in answers.items():
        assert answer == answers["match"], label
    # The code went to the phone on record, once, and nothing of that phone is on the page.
    assert [phone for phone, _code in outbox.sent] == [CITIZEN1.phone]
    page = answers["match"][3]
    assert "5678" not in page and "****" not in page
    # A challenge was made every time (the same work); only the last one is kept.
    assert IdentityChallenge.objects.count() == 1


def test_a_wrong_code_gets_the_same_error_after_a_match_and_a_mismatch(outbox):
    pages = []
    for name in (CITIZEN1.name, "홍길동"):
        client = _client()
        _start(client, name, CITIZEN1.rrn)
        response = client.post(CODE, {"code": _wrong(outbox.sent[0][1])})
        pages.append((response.status_code, _normalised(response)))
    assert pages[0] == pages[1]
    assert pages[0][0] == 200 and "인증번호가 맞지 않습니다" in pages[0][1]


def test_a_mismatch_challenge_can_never_be_verified(outbox):
    client = _client()
    _start(client, "홍길동", CITIZEN1.rrn)
    challenge = IdentityChallenge.objects.get()
    assert challenge.subject_hash == subject_hash(CITIZEN1.rrn) and outbox.sent == []
    # Every code of the six-digit space fails the challenge's hash (a sample of it, and the
    # provider's own check, which is what the page calls).
    provider = identity.get_provider()
    for code in ("000000", "123456", "999999", *(f"{n:06d}" for n in range(0, 1_000_000, 99_991))):
        with pytest.raises(identity.IdentityError):
            provider.confirm(user=challenge.user, challenge=challenge, code=code)


def test_a_match_and_a_mismatch_do_the_same_database_work(db):
    """Timing is not asserted (tests never assert on the wall clock): the same statements in the
    same order, against the real sandbox register, are what makes it the same."""
    from sharing.sandbox.demo import DEMO_OVERRIDES
    from sharing.sandbox.loader import registers_load

    registers_load(residents=1, seed=1, demo=DEMO_OVERRIDES)
    identity.get_provider.cache_clear()
    sent = []
    provider = SandboxIdentityProvider(send_code=lambda phone, code: sent.append(phone))
    user = CitizenFactory()

    def statements(name, rrn):
        with CaptureQueriesContext(connection) as queries:
            identity.identity_verification_start(
                user=user, name=name, rrn=rrn, ip_address="10.0.0.9", provider=provider
            )
        return [
            re.sub(r"'[^']*'|\"s\d+_x\d+\"|\b\d+(\.\d+)?\b", "?", query["sql"]) for query in queries.captured_queries
        ]

    statements("김민원", "800101-1000000")  # the first attempt creates the account's and address's lock rows
    matched = statements("김민원", "900101-1234567")
    mismatched = statements("김민원", "900101-1234568")
    assert sent == ["010-1234-5678"]
    # The subject's lock row is new for both (a first attempt on each number).
    assert matched == mismatched


# --- Limits per account, per address, per subject over a window ----------------------------


def test_the_account_limit_refuses_the_next_attempt_with_a_429(outbox, settings):
    settings.IDENTITY_ATTEMPT_LIMIT = 3
    client = _client()
    for number in range(3):
        assert _start(client, "홍길동", f"900101-100000{number}").status_code == 302
    response = _start(client, "홍길동", "900101-1000009")
    assert response.status_code == 429
    assert "본인 확인 시도가 너무 많습니다" in response.content.decode()
    # A refused attempt looks nothing up and makes no challenge; it is recorded as refused.
    assert IdentityAttempt.objects.filter(outcome=Outcome.REFUSED).count() == 1
    assert IdentityChallenge.objects.get().subject_hash == subject_hash("900101-1000002")
    # Another account from the same address is not held back by it.
    assert _start(_client(), "홍길동", "900101-1000009").status_code == 302


def test_the_address_limit_refuses_the_next_attempt_from_that_address(outbox, settings):
    settings.IDENTITY_ATTEMPT_LIMIT = 100
    settings.IDENTITY_ADDRESS_ATTEMPT_LIMIT = 3
    for number in range(3):
        assert _start(_client(address="10.0.0.7"), "홍길동", f"900101-100000{number}").status_code == 302
    assert _start(_client(address="10.0.0.7"), "홍길동", "900101-1000009").status_code == 429
    assert _start(_client(address="10.0.0.8"), "홍길동", "900101-1000009").status_code == 302


def test_the_address_is_the_client_behind_trusted_proxies(outbox, settings):
    """The project's client-address helper (django-axes, TRUSTED_PROXY_COUNT) names the address."""
    settings.IDENTITY_ATTEMPT_LIMIT = 100
    settings.IDENTITY_ADDRESS_ATTEMPT_LIMIT = 2
    settings.AXES_IPWARE_PROXY_COUNT = 1
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    proxy = "10.9.9.9"

    def start(client_address, rrn):
        client = _client(address=proxy)
        return client.post(START, {"name": "홍길동", "rrn": rrn}, HTTP_X_FORWARDED_FOR=f"{client_address}, {proxy}")

    assert start("203.0.113.5", "900101-1000001").status_code == 302
    assert start("203.0.113.5", "900101-1000002").status_code == 302
    assert start("203.0.113.5", "900101-1000003").status_code == 429
    assert start("203.0.113.6", "900101-1000003").status_code == 302
    assert set(IdentityAttempt.objects.values_list("client_address", flat=True)) == {"203.0.113.5", "203.0.113.6"}


def test_the_subject_limit_refuses_the_next_attempt_on_that_number(outbox, settings):
    settings.IDENTITY_ATTEMPT_LIMIT = 3
    for number in range(3):
        assert _start(_client(address=f"10.0.1.{number}"), "홍길동", CITIZEN1.rrn).status_code == 302
    # A fourth account from a fourth address: the same number is refused, before any look-up,
    # and its owner's phone gets nothing more.
    response = _start(_client(address="10.0.1.9"), CITIZEN1.name, CITIZEN1.rrn)
    assert response.status_code == 429
    assert outbox.sent == []
    assert _start(_client(address="10.0.1.9"), CITIZEN2.name, CITIZEN2.rrn).status_code == 302


def test_refused_attempts_do_not_extend_the_window_and_its_end_lets_attempts_through(outbox, settings, monkeypatch):
    settings.IDENTITY_ATTEMPT_LIMIT = 2
    settings.IDENTITY_ATTEMPT_WINDOW_SECONDS = 600
    start = timezone.now()
    clock = {"now": start}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])
    client = _client()
    assert _start(client, "홍길동", "900101-1000001").status_code == 302
    clock["now"] = start + datetime.timedelta(seconds=300)
    assert _start(client, "홍길동", "900101-1000002").status_code == 302
    assert _start(client, "홍길동", "900101-1000003").status_code == 429
    clock["now"] = start + datetime.timedelta(seconds=599)
    assert _start(client, "홍길동", "900101-1000003").status_code == 429
    # The first attempt leaves the window: one more gets through, then the second one's turn.
    clock["now"] = start + datetime.timedelta(seconds=601)
    assert _start(client, "홍길동", "900101-1000003").status_code == 302
    assert _start(client, "홍길동", "900101-1000004").status_code == 429
    clock["now"] = start + datetime.timedelta(seconds=901)
    assert _start(client, "홍길동", "900101-1000004").status_code == 302


# --- Code guesses across restarts ----------------------------------------------------------


def _guess_wrong_until_the_challenge_locks(client, code):
    statuses = {client.post(CODE, {"code": _wrong(code)}).status_code for _ in range(identity.MAX_ATTEMPTS)}
    assert statuses == {200}


def test_starting_again_gives_no_new_code_guesses_for_the_subject(outbox, settings, monkeypatch):
    settings.IDENTITY_CODE_GUESS_LIMIT = 10
    clock = {"now": timezone.now()}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])
    attacker = _client()
    for _restart in range(2):
        _start(attacker, CITIZEN1.name, CITIZEN1.rrn)
        _guess_wrong_until_the_challenge_locks(attacker, outbox.last_code())
    # The third start sends a code, but even the right one is refused: the number has had its
    # ten wrong codes in this window, from this account or any other.
    _start(attacker, CITIZEN1.name, CITIZEN1.rrn)
    response = attacker.post(CODE, {"code": outbox.last_code()})
    assert response.status_code == 429
    assert "잘못된 인증번호를 너무 많이" in response.content.decode()
    owner = _client(address="10.0.0.2")
    _start(owner, CITIZEN1.name, CITIZEN1.rrn)
    assert owner.post(CODE, {"code": outbox.last_code()}).status_code == 429
    assert not ResidentLink.objects.exists()
    # After the window, the owner gets through.
    clock["now"] += datetime.timedelta(seconds=settings.IDENTITY_ATTEMPT_WINDOW_SECONDS + 1)
    _start(owner, CITIZEN1.name, CITIZEN1.rrn)
    assert owner.post(CODE, {"code": outbox.last_code()}).status_code == 302
    assert ResidentLink.objects.get().rrn_hash == subject_hash(CITIZEN1.rrn)


def test_one_account_has_a_limit_of_wrong_codes_across_numbers(outbox, settings):
    settings.IDENTITY_CODE_GUESS_LIMIT = 10
    settings.IDENTITY_ATTEMPT_LIMIT = 100
    client = _client()
    for rrn in ("900101-1000001", "900101-1000002"):
        _start(client, "홍길동", rrn)
        _guess_wrong_until_the_challenge_locks(client, "123456")
    _start(client, CITIZEN2.name, CITIZEN2.rrn)
    assert client.post(CODE, {"code": outbox.last_code()}).status_code == 429
    assert not ResidentLink.objects.exists()


def test_the_code_guess_limit_holds_for_mismatch_challenges_too(outbox, settings):
    """A refusal of a code does not tell a matching pair from a non-matching one either."""
    settings.IDENTITY_CODE_GUESS_LIMIT = 3
    pages = []
    for name in (CITIZEN1.name, "홍길동"):
        client = _client()
        _start(client, name, CITIZEN2.rrn if name == "홍길동" else CITIZEN1.rrn)
        for _ in range(3):
            client.post(CODE, {"code": "000000"})
        response = client.post(CODE, {"code": "000000"})
        pages.append((response.status_code, _normalised(response)))
    assert pages[0] == pages[1] and pages[0][0] == 429


# --- Every attempt recorded, no name or RRN anywhere ---------------------------------------


def test_every_attempt_is_recorded_without_a_name_or_number(outbox, settings, caplog, capsys):
    settings.IDENTITY_ATTEMPT_LIMIT = 3
    caplog.set_level(logging.DEBUG)
    citizen = CitizenFactory()
    client = _client(citizen, address="10.0.0.5")
    _start(client, "홍길동", CITIZEN1.rrn)  # no match
    client.post(CODE, {"code": "000000"})  # wrong code
    _start(client, CITIZEN1.name, CITIZEN1.rrn)  # code sent
    client.post(CODE, {"code": _wrong(outbox.last_code())})  # wrong code
    client.post(CODE, {"code": outbox.last_code()})  # verified
    client.post(CODE, {"code": outbox.last_code()})  # nothing waiting
    _start(client, CITIZEN1.name, CITIZEN1.rrn)  # code sent (the third start)
    _start(client, CITIZEN1.name, CITIZEN1.rrn)  # refused (the fourth)
    rows = list(
        IdentityAttempt.objects.order_by("created_at", "id").values(
            "kind", "outcome", "user", "client_address", "subject_hash", "created_at"
        )
    )
    assert [(row["kind"], row["outcome"]) for row in rows] == [
        ("start", "no_match"),
        ("code", "wrong_code"),
        ("start", "code_sent"),
        ("code", "wrong_code"),
        ("code", "verified"),
        ("code", "expired"),
        ("start", "code_sent"),
        ("start", "refused"),
    ]
    assert {row["user"] for row in rows} == {citizen.pk}
    assert {row["client_address"] for row in rows} == {"10.0.0.5"}
    assert {row["subject_hash"] for row in rows} == {subject_hash(CITIZEN1.rrn), ""}
    assert all(row["created_at"] for row in rows)
    _start(_client(address="10.0.0.6"), "홍길동", CITIZEN2.rrn)  # a challenge left waiting
    stored = json.dumps(
        [*IdentityAttempt.objects.values(), *IdentityChallenge.objects.values()], default=str, ensure_ascii=False
    )
    logged = "\n".join(record.getMessage() for record in caplog.records) + capsys.readouterr().out
    for secret in (CITIZEN1.rrn, CITIZEN1.rrn.replace("-", ""), CITIZEN2.rrn, CITIZEN1.name, "홍길동"):
        assert secret not in stored
        assert secret not in logged


def test_administrators_read_the_attempts_and_cannot_change_them(outbox, admin_client_verified):
    _start(_client(address="10.0.0.5"), "홍길동", CITIZEN1.rrn)
    attempt = IdentityAttempt.objects.get()
    changelist = reverse("admin:petitions_identityattempt_changelist")
    page = admin_client_verified.get(changelist)
    assert page.status_code == 200 and "10.0.0.5" in page.content.decode()
    change = reverse("admin:petitions_identityattempt_change", args=[attempt.pk])
    assert admin_client_verified.get(change).status_code == 200
    assert admin_client_verified.post(change, {"outcome": "verified"}).status_code == 403
    assert admin_client_verified.get(reverse("admin:petitions_identityattempt_add")).status_code == 403
    delete = reverse("admin:petitions_identityattempt_delete", args=[attempt.pk])
    assert admin_client_verified.post(delete, {"post": "yes"}).status_code == 403
    assert IdentityAttempt.objects.get().outcome == Outcome.NO_MATCH


# --- The limit holds under concurrency ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_concurrent_attempts_on_one_number_cannot_pass_the_limit(settings, monkeypatch):
    settings.IDENTITY_ATTEMPT_LIMIT = 3
    monkeypatch.setattr(sandbox_identity, "sandbox_register_lookup", {}.get)
    identity.get_provider.cache_clear()
    users = [CitizenFactory() for _ in range(10)]
    outcomes: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(users))

    def attempt(index, user):
        try:
            barrier.wait(timeout=10)
            try:
                identity.identity_verification_start(
                    user=user, name="홍길동", rrn=CITIZEN1.rrn, ip_address=f"10.0.2.{index}"
                )
                outcomes.append("accepted")
            except identity.IdentityAttemptsExceeded:
                outcomes.append("refused")
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=pair) for pair in enumerate(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    identity.get_provider.cache_clear()
    assert not errors
    assert sorted(outcomes) == ["accepted"] * 3 + ["refused"] * 7
    with transaction.atomic():
        assert IdentityAttempt.objects.exclude(outcome=Outcome.REFUSED).count() == 3


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_concurrent_wrong_codes_on_one_number_cannot_pass_the_limit(settings, monkeypatch):
    settings.IDENTITY_CODE_GUESS_LIMIT = 3
    settings.IDENTITY_ATTEMPT_LIMIT = 100
    monkeypatch.setattr(sandbox_identity, "sandbox_register_lookup", {}.get)
    identity.get_provider.cache_clear()
    users = [CitizenFactory() for _ in range(8)]
    for index, user in enumerate(users):
        identity.identity_verification_start(user=user, name="홍길동", rrn=CITIZEN1.rrn, ip_address=f"10.0.3.{index}")
    outcomes: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(users))

    def guess(user):
        try:
            barrier.wait(timeout=10)
            try:
                identity.identity_verification_confirm(user=user, code="123456")
            except identity.IdentityAttemptsExceeded:
                outcomes.append("refused")
            except identity.IdentityError:
                outcomes.append("wrong")
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=guess, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    identity.get_provider.cache_clear()
    assert not errors
    assert sorted(outcomes) == ["refused"] * 5 + ["wrong"] * 3

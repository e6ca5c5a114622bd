"""Fetch orchestration against an agency over real HTTP (the fake agency of fake_agency.py)."""

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from sharing import circuit, crypto, services
from sharing.errors import (
    FetchedDataDeleted,
    FieldsNotInItem,
    NotFetchedYet,
    RetryNotAllowed,
    RevealReasonRequired,
    UnknownItem,
)
from sharing.models import AccessLogEntry, Agency, FetchedData, FetchRequest
from sharing.signals import case_fetches_settled
from sharing.types import FetchSpec
from tests.factories import OfficialFactory
from tests.sharing.factories import permitted

from .factories import FetchRequestFactory

RRN = "900101-1234567"
State = FetchRequest.State
pytestmark = pytest.mark.django_db


def _spec(fields=("name", "rrn", "address"), item_code="resident_abstract"):
    return FetchSpec(
        item_code=item_code, fields=list(fields), purpose_code="P-PENSION", subject_kind="person", subject_id=RRN
    )


@pytest.fixture
def fetch(item, office, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        [fetch_request] = services.fetch_requests_create(
            case_ref="2026-0000001", office=office, items=permitted(office, [_spec()])
        )
    assert queued == [(fetch_request.pk, "fake", 0.0)]
    queued.clear()
    return fetch_request


def _run(fetch_request, capture):
    with capture(execute=True):
        outcome = services.fetch_execute(fetch_request_id=fetch_request.pk)
    fetch_request.refresh_from_db()
    return outcome


def _raw_rows(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")
        return repr(cursor.fetchall())


def test_fetch_stores_only_requested_fields_encrypted_with_provenance_and_logs(
    fetch, fake_agency, django_capture_on_commit_callbacks
):
    fake_agency.values = {"name": "김민원", "rrn": RRN, "address": "서울특별시 종로구 삼봉로 43"}
    settled = []
    case_fetches_settled.connect(
        lambda sender, case_ref, **kw: settled.append(case_ref), weak=False, dispatch_uid="test-settled"
    )
    try:
        assert _run(fetch, django_capture_on_commit_callbacks) == "fetched"
    finally:
        case_fetches_settled.disconnect(dispatch_uid="test-settled")
    assert fetch.state == State.FETCHED and fetch.fetched_at and not fetch.is_pending
    assert settled == ["2026-0000001"]
    data = FetchedData.objects.get(fetch_request=fetch)
    assert data.agency.code == "fake" and data.txn_id == fetch.txn_id and data.fields == ["name", "rrn", "address"]
    assert fake_agency.requests[-1]["fields"] == ["name", "rrn", "address"]

    # The raw rows hold no personal value: neither the RRN nor the fetched name and address.
    for table in ("sharing_fetcheddata", "sharing_fetchrequest", "sharing_accesslogentry"):
        raw = _raw_rows(table)
        for value in (RRN, RRN.replace("-", ""), "900101", "김민원", "삼봉로"):
            assert value not in raw, (table, value)

    [entry] = AccessLogEntry.objects.all()
    assert entry.action == "fetched" and entry.actor is None and entry.office == fetch.office
    assert entry.subject_hash == crypto.subject_hash(RRN) and entry.case_ref == "2026-0000001"
    assert entry.fields == ["name", "rrn", "address"] and entry.item_code == "resident_abstract"


def test_create_is_idempotent_per_case_and_item(fetch, office, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        again = services.fetch_requests_create(
            case_ref="2026-0000001", office=office, items=permitted(office, [_spec()])
        )
    assert [fr.pk for fr in again] == [fetch.pk]
    assert queued == []
    assert FetchRequest.objects.count() == 1


def test_create_validates_items_and_fields(item, office, queued):
    with pytest.raises(UnknownItem):
        services.fetch_requests_create(
            case_ref="2026-0000002", office=office, items=permitted(office, [_spec(item_code="nope")])
        )
    with pytest.raises(FieldsNotInItem):
        services.fetch_requests_create(
            case_ref="2026-0000002", office=office, items=permitted(office, [_spec(fields=["salary"])])
        )
    with pytest.raises(FieldsNotInItem):
        services.fetch_requests_create(
            case_ref="2026-0000002", office=office, items=permitted(office, [_spec(fields=[])])
        )
    assert not FetchRequest.objects.exists()


def test_double_task_fetches_once(fetch, fake_agency, django_capture_on_commit_callbacks):
    assert _run(fetch, django_capture_on_commit_callbacks) == "fetched"
    assert _run(fetch, django_capture_on_commit_callbacks) == "done"
    assert len(fake_agency.requests) == 1
    assert FetchedData.objects.count() == 1 and AccessLogEntry.objects.count() == 1


def test_a_task_arriving_while_another_fetches_does_nothing(fetch, fake_agency):
    FetchRequest.objects.filter(pk=fetch.pk).update(state=State.FETCHING)
    assert services.fetch_execute(fetch_request_id=fetch.pk) == "busy"
    assert fake_agency.requests == []


def test_refused_outside_the_grant_with_the_reason(fetch, fake_agency, django_capture_on_commit_callbacks):
    fake_agency.script("not_granted")
    assert _run(fetch, django_capture_on_commit_callbacks) == "refused"
    assert fetch.state == State.REFUSED and fetch.error_code == "not_granted"
    with translation.override("en"):
        assert "may not ask" in fetch.error_message and "refused" in fetch.error_message
    assert not FetchedData.objects.exists() and not AccessLogEntry.objects.exists()


def test_retry_then_success(fetch, fake_agency, queued, django_capture_on_commit_callbacks):
    fake_agency.script("status:500:internal", "close")
    assert _run(fetch, django_capture_on_commit_callbacks) == "retrying"
    assert fetch.state == State.RETRYING and fetch.error_code == "agency_error" and fetch.next_attempt_at
    [(pk, agency_code, countdown)] = queued
    assert pk == fetch.pk and 0 <= countdown <= 1.0  # full jitter under base * 2^0
    fetch.next_attempt_at = None  # the scheduled time has come
    fetch.save()
    assert _run(fetch, django_capture_on_commit_callbacks) == "retrying"
    assert fetch.error_code == "connection_error" and 0 <= queued[-1][2] <= 2.0
    FetchRequest.objects.filter(pk=fetch.pk).update(next_attempt_at=None)
    assert _run(fetch, django_capture_on_commit_callbacks) == "fetched"
    assert fetch.attempts == 3 and fetch.error_code == ""


def test_retry_then_failure_after_max_attempts(fetch, fake_agency, queued, django_capture_on_commit_callbacks):
    fake_agency.default = "status:503:unavailable"
    outcomes = []
    for _ in range(fetch.item.agency.max_attempts):
        FetchRequest.objects.filter(pk=fetch.pk).update(next_attempt_at=None)
        outcomes.append(_run(fetch, django_capture_on_commit_callbacks))
    assert outcomes == ["retrying", "retrying", "failed"]
    assert fetch.state == State.FAILED and fetch.error_code == "unavailable" and len(queued) == 2
    with translation.override("en"):
        assert fetch.error_message == "The agency is down for maintenance."


def test_a_duplicate_delivery_before_the_scheduled_time_waits(fetch, fake_agency, django_capture_on_commit_callbacks):
    fake_agency.script("status:500:internal")
    fetch.item.agency.backoff_base_seconds = 100
    fetch.item.agency.save()
    FetchRequest.objects.filter(pk=fetch.pk).update(attempts=1)  # backoff ceiling 100 * 2
    _run(fetch, django_capture_on_commit_callbacks)
    from datetime import timedelta

    from django.utils import timezone

    FetchRequest.objects.filter(pk=fetch.pk).update(next_attempt_at=timezone.now() + timedelta(seconds=60))
    assert services.fetch_execute(fetch_request_id=fetch.pk) == "early"


@pytest.mark.parametrize("behaviour", ["tampered", "malformed_body", "undecryptable", "wrong_txn", "extra_field"])
def test_rejected_answers_fail_and_store_nothing(
    fetch, fake_agency, queued, behaviour, django_capture_on_commit_callbacks
):
    fake_agency.script(behaviour)
    assert _run(fetch, django_capture_on_commit_callbacks) == "failed"
    assert fetch.state == State.FAILED and fetch.error_code != "" and queued == []
    assert not FetchedData.objects.exists() and not AccessLogEntry.objects.exists()
    assert circuit.state(fetch.item.agency) == "closed"


def test_circuit_opens_holds_fetches_half_opens_and_closes(
    item, office, fake_agency, queued, monkeypatch, django_capture_on_commit_callbacks
):
    now = [1_000_000.0]
    monkeypatch.setattr(circuit, "clock", lambda: now[0])
    agency = item.agency  # threshold 3, reset 30 s, max attempts 3
    with django_capture_on_commit_callbacks(execute=True):
        fetches = [
            services.fetch_requests_create(
                case_ref=f"2026-000001{n}", office=office, items=permitted(office, [_spec()])
            )[0]
            for n in range(5)
        ]
    fake_agency.default = "status:500:internal"
    for fetch_request in fetches[:3]:
        assert _run(fetch_request, django_capture_on_commit_callbacks) == "retrying"
    assert circuit.state(agency) == "open"

    # While open, a fetch is held back without asking the agency.
    asked = len(fake_agency.requests)
    assert _run(fetches[3], django_capture_on_commit_callbacks) == "held"
    assert fetches[3].state == State.AGENCY_UNAVAILABLE and fetches[3].error_code == "circuit_open"
    assert fetches[3].attempts == 0 and len(fake_agency.requests) == asked
    assert 29 <= queued[-1][2] <= 32  # scheduled when the circuit half-opens

    # Half-open: one probe goes through; it fails, so the circuit opens again.
    now[0] += 31
    assert circuit.state(agency) == "half_open"
    FetchRequest.objects.filter(pk=fetches[3].pk).update(next_attempt_at=None)
    assert _run(fetches[3], django_capture_on_commit_callbacks) == "retrying"
    assert circuit.state(agency) == "open"

    # Later the agency recovers: the probe succeeds and the circuit closes.
    now[0] += 31
    fake_agency.default = "ok"
    FetchRequest.objects.filter(pk=fetches[4].pk).update(next_attempt_at=None)
    assert _run(fetches[4], django_capture_on_commit_callbacks) == "fetched"
    assert circuit.state(agency) == "closed"
    FetchRequest.objects.filter(pk=fetches[0].pk).update(next_attempt_at=None)
    assert _run(fetches[0], django_capture_on_commit_callbacks) == "fetched"


def test_only_one_probe_at_a_time_when_half_open(item, monkeypatch):
    now = [2_000_000.0]
    monkeypatch.setattr(circuit, "clock", lambda: now[0])
    agency = item.agency
    for _ in range(agency.circuit_failure_threshold):
        circuit.record_failure(agency)
    assert not circuit.allow(agency).allowed
    now[0] += agency.circuit_reset_seconds
    first, second = circuit.allow(agency), circuit.allow(agency)
    assert first.allowed and first.probe and not second.allowed
    circuit.record_success(agency)
    assert circuit.allow(agency).allowed and circuit.state(agency) == "closed"


def test_disabled_agency_holds_fetches(fetch, fake_agency, django_capture_on_commit_callbacks):
    fetch.item.agency.enabled = False
    fetch.item.agency.save()
    assert _run(fetch, django_capture_on_commit_callbacks) == "held"
    assert fetch.error_code == "agency_disabled" and fake_agency.requests == []


def test_official_retry_fetches_again_as_the_official(
    fetch, fake_agency, official, queued, django_capture_on_commit_callbacks
):
    fake_agency.script("not_granted")
    _run(fetch, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.fetch_request_retry(fetch_request=fetch, actor=official)
    assert queued == [(fetch.pk, "fake", 0.0)]
    fetch.refresh_from_db()
    assert fetch.state == State.WAITING and fetch.attempts == 0 and fetch.error_code == ""
    assert _run(fetch, django_capture_on_commit_callbacks) == "fetched"
    assert fake_agency.requests[-1]["requester"] == {"kind": "official", "id": official.staff_number}
    entry = AccessLogEntry.objects.get()
    assert entry.actor == official
    with pytest.raises(RetryNotAllowed):
        FetchRequest.objects.filter(pk=fetch.pk).update(state=State.FETCHING)
        services.fetch_request_retry(fetch_request=fetch, actor=official)


def test_official_of_another_office_may_not_retry(fetch, other_official):
    with pytest.raises(PermissionDenied):
        services.fetch_request_retry(fetch_request=fetch, actor=other_official)


def test_personal_data_read_masks_rrn_logs_each_read_and_reveals_with_a_reason(
    fetch, fake_agency, official, office, other_office, django_capture_on_commit_callbacks
):
    fake_agency.values = {"name": "김민원", "rrn": RRN, "address": "서울특별시 종로구"}
    _run(fetch, django_capture_on_commit_callbacks)
    values = services.personal_data_read(
        fetch_request=fetch, actor=official, office=office, purpose="P-PENSION", ip_address="192.0.2.1"
    )
    assert values == {"name": "김민원", "rrn": "900101-1******", "address": "서울특별시 종로구"}
    viewed = AccessLogEntry.objects.order_by("-sequence").first()
    assert viewed.action == "viewed" and viewed.actor == official and viewed.ip_address == "192.0.2.1"

    with pytest.raises(RevealReasonRequired):
        services.personal_data_read(
            fetch_request=fetch,
            actor=official,
            office=office,
            purpose="P-PENSION",
            ip_address=None,
            reveal_fields=["rrn"],
        )
    values = services.personal_data_read(
        fetch_request=fetch,
        actor=official,
        office=office,
        purpose="P-PENSION",
        ip_address=None,
        reveal_fields=["rrn"],
        reason="identity check",
    )
    assert values["rrn"] == RRN
    revealed = AccessLogEntry.objects.order_by("-sequence").first()
    assert revealed.action == "revealed" and "identity check" in revealed.detail
    assert AccessLogEntry.objects.count() == 3

    with pytest.raises(PermissionDenied):
        services.personal_data_read(
            fetch_request=fetch, actor=official, office=other_office, purpose="P-PENSION", ip_address=None
        )
    assert AccessLogEntry.objects.count() == 3


def test_personal_data_read_refuses_what_is_not_fetched(fetch, official, office):
    with pytest.raises(NotFetchedYet):
        services.personal_data_read(fetch_request=fetch, actor=official, office=office, purpose="x", ip_address=None)


def test_settled_signal_waits_for_every_item(item, office, fake_agency, queued, django_capture_on_commit_callbacks):
    from tests.sharing.factories import ItemFieldFactory, permitted

    second_item = ItemFieldFactory(item__code="local_tax_certificate", item__agency=item.agency, key="name").item
    with django_capture_on_commit_callbacks(execute=True):
        first, second = services.fetch_requests_create(
            case_ref="2026-0000009",
            office=office,
            items=permitted(office, [_spec(), _spec(fields=["name"], item_code=second_item.code)]),
        )
    settled = []
    case_fetches_settled.connect(
        lambda sender, case_ref, **kw: settled.append(case_ref), weak=False, dispatch_uid="test-settled-2"
    )
    try:
        fake_agency.script("not_granted")
        _run(first, django_capture_on_commit_callbacks)
        assert settled == []
        _run(second, django_capture_on_commit_callbacks)
        assert settled == ["2026-0000009"]
    finally:
        case_fetches_settled.disconnect(dispatch_uid="test-settled-2")


def test_reencrypt_command_moves_data_to_the_newest_key(
    fetch, fake_agency, settings, official, office, django_capture_on_commit_callbacks
):
    import os

    from django.core.management import call_command

    fake_agency.values = {"name": "김민원", "rrn": RRN, "address": "주소"}
    old_key, new_key = os.urandom(32), os.urandom(32)
    settings.FIELD_ENCRYPTION_KEYS = [old_key]
    FetchRequest.objects.filter(pk=fetch.pk).update(subject_encrypted=crypto.encrypt_text(RRN))
    _run(fetch, django_capture_on_commit_callbacks)
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("reencrypt_fetched_data")
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    fetch.refresh_from_db()
    assert crypto.decrypt_text(fetch.subject_encrypted) == RRN
    data = FetchedData.objects.get()
    assert json.loads(crypto.decrypt_text(data.payload_encrypted))["name"] == "김민원"


def test_requeue_command_queues_stalled_fetches_only(fetch, item, office, queued, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    with django_capture_on_commit_callbacks(execute=True):
        [recent] = services.fetch_requests_create(
            case_ref="2026-0000077", office=office, items=permitted(office, [_spec()])
        )
    queued.clear()
    long_ago = timezone.now() - timedelta(hours=1)
    FetchRequest.objects.filter(pk=fetch.pk).update(updated_at=long_ago)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("requeue_fetches")
    assert [pk for pk, *_ in queued] == [fetch.pk]  # not the recent one
    FetchRequest.objects.filter(pk=fetch.pk).update(state=State.FETCHED, updated_at=long_ago)
    queued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("requeue_fetches")
    assert queued == []
    assert recent.pk != fetch.pk


def test_the_recovery_sweep_queues_a_lost_fetch_once_per_period(
    fetch, queued, django_capture_on_commit_callbacks, settings
):
    """A worker killed with the fetch's task: beat's sweep queues it again, and while that task
    waits the next sweeps leave it alone; a fetch left "fetching" is queued but not touched."""
    from datetime import timedelta

    from django.utils import timezone

    from sharing.tasks import fetch_requests_recover

    settings.FETCH_STALLED_AFTER_SECONDS = 120
    three_minutes_ago = timezone.now() - timedelta(minutes=3)
    FetchRequest.objects.filter(pk=fetch.pk).update(updated_at=three_minutes_ago)
    queued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert fetch_requests_recover.apply().get() == 1
    assert [pk for pk, *_ in queued] == [fetch.pk]
    fetch.refresh_from_db()
    assert fetch.updated_at > three_minutes_ago and fetch.state == State.WAITING
    with django_capture_on_commit_callbacks(execute=True):
        assert fetch_requests_recover.apply().get() == 0  # its new task is on its way
    FetchRequest.objects.filter(pk=fetch.pk).update(state=State.FETCHING, updated_at=three_minutes_ago)
    with django_capture_on_commit_callbacks(execute=True):
        assert fetch_requests_recover.apply().get() == 1
    fetch.refresh_from_db()
    assert fetch.updated_at == three_minutes_ago  # the claim judges how long it has been fetching


def test_the_recovery_sweeps_are_scheduled_every_minute(settings):
    tasks = {entry["task"]: entry for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for name in (
        "sharing.tasks.fetch_requests_recover",
        "sharing.documents.tasks.document_requests_recover",
        "petitions.tasks.petitions_resume_collecting",
    ):
        assert tasks[name]["schedule"] == 60.0 and tasks[name]["options"]["queue"] == "default"


def test_a_request_that_cannot_be_built_fails_with_its_reason_instead_of_staying_fetching(
    fetch, queued, django_capture_on_commit_callbacks, monkeypatch
):
    """A subject no key decrypts (a key removed too early): the fetch ends "failed" with a reason
    the official can read, asks nothing, records no exchange, and can be fetched again later."""
    from sharing.errors import error_message
    from sharing.tracker.models import Exchange

    FetchRequest.objects.filter(pk=fetch.pk).update(subject_encrypted="not-a-ciphertext")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.fetch_execute(fetch_request_id=fetch.pk) == "failed"
    fetch.refresh_from_db()
    assert (fetch.state, fetch.error_code) == (State.FAILED, "request_not_built")
    with translation.override("en"):
        assert "nothing was asked" in error_message(fetch.error_code)
    with translation.override("ko"):
        assert "아무것도 요청하지 않았습니다" in error_message(fetch.error_code)
    assert not FetchedData.objects.exists() and not Exchange.objects.exists()


def test_the_fetch_in_hand_comes_with_item_agency_office_and_requester_in_one_query():
    with_requester = FetchRequestFactory(requested_by=OfficialFactory(staff_number="S-7"))
    without = FetchRequestFactory()
    jwks = Agency.objects.get(pk=with_requester.item.agency_id).public_jwks
    with CaptureQueriesContext(connection) as queries:
        in_hand = services._fetch_request_in_hand(with_requester.pk)
        assert in_hand.item.agency.code == with_requester.item.agency.code
        assert in_hand.item.agency.public_jwks == jwks
        assert in_hand.office.code == with_requester.office.code
        assert in_hand.requested_by.staff_number == "S-7"
    assert len(queries) == 1
    assert services._fetch_request_in_hand(without.pk).requested_by is None
    assert services._fetch_request_in_hand(10**9) is None


def _read(fetch, official, office, **extra):
    values = services.personal_data_read(
        fetch_request=fetch, actor=official, office=office, purpose="P-PENSION", ip_address="192.0.2.1", **extra
    )
    return values, AccessLogEntry.objects.order_by("-sequence").first()


def test_each_read_is_logged_with_its_case_item_fields_purpose_and_reason_exactly(
    fetch, fake_agency, official, office, django_capture_on_commit_callbacks
):
    fake_agency.values = {"name": "김민원", "rrn": RRN, "address": "서울특별시 종로구"}
    _run(fetch, django_capture_on_commit_callbacks)
    values, viewed = _read(fetch, official, office)
    assert list(values) == ["name", "rrn", "address"]
    assert (viewed.action, viewed.case_ref, viewed.item_code, viewed.fields, viewed.purpose, viewed.detail) == (
        "viewed",
        "2026-0000001",
        "resident_abstract",
        ["name", "rrn", "address"],
        "P-PENSION",
        "",
    )
    assert viewed.subject_hash == crypto.subject_hash(RRN) and viewed.office == office

    values, revealed = _read(fetch, official, office, reveal_fields=["name", "rrn"], reason="  identity check  ")
    assert values == {"name": "김민원", "rrn": RRN, "address": "서울특별시 종로구"}
    assert (revealed.action, revealed.detail) == ("revealed", "revealed rrn: identity check")

    # Naming a field that is not masked reveals nothing: no reason needed, the RRN stays masked.
    values, viewed_again = _read(fetch, official, office, reveal_fields=["name"])
    assert values["rrn"] == "900101-1******"
    assert (viewed_again.action, viewed_again.detail) == ("viewed", "")


def test_the_refusals_of_a_read_say_why_and_log_nothing(
    fetch, fake_agency, official, office, django_capture_on_commit_callbacks
):
    with translation.override("en"):
        with pytest.raises(NotFetchedYet, match=r"^This item has not been fetched yet\.$"):
            _read(fetch, official, office)
        fake_agency.values = {"name": "김민원", "rrn": RRN, "address": "서울특별시 종로구"}
        _run(fetch, django_capture_on_commit_callbacks)
        logged = AccessLogEntry.objects.count()
        with pytest.raises(RevealReasonRequired, match=r"^Give the reason for revealing the masked value\.$"):
            _read(fetch, official, office, reveal_fields=["rrn"], reason="   ")
        FetchedData.objects.filter(fetch_request=fetch).delete()
        with pytest.raises(FetchedDataDeleted, match=r"^This information was deleted after the retention period\.$"):
            _read(fetch, official, office)
        assert AccessLogEntry.objects.count() == logged


def test_a_read_of_a_record_about_several_people_is_logged_under_each_of_them(
    fetch, fake_agency, official, office, django_capture_on_commit_callbacks
):
    fake_agency.values = {"name": "김민원", "rrn": RRN, "address": "서울특별시 종로구"}
    _run(fetch, django_capture_on_commit_callbacks)
    other = crypto.subject_hash("850505-2345678")
    FetchedData.objects.filter(fetch_request=fetch).update(person_hashes=[other])
    before = AccessLogEntry.objects.count()
    _read(fetch, official, office)
    logged = list(AccessLogEntry.objects.order_by("sequence")[before:])
    assert [e.subject_hash for e in logged] == [crypto.subject_hash(RRN), other]
    assert {e.action for e in logged} == {"viewed"}

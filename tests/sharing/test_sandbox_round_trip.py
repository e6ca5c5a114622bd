"""The portal's client against the sandbox agencies over real HTTP (pytest-django live_server)."""

from __future__ import annotations

import dataclasses
import time
import uuid

import pytest
from django.core.cache import cache
from django.db import connection

from sharing import circuit, crypto, services
from sharing.demo_catalogue import ITEMS
from sharing.hub.selectors import use_for_fetch
from sharing.models import AccessLogEntry, Agency, FetchedData, FetchRequest
from sharing.providers import ProviderRequest, registry
from sharing.providers import errors as provider_errors
from sharing.types import FetchSpec
from tests.factories import OfficeFactory
from tests.sharing.factories import ItemFieldFactory, permitted

State = FetchRequest.State
SUBJECT_KEYS = {
    "person": "rrn",
    "parcel": "pnu",
    "building": "building_id",
    "vehicle": "plate",
    "business": "business_number",
}


@pytest.fixture
def jongno(sandbox_agencies):
    return OfficeFactory(code="jongno", name_ko="종로구청", name_en="Jongno-gu Office")


@pytest.fixture
def fast_agencies(sandbox_agencies):
    """Short timeouts and back-off so that fault tests finish quickly."""
    Agency.objects.update(
        timeout_seconds=1.0,
        backoff_base_seconds=0.01,
        backoff_cap_seconds=0.02,
        max_attempts=3,
        circuit_failure_threshold=3,
        circuit_reset_seconds=30,
    )
    yield
    for agency in Agency.objects.all():
        circuit.reset(agency)


def _spec(item: dict, person: dict, fields=None, purpose=None) -> FetchSpec:
    return FetchSpec(
        item_code=item["code"],
        fields=fields or [f["key"] for f in item["fields"]],
        purpose_code=purpose or item["purposes"][0],
        subject_kind=item["subject_kind"],
        subject_id=person[SUBJECT_KEYS[item["subject_kind"]]],
    )


def _item(code: str) -> dict:
    return next(item for item in ITEMS if item["code"] == code)


def _fetch(case_ref, office, spec) -> FetchRequest:
    [fetch_request] = services.fetch_requests_create(case_ref=case_ref, office=office, items=permitted(office, [spec]))
    return fetch_request


def _attempt(fetch_request) -> str:
    FetchRequest.objects.filter(pk=fetch_request.pk).update(next_attempt_at=None)
    outcome = services.fetch_execute(fetch_request_id=fetch_request.pk)
    fetch_request.refresh_from_db()
    return outcome


@pytest.mark.parametrize("item", ITEMS, ids=[item["code"] for item in ITEMS])
def test_round_trip_per_item(sandbox_agencies, jongno, queued, item):
    """Every item of the catalogue comes back with exactly its requested fields, for some demo person."""
    outcomes = []
    for n, person in enumerate(sandbox_agencies.people):
        if person[SUBJECT_KEYS[item["subject_kind"]]] is None:
            continue  # e.g. the first demo citizen runs no business
        fetch_request = _fetch(f"2026-10{n:05d}", jongno, _spec(item, person))
        outcomes.append((_attempt(fetch_request), fetch_request.error_code))
        if fetch_request.state == State.FETCHED:
            break
    assert fetch_request.state == State.FETCHED, outcomes
    data = FetchedData.objects.get(fetch_request=fetch_request)
    assert data.fields == [f["key"] for f in item["fields"]]
    assert data.agency.code == item["agency"] and data.txn_id == fetch_request.txn_id
    values = services.personal_data_read(
        fetch_request=fetch_request, actor=None, office=jongno, purpose=item["purposes"][0], ip_address=None
    )
    assert list(values) == data.fields
    # One entry under the subject, and one under each person the record is about: the owner of a
    # parcel, a building or a vehicle is told (the demo person owns theirs; a zoning is nobody's).
    owners = [] if item["code"] == "land_use_plan" else [crypto.subject_hash(person["rrn"])]
    assert data.person_hashes == (owners if item["subject_kind"] != "person" else [fetch_request.subject_hash])
    for action in ("fetched", "viewed"):
        logged = AccessLogEntry.objects.filter(case_ref=fetch_request.case_ref, action=action)
        assert sorted(logged.values_list("subject_hash", flat=True)) == sorted(
            {fetch_request.subject_hash, *data.person_hashes}
        ), action


def test_raw_rows_hold_no_personal_value(sandbox_agencies, jongno, queued):
    person = sandbox_agencies.people[0]
    fetch_request = _fetch(
        "2026-2000001", jongno, _spec(_item("resident_abstract"), person, fields=["name", "rrn", "address"])
    )
    assert _attempt(fetch_request) == "fetched"
    values = services.personal_data_read(
        fetch_request=fetch_request,
        actor=None,
        office=jongno,
        purpose="P-PENSION",
        ip_address=None,
        reveal_fields=["rrn"],
        reason="t",
    )
    assert values["rrn"] == person["rrn"]
    secrets = [person["rrn"], person["rrn"].replace("-", ""), person["name"], values["address"]]
    for table in ("sharing_fetchrequest", "sharing_fetcheddata", "sharing_accesslogentry"):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {table}")
            raw = repr(cursor.fetchall())
        for secret in secrets:
            assert secret not in raw, (table, "a personal value is stored in clear")


def test_request_under_a_use_the_agency_does_not_hold_is_refused_with_the_reason(sandbox_agencies, queued):
    # The portal holds an approved use the owning agency never received: the agency refuses.
    outsider = OfficeFactory(code="outsider", name_ko="허가되지 않은 기관", name_en="Not granted")
    with sandbox_agencies.uses_not_pushed():
        fetch_request = _fetch("2026-2000002", outsider, _spec(_item("resident_abstract"), sandbox_agencies.people[0]))
    assert _attempt(fetch_request) == "refused"
    assert fetch_request.state == State.REFUSED and fetch_request.error_code == "not_approved"
    assert fetch_request.error_detail  # the agency's reason, shown with the state
    assert not FetchedData.objects.exists()


def test_fields_outside_what_the_agency_approved_are_refused(sandbox_agencies, jongno, queued):
    # The agency approved "name" only; the portal's copy of the use says more (say, a stale or
    # tampered copy): the agency answers by its own record and refuses.
    spec = _spec(_item("resident_copy"), sandbox_agencies.people[0], fields=["name"], purpose="P-LAND-DEAL")
    fetch_request = _fetch("2026-2000003", jongno, spec)
    use = fetch_request.approved_use
    with sandbox_agencies.uses_not_pushed():
        ItemFieldFactory(item=use.item, key="address")
        use.fields = [*use.fields, "address"]
        use.save(update_fields=["fields"])
    cache.clear()
    FetchRequest.objects.filter(pk=fetch_request.pk).update(fields=["name", "address"])
    assert _attempt(fetch_request) == "refused" and fetch_request.error_code == "not_approved"


def test_replay_is_refused_by_the_agency(sandbox_agencies, jongno, queued):
    fetch_request = _fetch("2026-2000004", jongno, _spec(_item("resident_abstract"), sandbox_agencies.people[0]))
    request = dataclasses.replace(
        services._provider_request(fetch_request, use_for_fetch(fetch_request.approved_use_id)),
        txn_id=str(uuid.uuid4()),
        timestamp=int(time.time()),
    )
    provider = registry["standard-http"]
    assert provider.fetch(request).fields["name"]
    with pytest.raises(provider_errors.RequestRejected) as excinfo:
        provider.fetch(request)
    assert excinfo.value.code == "replayed_txn" and excinfo.value.status == 409
    stale = ProviderRequest(**{**request.__dict__, "txn_id": str(uuid.uuid4()), "timestamp": int(time.time()) - 3600})
    with pytest.raises(provider_errors.RequestRejected) as excinfo:
        provider.fetch(stale)
    assert excinfo.value.code == "stale_timestamp"


def test_error_fault_retry_then_success(sandbox_agencies, jongno, queued, fast_agencies):
    sandbox_agencies.set_faults("mois", error_rate=1.0)
    fetch_request = _fetch("2026-2000005", jongno, _spec(_item("resident_abstract"), sandbox_agencies.people[0]))
    assert _attempt(fetch_request) == "retrying"
    assert fetch_request.error_code == "unavailable" and fetch_request.next_attempt_at is not None
    sandbox_agencies.set_faults("mois", error_rate=0.0)
    assert _attempt(fetch_request) == "fetched" and fetch_request.attempts == 2


@pytest.mark.parametrize(
    ("faults", "code"),
    [
        ({"error_rate": 1.0}, "unavailable"),
        ({"down": True}, "connection_error"),
        ({"timeout_rate": 1.0, "timeout_ms": 1500}, "timeout"),
    ],
)
def test_transient_fault_retry_then_failure(sandbox_agencies, jongno, queued, fast_agencies, faults, code):
    sandbox_agencies.set_faults("mois", **faults)
    fetch_request = _fetch("2026-2000006", jongno, _spec(_item("resident_abstract"), sandbox_agencies.people[0]))
    assert [_attempt(fetch_request) for _ in range(3)] == ["retrying", "retrying", "failed"]
    assert fetch_request.state == State.FAILED and fetch_request.error_code == code
    assert not FetchedData.objects.exists()


@pytest.mark.parametrize(
    ("faults", "code"), [({"tamper_signature": True}, "bad_signature"), ({"malformed": True}, "malformed_response")]
)
def test_tampered_and_malformed_answers_are_rejected_and_nothing_stored(
    sandbox_agencies, jongno, queued, fast_agencies, faults, code
):
    sandbox_agencies.set_faults("mois", **faults)
    fetch_request = _fetch("2026-2000007", jongno, _spec(_item("resident_abstract"), sandbox_agencies.people[0]))
    assert _attempt(fetch_request) == "failed"
    assert fetch_request.error_code == code
    assert not FetchedData.objects.exists() and not AccessLogEntry.objects.exists()


def test_circuit_opens_and_later_closes(sandbox_agencies, jongno, queued, fast_agencies, monkeypatch):
    now = [5_000_000.0]
    monkeypatch.setattr(circuit, "clock", lambda: now[0])
    agency = Agency.objects.get(code="mois")
    people = sandbox_agencies.people
    fetches = [_fetch(f"2026-30{n:05d}", jongno, _spec(_item("resident_abstract"), people[0])) for n in range(4)]
    sandbox_agencies.set_faults("mois", down=True)
    assert [_attempt(fr) for fr in fetches[:3]] == ["retrying"] * 3
    assert circuit.state(agency) == "open"
    assert _attempt(fetches[3]) == "held" and fetches[3].state == State.AGENCY_UNAVAILABLE
    sandbox_agencies.set_faults("mois", down=False)
    now[0] += 31  # the open period passes: one probe goes through and closes the circuit
    assert _attempt(fetches[3]) == "fetched"
    assert circuit.state(agency) == "closed"
    assert [_attempt(fr) for fr in fetches[:3]] == ["fetched"] * 3


def test_check_connection_against_the_sandbox(sandbox_agencies):
    for agency in Agency.objects.all():
        registry[agency.provider].check_config(agency)

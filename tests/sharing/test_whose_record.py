"""Whose a record is (issue 13, point 2): the agency's answer names the persons a record about a
vehicle, a parcel or a building is about; the portal keeps another person's record only on a basis
(else discards it unread and ends the fetch "not the applicant's"), and logs every access under
each person revealed, so that they find it in their own log."""

import json
import re

import pytest
from django.db import connection
from django.utils import translation

from sharing import crypto, services
from sharing.models import AccessLogEntry, FetchedData, FetchRequest
from sharing.types import FetchSpec
from tests.sharing.factories import ItemFieldFactory, permitted

APPLICANT = "900101-1234567"
OWNER = "850505-1111111"
PLATE = "12가3456"
State = FetchRequest.State
pytestmark = pytest.mark.django_db


@pytest.fixture
def vehicle_item(agency):
    for order, (key, sensitivity) in enumerate(
        [
            ("plate", "ordinary"),
            ("model_name", "ordinary"),
            ("owner_name", "personal"),
            ("owner_rrn", "unique_id"),
            ("registered_address", "personal"),
        ]
    ):
        field = ItemFieldFactory(
            item__code="vehicle_registration",
            item__agency=agency,
            item__subject_kind="vehicle",
            key=key,
            sensitivity=sensitivity,
            order=order,
        )
    return field.item


def _fetch(
    capture,
    *,
    fields=("plate", "model_name", "owner_name", "registered_address"),
    others_basis="",
    office,
    item_code="vehicle_registration",
    subject_kind="vehicle",
    subject_id=PLATE,
    applicant=APPLICANT,
):
    spec = FetchSpec(
        item_code=item_code,
        fields=list(fields),
        purpose_code="P-PARKING",
        subject_kind=subject_kind,
        subject_id=subject_id,
        applicant_hash=crypto.subject_hash(applicant) if applicant else "",
        others_basis=others_basis,
    )
    [fetch_request] = services.fetch_requests_create(
        case_ref="2026-0000100", office=office, items=permitted(office, [spec])
    )
    with capture(execute=True):
        outcome = services.fetch_execute(fetch_request_id=fetch_request.pk)
    fetch_request.refresh_from_db()
    return outcome, fetch_request


def _logged(action) -> list[str]:
    return list(
        AccessLogEntry.objects.filter(action=action).order_by("sequence").values_list("subject_hash", flat=True)
    )


def _raw(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")
        return repr(cursor.fetchall())


def test_the_applicants_own_vehicle_is_kept_and_logged_under_the_plate_and_the_owner(
    vehicle_item, fake_agency, office, queued, django_capture_on_commit_callbacks
):
    fake_agency.values = {"owner_name": "김민원"}
    fake_agency.persons = [APPLICANT]
    outcome, fetch = _fetch(django_capture_on_commit_callbacks, office=office)
    assert outcome == "fetched" and fetch.state == State.FETCHED
    data = FetchedData.objects.get(fetch_request=fetch)
    assert data.person_hashes == [crypto.subject_hash(APPLICANT)]
    assert _logged("fetched") == [crypto.subject_hash(PLATE), crypto.subject_hash(APPLICANT)]
    assert APPLICANT not in _raw("sharing_fetcheddata")  # hashes only, never the RRN

    services.personal_data_read(
        fetch_request=fetch, actor=None, office=office, purpose="P-PARKING", ip_address="127.0.0.1"
    )
    assert _logged("viewed") == [crypto.subject_hash(PLATE), crypto.subject_hash(APPLICANT)]


def test_another_persons_vehicle_is_discarded_unread_and_the_owner_is_told(
    vehicle_item, fake_agency, office, queued, django_capture_on_commit_callbacks
):
    fake_agency.values = {"owner_name": "박소유", "registered_address": "부산광역시 해운대구 우동 1"}
    fake_agency.persons = [OWNER]  # not among the requested fields: the agency says it anyway
    outcome, fetch = _fetch(django_capture_on_commit_callbacks, office=office, fields=("plate", "model_name"))
    assert outcome == "not_applicants"
    assert fetch.state == State.NOT_APPLICANTS and fetch.error_code == "not_applicants_record"
    assert not fetch.is_pending and fetch.fetched_at is None
    with translation.override("en"):
        assert "someone other than the applicant" in fetch.error_message
    with translation.override("ko"):
        assert "다른 사람의 것" in fetch.error_message
    assert not FetchedData.objects.exists()
    # The owner finds the access in their log; nobody read it.
    assert _logged("discarded") == [crypto.subject_hash(PLATE), crypto.subject_hash(OWNER)]
    assert not AccessLogEntry.objects.exclude(action="discarded").exists()
    for table in ("sharing_fetchrequest", "sharing_accesslogentry"):
        raw = _raw(table)
        assert "박소유" not in raw and OWNER not in raw and "해운대" not in raw
    # Nothing to read, for anyone.
    with pytest.raises(services.NotFetchedYet):
        services.personal_data_read(
            fetch_request=fetch, actor=None, office=office, purpose="P-PARKING", ip_address=None
        )


def test_another_persons_vehicle_is_kept_on_a_basis_and_every_read_is_logged_under_the_owner(
    vehicle_item, fake_agency, office, official, queued, django_capture_on_commit_callbacks
):
    fake_agency.values = {"owner_name": "박소유", "owner_rrn": OWNER}
    fake_agency.persons = [OWNER]
    outcome, fetch = _fetch(
        django_capture_on_commit_callbacks,
        office=office,
        fields=("plate", "owner_name", "owner_rrn"),
        others_basis="legal basis: 시험법 제1조",
    )
    assert outcome == "fetched"
    owner, plate = crypto.subject_hash(OWNER), crypto.subject_hash(PLATE)
    assert _logged("fetched") == [plate, owner]
    entry = AccessLogEntry.objects.get(action="fetched", subject_hash=owner)
    assert "another person's record, on the basis of: legal basis: 시험법 제1조" in entry.detail
    values = services.personal_data_read(
        fetch_request=fetch,
        actor=official,
        office=office,
        purpose="P-PARKING",
        ip_address=None,
        reveal_fields=["owner_rrn"],
        reason="본인 확인",
    )
    assert values["owner_rrn"] == OWNER
    assert _logged("revealed") == [plate, owner]
    assert AccessLogEntry.objects.get(action="revealed", subject_hash=owner).actor == official


def test_a_record_about_nobody_in_particular_is_kept(
    vehicle_item, fake_agency, office, queued, django_capture_on_commit_callbacks
):
    fake_agency.persons = []
    outcome, fetch = _fetch(django_capture_on_commit_callbacks, office=office, fields=("plate",))
    assert outcome == "fetched"
    assert FetchedData.objects.get(fetch_request=fetch).person_hashes == []
    assert _logged("fetched") == [crypto.subject_hash(PLATE)]


@pytest.mark.parametrize(
    "persons",
    [None, "850505-1111111", ["8505051111111"], [OWNER, OWNER], [12], ["850505-1111111; DROP"], [OWNER] * 101],
    ids=["missing", "not-a-list", "no-hyphen", "twice", "not-a-string", "junk", "too-many"],
)
def test_a_malformed_owner_list_is_a_malformed_answer(
    vehicle_item, fake_agency, office, queued, django_capture_on_commit_callbacks, persons
):
    fake_agency.values = {"owner_name": "박소유"}
    fake_agency.persons = persons
    outcome, fetch = _fetch(django_capture_on_commit_callbacks, office=office)
    assert outcome == "failed"
    assert fetch.state == State.FAILED and fetch.error_code == "malformed_response"
    assert not FetchedData.objects.exists() and not AccessLogEntry.objects.exists()


def test_a_person_answer_may_leave_the_owner_list_out(
    item, fake_agency, office, queued, django_capture_on_commit_callbacks
):
    outcome, fetch = _fetch(
        django_capture_on_commit_callbacks,
        office=office,
        item_code="resident_abstract",
        subject_kind="person",
        subject_id=APPLICANT,
        fields=("name",),
    )
    assert outcome == "fetched"
    assert FetchedData.objects.get(fetch_request=fetch).person_hashes == [crypto.subject_hash(APPLICANT)]
    assert _logged("fetched") == [crypto.subject_hash(APPLICANT)]  # one entry, as before


def test_another_persons_rrn_in_a_form_is_not_even_asked_for(
    item, fake_agency, office, queued, django_capture_on_commit_callbacks
):
    outcome, fetch = _fetch(
        django_capture_on_commit_callbacks,
        office=office,
        item_code="resident_abstract",
        subject_kind="person",
        subject_id=OWNER,
        fields=("name",),
    )
    assert outcome == "not_applicants" and fetch.state == State.NOT_APPLICANTS
    assert fake_agency.requests == []  # nothing was revealed: nothing to log either
    assert not FetchedData.objects.exists() and not AccessLogEntry.objects.exists()


def test_a_refetch_that_finds_another_owner_drops_the_earlier_answer(
    vehicle_item, fake_agency, office, official, queued, django_capture_on_commit_callbacks
):
    fake_agency.persons = [APPLICANT]
    _outcome, fetch = _fetch(django_capture_on_commit_callbacks, office=office)
    assert FetchedData.objects.filter(fetch_request=fetch).exists()
    fake_agency.persons = [OWNER]  # the vehicle was sold meanwhile
    services.fetch_request_retry(fetch_request=fetch, actor=official)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.fetch_execute(fetch_request_id=fetch.pk) == "not_applicants"
    assert not FetchedData.objects.filter(fetch_request=fetch).exists()
    assert json.dumps(_logged("discarded")) == json.dumps([crypto.subject_hash(PLATE), crypto.subject_hash(OWNER)])


def _statement(sql: str) -> str:
    """A statement as its verb and first table (the values differ from one fetch to the other), or
    as it starts when it names no table (PostgreSQL's advisory lock of the access log)."""
    found = re.match(r'(\w+).*?("\w+")', sql, re.S)
    return " ".join(found.groups()) if found else sql.split("(")[0].strip()


def test_the_owner_check_costs_one_insert_per_person_revealed_and_nothing_else(
    item, vehicle_item, fake_agency, office, queued, django_capture_on_commit_callbacks
):
    """Inside the fetch's own transaction: a person's fetch makes exactly the statements it made
    before (one log entry); a vehicle's adds one log INSERT for its owner, no other query."""
    from django.test.utils import CaptureQueriesContext

    def statements(**kwargs):
        spec = FetchSpec(purpose_code="P-PARKING", applicant_hash=crypto.subject_hash(APPLICANT), **kwargs)
        [fetch_request] = services.fetch_requests_create(
            case_ref=f"2026-{len(kwargs['item_code']):07d}", office=office, items=permitted(office, [spec])
        )
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
            assert services.fetch_execute(fetch_request_id=fetch_request.pk) == "fetched"
        return [
            _statement(query["sql"])
            for query in queries.captured_queries
            if not query["sql"].startswith(("SAVEPOINT", "RELEASE"))
        ]

    person = statements(item_code="resident_abstract", fields=["name"], subject_kind="person", subject_id=APPLICANT)
    assert person.count('INSERT "sharing_accesslogentry"') == 1
    fake_agency.persons = [APPLICANT]
    vehicle = statements(item_code="vehicle_registration", fields=["plate"], subject_kind="vehicle", subject_id=PLATE)
    extra = list(vehicle)
    for sql in person:
        extra.remove(sql)
    assert extra == ['INSERT "sharing_accesslogentry"']

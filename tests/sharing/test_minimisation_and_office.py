"""Field minimisation and the office check on reading fetched data, each held by several
independent assertions: what is asked of the agency, what is accepted from it, what is stored,
what is read back, and who may read it."""

import json

import pytest
from django.core.exceptions import PermissionDenied

from sharing import crypto, services
from sharing.errors import FieldsNotInItem
from sharing.models import AccessLogEntry, FetchedData, FetchRequest
from sharing.types import FetchSpec
from tests.factories import MembershipFactory, OfficialFactory
from tests.sharing.factories import permitted

RRN = "900101-1234567"
State = FetchRequest.State
pytestmark = pytest.mark.django_db


def _spec(fields, item_code="resident_abstract"):
    return FetchSpec(
        item_code=item_code, fields=list(fields), purpose_code="P-PENSION", subject_kind="person", subject_id=RRN
    )


def _create(office, fields, capture, case_ref="2026-0000001"):
    with capture(execute=True):
        [fetch_request] = services.fetch_requests_create(
            case_ref=case_ref, office=office, items=permitted(office, [_spec(fields)])
        )
    return fetch_request


def _run(fetch_request, capture):
    with capture(execute=True):
        outcome = services.fetch_execute(fetch_request_id=fetch_request.pk)
    fetch_request.refresh_from_db()
    return outcome


# --- What is asked ---------------------------------------------------------------------------------


def test_only_the_mapped_fields_are_asked_in_their_order(
    item, office, fake_agency, queued, django_capture_on_commit_callbacks
):
    fetch = _create(office, ["address", "name"], django_capture_on_commit_callbacks)
    assert fetch.fields == ["address", "name"]
    assert _run(fetch, django_capture_on_commit_callbacks) == "fetched"
    asked = fake_agency.requests[-1]
    assert asked["fields"] == ["address", "name"]
    assert "rrn" not in asked["fields"] and "move_in_date" not in asked["fields"]
    assert asked["item"] == "resident_abstract" and asked["office"] == office.code


def test_a_field_named_twice_is_asked_once(item, office, queued, django_capture_on_commit_callbacks):
    fetch = _create(office, ["name", "name", "address"], django_capture_on_commit_callbacks)
    assert fetch.fields == ["name", "address"]


@pytest.mark.parametrize("fields", [["name", "salary"], ["salary"], []])
def test_a_field_the_item_does_not_have_or_none_at_all_is_refused(item, office, queued, fields):
    with pytest.raises(FieldsNotInItem):
        services.fetch_requests_create(case_ref="2026-0000001", office=office, items=permitted(office, [_spec(fields)]))
    assert not FetchRequest.objects.exists()
    assert queued == []


def test_the_refusal_names_the_unknown_field(item, office, queued):
    with pytest.raises(FieldsNotInItem) as caught:
        services.fetch_requests_create(
            case_ref="2026-0000001", office=office, items=permitted(office, [_spec(["name", "salary", "rrn"])])
        )
    assert "salary" in str(caught.value.message) and "rrn" not in str(caught.value.message)


def test_a_subject_of_another_kind_is_refused(item, office, queued):
    spec = FetchSpec(
        item_code="resident_abstract",
        fields=["name"],
        purpose_code="P-PENSION",
        subject_kind="parcel",
        subject_id="1111010100-1-0001-0000",
    )
    with pytest.raises(FieldsNotInItem):
        services.fetch_requests_create(case_ref="2026-0000001", office=office, items=permitted(office, [spec]))


# --- What is accepted and stored -------------------------------------------------------------------


@pytest.mark.parametrize("behaviour", ["extra_field", "missing_field"])
def test_an_answer_with_other_fields_than_asked_is_not_stored(
    behaviour, item, office, fake_agency, queued, django_capture_on_commit_callbacks
):
    fetch = _create(office, ["name", "address"], django_capture_on_commit_callbacks)
    fake_agency.script(behaviour)
    _run(fetch, django_capture_on_commit_callbacks)
    assert fetch.state != State.FETCHED
    assert fetch.error_code == "unexpected_fields"
    assert not FetchedData.objects.exists()
    assert not AccessLogEntry.objects.filter(action="fetched").exists()


def test_what_is_stored_holds_the_asked_fields_only(
    item, office, fake_agency, queued, django_capture_on_commit_callbacks
):
    fake_agency.values = {"name": "김민원", "rrn": RRN, "address": "서울특별시 종로구", "move_in_date": "2020-01-01"}
    fetch = _create(office, ["name", "rrn"], django_capture_on_commit_callbacks)
    _run(fetch, django_capture_on_commit_callbacks)
    data = FetchedData.objects.get(fetch_request=fetch)
    assert data.fields == ["name", "rrn"]
    assert json.loads(crypto.decrypt_text(data.payload_encrypted)) == {"name": "김민원", "rrn": RRN}
    [logged] = AccessLogEntry.objects.filter(action="fetched")
    assert logged.fields == ["name", "rrn"]


# --- What is read back, and by whom ----------------------------------------------------------------


@pytest.fixture
def fetched(item, office, fake_agency, queued, django_capture_on_commit_callbacks):
    fake_agency.values = {"name": "김민원", "rrn": RRN, "address": "서울특별시 종로구"}
    fetch = _create(office, ["name", "rrn", "address"], django_capture_on_commit_callbacks)
    assert _run(fetch, django_capture_on_commit_callbacks) == "fetched"
    return fetch


def _read(fetch, office, actor, **extra):
    return services.personal_data_read(
        fetch_request=fetch, actor=actor, office=office, purpose="P-PENSION", ip_address="192.0.2.1", **extra
    )


def test_a_read_returns_the_recorded_fields_only_even_if_the_payload_holds_more(fetched, office, official):
    data = FetchedData.objects.get(fetch_request=fetched)
    payload = json.loads(crypto.decrypt_text(data.payload_encrypted)) | {"move_in_date": "2020-01-01"}
    FetchedData.objects.filter(pk=data.pk).update(
        payload_encrypted=crypto.encrypt_text(json.dumps(payload, ensure_ascii=False))
    )
    values = _read(fetched, office, official)
    assert list(values) == ["name", "rrn", "address"]
    assert "move_in_date" not in values


def test_the_fetching_office_reads_and_every_read_is_logged(fetched, office, official):
    before = AccessLogEntry.objects.count()
    colleague = OfficialFactory()
    MembershipFactory(user=colleague, office=office)
    assert _read(fetched, office, official)["name"] == "김민원"
    assert _read(fetched, office, colleague)["address"] == "서울특별시 종로구"
    entries = list(AccessLogEntry.objects.order_by("sequence")[before:])
    assert [(e.action, e.actor, e.office, e.fields) for e in entries] == [
        ("viewed", official, office, ["name", "rrn", "address"]),
        ("viewed", colleague, office, ["name", "rrn", "address"]),
    ]
    assert all(e.ip_address == "192.0.2.1" and e.case_ref == fetched.case_ref for e in entries)


def test_another_office_reads_nothing_and_leaves_no_read_in_the_log(fetched, other_office, other_official):
    before = AccessLogEntry.objects.count()
    with pytest.raises(PermissionDenied):
        _read(fetched, other_office, other_official)
    with pytest.raises(PermissionDenied):
        _read(fetched, other_office, other_official, reveal_fields=["rrn"], reason="curious")
    assert AccessLogEntry.objects.count() == before


def test_no_office_at_all_reads_nothing(fetched, official):
    with pytest.raises(PermissionDenied):
        _read(fetched, None, official)


def test_the_office_is_checked_before_anything_else(
    item, office, other_office, other_official, queued, django_capture_on_commit_callbacks
):
    # Not fetched yet: the other office is still refused as such, not told that it is pending.
    fetch = _create(office, ["name"], django_capture_on_commit_callbacks)
    with pytest.raises(PermissionDenied):
        _read(fetch, other_office, other_official)


def test_an_unmasked_rrn_needs_a_named_field_and_a_reason(fetched, office, official):
    assert _read(fetched, office, official)["rrn"] == "900101-1******"
    assert _read(fetched, office, official, reveal_fields=["name"], reason="x")["rrn"] == "900101-1******"
    assert _read(fetched, office, official, reveal_fields=["rrn"], reason="identity check")["rrn"] == RRN
    last = AccessLogEntry.objects.order_by("-sequence").first()
    assert last.action == "revealed" and last.detail == "revealed rrn: identity check"


def test_the_retry_is_refused_to_another_office(fetched, other_official, official):
    with pytest.raises(PermissionDenied):
        services.fetch_request_retry(fetch_request=fetched, actor=other_official)
    fetched.refresh_from_db()
    assert fetched.state == State.FETCHED
    retried = services.fetch_request_retry(fetch_request=fetched, actor=official)
    assert retried.state == State.WAITING and retried.requested_by == official

"""The hand-written SQL of the fetch path reads and writes exactly what the ORM would."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sharing import services, sql
from sharing.models import Agency, FetchedData, FetchRequest
from sharing.tracker.models import Exchange
from tests.factories import OfficialFactory

from .factories import FetchRequestFactory

pytestmark = pytest.mark.django_db


def _field_values(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}


def test_a_row_read_by_a_prepared_read_equals_the_orm_instance():
    fetch_request = FetchRequestFactory(
        fields=["name", "address"],
        next_attempt_at=timezone.now(),
        attempts=2,
        requested_by=OfficialFactory(staff_number="S-1"),
    )
    read = sql.PreparedRead(lambda pk: FetchRequest.objects.filter(pk=pk).order_by(), pk=-1)
    [by_hand] = read(pk=fetch_request.pk)
    assert _field_values(by_hand) == _field_values(FetchRequest.objects.get(pk=fetch_request.pk))
    assert isinstance(by_hand.fields, list) and by_hand.next_attempt_at.tzinfo is not None
    assert not by_hand._state.adding


def test_the_fetch_in_hand_comes_with_item_agency_office_and_requester_in_one_query():
    official = OfficialFactory(staff_number="S-7")
    with_requester = FetchRequestFactory(requested_by=official)
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


def test_update_changes_only_rows_that_are_still_as_read():
    fetch_request = FetchRequestFactory(state="waiting")
    read_at = FetchRequest.objects.get(pk=fetch_request.pk).updated_at
    later = read_at + timedelta(seconds=5)
    where = {"id": fetch_request.pk, "state": "waiting", "updated_at": read_at}
    assert sql.update(FetchRequest, {"state": "fetching", "updated_at": later, "next_attempt_at": None}, where) == 1
    assert sql.update(FetchRequest, {"state": "fetched"}, where) == 0  # no longer as read
    fresh = FetchRequest.objects.get(pk=fetch_request.pk)
    assert (fresh.state, fresh.updated_at) == ("fetching", later)


def test_insert_applies_pre_save_and_sets_the_key():
    exchange = sql.insert(
        Exchange(
            agency_code="mois",
            item_code="resident_abstract",
            outcome="ok",
            error_code="",
            latency_ms=12,
            finished_at=timezone.now(),
        )
    )
    assert exchange.pk and Exchange.objects.get(pk=exchange.pk).latency_ms == 12
    fetch_request = FetchRequestFactory()
    data = sql.insert(
        FetchedData(
            fetch_request=fetch_request,
            agency=fetch_request.item.agency,
            txn_id="t-1",
            fetched_at=timezone.now(),
            fields=["name"],
            payload_encrypted="x",
        )
    )
    assert FetchedData.objects.get(pk=data.pk).fields == ["name"]

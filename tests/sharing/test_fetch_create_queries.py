"""What creating a case's fetches costs the database (``fetch_requests_create``, called by filing):
the same statements for a case of one item as for a case of ten, the approved uses read from
the shared cache at once (one query for those it does not hold), the fetches inserted at once.
Expectations written by hand."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sharing import services
from sharing.errors import OutsideApprovedUse
from sharing.hub import selectors
from sharing.models import FetchRequest
from sharing.types import FetchSpec
from tests.sharing.factories import AgencyFactory, ItemFieldFactory, permitted

pytestmark = pytest.mark.django_db

RRN = "900101-1234567"

# The essential statements, whatever the number of items: the items with their agencies, their
# fields, the fetches the case has already, and one insert of the new ones.
ESSENTIAL = [
    'SELECT "sharing_informationitem"',
    'SELECT "sharing_itemfield"',
    'SELECT "sharing_fetchrequest"',
    'INSERT "sharing_fetchrequest"',
]


def _statements(queries) -> list[str]:
    """'SELECT "table"' / 'INSERT "table"' of each statement, savepoints left out."""
    found = []
    for query in queries.captured_queries:
        sql = query["sql"]
        if sql.startswith(("SAVEPOINT", "RELEASE")):
            continue
        match = re.match(r'(\w+).*?("\w+")', sql, re.S)
        found.append(" ".join(match.groups()) if match else sql)
    return found


def _case_specs(office, count: int) -> list[FetchSpec]:
    """``count`` items, each of its own agency, each under an approved use of the office's agency."""
    specs = []
    for number in range(count):
        agency = AgencyFactory(code=f"agency-q{number}")
        for key in ("name", "address"):
            ItemFieldFactory(item__code=f"item_q{number}", item__agency=agency, key=key)
        specs.append(
            FetchSpec(
                item_code=f"item_q{number}",
                fields=["name", "address"],
                purpose_code="P-PENSION",
                subject_kind="person",
                subject_id=RRN,
            )
        )
    return permitted(office, specs)


def _create(office, specs, case_ref, capture):
    with CaptureQueriesContext(connection) as queries, capture(execute=True):
        fetches = services.fetch_requests_create(case_ref=case_ref, office=office, items=specs)
    return fetches, _statements(queries)


@pytest.mark.parametrize("count", [1, 4, 10])
def test_a_case_costs_the_same_statements_whatever_its_number_of_items(
    office, queued, django_capture_on_commit_callbacks, count
):
    specs = _case_specs(office, count)
    services.fetch_requests_create(case_ref="2026-0000009", office=office, items=specs)  # the uses now cached

    fetches, statements = _create(office, specs, "2026-0000001", django_capture_on_commit_callbacks)

    assert statements == ESSENTIAL
    assert [fetch.item.code for fetch in fetches] == [spec.item_code for spec in specs]
    made = FetchRequest.objects.filter(case_ref="2026-0000001")
    assert sorted(made.values_list("pk", flat=True)) == sorted(fetch.pk for fetch in fetches)
    assert {fetch.approved_use_id for fetch in made} == {spec.use_id for spec in specs}
    # Each new fetch queued once the transaction committed, in the order of the specs.
    assert queued[-count:] == [(fetch.pk, f"agency-q{number}", 0.0) for number, fetch in enumerate(fetches)]


@pytest.mark.parametrize("count", [1, 4])
def test_uses_the_cache_does_not_hold_cost_one_query_for_the_case(
    office, queued, django_capture_on_commit_callbacks, count
):
    specs = _case_specs(office, count)
    cache.clear()

    _fetches, statements = _create(office, specs, "2026-0000001", django_capture_on_commit_callbacks)

    assert statements == [*ESSENTIAL[:3], 'SELECT "hub_approveduse"', ESSENTIAL[3]]


def test_a_case_fetched_already_costs_its_reads_only(office, queued, django_capture_on_commit_callbacks):
    specs = _case_specs(office, 4)
    first, _statements_first = _create(office, specs, "2026-0000001", django_capture_on_commit_callbacks)
    queued.clear()

    again, statements = _create(office, specs, "2026-0000001", django_capture_on_commit_callbacks)

    assert statements == ESSENTIAL[:3]  # no use read, nothing inserted
    assert [fetch.pk for fetch in again] == [fetch.pk for fetch in first]
    assert queued == []


def test_one_spec_outside_its_use_leaves_the_whole_case_uncreated(office, queued, django_capture_on_commit_callbacks):
    import dataclasses

    specs = _case_specs(office, 3)
    specs[2] = dataclasses.replace(specs[2], purpose_code="P-PARKING")

    with pytest.raises(OutsideApprovedUse), django_capture_on_commit_callbacks(execute=True):
        services.fetch_requests_create(case_ref="2026-0000001", office=office, items=specs)

    assert not FetchRequest.objects.filter(case_ref="2026-0000001").exists()
    assert queued == []


def test_uses_for_fetch_reads_what_the_cache_lacks_in_one_query(office):
    specs = _case_specs(office, 3)
    ids = [spec.use_id for spec in specs]
    assert selectors.use_for_fetch(ids[0]) is not None  # one of three cached
    with CaptureQueriesContext(connection) as queries:
        snapshots = selectors.uses_for_fetch([*ids, ids[1], -5])  # a repeat, an unknown id
    assert [query["sql"].count("hub_approveduse") > 0 for query in queries.captured_queries] == [True]
    assert sorted(snapshots) == sorted(ids)  # the unknown id left out
    assert all(snapshots[use_id] == selectors.use_for_fetch(use_id) for use_id in ids)
    with CaptureQueriesContext(connection) as queries:
        assert selectors.uses_for_fetch(ids) == {use_id: snapshots[use_id] for use_id in ids}
    assert len(queries) == 0
    assert selectors.uses_for_fetch([]) == {}

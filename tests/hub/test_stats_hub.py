"""The public /stats/ page's hub figures: uses by kind of using agency, and the carbon saved from
the seed's two figures. Expectations by hand."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from petitions import stats
from sharing.audit import log_personal_data_access_many
from sharing.hub import usage
from tests.factories import OfficeFactory
from tests.hub.factories import UsingAgencyFactory
from tests.hub.oversight_helpers import look_up, person, seoul

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_the_carbon_factor_is_computed_from_the_seeds_two_figures():
    # 1,023 thousand t = 1,023,000,000 kg over 51,313,057 cases: 51,313,057 x 19.93 = 1,022,669,226 and
    # x 19.94 = 1,023,182,357, so the factor is between them: 19.9364... kg per case.
    assert stats.CARBON_TONNES_2005_2012 == 1_023_000
    assert stats.CASES_2005_2012 == 51_313_057
    assert Decimal("19.936") < stats.CARBON_KG_PER_CASE < Decimal("19.937")
    assert "1,023 thousands(t-CO2)" in stats.CARBON_SOURCE and "51,313,057 cases" in stats.CASES_SOURCE
    # 1,000 documents: 19,936.4 kg; none: 0.
    assert stats.carbon_kg(1000) == Decimal("19936.4")
    assert stats.carbon_kg(0) == Decimal("0.0")


@pytest.fixture
def offices_of_every_kind(official):
    """By hand: a local government office: 2 look-ups and a fetch about 3 people (5 uses); a central
    ministry's office: 1 fetch; a bank's office: nothing; an office of no using agency: 1 fetch
    (not counted); a 'viewed' entry is not a use."""
    local = OfficeFactory(code="local-1", using_agency=UsingAgencyFactory(code="l", kind="local"))
    central = OfficeFactory(code="central-1", using_agency=UsingAgencyFactory(code="c", kind="central"))
    OfficeFactory(code="bank-1", using_agency=UsingAgencyFactory(code="f", kind="financial"))
    loose = OfficeFactory(code="loose-1")
    look_up(at=seoul(2026, 11, 18, 10), official=official, office=local, people=["a", "b"])

    def log(action, office, people):
        log_personal_data_access_many(
            action=action,
            subject_hashes=[person(p) for p in people],
            case_ref="2026-0000001",
            office=office,
            actor=None,
            item_code="resident_abstract",
            fields=["name"],
            purpose="P",
        )

    log("fetched", local, ["c", "d", "e"])
    log("fetched", central, ["f"])
    log("fetched", loose, ["g"])
    log("viewed", local, ["c"])


def test_uses_by_kind_list_every_kind(offices_of_every_kind):
    assert usage.by_agency_kind() == [
        {"kind": "central", "uses": 1},
        {"kind": "local", "uses": 5},
        {"kind": "public", "uses": 0},
        {"kind": "financial", "uses": 0},
    ]


def test_the_page_shows_the_kinds_the_factor_and_its_source_and_stays_cached(offices_of_every_kind):
    client = Client()
    with CaptureQueriesContext(connection) as first:
        response = client.get("/stats/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="chart-kinds"' in html
    assert '<th scope="row">지방자치단체</th><td>5</td>' in html
    assert '<th scope="row">중앙행정기관</th><td>1</td>' in html
    assert "19.94 kg" in html and "51,313,057" in html and "1,023,000" in html
    assert "1,023 thousands(t-CO2)" in html  # the source sentence, quoted
    # The second view is served from the cache: no access-log query.
    with CaptureQueriesContext(connection) as second:
        client.get("/stats/")
    assert len(second) < len(first)
    assert not any("sharing_accesslogentry" in query["sql"] for query in second.captured_queries)


def test_the_hub_figures_add_one_query_that_does_not_grow(offices_of_every_kind, official):
    with CaptureQueriesContext(connection) as few:
        stats.compute()
    office = OfficeFactory(code="local-2", using_agency=UsingAgencyFactory(code="l2", kind="public"))
    for index in range(5):
        look_up(at=seoul(2026, 11, 19, 10), official=official, office=office, people=[f"x{index}"])
    with CaptureQueriesContext(connection) as many:
        data = stats.compute()
    assert len(many) == len(few)
    assert sum(1 for q in many.captured_queries if "sharing_accesslogentry" in q["sql"]) == 1
    assert {row["kind"]: row["uses"] for row in data["uses_by_kind"]}["public"] == 5

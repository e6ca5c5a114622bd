"""What sharing saves: the arithmetic against a hand-computed example, constant queries, the page."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from petitions import stats
from petitions.models import Petition
from sharing.models import FetchRequest, InformationItem
from tests.petitions.factories import PetitionFactory, PetitionTypeFactory
from tests.sharing.factories import FetchRequestFactory

S = Petition.Status


def at(year, month, day, hour=10):
    return datetime.datetime(year, month, day, hour, tzinfo=timezone.get_current_timezone())


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def fetched(petition, item_code, state=FetchRequest.State.FETCHED):
    return FetchRequestFactory(
        case_ref=petition.receipt_no,
        item=InformationItem.objects.get(code=item_code),
        office=petition.office,
        state=state,
    )


@pytest.fixture
def example(catalogue, office):
    """By hand:

    January 2026, type A: P1 (2 documents: mois, molit), P2 (1 document: mois), P3 (none).
    February 2026, type B: P4 (3 documents: nts, mois, molit; one more fetch failed; one fetched
    item that replaces no document is not counted).
    A refund inquiry's fetch (case RF-…) is not a petition's document. A draft is not filed.
    Documents: 6. Petitioners who brought fewer documents: 3 (P1, P2, P4).
    Decided: P1 in 2 days (on time), P2 in 4 days (after its due date), P4 in 10 days (on time).
    """
    type_a = PetitionTypeFactory(slug="type-a", name_ko="가 민원", name_en="Type A")
    type_b = PetitionTypeFactory(slug="type-b", name_ko="나 민원", name_en="Type B")
    p1 = PetitionFactory(
        petition_type=type_a,
        receipt_no="2026-0000001",
        status=S.APPROVED,
        submitted_at=at(2026, 1, 5),
        decided_at=at(2026, 1, 7),
        due_date=datetime.date(2026, 1, 12),
    )
    p2 = PetitionFactory(
        petition_type=type_a,
        receipt_no="2026-0000002",
        status=S.REJECTED,
        submitted_at=at(2026, 1, 10),
        decided_at=at(2026, 1, 14),
        due_date=datetime.date(2026, 1, 13),
    )
    PetitionFactory(
        petition_type=type_a,
        receipt_no="2026-0000003",
        status=S.UNDER_REVIEW,
        submitted_at=at(2026, 1, 20),
        due_date=datetime.date(2026, 1, 27),
    )
    p4 = PetitionFactory(
        petition_type=type_b,
        receipt_no="2026-0000004",
        status=S.APPROVED,
        submitted_at=at(2026, 2, 2),
        decided_at=at(2026, 2, 12),
        due_date=datetime.date(2026, 2, 20),
    )
    PetitionFactory(petition_type=type_b, receipt_no=None, status=S.DRAFT)
    fetched(p1, "resident_abstract")
    fetched(p1, "land_register")
    fetched(p2, "resident_copy")
    fetched(p4, "tax_payment_certificate")
    fetched(p4, "local_tax_certificate")
    fetched(p4, "building_ledger")
    fetched(p4, "family_relation", state=FetchRequest.State.FAILED)
    InformationItem.objects.filter(code="land_use_plan").update(replaces_ko="")
    fetched(p4, "land_use_plan")
    FetchRequestFactory(
        case_ref="RF-2026-0000001",
        item=InformationItem.objects.get(code="premium_refunds"),
        office=office,
        state=FetchRequest.State.FETCHED,
    )
    return type_a, type_b


def test_the_figures_match_the_hand_computed_example(example):
    data = stats.compute()
    assert data["totals"] == {"petitions": 4, "documents": 6, "petitioners": 3}
    saved = stats.savings(data["totals"])
    # 6 documents × (3,758 + 383 + 486 + 46 = 4,673 won) = 28,038 won; 3 petitioners × 0.36 h = 1.08 h;
    # 6 × (1,023,000 t / 51,313,057 cases = 19.9364 kg) = 119.62 kg of CO2.
    assert saved == {
        "time": 22_548,
        "travel": 2_298,
        "fees": 2_916,
        "printing": 276,
        "total": 28_038,
        "hours": Decimal("1.08"),
        "carbon_kg": Decimal("119.6"),
    }
    assert stats.WON_PER_DOCUMENT == 4_673
    assert data["by_month"] == [
        {"month": "2026-01", "petitions": 3, "documents": 3, "petitioners": 2, "won_saved": 14_019},
        {"month": "2026-02", "petitions": 1, "documents": 3, "petitioners": 1, "won_saved": 14_019},
    ]
    assert [(row["slug"], row["petitions"], row["documents"], row["won_saved"]) for row in data["by_type"]] == [
        ("type-a", 3, 3, 14_019),
        ("type-b", 1, 3, 14_019),
    ]
    assert [(row["code"], row["documents"]) for row in data["by_agency"]] == [("mois", 3), ("molit", 2), ("nts", 1)]
    # Median of 2, 4 and 10 days; 2 of 3 decided by their due date.
    assert data["processing"] == {"decided": 3, "on_time": 2, "median_days": 4.0}


def filed_petitions():
    return Petition.objects.exclude(receipt_no=None).exclude(status=S.DRAFT)


def test_the_orm_path_gives_the_hand_computed_breakdown_in_local_months(example):
    # Half past midnight on 1 March in Seoul is still February in UTC: the local month counts.
    p5 = PetitionFactory(
        petition_type=example[1], receipt_no="2026-0000005", status=S.UNDER_REVIEW, submitted_at=at(2026, 3, 1, 0)
    )
    fetched(p5, "resident_abstract")
    documents, petitioners = stats._documents_by_orm(filed_petitions())
    assert sorted(documents) == [
        ("2026-01", example[0].id, "mois", 2),
        ("2026-01", example[0].id, "molit", 1),
        ("2026-02", example[1].id, "mois", 1),
        ("2026-02", example[1].id, "molit", 1),
        ("2026-02", example[1].id, "nts", 1),
        ("2026-03", example[1].id, "mois", 1),
    ]
    assert sorted(petitioners) == [("2026-01", 2), ("2026-02", 1), ("2026-03", 1)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the raw SQL join is PostgreSQL's only")
def test_the_raw_join_and_the_orm_give_the_same_figures(example):
    p5 = PetitionFactory(
        petition_type=example[1], receipt_no="2026-0000005", status=S.UNDER_REVIEW, submitted_at=at(2026, 3, 1, 0)
    )
    fetched(p5, "resident_abstract")
    joined = stats._documents_by_join(filed_petitions())
    orm = stats._documents_by_orm(filed_petitions())
    assert (sorted(joined[0]), sorted(joined[1])) == (sorted(orm[0]), sorted(orm[1]))
    assert len(joined[0]) == 6 and sorted(joined[1]) == [("2026-01", 2), ("2026-02", 1), ("2026-03", 1)]


def test_the_queries_do_not_grow_with_the_number_of_petitions(example):
    with CaptureQueriesContext(connection) as few:
        stats.compute()
    type_a = example[0]
    for index in range(40):
        petition = PetitionFactory(
            petition_type=type_a,
            receipt_no=f"2026-{index + 100:07d}",
            status=S.APPROVED,
            submitted_at=at(2026, 1 + index % 6, 3),
            decided_at=at(2026, 1 + index % 6, 9),
            due_date=datetime.date(2026, 1 + index % 6, 20),
        )
        fetched(petition, "resident_abstract")
    with CaptureQueriesContext(connection) as many:
        data = stats.compute()
    assert len(many) == len(few)
    assert data["totals"]["petitions"] == 44 and data["totals"]["documents"] == 46


def test_the_page_is_public_cached_and_draws_charts_with_tables_and_no_inline_style(example):
    client = Client()
    with CaptureQueriesContext(connection) as first:
        response = client.get("/stats/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<svg") == 4 and 'role="img"' in html and "<title" in html  # no use yet: no kind chart
    assert "style=" not in html and "<script>" not in html
    assert "28,038" in html and "1.1" in html  # won saved; hours
    assert "4.0" in html and "66.7%" in html  # median days; decided within the deadline
    # Each chart's data as a table with a caption: coefficients, kinds of using agency, months, types, agencies.
    assert html.count("<table") == 5 and len(re.findall(r"<caption>[^<]+</caption>", html)) == 5
    assert '<th scope="row">2026-01</th>' in html and '<th scope="row">가 민원</th>' in html
    # Cached: the second view reads no petition at all.
    with CaptureQueriesContext(connection) as second:
        client.get("/stats/")
    assert len(second) < len(first)
    assert not any("petitions_petition" in query["sql"] for query in second.captured_queries)


def test_an_empty_portal_has_a_stats_page(db):
    response = Client().get("/stats/")
    assert response.status_code == 200
    assert response.context["processing"]["median_days"] is None and response.context["on_time_percent"] is None


def test_english_names_in_english(example):
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/stats/"})
    html = client.get("/stats/").content.decode()
    assert "Type A" in html and "Ministry of the Interior and Safety" in html


def test_each_chart_has_a_title_and_a_description_for_screen_readers(example):
    html = Client().get("/stats/").content.decode()
    for chart_id in ("chart-months", "chart-savings", "chart-types", "chart-agencies"):
        assert f'<svg class="tracker-chart" id="{chart_id}"' in html
        assert f'aria-labelledby="{chart_id}-title" aria-describedby="{chart_id}-desc"' in html
        assert f'<title id="{chart_id}-title">' in html and f'<desc id="{chart_id}-desc">' in html

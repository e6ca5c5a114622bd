"""The queue: office isolation, filters, search, sort, paging, counts, marks, constant queries,
claiming and bulk assignment; the supervisor view."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from petitions.calendar import local_today
from petitions.models import InternalNote, Petition
from tests.conftest import login_verified
from tests.factories import MembershipFactory, OfficialFactory
from tests.officer.factories import RESIDENT_VALUES, OfficerPetitionFactory, failed, fetched

pytestmark = pytest.mark.django_db
S = Petition.Status


def _queue(client, **params):
    response = client.get("/officer/", params)
    assert response.status_code == 200
    return response


def _receipts(response) -> list[str]:
    return [row.petition.receipt_no for row in response.context["queue"].rows]


def _make(office, citizen, n, **kwargs):
    return [
        OfficerPetitionFactory(applicant=citizen, petition_type__handling_office=office, **kwargs) for _ in range(n)
    ]


def test_default_sort_is_by_due_date_and_only_open_petitions(official_client, office, citizen):
    today = local_today()
    late = OfficerPetitionFactory(
        applicant=citizen, petition_type__handling_office=office, due_date=today + datetime.timedelta(days=9)
    )
    soon = OfficerPetitionFactory(
        applicant=citizen, petition_type__handling_office=office, due_date=today + datetime.timedelta(days=1)
    )
    OfficerPetitionFactory(applicant=citizen, petition_type__handling_office=office, status=S.APPROVED)
    assert _receipts(_queue(official_client)) == [soon.receipt_no, late.receipt_no]


def test_sort_by_filing_date(official_client, office, citizen):
    first, second = _make(office, citizen, 2)
    Petition.objects.filter(pk=first.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(days=3), due_date=local_today() + datetime.timedelta(days=8)
    )
    assert _receipts(_queue(official_client, sort="submitted")) == [first.receipt_no, second.receipt_no]
    assert _receipts(_queue(official_client, sort="submitted_desc")) == [second.receipt_no, first.receipt_no]


def test_status_and_type_filters(official_client, office, citizen):
    review, supplement = _make(office, citizen, 1) + _make(office, citizen, 1, status=S.SUPPLEMENT_REQUESTED)
    decided = _make(office, citizen, 1, status=S.REJECTED)[0]
    assert _receipts(_queue(official_client, status=S.SUPPLEMENT_REQUESTED)) == [supplement.receipt_no]
    assert decided.receipt_no in _receipts(_queue(official_client, status="all"))
    assert review.petition_type_id != supplement.petition_type_id
    assert _receipts(_queue(official_client, petition_type=review.petition_type_id)) == [review.receipt_no]


def test_assignee_filters(official_client, official, office, citizen):
    mine, nobodys = _make(office, citizen, 2)
    Petition.objects.filter(pk=mine.pk).update(assigned_to=official)
    assert _receipts(_queue(official_client, assignee="me")) == [mine.receipt_no]
    assert _receipts(_queue(official_client, assignee="unassigned")) == [nobodys.receipt_no]
    assert len(_receipts(_queue(official_client, assignee="anyone"))) == 2


def test_overdue_and_due_today_are_filtered_and_marked_with_words(official_client, office, citizen):
    today = local_today()
    overdue = _make(office, citizen, 1, due_date=today - datetime.timedelta(days=2))[0]
    due_today = _make(office, citizen, 1, due_date=today)[0]
    paused = _make(office, citizen, 1, due_date=today - datetime.timedelta(days=2), status=S.SUPPLEMENT_REQUESTED)[
        0
    ]  # the clock is stopped: not overdue
    _make(office, citizen, 1)
    assert _receipts(_queue(official_client, due="overdue")) == [overdue.receipt_no]
    assert _receipts(_queue(official_client, due="today")) == [due_today.receipt_no]
    response = _queue(official_client)
    rows = {row.petition.receipt_no: row for row in response.context["queue"].rows}
    assert rows[overdue.receipt_no].overdue and not rows[paused.receipt_no].overdue
    assert rows[due_today.receipt_no].due_today
    content = response.content.decode()
    assert "officer-flag-overdue" in content and "⚠" in content and "officer-flag-today" in content
    counts = response.context["counts"]
    assert counts["overdue"] == 1 and counts["due_today"] == 1 and counts["open"] == 4


def test_fetch_problems_show_on_the_row_and_filter(official_client, office, citizen, items):
    healthy, broken = _make(office, citizen, 2)
    fetched(healthy, items["resident"], RESIDENT_VALUES)
    failed(broken, items["land"], code="subject_not_found", state="refused")
    assert _receipts(_queue(official_client, fetch_problems="on")) == [broken.receipt_no]
    response = _queue(official_client)
    rows = {row.petition.receipt_no: row for row in response.context["queue"].rows}
    assert [f.item.code for f in rows[broken.receipt_no].fetch_problems] == ["land_register"]
    assert rows[healthy.receipt_no].fetch_problems == []
    assert "토지대장" in response.content.decode()


def test_search_by_receipt_number_and_by_applicant_name(official_client, office, citizen):
    one, other = _make(office, citizen, 2)
    Petition.objects.filter(pk=other.pk).update(applicant_details={"name": "홍길동"}, status=S.APPROVED)
    assert _receipts(_queue(official_client, q=one.receipt_no)) == [one.receipt_no]
    # A search looks through decided petitions too unless a status is chosen.
    assert _receipts(_queue(official_client, q="길동")) == [other.receipt_no]
    assert _receipts(_queue(official_client, q="길동", status="under_review")) == []


def test_counts_per_status(official_client, office, other_office, citizen):
    _make(office, citizen, 2)
    _make(office, citizen, 1, status=S.SUPPLEMENT_SUBMITTED)
    _make(office, citizen, 1, status=S.APPROVED)
    OfficerPetitionFactory(applicant=citizen, petition_type__slug="x", petition_type__handling_office=other_office)
    counts = {s["value"]: s["count"] for s in _queue(official_client).context["counts"]["statuses"]}
    assert counts[S.UNDER_REVIEW] == 2 and counts[S.SUPPLEMENT_SUBMITTED] == 1 and counts[S.SUBMITTED] == 0
    assert S.APPROVED not in counts


def test_paging(official_client, office, citizen):
    _make(office, citizen, 27)
    first = _queue(official_client)
    assert len(first.context["queue"].rows) == 25 and first.context["queue"].has_next
    second = _queue(official_client, page=2)
    assert len(second.context["queue"].rows) == 2 and not second.context["queue"].has_next
    assert not set(_receipts(first)) & set(_receipts(second))


def test_bad_filter_values_are_a_400_with_a_message(official_client, petition):
    response = official_client.get("/officer/", {"status": "nonsense", "page": "-3"})
    assert response.status_code == 400
    assert "form-hint-invalid" in response.content.decode()


def _queries_for_page(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/officer/").status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["reviewer", "supervisor"])
def test_the_queue_reads_a_constant_number_of_queries(office, citizen, items, role, django_assert_max_num_queries):
    user = MembershipFactory(office=office, user=OfficialFactory(), role=role).user
    client = login_verified(Client(), user)

    def add(n):
        for petition in _make(office, citizen, n):
            fetched(petition, items["resident"], RESIDENT_VALUES)
            failed(petition, items["land"])
            petition.assigned_to = user
            petition.save(update_fields=["assigned_to"])

    add(5)
    few = _queries_for_page(client)
    add(45)
    many = _queries_for_page(client)
    assert few == many
    with django_assert_max_num_queries(12):
        client.get("/officer/")


# --- Claim and bulk assignment -----------------------------------------------------------------


def test_claim_from_the_queue(official_client, official, petition):
    response = official_client.post(f"/officer/petitions/{petition.receipt_no}/claim/", {"next": "queue"})
    assert response.status_code == 302 and response["Location"] == "/officer/"
    petition.refresh_from_db()
    assert petition.assigned_to_id == official.pk and petition.assigned_at is not None
    assert InternalNote.objects.filter(petition=petition, kind="assignment").exists()


@pytest.fixture
def supervisor_client(supervisor):
    return login_verified(Client(), supervisor)


def test_a_supervisor_assigns_many_petitions_at_once(supervisor_client, supervisor, official, office, citizen):
    petitions = _make(office, citizen, 3)
    response = supervisor_client.post(
        "/officer/assign/",
        {"petitions": [p.receipt_no for p in petitions], "assignee": str(official.pk), "next": "/officer/"},
    )
    assert response.status_code == 302
    assert set(Petition.objects.filter(pk__in=[p.pk for p in petitions]).values_list("assigned_to", flat=True)) == {
        official.pk
    }
    assert InternalNote.objects.filter(kind="assignment", author=supervisor).count() == 3


def test_a_supervisor_reassigns_and_releases(supervisor_client, official, office, citizen):
    colleague = MembershipFactory(office=office, user=OfficialFactory()).user
    petitions = _make(office, citizen, 2, assigned_to=official)
    supervisor_client.post(
        "/officer/assign/", {"petitions": [p.receipt_no for p in petitions], "assignee": str(colleague.pk)}
    )
    assert set(Petition.objects.filter(pk__in=[p.pk for p in petitions]).values_list("assigned_to", flat=True)) == {
        colleague.pk
    }
    supervisor_client.post("/officer/assign/", {"petitions": [petitions[0].receipt_no], "assignee": "none"})
    assert Petition.objects.get(pk=petitions[0].pk).assigned_to_id is None


def test_bulk_assignment_with_a_petition_of_another_office_changes_nothing(
    supervisor_client, official, office, other_office, citizen
):
    mine = _make(office, citizen, 1)[0]
    theirs = OfficerPetitionFactory(
        applicant=citizen, petition_type__slug="x", petition_type__handling_office=other_office
    )
    response = supervisor_client.post(
        "/officer/assign/", {"petitions": [mine.receipt_no, theirs.receipt_no], "assignee": str(official.pk)}
    )
    assert response.status_code == 404
    assert Petition.objects.get(pk=mine.pk).assigned_to_id is None


def test_bulk_assignment_to_an_official_of_another_office_is_refused(
    supervisor_client, other_official, office, citizen
):
    petition = _make(office, citizen, 1)[0]
    response = supervisor_client.post(
        "/officer/assign/", {"petitions": [petition.receipt_no], "assignee": str(other_official.pk)}, follow=True
    )
    assert response.status_code == 200
    assert Petition.objects.get(pk=petition.pk).assigned_to_id is None
    assert "form-hint-invalid" not in response.content.decode()
    assert response.context["messages"]


def test_bulk_assignment_needs_a_choice(supervisor_client, official):
    response = supervisor_client.post("/officer/assign/", {"assignee": str(official.pk)}, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_reviewers_see_no_bulk_form(official_client, petition):
    content = official_client.get("/officer/").content.decode()
    assert 'id="bulk-assign"' not in content


def test_supervisors_see_the_bulk_form(supervisor_client, petition):
    content = supervisor_client.get("/officer/").content.decode()
    assert 'id="bulk-assign"' in content and f'value="{petition.receipt_no}" form="bulk-assign"' in content


# --- The supervisor view -----------------------------------------------------------------------


def test_supervisor_overview(supervisor_client, official, office, citizen, django_assert_max_num_queries):
    today = local_today()
    now = timezone.now()
    _make(office, citizen, 2, assigned_to=official)
    _make(office, citizen, 1, due_date=today - datetime.timedelta(days=1))
    for hours in (24, 48, 96):
        _make(office, citizen, 1, status=S.APPROVED, submitted_at=now - datetime.timedelta(hours=hours), decided_at=now)
    with django_assert_max_num_queries(14):
        response = supervisor_client.get("/officer/overview/")
    assert response.status_code == 200
    overview = response.context["offices"][0]
    assert overview["counts"]["open"] == 3 and overview["counts"]["overdue"] == 1
    assert overview["decided_this_month"] == 3
    assert overview["median_days"] == pytest.approx(2.0, abs=0.01)
    workload = {row["membership"].user_id: row for row in overview["officials"]}
    assert workload[official.pk]["open"] == 2
    assert overview["unassigned"] == 1
    assert official.display_name in response.content.decode()


def test_counts_are_kept_until_a_petition_of_the_office_changes(official_client, office, citizen, official):
    from petitions.workflow import petition_transition

    first, _second = _make(office, citizen, 2)

    def counted(response):
        return {s["value"]: s["count"] for s in response.context["counts"]["statuses"]}

    assert counted(_queue(official_client))[S.UNDER_REVIEW] == 2
    with CaptureQueriesContext(connection) as queries:
        assert counted(_queue(official_client))[S.UNDER_REVIEW] == 2
    assert not [q for q in queries if "GROUP BY" in q["sql"]]  # the counts came from the cache
    petition_transition(petition=first, to=S.APPROVED, actor=official)
    after = counted(_queue(official_client))
    assert after[S.UNDER_REVIEW] == 1
    _make(office, citizen, 1, status=S.SUPPLEMENT_SUBMITTED)  # a new petition of the office
    assert counted(_queue(official_client))[S.SUPPLEMENT_SUBMITTED] == 1


def test_the_rows_escape_what_people_and_translations_write(official_client, office, citizen, items, monkeypatch):
    """An applicant's name and a translated text that hold markup show as text in the queue."""
    from django.core.cache import caches
    from django.utils import translation

    petition = OfficerPetitionFactory(
        applicant=citizen,
        petition_type__handling_office=office,
        applicant_details={"name": "<script>alert('name')</script>"},
    )
    failed(petition, items["land"])
    real_ngettext = translation.ngettext

    def ngettext(singular, plural, number):
        if singular == "%(n)s fetch problem":
            return "<script>alert('translated')</script> %(n)s"
        return real_ngettext(singular, plural, number)

    monkeypatch.setattr(translation, "ngettext", ngettext)
    caches["fragments"].clear()
    content = _queue(official_client).content.decode()
    assert "<script>alert" not in content
    assert "&lt;script&gt;alert(&#x27;name&#x27;)&lt;/script&gt;" in content
    assert "&lt;script&gt;alert(&#x27;translated&#x27;)&lt;/script&gt; 1" in content


def test_a_row_shows_a_change_at_once_and_claims_without_a_token_of_its_own(official_client, office, citizen):
    """Rows are kept by everything they show: an update that bypasses save() shows too; the
    claim buttons submit the one form that holds the CSRF token."""
    petition = _make(office, citizen, 1)[0]
    first = _queue(official_client).content.decode()
    assert f'formaction="/officer/petitions/{petition.receipt_no}/claim/"' in first
    rows = first[first.index("<tbody>") : first.index("</tbody>")]
    assert "csrfmiddlewaretoken" not in rows and 'form="officer-queue-claim"' in rows
    Petition.objects.filter(pk=petition.pk).update(applicant_details={"name": "홍길동"}, status=S.SUPPLEMENT_SUBMITTED)
    second = _queue(official_client).content.decode()
    assert "홍길동" in second and "보완 제출" in second

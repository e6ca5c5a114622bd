"""Decisions go through the state machine, issue their notice, notify the citizen, and are
taken only by the assigned official or a supervisor of the office."""

import datetime

import pytest
from django.core import mail
from django.test import Client

from petitions import services as citizen_services
from petitions.calendar import add_working_days, local_today, working_days_between
from petitions.models import Petition, SupplementRequest, TimelineEvent
from portal.models import OfficeMembership
from sharing.documents.models import DocumentRequest
from sharing.models import FetchRequest
from tests.conftest import login_verified
from tests.factories import MembershipFactory, OfficialFactory

pytestmark = pytest.mark.django_db
S = Petition.Status


def _url(petition, action):
    return f"/officer/petitions/{petition.receipt_no}/{action}/"


def _supplement_data(**overrides):
    return {
        "message": "건축물 현황 사진을 올려 주세요.",
        "field_keys": ["floor_area"],
        "documents_requested": "on",
        "due_date": add_working_days(local_today(), 5).isoformat(),
        **overrides,
    }


@pytest.fixture
def colleague(office):
    return MembershipFactory(office=office, user=OfficialFactory(username="colleague")).user


# --- Who decides ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "action,data",
    [
        ("approve", {"decision": "승인합니다."}),
        ("reject", {"reason": "요건 미충족"}),
        ("supplement", None),
    ],
)
def test_an_official_who_is_not_assigned_cannot_decide(official_client, petition, colleague, action, data):
    petition.assigned_to = colleague
    petition.save(update_fields=["assigned_to"])
    response = official_client.post(_url(petition, action), data or _supplement_data())
    assert response.status_code == 403
    assert "배정된 담당자" in response.content.decode() or "assigned" in response.content.decode()
    petition.refresh_from_db()
    assert petition.status == S.UNDER_REVIEW
    assert not DocumentRequest.objects.filter(case_ref=petition.receipt_no, kind="result_notice").exists()


def test_an_unassigned_petition_must_be_claimed_before_a_reviewer_decides(official_client, petition):
    assert official_client.post(_url(petition, "approve"), {}).status_code == 403
    assert official_client.post(_url(petition, "claim"), {}).status_code == 302
    petition.refresh_from_db()
    assert petition.assigned_to.username == "official-a"
    assert official_client.post(_url(petition, "approve"), {}).status_code == 302
    petition.refresh_from_db()
    assert petition.status == S.APPROVED


def test_a_petition_claimed_by_someone_else_cannot_be_claimed(official_client, petition, colleague):
    petition.assigned_to = colleague
    petition.save(update_fields=["assigned_to"])
    official_client.post(_url(petition, "claim"), {})
    petition.refresh_from_db()
    assert petition.assigned_to_id == colleague.pk


def test_a_supervisor_of_the_office_decides_any_petition(supervisor, petition, colleague):
    petition.assigned_to = colleague
    petition.save(update_fields=["assigned_to"])
    client = login_verified(Client(), supervisor)
    assert client.post(_url(petition, "reject"), {"reason": "서류 불일치"}).status_code == 302
    petition.refresh_from_db()
    assert petition.status == S.REJECTED


def test_a_supervisor_of_another_office_gets_404(petition, other_office):
    boss = MembershipFactory(
        office=other_office, user=OfficialFactory(username="boss-b"), role=OfficeMembership.Role.SUPERVISOR
    ).user
    client = login_verified(Client(), boss)
    assert client.post(_url(petition, "approve"), {}).status_code == 404


# --- Approve and reject ------------------------------------------------------------------------


def test_approve_goes_through_the_state_machine_issues_the_result_notice_and_notifies(
    official_client, official, assigned_petition, queued_renders, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = official_client.post(_url(assigned_petition, "approve"), {"decision": "용도변경을 수리합니다."})
    assert response.status_code == 302
    petition = Petition.objects.get(pk=assigned_petition.pk)
    assert petition.status == S.APPROVED and petition.decided_at is not None
    event = TimelineEvent.objects.filter(petition=petition).last()
    assert (event.from_status, event.to_status, event.actor_id) == (S.UNDER_REVIEW, S.APPROVED, official.pk)
    notice = DocumentRequest.objects.get(case_ref=petition.receipt_no, kind="result_notice")
    assert notice.template_name == "documents/result_notice.html"
    assert notice.context["outcome"] == "approved"
    assert notice.context["decision"] == "용도변경을 수리합니다."
    assert notice.owner_id == petition.applicant_id and notice.issuing_office_id == petition.office_id
    assert queued_renders == [notice.pk]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["citizen@example.org"]


def test_approve_waits_for_information_still_being_fetched(official_client, assigned_petition, items):
    FetchRequest.objects.filter(case_ref=assigned_petition.receipt_no, item=items["land"]).update(state="retrying")
    response = official_client.post(_url(assigned_petition, "approve"), {})
    assert response.status_code == 400
    assert Petition.objects.get(pk=assigned_petition.pk).status == S.UNDER_REVIEW


def test_reject_needs_a_reason(official_client, assigned_petition):
    response = official_client.post(_url(assigned_petition, "reject"), {"reason": "   "})
    assert response.status_code == 400
    assert Petition.objects.get(pk=assigned_petition.pk).status == S.UNDER_REVIEW


def test_reject_issues_the_rejection_notice_with_the_reason(
    official_client, assigned_petition, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        official_client.post(_url(assigned_petition, "reject"), {"reason": "위반건축물로 표시되어 있습니다."})
    petition = Petition.objects.get(pk=assigned_petition.pk)
    assert petition.status == S.REJECTED
    notice = DocumentRequest.objects.get(case_ref=petition.receipt_no, kind="result_notice")
    assert notice.context["outcome"] == "rejected"
    assert notice.context["reasons"] == "위반건축물로 표시되어 있습니다."
    assert TimelineEvent.objects.filter(petition=petition).last().note == "위반건축물로 표시되어 있습니다."
    assert len(mail.outbox) == 1


def test_a_decided_petition_cannot_be_decided_again(official_client, assigned_petition):
    official_client.post(_url(assigned_petition, "approve"), {})
    response = official_client.post(_url(assigned_petition, "reject"), {"reason": "번복"})
    assert response.status_code == 302 or response.status_code == 400
    assert Petition.objects.get(pk=assigned_petition.pk).status == S.APPROVED
    assert DocumentRequest.objects.filter(case_ref=assigned_petition.receipt_no, kind="result_notice").count() == 1


# --- Supplements -------------------------------------------------------------------------------


def test_supplement_request_stops_the_clock_issues_a_notice_and_notifies(
    official_client, official, assigned_petition, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = official_client.post(_url(assigned_petition, "supplement"), _supplement_data())
    assert response.status_code == 302
    petition = Petition.objects.get(pk=assigned_petition.pk)
    assert petition.status == S.SUPPLEMENT_REQUESTED
    assert petition.suspended_since == local_today()
    supplement = SupplementRequest.objects.get(petition=petition)
    assert supplement.field_keys == ["floor_area"] and supplement.documents_requested
    assert supplement.requested_by_id == official.pk
    notice = DocumentRequest.objects.get(case_ref=petition.receipt_no, kind="supplement_notice")
    assert notice.context["reason"] == "건축물 현황 사진을 올려 주세요."
    assert "면적" in notice.context["items"]
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    "data,message",
    [
        (_supplement_data(message=""), None),
        (_supplement_data(field_keys=[], documents_requested=""), None),
        (_supplement_data(due_date=local_today().isoformat()), None),
        (_supplement_data(due_date="not a date"), None),
        (_supplement_data(field_keys=["no_such_field"]), None),
    ],
)
def test_a_bad_supplement_request_is_refused_with_a_message(official_client, assigned_petition, data, message):
    response = official_client.post(_url(assigned_petition, "supplement"), data)
    assert response.status_code == 400
    assert "krds-critical-alert" in response.content.decode()
    assert Petition.objects.get(pk=assigned_petition.pk).status == S.UNDER_REVIEW


def test_the_due_date_moves_by_the_working_days_the_clock_stood_still(official_client, assigned_petition):
    official_client.post(_url(assigned_petition, "supplement"), _supplement_data())
    petition = Petition.objects.get(pk=assigned_petition.pk)
    due_before = petition.due_date
    # The request was made 14 calendar days ago (the clock has stood still since then).
    stopped_since = local_today() - datetime.timedelta(days=14)
    Petition.objects.filter(pk=petition.pk).update(suspended_since=stopped_since)
    supplement = SupplementRequest.objects.get(petition=petition)
    citizen_services.supplement_respond(
        supplement=supplement, actor=petition.applicant, answers={"floor_area": 130}, note="면적을 고쳤습니다."
    )
    petition.refresh_from_db()
    stopped = working_days_between(stopped_since, local_today())
    assert stopped >= 8
    assert petition.status == S.SUPPLEMENT_SUBMITTED
    assert petition.suspended_days == stopped
    assert petition.due_date == add_working_days(due_before, stopped)
    # The official can decide again once the citizen has answered.
    assert official_client.post(_url(petition, "approve"), {}).status_code == 302
    assert Petition.objects.get(pk=petition.pk).status == S.APPROVED


def test_decision_forms_are_offered_to_the_assignee_only(official_client, petition, colleague):
    content = official_client.get(f"/officer/petitions/{petition.receipt_no}/").content.decode()
    assert _url(petition, "approve") not in content and _url(petition, "claim") in content
    petition.assigned_to = colleague
    petition.save(update_fields=["assigned_to"])
    content = official_client.get(f"/officer/petitions/{petition.receipt_no}/").content.decode()
    assert _url(petition, "approve") not in content and _url(petition, "claim") not in content
    client = login_verified(Client(), colleague)
    content = client.get(f"/officer/petitions/{petition.receipt_no}/").content.decode()
    assert _url(petition, "approve") in content and _url(petition, "supplement") in content

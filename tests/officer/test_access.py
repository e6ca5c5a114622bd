"""Office isolation: every officer URL of a petition is a 404 to officials of another office and
to citizens (its own applicant included), and sends anonymous visitors to the login page
without telling whether the petition exists. Officials idle for 30 minutes log in again."""

import datetime
import uuid
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from petitions.models import Petition
from tests.conftest import login_verified

MISSING = "2026-0999999"


def petition_urls(receipt_no: str) -> list[tuple[str, str, dict]]:
    base = f"/officer/petitions/{receipt_no}/"
    return [
        ("get", base, {}),
        ("post", base + "reveal/", {"item": "resident_abstract", "field": "rrn", "reason": "본인 확인"}),
        ("post", base + "claim/", {}),
        ("post", base + "notes/", {"text": "메모"}),
        ("post", base + "refetch/resident_abstract/", {}),
        ("post", base + "verified/land_register/", {"reason": "창구에서 종이 토지대장 확인"}),
        ("post", base + "approve/", {"decision": "승인"}),
        ("post", base + "reject/", {"reason": "요건 미충족"}),
        ("post", base + "supplement/", {"message": "보완", "documents_requested": "on", "due_date": "2099-01-01"}),
        ("get", base + f"attachments/{uuid.uuid4()}/", {}),
        ("post", base + "letter/accept/", {}),
        ("post", base + "letter/refuse/", {"reason": "서명 없음"}),
        ("post", base + f"documents/{uuid.uuid4()}/correct/", {"reason": "오기", "token": str(uuid.uuid4())}),
    ]


def test_every_petition_url_of_the_officer_workspace_is_listed():
    from petitions import urls_officer

    with_receipt = [str(p.pattern) for p in urls_officer.urlpatterns if "<receipt:receipt_no>" in str(p.pattern)]
    assert len(with_receipt) == len(petition_urls("x"))


@pytest.mark.parametrize("index", range(13))
def test_official_of_another_office_gets_404(petition, other_official, index):
    client = login_verified(Client(), other_official)
    method, url, data = petition_urls(petition.receipt_no)[index]
    assert getattr(client, method)(url, data).status_code == 404
    petition.refresh_from_db()
    assert petition.status == Petition.Status.UNDER_REVIEW and petition.assigned_to_id is None


@pytest.mark.parametrize("index", range(13))
def test_the_applicant_and_other_citizens_get_404(petition, citizen, other_citizen, index):
    for user in (citizen, other_citizen):
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        method, url, data = petition_urls(petition.receipt_no)[index]
        assert getattr(client, method)(url, data).status_code == 404


@pytest.mark.parametrize("index", range(13))
def test_anonymous_visitors_learn_nothing(petition, index):
    client = Client()
    method, url, data = petition_urls(petition.receipt_no)[index]
    existing = getattr(client, method)(url, data)
    missing_method, missing_url, missing_data = petition_urls(MISSING)[index]
    missing = getattr(client, missing_method)(missing_url, missing_data)
    assert existing.status_code == missing.status_code == 404
    # Same page either way (but for the per-response CSRF token).
    assert len(existing.content) == len(missing.content)
    assert petition.applicant_details["name"] not in existing.content.decode()


@pytest.mark.parametrize("index", range(13))
def test_an_unknown_receipt_number_is_404_too(official_client, petition, index):
    method, url, data = petition_urls(MISSING)[index]
    assert getattr(official_client, method)(url, data).status_code == 404


def test_the_queue_shows_only_the_offices_petitions(official_client, petition, other_office, citizen):
    from tests.officer.factories import OfficerPetitionFactory

    elsewhere = OfficerPetitionFactory(
        applicant=citizen, petition_type__slug="elsewhere", petition_type__handling_office=other_office
    )
    content = official_client.get("/officer/").content.decode()
    assert petition.receipt_no in content
    assert elsewhere.receipt_no not in content
    # Even searched for by its number.
    content = official_client.get("/officer/", {"q": elsewhere.receipt_no}).content.decode()
    assert f"/officer/petitions/{elsewhere.receipt_no}/" not in content
    assert "일치하는 민원이 없습니다" in content or "No petition matches" in content


def test_supervisor_pages_are_404_to_reviewers_and_citizens(official_client, citizen_client):
    assert official_client.get("/officer/overview/").status_code == 404
    assert official_client.post("/officer/assign/", {}).status_code == 404
    assert citizen_client.get("/officer/overview/").status_code == 404
    assert citizen_client.post("/officer/assign/", {}).status_code == 404


def test_an_official_idle_for_30_minutes_must_log_in_again(official_client, petition):
    url = f"/officer/petitions/{petition.receipt_no}/"
    assert official_client.get(url).status_code == 200
    assert official_client.session.get_expiry_age() == 30 * 60
    later = timezone.now() + datetime.timedelta(minutes=29)
    with mock.patch("django.contrib.sessions.backends.db.timezone.now", return_value=later):
        assert official_client.get(url).status_code == 200  # activity restarts the idle clock
    idle = later + datetime.timedelta(minutes=31)
    with mock.patch("django.contrib.sessions.backends.db.timezone.now", return_value=idle):
        response = official_client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/?next=")

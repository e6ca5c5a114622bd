"""An official moves on a petition whose item an agency cannot give: asks the citizen for the
document by supplement (prefilled), or marks the item verified by other means with a reason."""

import datetime

import pytest
from django.core import mail

from petitions.calendar import local_today
from petitions.models import InternalNote, Petition, SupplementRequest, TimelineEvent
from sharing.models import AccessLogEntry, FetchedData, FetchRequest
from sharing.services import fetch_execute
from tests.officer.factories import RESIDENT_VALUES, OfficerPetitionFactory, failed, fetched

pytestmark = pytest.mark.django_db
S = Petition.Status


def _url(petition, action=""):
    return f"/officer/petitions/{petition.receipt_no}/{action}"


@pytest.fixture
def collecting(office, citizen, items, official, queued_renders):
    """Collecting: the resident abstract arrived, the land register's agency is down (retrying)."""
    petition = OfficerPetitionFactory(
        applicant=citizen, petition_type__handling_office=office, status=S.COLLECTING, assigned_to=official
    )
    fetched(petition, items["resident"], RESIDENT_VALUES)
    failed(petition, items["land"], code="connection_error", state="retrying")
    return petition


def _land(petition) -> FetchRequest:
    return FetchRequest.objects.get(case_ref=petition.receipt_no, item__code="land_register")


def test_verified_by_other_means_stops_the_fetch_and_the_petition_goes_to_review(
    official_client, official, collecting, django_capture_on_commit_callbacks
):
    page = official_client.get(_url(collecting)).content.decode()
    assert _url(collecting, "verified/land_register/") in page and "supplement_item=land_register" in page
    before = AccessLogEntry.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = official_client.post(
            _url(collecting, "verified/land_register/"), {"reason": "창구에서 종이 토지대장 확인"}
        )
    assert response.status_code == 302
    land = _land(collecting)
    assert (land.state, land.error_code, land.next_attempt_at) == ("failed", "verified_otherwise", None)
    collecting.refresh_from_db()
    assert collecting.status == S.UNDER_REVIEW
    event = TimelineEvent.objects.get(petition=collecting, note_key="verified_otherwise")
    assert event.actor_id == official.pk and "토지대장" in event.note
    note = InternalNote.objects.get(petition=collecting, kind="verified_otherwise")
    assert "창구에서 종이 토지대장 확인" in note.text and note.author_id == official.pk
    assert AccessLogEntry.objects.count() == before  # no personal data was read
    # A late answer of the agency is not stored, and no further attempt is made.
    assert fetch_execute(fetch_request_id=land.pk) == "done"
    assert not FetchedData.objects.filter(fetch_request=land).exists()
    # Shown on the review page; no second marking (a replayed form): a message, not a 500.
    page = official_client.get(_url(collecting)).content.decode()
    assert "다른 방법으로 확인" in page
    replay = official_client.post(_url(collecting, "verified/land_register/"), {"reason": "다시"})
    assert replay.status_code == 404 or replay.status_code == 400
    assert InternalNote.objects.filter(petition=collecting, kind="verified_otherwise").count() == 1


def test_verified_by_other_means_needs_a_reason_and_a_real_unfetched_item(official_client, collecting):
    assert official_client.post(_url(collecting, "verified/land_register/"), {"reason": " "}).status_code == 400
    assert official_client.post(_url(collecting, "verified/no_such_item/"), {"reason": "x"}).status_code == 404
    # The resident abstract was fetched: it cannot be marked.
    response = official_client.post(_url(collecting, "verified/resident_abstract/"), {"reason": "x"})
    assert response.status_code == 400
    assert FetchRequest.objects.get(case_ref=collecting.receipt_no, item__code="resident_abstract").state == "fetched"
    assert _land(collecting).state == "retrying"
    # Forged characters in the item code: no match, no 500.
    assert official_client.post(_url(collecting, "verified/%E2%80%A8/"), {"reason": "x"}).status_code == 404


def test_the_supplement_form_asks_for_the_items_document_and_stops_the_fetch(
    official_client, collecting, django_capture_on_commit_callbacks
):
    page = official_client.get(_url(collecting) + "?supplement_item=land_register").content.decode()
    assert 'name="item" value="land_register"' in page
    assert "토지대장" in page and "첨부" in page  # the prefilled message names the document
    # A forged item: no prefill, no 500.
    forged = official_client.get(_url(collecting) + "?supplement_item=<x>")
    assert forged.status_code == 200 and 'name="item" value="land_register"' not in forged.content.decode()
    due = (local_today() + datetime.timedelta(days=14)).isoformat()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = official_client.post(
            _url(collecting, "supplement/"),
            {
                "message": "토지대장 등본을 올려 주세요.",
                "documents_requested": "on",
                "due_date": due,
                "item": "land_register",
            },
        )
    assert response.status_code == 302
    land = _land(collecting)
    assert (land.state, land.error_code) == ("failed", "requested_by_supplement")
    collecting.refresh_from_db()
    assert collecting.status == S.SUPPLEMENT_REQUESTED
    assert SupplementRequest.objects.get(petition=collecting).documents_requested
    assert len(mail.outbox) == 1


def test_a_supplement_for_an_item_while_other_items_are_pending_is_refused(
    official_client, office, citizen, items, official, queued_renders
):
    petition = OfficerPetitionFactory(
        applicant=citizen, petition_type__handling_office=office, status=S.COLLECTING, assigned_to=official
    )
    failed(petition, items["resident"], code="", state="waiting")
    failed(petition, items["land"], code="connection_error", state="retrying")
    due = (local_today() + datetime.timedelta(days=14)).isoformat()
    response = official_client.post(
        _url(petition, "supplement/"),
        {"message": "토지대장", "documents_requested": "on", "due_date": due, "item": "land_register"},
    )
    assert response.status_code == 400
    assert _land(petition).state == "retrying"  # rolled back
    petition.refresh_from_db()
    assert petition.status == S.COLLECTING
    # A forged item in the form: a message, not a 500.
    response = official_client.post(
        _url(petition, "supplement/"),
        {"message": "x", "documents_requested": "on", "due_date": due, "item": "nope"},
    )
    assert response.status_code == 400

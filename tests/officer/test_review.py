"""The review page: what the citizen entered, the fetched information per item with its
provenance, masking and reveal, re-fetch, attachments and internal notes."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from petitions.models import InternalNote
from sharing.models import AccessLogEntry, FetchRequest
from tests.officer.factories import RRN

pytestmark = pytest.mark.django_db


def _url(petition, suffix=""):
    return f"/officer/petitions/{petition.receipt_no}/{suffix}"


def test_review_shows_entered_and_fetched_information_with_provenance(official_client, petition):
    response = official_client.get(_url(petition))
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("private") and "no-store" in response["Cache-Control"]
    content = response.content.decode()
    assert "1층을 소매점으로 바꾸려 합니다." in content and "120" in content  # what the citizen entered
    assert "서울특별시 종로구 자하문로 10" in content and "165.3" in content  # fetched fields
    assert "행정안전부" in content and "국토교통부" in content  # agencies
    for fetch in FetchRequest.objects.filter(case_ref=petition.receipt_no):
        assert fetch.txn_id in content  # the transaction id of each item


def test_only_the_mapped_fields_are_shown(official_client, petition):
    content = official_client.get(_url(petition)).content.decode()
    assert "전입일" not in content  # a field of the item this petition type does not use


def test_the_rrn_is_masked(official_client, petition):
    content = official_client.get(_url(petition)).content.decode()
    assert RRN not in content
    assert "900101-1******" in content


def test_opening_the_review_page_logs_one_entry_per_item_shown(official_client, official, petition):
    before = AccessLogEntry.objects.count()
    official_client.get(_url(petition))
    entries = list(AccessLogEntry.objects.order_by("sequence")[before:])
    assert [(e.action, e.item_code) for e in entries] == [("viewed", "resident_abstract"), ("viewed", "land_register")]
    assert all(e.actor_id == official.pk and e.case_ref == petition.receipt_no for e in entries)
    assert all(e.office_id == petition.office_id for e in entries)


def test_an_item_not_fetched_is_not_logged_and_shows_why(official_client, petition, items):
    FetchRequest.objects.filter(case_ref=petition.receipt_no, item=items["land"]).update(
        state="failed", error_code="timeout"
    )
    before = AccessLogEntry.objects.count()
    content = official_client.get(_url(petition)).content.decode()
    assert AccessLogEntry.objects.count() == before + 1
    assert "165.3" not in content
    assert "refetch/land_register/" in content  # the official is offered a re-fetch


def test_reveal_shows_the_value_once_and_logs_the_reason(official_client, official, petition):
    response = official_client.post(
        _url(petition, "reveal/"), {"item": "resident_abstract", "field": "rrn", "reason": "동명이인 여부 확인"}
    )
    assert response.status_code == 200
    assert RRN in response.content.decode()
    entry = AccessLogEntry.objects.filter(action="revealed").get()
    assert entry.actor_id == official.pk and entry.item_code == "resident_abstract"
    assert "동명이인 여부 확인" in entry.detail and "rrn" in entry.detail
    # The next page view is masked again.
    assert RRN not in official_client.get(_url(petition)).content.decode()


def test_reveal_without_a_reason_is_refused(official_client, petition):
    response = official_client.post(
        _url(petition, "reveal/"), {"item": "resident_abstract", "field": "rrn", "reason": "  "}
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert RRN not in content
    assert not AccessLogEntry.objects.filter(action="revealed").exists()


def test_only_unique_identifiers_can_be_revealed(official_client, petition):
    response = official_client.post(
        _url(petition, "reveal/"), {"item": "land_register", "field": "pnu", "reason": "확인"}
    )
    assert response.status_code == 400
    response = official_client.post(
        _url(petition, "reveal/"), {"item": "no_such_item", "field": "rrn", "reason": "확인"}
    )
    assert response.status_code == 400
    assert not AccessLogEntry.objects.filter(action="revealed").exists()


def test_refetch_queues_the_item_again_and_is_recorded(
    official_client, official, petition, items, queued_fetches, django_capture_on_commit_callbacks
):
    fetch = FetchRequest.objects.get(case_ref=petition.receipt_no, item=items["land"])
    FetchRequest.objects.filter(pk=fetch.pk).update(state="failed", error_code="timeout")
    with django_capture_on_commit_callbacks(execute=True):
        response = official_client.post(_url(petition, "refetch/land_register/"))
    assert response.status_code == 302
    fetch.refresh_from_db()
    assert fetch.state == "waiting" and fetch.requested_by_id == official.pk and fetch.error_code == ""
    assert queued_fetches == [fetch.pk]
    note = InternalNote.objects.get(petition=petition, kind=InternalNote.Kind.REFETCH)
    assert note.author_id == official.pk and "토지대장" in note.text


def test_refetch_of_an_item_being_fetched_is_refused_with_a_message(official_client, petition, items, queued_fetches):
    FetchRequest.objects.filter(case_ref=petition.receipt_no, item=items["land"]).update(state="fetching")
    response = official_client.post(_url(petition, "refetch/land_register/"), follow=True)
    assert queued_fetches == []
    assert "이미" in response.content.decode() or "already" in response.content.decode()


def test_refetch_of_an_item_the_case_does_not_have_is_404(official_client, petition):
    assert official_client.post(_url(petition, "refetch/vehicle_registration/")).status_code == 404


def test_internal_notes_are_added_and_shown(official_client, official, petition):
    response = official_client.post(_url(petition, "notes/"), {"text": "현장 확인 필요"})
    assert response.status_code == 302
    assert InternalNote.objects.get(petition=petition, kind="note").author_id == official.pk
    assert "현장 확인 필요" in official_client.get(_url(petition)).content.decode()
    assert official_client.post(_url(petition, "notes/"), {"text": ""}).status_code == 400


def test_internal_notes_are_not_shown_to_the_citizen(petition, official):
    from django.test import Client

    InternalNote.objects.create(petition=petition, author=official, text="내부 검토 메모")
    client = Client()
    client.force_login(petition.applicant, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(f"/my/petitions/{petition.receipt_no}/")
    assert response.status_code == 200
    assert "내부 검토 메모" not in response.content.decode()


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def test_attachments_are_shown_inline_and_logged(official_client, official, petition):
    from sharing.documents.services import attachment_store

    document = attachment_store(
        uploaded_file=SimpleUploadedFile("plan.png", _png(), content_type="image/png"),
        case_ref=petition.receipt_no,
        owner=petition.applicant,
        issuing_office=petition.office,
        title="평면도",
    )
    content = official_client.get(_url(petition)).content.decode()
    inline_url = _url(petition, f"attachments/{document.public_id}/")
    assert f'src="{inline_url}"' in content and "평면도" in content
    response = official_client.get(inline_url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("inline")
    assert response["Content-Type"] == "image/png"
    assert AccessLogEntry.objects.filter(action="downloaded", actor=official, detail=str(document.public_id)).exists()


def test_a_pdf_attachment_is_downloaded_in_a_sandbox_never_shown_inline(official_client, official, petition):
    """A PDF can carry scripts: officials get it as a download, with a sandboxing CSP and nosniff."""
    from sharing.documents.services import attachment_store
    from tests.documents.factories import pdf_with_active_content

    document = attachment_store(
        uploaded_file=SimpleUploadedFile("plan.pdf", pdf_with_active_content(), content_type="application/pdf"),
        case_ref=petition.receipt_no,
        owner=petition.applicant,
        issuing_office=petition.office,
        title="평면도",
    )
    content = official_client.get(_url(petition)).content.decode()
    url = _url(petition, f"attachments/{document.public_id}/")
    assert f'href="{url}" download' in content and 'target="_blank"' not in content.split(url)[1][:80]
    response = official_client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/pdf"
    policy = response["Content-Security-Policy"]
    assert "sandbox" in [directive.strip().split(" ")[0] for directive in policy.split(";")]
    assert "script-src" not in policy and "default-src 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    body = b"".join(response.streaming_content)
    assert b"/OpenAction" not in body and b"/JavaScript" not in body


def test_an_image_attachment_is_inline_but_sandboxed(official_client, petition):
    from sharing.documents.services import attachment_store

    document = attachment_store(
        uploaded_file=SimpleUploadedFile("plan.png", _png(), content_type="image/png"),
        case_ref=petition.receipt_no,
        owner=petition.applicant,
        issuing_office=petition.office,
        title="평면도",
    )
    response = official_client.get(_url(petition, f"attachments/{document.public_id}/"))
    assert response["Content-Disposition"].startswith("inline;")
    assert response["Content-Security-Policy"].startswith("sandbox;")
    assert response["X-Content-Type-Options"] == "nosniff"

"""Corrections of issued documents: an official of the petition's office issues a corrected receipt
or result notice that supersedes the old one; /verify/ of the old code says so and names the new
one; the citizen sees both on their page and is told by e-mail in their language."""

import io
import logging
import uuid

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pypdf import PdfReader

from petitions import officer_services
from petitions.models import Petition, TimelineEvent
from portal.models import OfficeMembership
from sharing.documents.models import DocumentRequest, EDocument
from sharing.documents.services import document_render
from sharing.models import AccessLogEntry
from tests.conftest import login_verified
from tests.documents.factories import issued_document
from tests.factories import MembershipFactory, OfficialFactory
from tests.officer.factories import OfficerPetitionFactory

pytestmark = pytest.mark.django_db
S = Petition.Status
DECISION = "용도변경을 수리합니다."
CORRECTED_DECISION = "1층 소매점으로의 용도변경을 수리합니다."
REASON = "결정 내용에 층수가 빠져 있었습니다."


@pytest.fixture(autouse=True)
def _media(isolated_media):
    """Each test's files in its own folder."""


def _issue(request: DocumentRequest) -> EDocument:
    """Renders and signs a requested document as the worker does."""
    return document_render(document_request_id=request.pk)


@pytest.fixture
def result_notice(assigned_petition, official):
    officer_services.petition_approve(petition=assigned_petition, actor=official, decision=DECISION)
    return _issue(DocumentRequest.objects.get(case_ref=assigned_petition.receipt_no, kind="result_notice"))


def _url(petition, document) -> str:
    return f"/officer/petitions/{petition.receipt_no}/documents/{document.public_id}/correct/"


def _data(**overrides) -> dict:
    return {"token": str(uuid.uuid4()), "reason": REASON, "decision": CORRECTED_DECISION, **overrides}


@pytest.fixture
def colleague(office):
    """An official of the office who is neither assigned to the petition nor a supervisor."""
    return MembershipFactory(office=office, user=OfficialFactory(username="colleague")).user


# --- The correction ---------------------------------------------------------------------------


def test_the_handling_official_corrects_a_result_notice_and_the_new_one_supersedes_it(
    official_client, official, assigned_petition, result_notice, queued_renders, django_capture_on_commit_callbacks
):
    page = official_client.get(_url(assigned_petition, result_notice))
    assert page.status_code == 200
    html = page.content.decode()
    assert DECISION in html and result_notice.display_code in html
    review = official_client.get(f"/officer/petitions/{assigned_petition.receipt_no}/").content.decode()
    assert _url(assigned_petition, result_notice) in review

    with django_capture_on_commit_callbacks(execute=True):
        response = official_client.post(_url(assigned_petition, result_notice), _data())
    assert response.status_code == 302
    correction = DocumentRequest.objects.get(supersedes=result_notice)
    assert correction.kind == "result_notice" and correction.template_name == "documents/result_notice.html"
    assert correction.context["decision"] == CORRECTED_DECISION
    assert correction.context["outcome"] == "approved"
    assert correction.context["correction"] == {"reason": REASON}
    assert correction.owner_id == result_notice.owner_id and correction.language == result_notice.language
    assert correction.pk in queued_renders
    event = TimelineEvent.objects.filter(petition=assigned_petition).last()
    assert (event.note_key, event.actor_id, event.to_status) == ("document_corrected", official.pk, S.APPROVED)
    assert REASON in event.note_text and "처리결과 통지서" in event.note_text

    corrected = _issue(correction)
    assert corrected.supersedes_id == result_notice.pk
    result_notice.refresh_from_db()
    assert result_notice.is_superseded and result_notice.superseded_by == corrected
    # The old row and file are untouched (e-documents are immutable).
    assert result_notice.file.read()


def test_the_corrected_pdf_says_what_it_replaces_and_why_in_korean(
    official_client, assigned_petition, result_notice, django_capture_on_commit_callbacks
):
    official_client.post(_url(assigned_petition, result_notice), _data())
    corrected = _issue(DocumentRequest.objects.get(supersedes=result_notice))
    with corrected.file.open("rb") as handle:
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages)
    assert CORRECTED_DECISION in text
    assert REASON in text
    assert "정정본" in text
    assert result_notice.display_code in text  # the document it replaces
    assert corrected.display_code in text  # its own code
    assert DECISION not in text.replace(CORRECTED_DECISION, "")


def test_a_supervisor_corrects_too_and_a_rejection_needs_its_reasons(
    supervisor, assigned_petition, official, colleague
):
    officer_services.petition_reject(petition=assigned_petition, actor=official, reason="서류 불일치")
    notice = _issue(DocumentRequest.objects.get(case_ref=assigned_petition.receipt_no, kind="result_notice"))
    client = login_verified(Client(), supervisor)
    page = client.get(_url(assigned_petition, notice)).content.decode()
    assert "서류 불일치" in page and 'name="decision"' not in page
    response = client.post(_url(assigned_petition, notice), _data(reasons=""))
    assert response.status_code == 400
    assert not DocumentRequest.objects.filter(supersedes=notice).exists()
    response = client.post(_url(assigned_petition, notice), _data(reasons="건축물대장과 신고 면적이 다릅니다."))
    assert response.status_code == 302
    correction = DocumentRequest.objects.get(supersedes=notice)
    assert correction.context["outcome"] == "rejected"
    assert correction.context["reasons"] == "건축물대장과 신고 면적이 다릅니다."


def test_a_receipt_stored_without_its_request_is_corrected_from_the_petition(
    official_client, assigned_petition, citizen, office
):
    receipt = issued_document(owner=citizen, office=office, case_ref=assigned_petition.receipt_no)
    page = official_client.get(_url(assigned_petition, receipt))
    assert page.status_code == 200 and "김민원" in page.content.decode()
    response = official_client.post(
        _url(assigned_petition, receipt),
        _data(applicant_name="김민원", applicant_address="서울특별시 종로구 자하문로 12", applicant_phone=""),
    )
    assert response.status_code == 302
    correction = DocumentRequest.objects.get(supersedes=receipt)
    assert correction.template_name == "documents/receipt.html"
    assert correction.context["applicant"]["address"] == "서울특별시 종로구 자하문로 12"
    assert correction.context["petition_type"] == "시험 용도변경 신고"
    assert correction.title == receipt.title


# --- Refusals ---------------------------------------------------------------------------------


def test_missing_reason_is_a_translated_400(official_client, assigned_petition, result_notice):
    response = official_client.post(_url(assigned_petition, result_notice), _data(reason="  "))
    assert response.status_code == 400
    assert "krds-critical-alert" in response.content.decode()
    assert "무엇이 잘못되었는지" in response.content.decode()
    english = official_client.post(_url(assigned_petition, result_notice), _data(reason=""), HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 400
    assert "Say what was wrong with the document" in english.content.decode()
    assert not DocumentRequest.objects.filter(supersedes=result_notice).exists()
    assert not TimelineEvent.objects.filter(petition=assigned_petition, note_key="document_corrected").exists()


def test_a_missing_or_forged_token_is_a_400(official_client, assigned_petition, result_notice):
    for token in ("", "not-a-token"):
        response = official_client.post(_url(assigned_petition, result_notice), _data(token=token))
        assert response.status_code == 400
    assert not DocumentRequest.objects.filter(supersedes=result_notice).exists()


def test_a_replayed_form_issues_one_correction(
    official_client, assigned_petition, result_notice, django_capture_on_commit_callbacks
):
    data = _data()
    with django_capture_on_commit_callbacks(execute=True):
        first = official_client.post(_url(assigned_petition, result_notice), data)
        second = official_client.post(_url(assigned_petition, result_notice), data)
    assert first.status_code == second.status_code == 302
    assert DocumentRequest.objects.filter(supersedes=result_notice).count() == 1
    assert TimelineEvent.objects.filter(petition=assigned_petition, note_key="document_corrected").count() == 1
    assert len(mail.outbox) == 1
    # Rendered, then the same form once more: still one.
    _issue(DocumentRequest.objects.get(supersedes=result_notice))
    assert official_client.post(_url(assigned_petition, result_notice), data).status_code == 302
    assert EDocument.objects.filter(supersedes=result_notice).count() == 1


def test_a_superseded_document_is_not_corrected_again(official_client, assigned_petition, result_notice):
    official_client.post(_url(assigned_petition, result_notice), _data())
    # While the correction is being prepared, another correction of the same document is refused.
    pending = official_client.post(_url(assigned_petition, result_notice), _data(decision="또 다른 결정"))
    assert pending.status_code == 409
    assert "이미 정정" in pending.content.decode()
    corrected = _issue(DocumentRequest.objects.get(supersedes=result_notice))
    page = official_client.get(_url(assigned_petition, result_notice)).content.decode()
    assert 'name="reason"' not in page
    assert _url(assigned_petition, corrected) in page  # "correct the newest version"
    again = official_client.post(_url(assigned_petition, result_notice), _data(decision="또 다른 결정"))
    assert again.status_code == 409 and "이미 정정" in again.content.decode()
    assert DocumentRequest.objects.filter(supersedes=result_notice).count() == 1
    # The newest version can be corrected.
    assert official_client.post(_url(assigned_petition, corrected), _data(decision="세 번째")).status_code == 302
    assert DocumentRequest.objects.filter(supersedes=corrected).count() == 1


def test_an_official_of_the_office_who_may_not_decide_gets_403(assigned_petition, result_notice, colleague):
    client = login_verified(Client(), colleague)
    get = client.get(_url(assigned_petition, result_notice))
    post = client.post(_url(assigned_petition, result_notice), _data())
    assert get.status_code == post.status_code == 403
    assert DECISION not in get.content.decode()
    assert "배정된 담당자" in get.content.decode()
    assert not DocumentRequest.objects.filter(supersedes=result_notice).exists()


def test_another_office_a_citizen_and_anonymous_get_404(
    assigned_petition, result_notice, other_official, citizen, other_citizen, other_office
):
    boss = MembershipFactory(
        office=other_office, user=OfficialFactory(username="boss-b"), role=OfficeMembership.Role.SUPERVISOR
    ).user
    clients = [login_verified(Client(), other_official), login_verified(Client(), boss), Client()]
    for user in (citizen, other_citizen):
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        clients.append(client)
    for client in clients:
        assert client.get(_url(assigned_petition, result_notice)).status_code == 404
        assert client.post(_url(assigned_petition, result_notice), _data()).status_code == 404
    assert not DocumentRequest.objects.filter(supersedes=result_notice).exists()
    assert not AccessLogEntry.objects.filter(purpose="edocument_correction").exists()


def test_forged_document_ids_are_404(official_client, assigned_petition, result_notice, citizen, office):
    other_petition = OfficerPetitionFactory(applicant=citizen, petition_type__handling_office=office)
    elsewhere = issued_document(owner=citizen, office=office, case_ref=other_petition.receipt_no)
    attachment = issued_document(
        owner=citizen, office=office, case_ref=assigned_petition.receipt_no, kind="attachment", title="도면"
    )
    base = f"/officer/petitions/{assigned_petition.receipt_no}/documents/"
    for url in (
        f"{base}{uuid.uuid4()}/correct/",
        _url(assigned_petition, elsewhere),  # another petition's document
        _url(assigned_petition, attachment),  # not a receipt or a result
        f"{base}not-a-uuid/correct/",
    ):
        assert official_client.get(url).status_code == 404
        assert official_client.post(url, _data()).status_code == 404
    assert not DocumentRequest.objects.filter(supersedes__isnull=False).exists()


def test_opening_the_correction_page_is_in_the_access_log(official_client, official, assigned_petition, result_notice):
    official_client.get(_url(assigned_petition, result_notice))
    entry = AccessLogEntry.objects.get(purpose="edocument_correction")
    assert (entry.action, entry.item_code, entry.case_ref) == (
        "viewed",
        "edocument:result_notice",
        result_notice.case_ref,
    )
    assert entry.subject_hash == result_notice.subject_hash


# --- What the citizen and everyone else see ---------------------------------------------------


@pytest.fixture
def corrected(official_client, assigned_petition, result_notice):
    official_client.post(_url(assigned_petition, result_notice), _data())
    return _issue(DocumentRequest.objects.get(supersedes=result_notice))


@pytest.mark.parametrize(
    "language,superseded_text,valid_text",
    [
        ("ko", "이 문서는 정정본으로 대체되었습니다", "정정본"),
        ("en", "This document has been superseded.", "It is a corrected version"),
    ],
)
def test_verify_says_the_old_code_was_superseded_by_which_and_the_new_one_is_valid(
    result_notice, corrected, language, superseded_text, valid_text
):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    old = client.get("/verify/", {"code": result_notice.display_code})
    assert old.status_code == 200
    html = old.content.decode()
    assert "documents-alert-warning" in html and superseded_text in html
    assert f"/verify/?code={corrected.display_code}" in html
    new = client.get("/verify/", {"code": corrected.display_code})
    html = new.content.decode()
    assert new.status_code == 200 and "documents-alert-success" in html and valid_text in html
    assert f"/verify/?code={result_notice.display_code}" in html


def test_uploading_the_superseded_pdf_says_it_is_superseded(result_notice, corrected):
    response = Client().post(
        "/verify/",
        {
            "code": result_notice.display_code,
            "file": SimpleUploadedFile("notice.pdf", result_notice.file.read(), "application/pdf"),
        },
    )
    assert response.status_code == 200
    assert response.context["comparison"].identical
    html = response.content.decode()
    assert "documents-alert-danger" not in html
    assert "더 이상 효력이 없습니다" in html and corrected.display_code in html


def test_the_citizens_page_shows_the_old_one_superseded_and_offers_the_new_one(
    citizen_client, assigned_petition, result_notice, corrected
):
    html = citizen_client.get(f"/my/petitions/{assigned_petition.receipt_no}/").content.decode()
    assert f"/documents/{result_notice.public_id}/download/" in html
    assert f"/documents/{corrected.public_id}/download/" in html
    assert f'href="#document-{corrected.public_id}"' in html
    assert "정정본" in html
    assert REASON in html  # the timeline says why


# --- The e-mail ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "language,expected",
    [("ko", ("정정", "효력이 없습니다")), ("en", ("corrected", "no longer valid"))],
)
def test_the_citizen_is_told_by_email_in_their_language(
    official_client,
    assigned_petition,
    result_notice,
    citizen,
    django_capture_on_commit_callbacks,
    caplog,
    language,
    expected,
):
    citizen.preferred_language = language
    citizen.save(update_fields=["preferred_language"])
    caplog.set_level(logging.INFO)
    with django_capture_on_commit_callbacks(execute=True):
        official_client.post(_url(assigned_petition, result_notice), _data())
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["citizen@example.org"]
    assert assigned_petition.receipt_no in message.subject
    for fragment in expected:
        assert fragment in message.subject + message.body
    assert REASON in message.body and result_notice.display_code in message.body
    assert f"/my/petitions/{assigned_petition.receipt_no}/" in message.body
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "citizen@example.org" not in logged and "김민원" not in logged and REASON not in logged

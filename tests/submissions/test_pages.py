"""Submission to a third party, through the pages: the citizen sends, the recipient's staff
retrieves (logged), the citizen sees it; withdrawing, expiry, and who is refused."""

from __future__ import annotations

import datetime
import uuid

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sharing.models import AccessLogEntry
from sharing.submissions import services
from sharing.submissions.models import Recipient, Submission
from tests.conftest import login_verified
from tests.documents.factories import issued_document
from tests.factories import CitizenFactory, MembershipFactory, OfficialFactory

from .helpers import make_submission, submit

pytestmark = pytest.mark.django_db


# --- Sending ----------------------------------------------------------------------------------


def test_the_document_page_offers_submission(linked_client, my_document, bank):
    response = linked_client.get(reverse("submissions:document", args=[my_document.public_id]))
    assert response.status_code == 200
    assert reverse("submissions:submit", args=[my_document.public_id]) in response.content.decode()


def test_submit_is_two_steps_and_a_replayed_form_makes_one_submission(linked_client, my_document, bank):
    url = reverse("submissions:submit", args=[my_document.public_id])
    form = linked_client.get(url)
    assert form.status_code == 200 and "한빛은행" in form.content.decode()
    token = uuid.uuid4().hex
    check = submit(linked_client, my_document, bank, token=token, confirm=False, message="잘 부탁드립니다")
    assert check.status_code == 200
    assert "대출 신청" in check.content.decode() and not Submission.objects.exists()

    sent = submit(linked_client, my_document, bank, token=token)
    submission = Submission.objects.get()
    assert sent.status_code == 302
    assert sent["Location"] == reverse("submissions:my_submission", args=[submission.public_id])
    again = submit(linked_client, my_document, bank, token=token)
    assert again.status_code == 302 and again["Location"] == sent["Location"]
    assert Submission.objects.count() == 1
    assert submission.recipient == bank and submission.purpose == "대출 신청"
    assert submission.expires_at - submission.created_at == datetime.timedelta(days=30)


def test_the_purpose_is_required_and_the_expiry_bounded(linked_client, my_document, bank, settings):
    settings.SUBMISSION_EXPIRY_MAX_DAYS = 60
    empty = submit(linked_client, my_document, bank, purpose="   ")
    assert empty.status_code == 400
    too_long = submit(linked_client, my_document, bank, days=61)
    assert too_long.status_code == 400
    assert submit(linked_client, my_document, bank, days=0).status_code == 400
    assert submit(linked_client, my_document, bank, days="many").status_code == 400
    assert not Submission.objects.exists()


def test_an_inactive_or_forged_recipient_is_refused(linked_client, my_document, bank):
    Recipient.objects.filter(pk=bank.pk).update(is_active=False)
    assert submit(linked_client, my_document, bank).status_code == 400
    forged = linked_client.post(
        reverse("submissions:submit", args=[my_document.public_id]),
        {"recipient": 99999, "purpose": "x", "expires_in_days": 3, "token": uuid.uuid4().hex, "confirm": "1"},
    )
    assert forged.status_code == 400 and not Submission.objects.exists()


def test_a_superseded_document_cannot_be_submitted_but_its_newest_version_can(
    linked_client, linked_citizen, my_document, office, bank
):
    newest = issued_document(
        owner=linked_citizen,
        office=office,
        case_ref=my_document.case_ref,
        supersedes=my_document,
        subject_hash=my_document.subject_hash,
    )
    old = submit(linked_client, my_document, bank)
    assert old.status_code == 400
    assert "newest" in old.content.decode() or "최신" in old.content.decode()
    assert submit(linked_client, newest, bank).status_code == 302
    assert list(Submission.objects.values_list("document_id", flat=True)) == [newest.pk]


def test_uploads_and_documents_about_someone_else_cannot_be_submitted(linked_client, linked_citizen, office, bank):
    from sharing.documents.models import Kind

    upload = issued_document(owner=linked_citizen, office=office, kind=Kind.ATTACHMENT, subject_hash="b" * 64)
    filed_for_someone = issued_document(owner=linked_citizen, office=office, subject_hash="c" * 64)
    assert submit(linked_client, upload, bank).status_code == 400
    assert submit(linked_client, filed_for_someone, bank).status_code == 400
    assert not Submission.objects.exists()


# --- The recipient's inbox ------------------------------------------------------------------------


def _inbox_queries(client) -> int:
    client.get(reverse("submissions:inbox"))  # warm the caches (menu, session)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("submissions:inbox"))
    assert response.status_code == 200
    return len(queries)


def test_the_inbox_reads_a_constant_number_of_queries(bank_client, linked_citizen, office, bank, my_document):
    make_submission(document=my_document, recipient=bank)
    few = _inbox_queries(bank_client)
    for number in range(6):
        document = issued_document(
            owner=linked_citizen,
            office=office,
            case_ref=f"2026-00009{number:02d}",
            subject_hash=my_document.subject_hash,
        )
        make_submission(document=document, recipient=bank)
    assert _inbox_queries(bank_client) == few


def test_staff_retrieves_verifies_and_downloads_and_every_retrieval_is_logged(
    bank_client, bank_staff, linked_client, my_document, bank
):
    submission = make_submission(document=my_document, recipient=bank, purpose="주택담보대출 심사")
    inbox = bank_client.get(reverse("submissions:inbox"))
    assert "주택담보대출 심사" in inbox.content.decode()
    assert not AccessLogEntry.objects.filter(purpose=services.LOG_PURPOSE).exists()  # listing is not opening

    opened = bank_client.get(reverse("submissions:inbox_submission", args=[submission.public_id]))
    assert opened.status_code == 200
    body = opened.content.decode()
    assert my_document.display_code in body
    assert "documents-alert-success" in body  # the signature and the seal verify
    entry = AccessLogEntry.objects.get(purpose=services.LOG_PURPOSE)
    assert entry.action == "viewed" and entry.actor == bank_staff and entry.subject_hash == my_document.subject_hash
    assert f"submission:{submission.public_id}" in entry.detail and "recipient:hanbit-bank" in entry.detail
    assert "주택담보대출 심사" in entry.detail

    download = bank_client.get(reverse("submissions:inbox_download", args=[submission.public_id]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    content = b"".join(download.streaming_content)
    my_document.file.open("rb")
    assert content == my_document.file.read()
    assert AccessLogEntry.objects.filter(purpose=services.LOG_PURPOSE, action="downloaded").count() == 1

    submission.refresh_from_db()
    assert submission.status == Submission.Status.RETRIEVED and submission.retrieved_by == bank_staff
    assert submission.retrieval_count == 2

    # The citizen sees it: on their submission, on the document's page and in "who viewed my information".
    mine = linked_client.get(reverse("submissions:my_submission", args=[submission.public_id])).content.decode()
    assert "윤은행" in mine
    page = linked_client.get(reverse("submissions:document", args=[my_document.public_id])).content.decode()
    assert "윤은행" in page
    log = linked_client.get(reverse("tracker:data_access"))
    assert log.status_code == 200
    text = log.content.decode()
    assert "한빛은행" in text and "주택담보대출 심사" in text


def test_the_access_log_page_keeps_a_constant_number_of_queries(bank_client, linked_client, my_document, bank):
    url = reverse("tracker:data_access")
    make_submission(document=my_document, recipient=bank)
    bank_client.get(reverse("submissions:inbox_submission", args=[Submission.objects.get().public_id]))
    linked_client.get(url)
    with CaptureQueriesContext(connection) as first:
        linked_client.get(url)
    for _ in range(3):
        submission = make_submission(document=my_document, recipient=bank)
        bank_client.get(reverse("submissions:inbox_submission", args=[submission.public_id]))
    with CaptureQueriesContext(connection) as later:
        linked_client.get(url)
    assert len(later) == len(first)


# --- Withdrawing and expiry ------------------------------------------------------------------------


def test_the_citizen_withdraws_before_retrieval_and_the_recipient_can_no_longer_open_it(
    linked_client, bank_client, my_document, bank
):
    submission = make_submission(document=my_document, recipient=bank)
    response = linked_client.post(reverse("submissions:withdraw", args=[submission.public_id]))
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == Submission.Status.WITHDRAWN
    assert bank_client.get(reverse("submissions:inbox_submission", args=[submission.public_id])).status_code == 410
    assert bank_client.get(reverse("submissions:inbox_download", args=[submission.public_id])).status_code == 410
    assert submission.public_id.hex not in bank_client.get(reverse("submissions:inbox")).content.decode()
    assert not AccessLogEntry.objects.filter(purpose=services.LOG_PURPOSE).exists()


def test_withdrawing_after_retrieval_is_refused_with_a_message(linked_client, bank_client, my_document, bank):
    submission = make_submission(document=my_document, recipient=bank)
    bank_client.get(reverse("submissions:inbox_submission", args=[submission.public_id]))
    response = linked_client.post(reverse("submissions:withdraw", args=[submission.public_id]))
    assert response.status_code == 409
    assert "한빛은행" in response.content.decode()
    submission.refresh_from_db()
    assert submission.status == Submission.Status.RETRIEVED


def test_an_expired_submission_can_no_longer_be_retrieved_or_withdrawn(linked_citizen, bank_staff, my_document, bank):
    start = timezone.now()
    submission = make_submission(document=my_document, recipient=bank, days=3, now=start)
    with time_machine.travel(start + datetime.timedelta(days=3, seconds=1), tick=False):
        # Signed in then (a staff session does not last days).
        bank_client = login_verified(Client(), bank_staff)
        linked_client = Client()
        linked_client.force_login(linked_citizen, backend="django.contrib.auth.backends.ModelBackend")
        assert bank_client.get(reverse("submissions:inbox_submission", args=[submission.public_id])).status_code == 410
        assert bank_client.get(reverse("submissions:inbox_download", args=[submission.public_id])).status_code == 410
        assert "inbox_submission" not in bank_client.get(reverse("submissions:inbox")).content.decode()
        assert reverse("submissions:inbox_submission", args=[submission.public_id]) not in (
            bank_client.get(reverse("submissions:inbox")).content.decode()
        )
        assert linked_client.post(reverse("submissions:withdraw", args=[submission.public_id])).status_code == 409
        mine = linked_client.get(reverse("submissions:my_submissions")).content.decode()
        assert "submissions-badge-expired" in mine
        assert services.submissions_expire() == 1
        assert services.submissions_expire() == 0
    submission.refresh_from_db()
    assert submission.status == Submission.Status.EXPIRED
    assert not AccessLogEntry.objects.filter(purpose=services.LOG_PURPOSE).exists()


def test_a_retrieved_submission_closes_at_its_end_too(bank_client, bank_staff, my_document, bank):
    start = timezone.now()
    submission = make_submission(document=my_document, recipient=bank, days=1, now=start)
    assert bank_client.get(reverse("submissions:inbox_submission", args=[submission.public_id])).status_code == 200
    with time_machine.travel(start + datetime.timedelta(days=2), tick=False):
        bank_client = login_verified(Client(), bank_staff)
        assert bank_client.get(reverse("submissions:inbox_submission", args=[submission.public_id])).status_code == 410


# --- Who is refused ---------------------------------------------------------------------------------


@pytest.fixture
def outsiders(db, other_office, employer):
    """Everyone who must not see the citizen's submission: anonymous, another citizen, an official
    of an office, staff of another recipient, and an administrator for the pages of the two sides."""
    other = Client()
    other.force_login(CitizenFactory(username="nosy-citizen"), backend="django.contrib.auth.backends.ModelBackend")
    official = MembershipFactory(office=other_office, user=OfficialFactory(username="nosy-official")).user
    return {
        "anonymous": Client(),
        "another citizen": other,
        "an official of an office": login_verified(Client(), official),
        "staff of another recipient": login_verified(Client(), employer.staff.get()),
    }


def _urls(submission, document):
    return [
        ("GET", reverse("submissions:document", args=[document.public_id])),
        ("GET", reverse("submissions:submit", args=[document.public_id])),
        ("POST", reverse("submissions:submit", args=[document.public_id])),
        ("GET", reverse("submissions:my_submission", args=[submission.public_id])),
        ("POST", reverse("submissions:withdraw", args=[submission.public_id])),
        ("GET", reverse("submissions:inbox_submission", args=[submission.public_id])),
        ("GET", reverse("submissions:inbox_download", args=[submission.public_id])),
    ]


def test_nobody_else_opens_any_page_of_the_submission(outsiders, my_document, bank):
    submission = make_submission(document=my_document, recipient=bank)
    for who, client in outsiders.items():
        for method, url in _urls(submission, my_document):
            response = client.post(url, {"purpose": "x", "confirm": "1"}) if method == "POST" else client.get(url)
            if who == "anonymous":
                assert response.status_code in (302, 404), (who, url)
                if response.status_code == 302:
                    assert response["Location"].startswith(reverse("login")), (who, url)
            else:
                assert response.status_code == 404, (who, method, url, response.status_code)
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SENT and submission.retrieval_count == 0
    assert not AccessLogEntry.objects.filter(purpose=services.LOG_PURPOSE).exists()


def test_the_inbox_shows_only_the_own_recipients_documents(outsiders, employer_client, my_document, bank):
    make_submission(document=my_document, recipient=bank, purpose="전세자금대출")
    assert "전세자금대출" not in employer_client.get(reverse("submissions:inbox")).content.decode()
    for who in ("another citizen", "an official of an office"):
        assert outsiders[who].get(reverse("submissions:inbox")).status_code == 404, who
    assert outsiders["anonymous"].get(reverse("submissions:inbox")).status_code == 302


def test_staff_without_the_second_factor_are_sent_to_it(bank_staff, my_document, bank):
    submission = make_submission(document=my_document, recipient=bank)
    client = Client()
    client.force_login(bank_staff, backend="django.contrib.auth.backends.ModelBackend")
    for url in (reverse("submissions:inbox"), reverse("submissions:inbox_submission", args=[submission.public_id])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("two_factor_verify"))
    assert Submission.objects.get().retrieval_count == 0


def test_forged_ids_are_404(linked_client, bank_client):
    forged = uuid.uuid4()
    for client, name in (
        (linked_client, "submissions:document"),
        (linked_client, "submissions:submit"),
        (linked_client, "submissions:my_submission"),
        (bank_client, "submissions:inbox_submission"),
        (bank_client, "submissions:inbox_download"),
    ):
        assert client.get(reverse(name, args=[forged])).status_code == 404, name
    assert linked_client.post(reverse("submissions:withdraw", args=[forged])).status_code == 404


def test_a_deactivated_recipient_closes_its_inbox(bank_client, bank, my_document):
    submission = make_submission(document=my_document, recipient=bank)
    bank.is_active = False
    bank.save()
    assert bank_client.get(reverse("submissions:inbox")).status_code == 404
    assert bank_client.get(reverse("submissions:inbox_submission", args=[submission.public_id])).status_code == 404


# --- Languages --------------------------------------------------------------------------------------


def test_the_pages_speak_korean_and_english(linked_client, bank_client, my_document, bank):
    submission = make_submission(document=my_document, recipient=bank)
    url = reverse("submissions:submit", args=[my_document.public_id])
    korean = linked_client.get(url, headers={"accept-language": "ko"}).content.decode()
    assert "제3자 제출" in korean and "한빛은행" in korean
    linked_client.cookies["django_language"] = "en"
    english = linked_client.get(url).content.decode()
    assert "Submit to a third party" in english and "Hanbit Bank" in english
    bank_client.cookies["django_language"] = "en"
    inbox = bank_client.get(reverse("submissions:inbox")).content.decode()
    assert "Received documents" in inbox
    bank_client.cookies["django_language"] = "ko"
    assert "받은 전자문서" in bank_client.get(reverse("submissions:inbox")).content.decode()
    mine = linked_client.get(reverse("submissions:my_submission", args=[submission.public_id])).content.decode()
    assert "Sent" in mine


def test_the_citizens_list_reads_a_constant_number_of_queries(linked_client, linked_citizen, office, my_document, bank):
    url = reverse("submissions:my_submissions")
    make_submission(document=my_document, recipient=bank)
    linked_client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert linked_client.get(url).status_code == 200
    for number in range(5):
        document = issued_document(
            owner=linked_citizen,
            office=office,
            case_ref=f"2026-00008{number:02d}",
            subject_hash=my_document.subject_hash,
        )
        make_submission(document=document, recipient=bank)
    with CaptureQueriesContext(connection) as many:
        assert linked_client.get(url).status_code == 200
    assert len(many) == len(few)

"""Downloads, the "preparing" fragment, and the public verification page."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from sharing.audit import AccessLogEntry
from sharing.documents.models import Kind
from sharing.documents.selectors import documents_for_case, documents_for_cases

from .factories import issued_document, receipt_request

pytestmark = pytest.mark.django_db


def _download(client, document):
    return client.get(reverse("documents:download", args=[document.public_id]))


# --- downloads -----------------------------------------------------------------------------


def test_the_download_name_has_the_receipt_number_once_in_rfc_5987_form(citizen_client, citizen, office):
    from urllib.parse import unquote

    receipt = issued_document(owner=citizen, office=office, case_ref="2026-0000006", title="접수증 2026-0000006")
    disposition = _download(citizen_client, receipt)["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert 'filename="receipt-2026-0000006.pdf"' in disposition  # for clients without RFC 5987
    encoded = disposition.split("filename*=UTF-8''")[1]
    assert unquote(encoded) == "접수증 2026-0000006.pdf"
    assert all(ch.isascii() and not ch.isspace() for ch in encoded)
    # A title without the receipt number gets it once; an upload's own extension is not doubled.
    upload = issued_document(
        owner=citizen, office=office, kind=Kind.ATTACHMENT, case_ref="2026-0000006", title="평면도.pdf"
    )
    assert upload.download_filename == "평면도 2026-0000006.pdf"
    assert upload.ascii_download_filename == "attachment-2026-0000006.pdf"


def test_a_download_is_sandboxed(citizen_client, document):
    response = _download(citizen_client, document)
    assert response["Content-Security-Policy"].startswith("sandbox;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_owner_downloads_and_the_download_is_in_the_access_log(citizen_client, citizen, document):
    response = _download(citizen_client, document)
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == document.sha256
    assert response["Content-Type"] == "application/pdf"
    assert "attachment;" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    entry = AccessLogEntry.objects.get()
    assert entry.action == "downloaded" and entry.actor == citizen
    assert entry.case_ref == document.case_ref and entry.subject_hash == document.subject_hash


def test_official_of_the_issuing_office_downloads(official_client, official, document):
    assert _download(official_client, document).status_code == 200
    assert AccessLogEntry.objects.get().actor == official


def test_another_citizen_gets_404(document, other_citizen):
    client = Client()
    client.force_login(other_citizen, backend="django.contrib.auth.backends.ModelBackend")
    assert _download(client, document).status_code == 404
    assert not AccessLogEntry.objects.exists()


def test_an_official_of_another_office_gets_404(document, other_official):
    from tests.conftest import login_verified

    assert _download(login_verified(Client(), other_official), document).status_code == 404


def test_anonymous_and_forged_ids_get_404(document, citizen_client):
    assert _download(Client(), document).status_code == 404
    forged = reverse("documents:download", args=["00000000-0000-4000-8000-000000000000"])
    assert citizen_client.get(forged).status_code == 404
    assert citizen_client.get(f"/documents/{document.pk}/download/").status_code == 404


def test_an_official_without_the_second_factor_is_sent_to_verify_it(document, official):
    client = Client()
    client.force_login(official, backend="django.contrib.auth.backends.ModelBackend")
    response = _download(client, document)
    assert response.status_code == 302 and reverse("two_factor_verify") in response["Location"]


def test_documents_without_personal_data_are_not_logged(citizen_client, citizen, office):
    from sharing.documents import services

    document = services._document_store(
        content=b"%PDF-1.4\n%%EOF",
        media_type="application/pdf",
        extension="pdf",
        kind="result_notice",
        title="공고",
        case_ref="2026-0000999",
        owner=citizen,
        issuing_office=office,
        language="ko",
        idempotency_key="public-notice",
        contains_personal_data=False,
    )
    assert _download(citizen_client, document).status_code == 200
    assert not AccessLogEntry.objects.exists()


# --- the fragment that offers a document ---------------------------------------------------


def test_fragment_polls_while_preparing_then_becomes_a_link(citizen, office, citizen_client):
    from sharing.documents.tasks import render_document

    request = receipt_request(owner=citizen, office=office)  # not rendered yet (on_commit not run)
    url = reverse("documents:request_status", args=[request.public_id])
    pending = citizen_client.get(url).content.decode()
    assert f'hx-get="{url}"' in pending and 'hx-trigger="every 2s"' in pending and 'hx-swap="outerHTML"' in pending

    render_document.apply(args=[request.pk])
    ready = citizen_client.get(url).content.decode()
    request.refresh_from_db()
    assert "hx-get" not in ready
    assert reverse("documents:download", args=[request.document.public_id]) in ready
    assert request.document.display_code in ready


def test_fragment_of_someone_elses_request_is_404(citizen, office, other_citizen):
    request = receipt_request(owner=citizen, office=office)
    client = Client()
    client.force_login(other_citizen, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("documents:request_status", args=[request.public_id])).status_code == 404
    assert Client().get(reverse("documents:request_status", args=[request.public_id])).status_code == 404


def test_documents_for_case_lists_issued_and_pending_in_constant_queries(citizen, office, django_assert_num_queries):
    for _ in range(3):
        issued_document(owner=citizen, office=office, case_ref="2026-0000001")
    receipt_request(owner=citizen, office=office, case_ref="2026-0000001", key="pending-1")
    receipt_request(owner=citizen, office=office, case_ref="2026-0000002", key="pending-2")
    with django_assert_num_queries(2):
        listed = documents_for_case("2026-0000001")
        assert [item.is_issued for item in listed] == [True, True, True, False]
        [item.is_superseded for item in listed if item.is_issued]
    with django_assert_num_queries(2):
        grouped = documents_for_cases(["2026-0000001", "2026-0000002", "2026-0000003"])
    assert [len(grouped[ref]) for ref in ("2026-0000001", "2026-0000002", "2026-0000003")] == [4, 1, 0]


# --- /verify/ --------------------------------------------------------------------------------


def _verify(client, code, **extra):
    return client.get(reverse("documents:verify"), {"code": code}, **extra)


def test_verify_page_is_public_and_shows_the_facts_without_personal_data(document):
    client = Client()
    assert client.get(reverse("documents:verify")).status_code == 200
    response = _verify(client, document.display_code)
    page = response.content.decode()
    assert response.status_code == 200
    assert document.get_kind_display() in page
    assert "종로구청" in page
    assert document.sha256 in page
    assert document.display_code in page
    assert "documents-alert-success" in page
    assert document.owner.full_name not in page and document.owner.username not in page
    assert document.case_ref not in page


def test_verify_accepts_the_code_without_separators_and_in_lower_case(document):
    client = Client()
    assert _verify(client, document.verification_code.lower()).status_code == 200
    spaced = " ".join(document.display_code.split("-"))
    assert _verify(client, spaced).status_code == 200


def test_a_superseded_document_says_so_and_names_the_new_version(document, citizen, office):
    correction = issued_document(owner=citizen, office=office, supersedes=document)
    page = _verify(Client(), document.display_code).content.decode()
    assert "documents-alert-warning" in page
    assert correction.display_code in page
    assert f"?code={correction.display_code}" in page
    page = _verify(Client(), correction.display_code).content.decode()
    assert "documents-alert-success" in page and document.display_code in page


def test_uploading_the_issued_file_matches_and_the_seal_verifies(document):
    content = document.file.read()
    response = Client().post(
        reverse("documents:verify"),
        {"code": document.display_code, "file": SimpleUploadedFile("mine.pdf", content, "application/pdf")},
    )
    assert response.status_code == 200
    comparison = response.context["comparison"]
    assert (comparison.sha256, comparison.identical, comparison.seal_valid) == (document.sha256, True, True)
    assert comparison.signature == "valid" and comparison.ok


def test_a_tampered_file_fails_verification(document):
    content = bytearray(document.file.read())
    content[len(content) // 2] ^= 0x01  # one bit changed
    response = Client().post(
        reverse("documents:verify"),
        {"code": document.display_code, "file": SimpleUploadedFile("mine.pdf", bytes(content), "application/pdf")},
    )
    comparison = response.context["comparison"]
    assert comparison.identical is False and comparison.seal_valid is False
    assert comparison.signature == "modified" and not comparison.ok
    assert "documents-alert-danger" in response.content.decode()


UNKNOWN = "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZ{}"  # well-formed codes that match no document


@pytest.fixture
def fixed_clock(monkeypatch):
    """The throttle's clock, set to the start of an interval and moved by the test."""
    clock = {"now": 3600.0 * 1_000_000}
    monkeypatch.setattr("sharing.documents.throttle._now", lambda: clock["now"])
    return clock


def test_unknown_codes_count_against_the_client_until_429(document, settings, fixed_clock):
    settings.DOCUMENT_VERIFY_MISS_LIMIT = 3
    settings.DOCUMENT_VERIFY_SLOW_SECONDS = 30
    client = Client()
    for attempt in range(3):
        response = _verify(client, UNKNOWN.format(attempt))
        assert response.status_code == 404
    # Past the limit: one lookup per 30 seconds (the slower path), then 429 until the next one.
    slowed = _verify(client, UNKNOWN.format(3))
    assert slowed.status_code == 404 and slowed.context["slowed"] is True
    fixed_clock["now"] += 10
    blocked = _verify(client, document.display_code)  # even a real code, once the limit is reached
    assert blocked.status_code == 429
    assert blocked["Retry-After"] == "20"
    assert document.sha256 not in blocked.content.decode()
    assert "documents-alert-danger" in blocked.content.decode()
    # another address is not affected
    assert _verify(Client(REMOTE_ADDR="10.0.0.9"), document.display_code).status_code == 200


def test_malformed_codes_are_a_400_with_a_message_and_do_not_count(document, settings, fixed_clock):
    settings.DOCUMENT_VERIFY_MISS_LIMIT = 2
    client = Client()
    for malformed in ("hello", "x", "still", "ZZZZ", "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-Z", "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZU"):
        response = _verify(client, malformed)
        assert response.status_code == 400
        assert response.context["code_form"].errors["code"]
        assert "20" in response.content.decode()  # "a verification code has 20 letters and digits"
    assert _verify(client, UNKNOWN.format(1)).status_code == 404
    assert _verify(client, UNKNOWN.format(2)).status_code == 404
    assert _verify(client, UNKNOWN.format(3)).status_code == 404  # the slower path's one lookup
    assert _verify(client, UNKNOWN.format(4)).status_code == 429


def test_the_main_menu_offers_the_verification_page():
    page = Client().get(reverse("home")).content.decode()
    assert f'href="{reverse("documents:verify")}"' in page


def test_an_oversized_comparison_file_is_refused_with_a_message(document, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    response = Client().post(
        reverse("documents:verify"),
        {
            "code": document.display_code,
            "file": SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * 100, "application/pdf"),
        },
    )
    assert response.status_code == 400
    assert "comparison" not in response.context


def test_an_empty_code_is_a_form_error_not_a_miss(settings, fixed_clock):
    settings.DOCUMENT_VERIFY_MISS_LIMIT = 1
    client = Client()
    assert _verify(client, "  ").status_code == 400
    assert _verify(client, "").status_code == 400
    assert _verify(client, UNKNOWN.format(1)).status_code == 404
    assert _verify(client, UNKNOWN.format(2)).status_code == 404  # the slower path
    assert _verify(client, UNKNOWN.format(3)).status_code == 429


def test_verify_and_fragment_pages_use_a_constant_number_of_queries(
    document, citizen, office, citizen_client, django_assert_max_num_queries
):
    correction = issued_document(owner=citizen, office=office, supersedes=document)
    with django_assert_max_num_queries(2):
        assert _verify(Client(), document.display_code).status_code == 200
    with django_assert_max_num_queries(2):
        assert _verify(Client(), correction.display_code).status_code == 200
    request = receipt_request(owner=citizen, office=office)
    with django_assert_max_num_queries(4):  # session, user, request (+ document)
        assert citizen_client.get(reverse("documents:request_status", args=[request.public_id])).status_code == 200

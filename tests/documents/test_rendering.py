"""Rendered documents: what a reader and an archive see in the PDF."""

import io

import pytest
from pypdf import PdfReader

from sharing.documents.models import DocumentRequest, EDocument
from sharing.documents.tasks import render_document

from .factories import receipt_request

pytestmark = pytest.mark.django_db


def _issued_receipt(citizen, office, django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        request = receipt_request(owner=citizen, office=office, **kwargs)
    request.refresh_from_db()
    assert request.state == DocumentRequest.State.ISSUED
    return request.document


def _fonts(reader):
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            names.add((str(font["/BaseFont"]), embedded))
    return names


def test_receipt_text_has_the_korean_title_the_receipt_data_and_the_code(
    citizen, office, django_capture_on_commit_callbacks
):
    document = _issued_receipt(citizen, office, django_capture_on_commit_callbacks)
    with document.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "민원 접수증" in text
    assert "2026-0000123" in text
    assert "건축물 용도변경 신고" in text
    assert "김민원" in text
    assert "주민등록표 초본" in text
    assert document.display_code in text
    assert f"/verify/?code={document.display_code}" in text
    assert "1 / 1" in text  # the page number in the margin
    # The labels are Korean for a Korean recipient.
    for label in ("접수번호", "신청인", "처리기한", "문서확인번호", "종로구청장"):
        assert label in text


def test_pdf_embeds_a_subset_of_the_hangul_font(citizen, office, django_capture_on_commit_callbacks):
    document = _issued_receipt(citizen, office, django_capture_on_commit_callbacks)
    with document.file.open("rb") as handle:
        reader = PdfReader(handle)
        fonts = _fonts(reader)
    pretendard = [name for name, embedded in fonts if "Pretendard-GOV" in name]
    assert pretendard, fonts
    # A subset's name carries a six-letter tag: ABCDEF+Pretendard-GOV.
    assert all("+" in name for name in pretendard)
    assert all(embedded for _name, embedded in fonts)


def test_pdf_metadata_language_and_archival_variant(citizen, office, django_capture_on_commit_callbacks):
    document = _issued_receipt(citizen, office, django_capture_on_commit_callbacks)
    with document.file.open("rb") as handle:
        reader = PdfReader(handle)
        metadata = reader.metadata
        root = reader.trailer["/Root"]
        xmp = root["/Metadata"].get_object().get_data().decode()
        assert metadata.title == "민원 접수증"
        assert metadata.author == "종로구청"
        assert "2026-0000123" in metadata.subject
        assert root["/Lang"] == "ko"
        assert "/StructTreeRoot" in root  # tagged for accessibility
        assert root["/MarkInfo"]["/Marked"]
        assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="A"' in xmp
        mediabox = reader.pages[0].mediabox
        assert (round(float(mediabox.width)), round(float(mediabox.height))) == (595, 842)  # A4 in points
    assert document.media_type == "application/pdf"
    assert document.size == document.file.size


def test_english_recipient_gets_an_english_document(citizen, office, django_capture_on_commit_callbacks):
    document = _issued_receipt(
        citizen, office, django_capture_on_commit_callbacks, language="en", title="Petition receipt", key="receipt:en"
    )
    with document.file.open("rb") as handle:
        reader = PdfReader(handle)
        text = reader.pages[0].extract_text()
        assert reader.trailer["/Root"]["/Lang"] == "en"
        assert reader.metadata.author == "Jongno-gu Office"
    assert "Receipt number" in text
    assert "Jongno-gu Office" in text


@pytest.mark.parametrize(
    ("template_name", "kind", "context", "expected"),
    [
        (
            "documents/submission_copy.html",
            "submission_copy",
            {
                "petition_type": "건축물 용도변경 신고",
                "applicant": {"name": "김민원"},
                "answers": [{"label": "Current use", "value": "Shop"}, {"label": "New use", "value": "Office"}],
                "fetched_items": [
                    {"name": "건축물대장", "agency": "국토교통부", "fields": ["Use", "Floor area"], "consent": True}
                ],
            },
            ["Shop", "Office", "건축물대장", "Floor area"],
        ),
        (
            "documents/supplement_notice.html",
            "supplement_notice",
            {
                "applicant": {"name": "김민원"},
                "due_date": "2026-12-10",
                "reason": "The floor plan is missing.",
                "items": ["Floor plan"],
            },
            ["The floor plan is missing.", "Floor plan"],
        ),
        (
            "documents/result_notice.html",
            "result_notice",
            {
                "applicant": {"name": "김민원"},
                "outcome": "rejected",
                "reasons": "The building is not in a permitted zone.",
            },
            ["The building is not in a permitted zone."],
        ),
        (
            "documents/result_notice.html",
            "result_notice",
            {"applicant": {"name": "김민원"}, "outcome": "approved", "decision": "The change of use is accepted."},
            ["The change of use is accepted."],
        ),
    ],
)
def test_every_document_template_renders(
    citizen, office, django_capture_on_commit_callbacks, template_name, kind, context, expected
):
    from sharing.documents.services import document_request

    with django_capture_on_commit_callbacks(execute=True):
        request = document_request(
            kind=kind,
            case_ref="2026-0000777",
            owner=citizen,
            issuing_office=office,
            template_name=template_name,
            context=context,
            language="en",
            title="Document",
            idempotency_key=f"{kind}:{context.get('outcome', '')}",
        )
    request.refresh_from_db()
    with request.document.file.open("rb") as handle:
        text = "".join(page.extract_text() for page in PdfReader(handle).pages)
    for fragment in expected:
        assert fragment in text
    assert request.document.display_code in text


def test_render_task_is_idempotent(citizen, office):
    request = receipt_request(owner=citizen, office=office)  # on_commit not run: nothing rendered yet
    assert not EDocument.objects.exists()
    first = render_document.apply(args=[request.pk]).get()
    second = render_document.apply(args=[request.pk]).get()
    assert first == second
    assert EDocument.objects.count() == 1
    request.refresh_from_db()
    assert request.state == DocumentRequest.State.ISSUED and str(request.document.public_id) == first


def test_requesting_twice_with_the_same_key_gives_one_document(citizen, office, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = receipt_request(owner=citizen, office=office)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second = receipt_request(owner=citizen, office=office)
    assert first.pk == second.pk
    assert callbacks == []  # nothing queued again
    assert EDocument.objects.count() == 1


def test_render_task_is_routed_to_the_documents_queue():
    from portal.celery import app

    route = app.amqp.router.route({}, "sharing.documents.tasks.render_document")
    assert route["queue"].name == "documents"


def test_a_render_that_keeps_failing_is_marked_failed(citizen, office, monkeypatch, django_capture_on_commit_callbacks):
    from sharing.documents import rendering

    def broken(**kwargs):
        raise RuntimeError("renderer down")

    monkeypatch.setattr(rendering, "render_pdf", broken)
    monkeypatch.setattr(render_document, "retry", lambda **kw: (_ for _ in ()).throw(kw["exc"]))
    request = receipt_request(owner=citizen, office=office)
    render_document.apply(args=[request.pk], retries=3)
    request.refresh_from_db()
    assert request.state == DocumentRequest.State.FAILED
    assert request.error_code == "RuntimeError"
    assert not EDocument.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_pdf_is_rendered_outside_the_transaction_that_stores_it(citizen, office, monkeypatch):
    """On SQLite an open write transaction locks the whole database: filers must not wait on a render."""
    from django.db import connection

    from sharing.documents import rendering, services

    seen = []
    real_render = rendering.render_pdf

    def spying_render(**kwargs):
        seen.append(connection.in_atomic_block)
        return real_render(**kwargs)

    monkeypatch.setattr(rendering, "render_pdf", spying_render)
    request = receipt_request(owner=citizen, office=office)  # autocommit: the render runs on commit
    request.refresh_from_db()
    assert seen == [False]
    assert request.state == DocumentRequest.State.ISSUED
    assert services.document_render(document_request_id=request.pk) == request.document
    assert seen == [False]  # a second run renders nothing


@pytest.mark.django_db(transaction=True)
def test_a_render_that_lost_the_race_stores_nothing_of_its_own(citizen, office, monkeypatch):
    """Another worker stored the document while this one rendered: its copy is taken, no second one."""
    from sharing.documents import rendering, services

    real_render = rendering.render_pdf
    other_workers = []

    def render_while_another_worker_finishes(**kwargs):
        pdf = real_render(**kwargs)
        monkeypatch.setattr(rendering, "render_pdf", real_render)
        request_id = DocumentRequest.objects.get().pk
        other_workers.append(services.document_render(document_request_id=request_id))
        return pdf

    monkeypatch.setattr(rendering, "render_pdf", render_while_another_worker_finishes)
    request = receipt_request(owner=citizen, office=office)  # autocommit: the render runs on commit
    request.refresh_from_db()
    assert len(other_workers) == 1
    assert EDocument.objects.count() == 1
    assert request.document == other_workers[0]

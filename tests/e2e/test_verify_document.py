"""/verify/ in a real browser: a document's facts, an uploaded copy changed after signing, and the
way to check the PDF's signature outside the portal, at desktop and phone size (axe, sideways
scrolling, visible focus)."""

from __future__ import annotations

import pytest

from sharing.documents import pades

from .conftest import _new_page
from .layout import layout_problems

pytestmark = [pytest.mark.browser]

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone-390": {"width": 390, "height": 844}}


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_an_upload_changed_after_signing_is_shown_accessibly(
    chromium, live_server, transactional_db, citizen, office, viewport
):
    from tests.documents.factories import issued_document, minimal_pdf

    document = issued_document(owner=citizen, office=office, content=pades.pdf_sign(minimal_pdf("e2e")))
    changed = bytearray(document.file.read())
    position = changed.index(b"/Producer")
    changed[position + 2] ^= 0x20
    context, page = _new_page(chromium, VIEWPORTS[viewport])
    try:
        page.goto(f"{live_server.url}/verify/?code={document.display_code}")
        page.locator("#compare_file").set_input_files(
            files=[{"name": "mine.pdf", "mimeType": "application/pdf", "buffer": bytes(changed)}]
        )
        page.locator(".documents-file-form button[type=submit]").click()
        page.wait_for_load_state()
        result = page.locator(".documents-alert-danger[role=status]")
        assert "서명된 뒤에 변경되었습니다" in result.inner_text()
        page.locator(".documents-seal-details summary").click()
        assert page.get_by_text("pyhanko sign validate").is_visible()
        problems = layout_problems(page)
        assert not problems, problems
        assert page.js_errors == []
    finally:
        context.close()

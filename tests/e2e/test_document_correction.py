"""Correcting a result notice in Chromium, at desktop and phone size: the handling official (second
factor passed) opens the correction page from the petition, says what was wrong and corrects the
decision; the corrected notice is rendered and signed; the citizen's page shows the old notice
superseded and offers the new one; /verify/ of the old code says it was superseded and by which
document. axe-core finds nothing serious, no page scrolls sideways, every tab stop shows."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from .conftest import DESKTOP_VIEWPORT, PHONE_VIEWPORT, _new_page
from .layout import layout_problems

pytestmark = [pytest.mark.browser]

VIEWPORTS = {"desktop": DESKTOP_VIEWPORT, "phone": PHONE_VIEWPORT}
REASON = "결정 내용에 층수가 빠져 있었습니다."
CORRECTED = "1층 소매점으로의 용도변경을 수리합니다."


@pytest.fixture
def approved(transactional_db, office, citizen, official):
    """A petition of the official's office, approved by them, its result notice issued."""
    from petitions import officer_services
    from tests.officer.factories import OfficerPetitionFactory

    petition = OfficerPetitionFactory(applicant=citizen, petition_type__handling_office=office, assigned_to=official)
    officer_services.petition_approve(petition=petition, actor=official, decision="용도변경을 수리합니다.")
    return petition


def _signed_in(chromium, live_server, user, viewport, *, verified: bool):
    from tests.conftest import login_verified

    context, page = _new_page(chromium, viewport)
    client = Client()
    if verified:
        login_verified(client, user)
    else:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    return context, page


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
def test_an_official_corrects_a_result_and_the_citizen_and_verify_show_the_new_one(
    approved, official, citizen, chromium, live_server, viewport
):
    from sharing.documents.models import EDocument

    old = EDocument.objects.get(case_ref=approved.receipt_no, kind="result_notice")
    problems: dict[str, list] = {}

    context, page = _signed_in(chromium, live_server, official, viewport, verified=True)
    try:
        page.goto(f"{live_server.url}/officer/petitions/{approved.receipt_no}/")
        page.locator("a.officer-correct-link").click()
        page.wait_for_url(re.compile(r"/documents/[0-9a-f-]+/correct/$"))
        assert page.locator("h1").inner_text() == "문서 정정"
        problems["correction page"] = layout_problems(page)
        page.locator("textarea[name=reason]").fill(REASON)
        page.locator("textarea[name=decision]").fill(CORRECTED)
        page.get_by_role("button", name="정정본 발급").click()
        # The corrected notice is rendered and signed before the redirect (tasks are eager in tests).
        page.wait_for_url(re.compile(rf"/officer/petitions/{approved.receipt_no}/(#case-documents)?$"), timeout=60_000)
        assert "정정본을 발급하고 있습니다" in page.content()
        assert page.js_errors == []
    finally:
        context.close()

    new = EDocument.objects.get(supersedes=old)  # rendered and signed on commit (eager in tests)

    context, page = _signed_in(chromium, live_server, citizen, viewport, verified=False)
    try:
        page.goto(f"{live_server.url}/my/petitions/{approved.receipt_no}/")
        old_link = page.locator(f"#document-{old.public_id}")
        new_link = page.locator(f"#document-{new.public_id}")
        assert "대체됨" in old_link.inner_text()
        assert "정정본" in new_link.inner_text()
        assert new_link.locator("a.documents-download").get_attribute("href") == f"/documents/{new.public_id}/download/"
        assert REASON in page.locator(".petitions-timeline").inner_text()
        problems["citizen's page"] = layout_problems(page)
        assert page.js_errors == []
    finally:
        context.close()

    context, page = _new_page(chromium, viewport)
    try:
        page.goto(f"{live_server.url}/verify/?code={old.display_code}")
        alert = page.locator(".documents-alert-warning[role=status]")
        assert "정정본으로 대체되었습니다" in alert.inner_text()
        assert new.display_code in alert.inner_text()
        problems["verify, old code"] = layout_problems(page)
        alert.get_by_role("link").click()
        page.wait_for_url(re.compile(r"/verify/\?code="))
        assert "유효한 문서입니다" in page.locator(".documents-alert-success[role=status]").inner_text()
        assert old.display_code in page.locator(".documents-alert-success[role=status]").inner_text()
        problems["verify, new code"] = layout_problems(page)
        assert page.js_errors == []
    finally:
        context.close()
    assert {label: found for label, found in problems.items() if found} == {}

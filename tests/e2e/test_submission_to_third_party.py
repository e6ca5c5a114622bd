"""Submission to a third party end to end, in Chromium: citizen1 sends a result notice to Hanbit
Bank (the demo bank), the bank's staff member (bank1, second factor) opens it from the inbox, and
citizen1 sees it retrieved, by whom, on the submission and on "who viewed my information".
axe-core finds no serious or critical violation at desktop and phone size on each page.
"""

from __future__ import annotations

import re

import pytest

from .conftest import DESKTOP_VIEWPORT, PHONE_VIEWPORT

pytestmark = [pytest.mark.browser]


@pytest.fixture
def submission_demo(live_server, transactional_db):
    from django.core.cache import cache

    from petitions.identity import resident_link_set
    from portal.demo import seed as portal_seed
    from portal.models import Office, User
    from sharing.crypto import subject_hash
    from sharing.documents.models import Kind
    from sharing.submissions.demo import seed as submissions_seed
    from tests.documents.factories import issued_document
    from tests.factories import CITIZEN1

    cache.clear()
    portal_seed()
    submissions_seed()
    citizen = User.objects.get(username="citizen1")
    resident_link_set(user=citizen, record=CITIZEN1)
    return issued_document(
        owner=citizen,
        office=Office.objects.get(code="jongno"),
        case_ref="2026-0000777",
        kind=Kind.RESULT_NOTICE,
        title="처리결과 통지서",
        subject_hash=subject_hash(CITIZEN1.rrn),
    )


def _log_in(page, live_server, username, *, next_url):
    from portal.demo import DEMO_PASSWORD

    page.goto(f"{live_server.url}/account/login/?next={next_url}")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def _totp() -> str:
    from django_otp.oath import totp

    from portal.demo import demo_totp_key_hex

    return f"{totp(bytes.fromhex(demo_totp_key_hex())):06d}"


def _accessible_at_both_sizes(page, axe_check):
    page.set_viewport_size(DESKTOP_VIEWPORT)
    axe_check(page)
    page.set_viewport_size(PHONE_VIEWPORT)
    axe_check(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.set_viewport_size(DESKTOP_VIEWPORT)


def test_a_citizen_submits_to_a_bank_whose_staff_retrieves_it(
    submission_demo, page, phone_page, axe_check, live_server
):
    from sharing.submissions.models import Submission

    document = submission_demo
    citizen, bank = page, phone_page

    # citizen1: the document's page, the form, the check, then send.
    _log_in(citizen, live_server, "citizen1", next_url=f"/my/documents/{document.public_id}/")
    citizen.wait_for_url(re.compile(r"/my/documents/"))
    _accessible_at_both_sizes(citizen, axe_check)
    citizen.locator(f"a[href$='/my/documents/{document.public_id}/submit/']").click()
    citizen.wait_for_url(re.compile(r"/submit/$"))
    _accessible_at_both_sizes(citizen, axe_check)
    from sharing.submissions.models import Recipient

    citizen.locator("select[name=recipient]").select_option(value=str(Recipient.objects.get(code="hanbit-bank").pk))
    citizen.locator("input[name=purpose]").fill("주택담보대출 심사")
    citizen.locator("main form button[type=submit].primary").click()
    citizen.wait_for_load_state()
    assert "주택담보대출 심사" in citizen.locator("main").inner_text()
    _accessible_at_both_sizes(citizen, axe_check)
    citizen.locator("main form button[name=confirm]").click()
    citizen.wait_for_url(re.compile(r"/my/submissions/[0-9a-f-]{36}/$"))
    _accessible_at_both_sizes(citizen, axe_check)
    submission = Submission.objects.get()
    assert submission.status == Submission.Status.SENT

    # bank1: password, second factor, inbox, then the document (logged).
    _log_in(bank, live_server, "bank1", next_url="/inbox/")
    bank.wait_for_url(re.compile(r"/account/two-factor/"))
    bank.locator("input[name=otp_token]").fill(_totp())
    bank.locator("main form button[type=submit]").click()
    bank.wait_for_url(re.compile(r"/inbox/$"))
    assert "주택담보대출 심사" in bank.locator("main").inner_text()
    _accessible_at_both_sizes(bank, axe_check)
    bank.locator(f"a[href$='/inbox/{submission.public_id}/']").click()
    bank.wait_for_url(re.compile(r"/inbox/[0-9a-f-]{36}/$"))
    assert document.display_code in bank.locator("main").inner_text()
    _accessible_at_both_sizes(bank, axe_check)

    # citizen1 sees it retrieved, and by whom, here and in the access log.
    citizen.reload()
    text = citizen.locator("main").inner_text()
    assert "열람됨" in text and "윤은행" in text
    citizen.goto(f"{live_server.url}/my/data-access/")
    row = citizen.locator("tbody tr", has_text="한빛은행").first
    assert "주택담보대출 심사" in row.inner_text()
    _accessible_at_both_sizes(citizen, axe_check)
    assert not citizen.js_errors and not bank.js_errors

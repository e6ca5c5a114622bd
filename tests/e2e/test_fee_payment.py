"""A fee petition is paid through the sandbox payment gateway in Chromium, and the receipt shows it.

citizen1 reviews a passport application (53,000 won) → "pay and submit" opens the sandbox PG's
window (its own page, on the sandbox's address) → the tester pays by card → the PG notifies the
portal by its signed webhook and sends the browser back → the petition is filed, its page and its
receipt e-document show the payment (amount, method, time, payment id). axe-core finds nothing
serious at desktop and phone size on the way. Tasks run in the site's process (no worker).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.conftest import DESKTOP_VIEWPORT, PHONE_VIEWPORT

pytestmark = [pytest.mark.browser]


@pytest.fixture
def fee_world(sandbox_agencies, settings, live_server):
    from petitions import services
    from petitions.demo import petition_types_seed
    from petitions.identity import ResidentRecord, resident_link_set
    from petitions.models import PetitionType
    from portal.demo import seed as portal_seed
    from portal.models import User

    settings.PAYMENT_SANDBOX_URL = f"{live_server.url}/sandbox/pg"
    portal_seed()
    petition_types_seed()
    person = sandbox_agencies.people[0]
    citizen = User.objects.get(username="citizen1")
    resident_link_set(
        user=citizen,
        record=ResidentRecord(
            name=person["name"],
            rrn=person["rrn"],
            phone=person["phone"],
            address="서울특별시 종로구 자하문로 10",
            district_code=person["district_code"],
        ),
    )
    passport = PetitionType.objects.get(slug="passport-issuance")
    draft = services.petition_draft_start(petition_type=passport, applicant=citizen)
    services.petition_draft_update_applicant(
        petition=draft, phone=person["phone"], email="citizen1@example.org", address="서울특별시 종로구 자하문로 10"
    )
    services.petition_draft_update_answers(
        petition=draft, answers={"passport_type": "multiple", "pages": "26", "english_name": "KIM MINWON"}
    )
    consents = {m.item.code: True for m in passport.required_information.filter(consent_required=True)}
    services.petition_draft_update_consents(petition=draft, consents=consents)
    return draft


def _accessible_at_both_sizes(page, axe_check):
    for viewport in (PHONE_VIEWPORT, DESKTOP_VIEWPORT):
        page.set_viewport_size(viewport)
        axe_check(page)


def test_a_fee_petition_is_paid_through_the_sandbox_gateway_and_the_receipt_shows_it(
    fee_world, page, axe_check, live_server
):
    from pypdf import PdfReader

    from petitions.models import Payment, Petition
    from portal.demo import DEMO_PASSWORD

    draft = fee_world
    review = f"/petitions/passport-issuance/apply/{draft.public_id}/review/"
    page.goto(f"{live_server.url}/account/login/?next={review}")
    page.locator("input[name=username]").fill("citizen1")
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/review/$"))

    # The review step: the fee, the exemption offered, and "pay and submit".
    assert "수수료와 면제" in page.content() and "국민기초생활보장 수급자" in page.content()
    _accessible_at_both_sizes(page, axe_check)
    page.locator("label[for=id_confirm]").click()
    page.get_by_role("button", name="53,000원 결제 후 제출").click()

    # The sandbox PG's window: amount and shop, pay / fail / cancel / time out.
    page.wait_for_url(re.compile(r"/sandbox/pg/checkout/"))
    assert "53,000원" in page.content() and "민원 포털" in page.content()
    for outcome in ("결제 실패시키기", "취소", "시간 초과시키기"):
        assert page.get_by_role("button", name=outcome).is_visible()
    _accessible_at_both_sizes(page, axe_check)
    page.locator("label[for=method-card]").click()
    page.get_by_role("button", name="53,000원 결제하기").click()

    # Back at the portal: filed, and the page shows the payment.
    page.wait_for_url(re.compile(r"/my/petitions/\d{4}-\d{7}/$"), timeout=90_000)
    receipt_no = page.url.rstrip("/").rsplit("/", 1)[-1]
    payment = Payment.objects.get(petition__receipt_no=receipt_no)
    assert payment.status == Payment.Status.PAID and payment.method == "card"
    assert Petition.objects.get(receipt_no=receipt_no).status != Petition.Status.DRAFT
    content = page.content()
    assert payment.payment_key in content and "신용·체크카드" in content and "결제 완료" in content
    _accessible_at_both_sizes(page, axe_check)

    # The receipt e-document shows the payment.
    download_link = page.locator("a.documents-download").first
    download_link.wait_for(timeout=90_000)
    with page.expect_download() as download_info:
        download_link.click()
    text = "".join(p.extract_text() for p in PdfReader(Path(download_info.value.path())).pages)
    assert payment.payment_key in text and "53,000" in text and payment.order_id in text
    assert page.js_errors == []

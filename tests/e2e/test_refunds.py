"""Un-refunded money end to end in Chromium, over the sandbox agencies, with a real Celery worker.

The demo citizen asks once → the worker process asks the four refund-holding agencies over
real HTTP (one of them slow) → the page shows each answer as it arrives (htmx), then the total
→ "apply for all" with the bank account entered once files four refund-claim petitions → the
worker fetches their information and each goes to review, as any petition. axe-core finds no
serious or critical violation on the way; every query shows on "who viewed my information".

The worker shares the test database and broker: PostgreSQL and Redis (CI); otherwise it skips.
"""

from __future__ import annotations

import re
import time

import pytest
from django.utils import timezone

pytestmark = [pytest.mark.browser, pytest.mark.worker]

TOTAL = "324,450"  # 48,750 + 132,000 + 57,300 + 86,400 won (sharing/sandbox/demo.py)


@pytest.fixture
def refund_data(sandbox_agencies):
    from petitions.demo import petition_types_seed
    from petitions.demo_refunds import seed as refund_claim_types_seed
    from petitions.identity import ResidentRecord, resident_link_set
    from portal.demo import seed as portal_seed
    from portal.models import User
    from sharing.tracker.demo import seed as tracker_seed

    portal_seed()
    petition_types_seed()
    tracker_seed()
    refund_claim_types_seed()
    person = sandbox_agencies.people[0]
    resident_link_set(
        user=User.objects.get(username="citizen1"),
        record=ResidentRecord(
            name=person["name"],
            rrn=person["rrn"],
            phone=person["phone"],
            address="서울특별시 종로구 자하문로 10",
            district_code=person["district_code"],
        ),
    )
    # One agency answers slowly, so that the answers visibly arrive one after the other.
    sandbox_agencies.set_faults("nps", latency_ms=2500)
    return sandbox_agencies


def _wait_for(condition, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def test_the_citizen_finds_refunds_at_four_agencies_and_claims_them_all(
    refund_data, real_worker, page, axe_check, live_server
):
    from petitions.models import Petition
    from portal.demo import DEMO_PASSWORD
    from sharing.models import AccessLogEntry
    from sharing.tracker.models import RefundClaim, RefundInquiry

    # Log in as the demo citizen.
    page.goto(live_server.url + "/account/login/?next=/refunds/")
    page.locator("input[name=username]").fill("citizen1")
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/refunds/$"))
    axe_check(page)
    assert page.locator(".tracker-agencies li").count() == 4

    # Ask once: the answers arrive as the worker gets them; the slow agency comes last.
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/refunds/[0-9a-f-]{36}/$"))
    answers = page.locator("#refund-answers")
    page.wait_for_selector('#refund-answers [data-item="local_tax_refunds"] .tracker-amount', timeout=60_000)
    assert answers.get_attribute("hx-trigger") == "every 2s"  # still waiting for the others
    axe_check(page)
    page.wait_for_selector("#refund-answers .tracker-total-figure", timeout=90_000)
    assert answers.get_attribute("hx-trigger") is None  # polling stopped
    assert TOTAL in page.locator(".tracker-total-figure").inner_text()
    for item in ("local_tax_refunds", "national_tax_refunds", "premium_refunds", "pension_refunds"):
        assert page.locator(f'#refund-answers [data-item="{item}"] .tracker-amount').count() == 1
    axe_check(page)

    # Apply for all: the bank account once, the local tax claim's own question, one click.
    page.locator('a[href$="/apply/"]').click()
    page.wait_for_url(re.compile(r"/apply/$"))
    axe_check(page)
    page.locator("select[name=bank]").select_option("kb")
    page.locator("input[name=number]").fill("123-456-789012")
    # The label is what a person clicks (KRDS draws the radio button on it).
    page.locator("label", has_text="자동차세").first.dispatch_event("click")
    assert page.get_by_label("자동차세", exact=True).is_checked()
    page.locator("label[for=id_confirm]").click()
    assert page.locator("input[name=confirm]").is_checked()
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/refunds/[0-9a-f-]{36}/$"))
    assert page.locator(".tracker-claims li").count() == 4
    axe_check(page)

    inquiry = RefundInquiry.objects.get(citizen__username="citizen1")
    claims = list(RefundClaim.objects.filter(inquiry=inquiry).select_related("petition"))
    assert len(claims) == 4
    receipt_nos = [claim.petition.receipt_no for claim in claims]
    # Each claim follows the normal flow: the worker fetches its information, it goes to review.
    _wait_for(
        lambda: Petition.objects.filter(receipt_no__in=receipt_nos, status=Petition.Status.UNDER_REVIEW).count() == 4,
        timeout=120,
        what="the four claims to reach review",
    )
    page.goto(live_server.url + "/my/petitions/")
    for receipt_no in receipt_nos:
        assert receipt_no in page.content()

    # Every query to an agency is on "who viewed my information".
    page.goto(live_server.url + f"/my/data-access/?case_ref={inquiry.case_ref}")
    axe_check(page)
    assert (
        page.locator(".tracker-table tbody tr").count()
        == AccessLogEntry.objects.filter(case_ref=inquiry.case_ref).count()
        == 8
    )
    assert page.js_errors == []


# --- The other tracker pages in a browser (no worker needed) ---------------------------------


def _log_in(page, live_server, username: str, next_url: str) -> None:
    from portal.demo import DEMO_PASSWORD

    page.goto(f"{live_server.url}/account/login/?next={next_url}")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def _second_factor(page) -> None:
    from django_otp.oath import totp

    from portal.demo import demo_totp_key_hex

    page.wait_for_url(re.compile(r"/account/two-factor/"))
    page.locator("input[name=otp_token]").fill(f"{totp(bytes.fromhex(demo_totp_key_hex())):06d}")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def test_a_concern_about_an_access_is_answered_and_stats_and_operations_are_accessible(page, axe_check, live_server):
    from petitions.identity import ResidentRecord, resident_link_set
    from portal.demo import seed as portal_seed
    from portal.models import Office, User
    from sharing import audit, crypto
    from sharing.demo import seed as catalogue_seed
    from sharing.tracker.demo import privacy_officers_seed
    from sharing.tracker.models import Exchange, PrivacyInquiry

    portal_seed()
    catalogue_seed()
    privacy_officers_seed()
    rrn = "900101-1234567"
    resident_link_set(
        user=User.objects.get(username="citizen1"),
        record=ResidentRecord(
            name="김민원",
            rrn=rrn,
            phone="010-1234-5678",
            address="서울특별시 종로구 자하문로 10",
            district_code="11110",
        ),
    )
    jongno = Office.objects.get(code="jongno")
    officer = User.objects.get(username="officer1")
    for action, actor in (("fetched", None), ("viewed", officer), ("revealed", officer)):
        audit.log_personal_data_access(
            action=action,
            subject_hash=crypto.subject_hash(rrn),
            case_ref="2026-0000001",
            office=jongno,
            actor=actor,
            item_code="vehicle_registration",
            fields=["owner_name", "owner_rrn"],
            purpose="P-PARKING",
        )
    Exchange.objects.create(
        agency_code="mois", item_code="resident_abstract", outcome="ok", latency_ms=140, finished_at=timezone.now()
    )

    # The citizen reads the log and reports a concern about the reveal.
    _log_in(page, live_server, "citizen1", "/my/data-access/")
    page.wait_for_url(re.compile(r"/my/data-access/$"))
    axe_check(page)
    rows = page.locator(".tracker-table tbody tr")
    assert rows.count() == 3 and "박담당" in rows.nth(0).inner_text() and "JN-2041" in rows.nth(0).inner_text()
    rows.nth(0).locator("a[href$='/concern/']").click()
    page.wait_for_url(re.compile(r"/concern/$"))
    axe_check(page)
    page.locator("textarea[name=message]").fill("왜 주민등록번호를 열람했는지 알고 싶습니다.")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/my/data-access/inquiries/$"))
    axe_check(page)
    inquiry = PrivacyInquiry.objects.get()

    # The public statistics page.
    page.goto(live_server.url + "/stats/")
    axe_check(page)
    assert page.locator(".tracker-kpi").count() == 7  # with the carbon saved

    # The privacy officer of Jongno answers behind the second factor.
    page.context.clear_cookies()
    _log_in(page, live_server, "supervisor1", "/officer/privacy/")
    _second_factor(page)
    page.wait_for_url(re.compile(r"/officer/privacy/$"))
    axe_check(page)
    page.locator(f"a[href$='/officer/privacy/{inquiry.public_id}/']").click()
    page.wait_for_url(re.compile(r"/officer/privacy/[0-9a-f-]{36}/$"))
    axe_check(page)
    page.locator("textarea[name=answer]").fill("차량 소유자 본인 확인을 위해 열람했습니다.")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/officer/privacy/$"))
    inquiry.refresh_from_db()
    assert inquiry.status == "answered"

    # The administrator's operations view.
    page.context.clear_cookies()
    _log_in(page, live_server, "admin", "/officer/ops/")
    _second_factor(page)
    page.wait_for_url(re.compile(r"/officer/ops/$"))
    axe_check(page)
    assert page.locator("tr[data-agency=mois]").count() == 1

    # The citizen sees the answer.
    page.context.clear_cookies()
    _log_in(page, live_server, "citizen1", "/my/data-access/inquiries/")
    page.wait_for_url(re.compile(r"/my/data-access/inquiries/$"))
    assert "차량 소유자 본인 확인을 위해 열람했습니다." in page.content()
    assert page.js_errors == []

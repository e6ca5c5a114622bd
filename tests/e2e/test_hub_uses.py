"""Applying for and deciding an approved use, in Chromium: hubadmin1 (administrator of the
Jongno-gu using agency) applies for a use of the resident abstract; reviewer1 (reviewer of the
Ministry of the Interior and Safety) narrows it; the decision reaches the sandbox agency over
real HTTP. axe-core finds no serious or critical violation on any page, at desktop and phone size.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import DESKTOP_VIEWPORT, PHONE_VIEWPORT

pytestmark = [pytest.mark.browser]


@pytest.fixture
def hub(live_server):
    from portal.demo import seed as portal_seed
    from sharing import demo as catalogue_demo
    from sharing.hub import demo_roles
    from sharing.sandbox import demo as sandbox_demo

    portal_seed()
    catalogue_demo.seed()
    demo_roles.seed()
    sandbox_demo.agencies_seed()
    sandbox_demo.portal_agencies_configure(base_url=live_server.url)


def _log_in(page, live_server, username, *, next_url):
    from django_otp.oath import totp

    from portal.demo import DEMO_PASSWORD, demo_totp_key_hex

    page.goto(f"{live_server.url}/account/login/?next={next_url}")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/account/two-factor/"))
    page.locator("input[name=otp_token]").fill(f"{totp(bytes.fromhex(demo_totp_key_hex())):06d}")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(next_url) + "$"))


def _tick(page, selector: str) -> None:
    """Clicks a KRDS checkbox's label (the styled box a person clicks; the input itself is under it)."""
    box = page.locator(selector)
    page.locator(f"label[for={box.get_attribute('id')}]").click()


def _accessible_at_both_sizes(page, axe_check):
    for viewport in (DESKTOP_VIEWPORT, PHONE_VIEWPORT):
        page.set_viewport_size(viewport)
        axe_check(page)
    page.set_viewport_size(DESKTOP_VIEWPORT)


def test_an_administrator_applies_and_a_reviewer_narrows_the_use(hub, page, phone_page, axe_check, live_server):
    from sharing.hub.models import ApprovedUse
    from sharing.sandbox.models import UseApproval

    # hubadmin1 applies, from the menu's link.
    _log_in(page, live_server, "hubadmin1", next_url="/hub/uses/")
    _accessible_at_both_sizes(page, axe_check)
    page.locator("main a.krds-btn", has_text="이용 신청하기").click()
    page.wait_for_url(re.compile(r"/hub/uses/apply/"))
    _accessible_at_both_sizes(page, axe_check)
    page.locator("select[name=item]").select_option("resident_abstract")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"item=resident_abstract"))
    _accessible_at_both_sizes(page, axe_check)
    for key in ("name", "address", "move_in_date"):
        _tick(page, f"input[name=fields_wanted][value={key}]")
    page.locator("input[name=affair_code]").fill("LOCAL-PARKING-01")
    page.locator("input[name=affair_name_ko]").fill("거주자 우선주차 관리")
    page.locator("select[name=purpose]").select_option("P-PARKING")
    page.locator("input[name=legal_basis]").fill("주차장법 제10조")
    page.locator("input[name=expected_monthly_volume]").fill("300")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/hub/uses/[0-9a-f-]{36}/$"))
    _accessible_at_both_sizes(page, axe_check)
    use = ApprovedUse.objects.get()
    assert use.status == "applied" and use.requested_fields == ["name", "address", "move_in_date"]

    # reviewer1, on a phone: the inbox, the decision page; approves without the move-in date.
    _log_in(phone_page, live_server, "reviewer1", next_url="/hub/reviews/")
    _accessible_at_both_sizes(phone_page, axe_check)
    phone_page.set_viewport_size(PHONE_VIEWPORT)
    phone_page.get_by_role("link", name="거주자 우선주차 관리").first.click()
    phone_page.wait_for_url(re.compile(rf"/hub/reviews/{use.public_id}/$"))
    _accessible_at_both_sizes(phone_page, axe_check)
    phone_page.set_viewport_size(PHONE_VIEWPORT)
    _tick(phone_page, "input[name=fields_approved][value=move_in_date]")  # was checked: now unchecked
    assert not phone_page.locator("input[name=fields_approved][value=move_in_date]").is_checked()
    phone_page.locator("textarea[name=reason]").fill("전입일은 업무에 필요하지 않음")
    phone_page.locator("form[action$='/approve/'] button[type=submit]").click()
    phone_page.wait_for_url(re.compile(rf"/hub/reviews/{use.public_id}/$"))
    _accessible_at_both_sizes(phone_page, axe_check)
    use.refresh_from_db()
    assert (use.status, use.fields) == ("approved", ["name", "address"])
    # The sandbox agency holds the narrowed use, and the page says so.
    held = UseApproval.objects.get(use_id=use.public_id)
    assert (held.fields, held.version) == (["name", "address"], use.version)
    assert "정보보유기관에 반영됨" in phone_page.content()
    assert page.js_errors == [] and phone_page.js_errors == []

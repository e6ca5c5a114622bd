"""From an application to the resident's access log, in Chromium, in one world:

1. hubadmin1 (administrator of the Jongno-gu using agency) applies for a use that no demo or
   fixture data holds: the resident registration copy for a moving-in fact check;
2. reviewer1 (reviewer of the Ministry of the Interior and Safety, which owns the item) approves
   it, and the decision is pushed to the sandbox agency over real HTTP by the hub's own services
   (the sandbox fixture's push-on-save is switched off here, so nothing else could have sent it);
3. officer1 (an official of the Jongno-gu Office) looks up citizen1 under exactly that use, over
   the sandbox, which answers only under a use it holds; before the approval the use is not
   offered on the look-up page and its look-up page is a 404;
4. citizen1, logged in as themself, finds the look-up on "who viewed my information" with the
   owning agency, the office, the official, the affair and the legal basis.

axe-core finds no serious or critical violation on any page visited, at desktop and phone size.
"""

from __future__ import annotations

import re

import pytest

from .conftest import DESKTOP_VIEWPORT, PHONE_VIEWPORT

pytestmark = [pytest.mark.browser]

# The use applied for: none of the demo's or the fixtures' uses has this affair, item or basis.
AFFAIR_CODE = "LOCAL-MOVEIN-FACT-01"
AFFAIR_NAME = "전입신고 사실조사"
LEGAL_BASIS = "주민등록법 제20조"
ITEM = "resident_copy"
FIELDS = ["name", "address", "household_head_name", "move_in_date"]


@pytest.fixture
def chain_world(sandbox_agencies):
    from django.core.cache import cache

    from petitions.demo import demo_citizens_link
    from portal.demo import seed as portal_seed
    from sharing.hub import demo_roles
    from sharing.hub.demo import using_agencies_seed
    from sharing.hub.models import ApprovedUse

    cache.clear()  # no use snapshot of another test under a reused id (SQLite)
    portal_seed()
    demo_citizens_link()
    using_agencies_seed()  # the Jongno-gu Office belongs to the Jongno-gu using agency
    demo_roles.seed()  # hubadmin1 applies for it, reviewer1 decides for the ministry
    assert not ApprovedUse.objects.filter(affair_code=AFFAIR_CODE).exists()
    # Only the hub's decision may tell the agency of the use: no push when a use is saved.
    with sandbox_agencies.uses_not_pushed():
        yield sandbox_agencies


def _log_in(page, live_server, username, *, next_url, second_factor=True):
    from django_otp.oath import totp

    from portal.demo import DEMO_PASSWORD, demo_totp_key_hex

    page.context.clear_cookies()  # whoever used this browser before is logged out
    page.goto(f"{live_server.url}/account/login/?next={next_url}")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    if second_factor:
        page.wait_for_url(re.compile(r"/account/two-factor/"))
        page.locator("input[name=otp_token]").fill(f"{totp(bytes.fromhex(demo_totp_key_hex())):06d}")
        page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(next_url) + "$"))


def _tick(page, selector: str) -> None:
    """Clicks a KRDS checkbox's label (the styled box a person clicks; the input itself is under it)."""
    box = page.locator(selector)
    page.locator(f"label[for={box.get_attribute('id')}]").click()


def _accessible_at_both_sizes(page, axe_check):
    """axe at desktop and phone size (and no sideways scrolling on the phone); the page then
    goes back to the size it had."""
    size = page.viewport_size
    for viewport in (DESKTOP_VIEWPORT, PHONE_VIEWPORT):
        page.set_viewport_size(viewport)
        axe_check(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.set_viewport_size(size)


def test_an_applied_use_is_approved_then_looked_up_under_and_the_resident_sees_it(
    chain_world, page, phone_page, axe_check, live_server
):
    from sharing.hub.models import ApprovedUse, Lookup
    from sharing.sandbox.models import UseApproval

    person = chain_world.people[0]  # citizen1's own record (linked by demo_citizens_link)

    # 1. hubadmin1 applies for the use, on a desktop.
    _log_in(page, live_server, "hubadmin1", next_url="/hub/uses/apply/")
    _accessible_at_both_sizes(page, axe_check)
    page.locator("select[name=item]").select_option(ITEM)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(rf"item={ITEM}"))
    _accessible_at_both_sizes(page, axe_check)
    for key in FIELDS:
        _tick(page, f"input[name=fields_wanted][value={key}]")
    page.locator("input[name=affair_code]").fill(AFFAIR_CODE)
    page.locator("input[name=affair_name_ko]").fill(AFFAIR_NAME)
    page.locator("select[name=purpose]").select_option("P-MOVE-IN")
    page.locator("input[name=legal_basis]").fill(LEGAL_BASIS)
    page.locator("input[name=expected_monthly_volume]").fill("120")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/hub/uses/[0-9a-f-]{36}/$"))
    _accessible_at_both_sizes(page, axe_check)
    use = ApprovedUse.objects.get(affair_code=AFFAIR_CODE)
    assert (use.status, use.item.code, use.requested_fields) == ("applied", ITEM, FIELDS)
    assert not UseApproval.objects.filter(use_id=use.public_id).exists()

    # Before the approval, officer1 (on a phone) is not offered the use, nor can reach it.
    _log_in(phone_page, live_server, "officer1", next_url="/hub/lookups/")
    listed = phone_page.locator("main").inner_text()
    assert AFFAIR_CODE not in listed and "소속 기관에 오늘 유효한 이용 승인이 없습니다." in listed
    _accessible_at_both_sizes(phone_page, axe_check)
    refused = phone_page.goto(f"{live_server.url}/hub/lookups/new/{use.public_id}/")
    assert refused is not None and refused.status == 404

    # 2. reviewer1 approves it as applied for; the decision reaches the sandbox agency.
    _log_in(page, live_server, "reviewer1", next_url="/hub/reviews/")
    _accessible_at_both_sizes(page, axe_check)
    page.get_by_role("link", name=AFFAIR_NAME).first.click()
    page.wait_for_url(re.compile(rf"/hub/reviews/{use.public_id}/$"))
    _accessible_at_both_sizes(page, axe_check)
    page.locator("form[action$='/approve/'] button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/hub/reviews/{use.public_id}/$"))
    use.refresh_from_db()
    assert (use.status, use.fields) == ("approved", FIELDS)
    held = UseApproval.objects.get(use_id=use.public_id)
    assert (held.status, held.version, held.fields, held.item_code) == ("approved", use.version, FIELDS, ITEM)
    assert (held.using_agency, held.affair_code, held.legal_basis) == ("seoul-jongno", AFFAIR_CODE, LEGAL_BASIS)
    assert "정보보유기관에 반영됨" in page.locator("main").inner_text()
    _accessible_at_both_sizes(page, axe_check)

    # 3. officer1 now finds the use and looks citizen1 up under it, over the sandbox.
    phone_page.goto(f"{live_server.url}/hub/lookups/")
    phone_page.locator("tr", has_text=AFFAIR_CODE).get_by_role("link").click()
    phone_page.wait_for_url(re.compile(rf"/hub/lookups/new/{use.public_id}/$"))
    _accessible_at_both_sizes(phone_page, axe_check)
    phone_page.locator("input[name=subject]").fill(person["rrn"])
    phone_page.locator("input[name=case_reference]").fill("사실조사-2026-0107")
    phone_page.locator("textarea[name=reason]").fill("전입신고 사실조사 대상자의 거주 사실 확인")
    phone_page.locator("main form button[type=submit]").click()
    phone_page.wait_for_url(re.compile(r"/hub/lookups/[0-9a-f-]{36}/$"))
    assert phone_page.locator(".officer-fields dt").count() == len(FIELDS)
    assert person["name"] not in phone_page.locator("main").inner_text()  # masked until revealed
    _accessible_at_both_sizes(phone_page, axe_check)
    lookup = Lookup.objects.select_related("fetch_request").get()
    assert (lookup.approved_use_id, lookup.office.code) == (use.pk, "jongno")
    assert (lookup.fetch_request.state, lookup.fetch_request.approved_use_id) == ("fetched", use.pk)

    # 4. citizen1 finds the look-up on "who viewed my information".
    _log_in(page, live_server, "citizen1", next_url="/my/data-access/", second_factor=False)
    row = (
        page.locator("table.tracker-table tbody tr", has_text=lookup.reference)
        .filter(has_text="공무원 열람")
        .inner_text()
    )
    for shown in (
        "서울특별시 종로구청",  # the office
        "박담당 (JN-2041)",  # the official
        "주민등록표 등본",  # the item ...
        "행정안전부",  # ... and its owning agency
        f"{AFFAIR_NAME} ({AFFAIR_CODE})",  # the affair
        LEGAL_BASIS,  # the legal basis
    ):
        assert shown in row, (shown, row)
    _accessible_at_both_sizes(page, axe_check)
    assert page.js_errors == [] and phone_page.js_errors == []

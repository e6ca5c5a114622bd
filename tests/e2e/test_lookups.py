"""An official's look-up end to end, in Chromium, over the sandbox agencies: officer1 (second
factor) looks up citizen1 under one of the Jongno office's approved uses, sees the answer masked
and reveals one field with a reason; citizen1 finds the look-up, with the office and the
official, on "who viewed my information", and sees the consent page. axe-core finds no serious
or critical violation at desktop and phone size.

The uses are created by the hub's demo step (sharing.hub.demo_lookups), not through the
apply/decide pages of the approvals part; the fetch runs in the official's request.
"""

from __future__ import annotations

import re

import pytest

from .conftest import DESKTOP_VIEWPORT, PHONE_VIEWPORT

pytestmark = [pytest.mark.browser]


@pytest.fixture
def lookup_demo(sandbox_agencies):
    from django.core.cache import cache

    from petitions.demo import demo_citizens_link
    from portal.demo import seed as portal_seed
    from sharing.hub.demo_lookups import lookup_uses_seed

    cache.clear()  # no use snapshot of another test under a reused id (SQLite)
    portal_seed()
    demo_citizens_link()
    lookup_uses_seed()
    return sandbox_agencies


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
    axe_check(page)
    page.set_viewport_size(PHONE_VIEWPORT)
    axe_check(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.set_viewport_size(DESKTOP_VIEWPORT)


def test_an_official_looks_up_a_resident_who_then_sees_it(lookup_demo, page, phone_page, axe_check, live_server):
    from sharing.hub.models import Lookup
    from sharing.models import AccessLogEntry

    person = lookup_demo.people[0]

    # officer1: password, then the second factor, then the look-up page.
    _log_in(page, live_server, "officer1", next_url="/hub/lookups/")
    page.wait_for_url(re.compile(r"/account/two-factor/"))
    page.locator("input[name=otp_token]").fill(_totp())
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/hub/lookups/$"))
    _accessible_at_both_sizes(page, axe_check)

    # One of the office's uses: resident priority parking (the resident registration abstract).
    page.locator("tr", has_text="DEMO-LOOKUP-PARKING").get_by_role("link").click()
    page.wait_for_url(re.compile(r"/hub/lookups/new/"))
    _accessible_at_both_sizes(page, axe_check)
    page.locator("input[name=subject]").fill(person["rrn"])
    page.locator("input[name=case_reference]").fill("주차-2026-0042")
    page.locator("textarea[name=reason]").fill("거주자 우선주차 신청인의 거주 사실 확인")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/hub/lookups/[0-9a-f-]{36}/$"))

    # The answer, masked; one field revealed with a reason.
    text = page.locator("main").inner_text()
    assert person["name"] not in text
    assert page.locator(".officer-fields dt").count() == 3
    _accessible_at_both_sizes(page, axe_check)
    reveal = page.locator("details.officer-reveal").first
    reveal.locator("summary").click()
    reveal.locator("input[name=reason]").fill("신청서의 성명과 대조")
    reveal.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert person["name"] in page.locator("main").inner_text()
    _accessible_at_both_sizes(page, axe_check)
    assert page.js_errors == []

    lookup = Lookup.objects.get()
    assert lookup.fetch_request.state == "fetched"
    assert set(AccessLogEntry.objects.filter(case_ref=lookup.reference).values_list("action", flat=True)) >= {
        "looked_up",
        "fetched",
        "viewed",
        "revealed",
    }

    # citizen1, on a phone: the look-up is on "who viewed my information".
    _log_in(phone_page, live_server, "citizen1", next_url="/my/data-access/")
    phone_page.wait_for_url(re.compile(r"/my/data-access/"))
    rows = phone_page.locator("table.tracker-table tbody tr", has_text=lookup.reference)
    assert rows.filter(has_text="공무원 열람").count() == 1
    looked_up_row = rows.filter(has_text="공무원 열람").first.inner_text()
    assert "종로구청" in looked_up_row and "주민등록표 초본" in looked_up_row
    _accessible_at_both_sizes(phone_page, axe_check)
    phone_page.set_viewport_size(PHONE_VIEWPORT)

    # The consent page, where a use needing consent can be agreed to ahead of a look-up.
    phone_page.goto(f"{live_server.url}/hub/consents/")
    assert "기초연금 수급자격 현장 확인" in phone_page.locator("main").inner_text()
    _accessible_at_both_sizes(phone_page, axe_check)
    assert phone_page.js_errors == []

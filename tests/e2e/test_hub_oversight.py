"""Oversight in Chromium, at desktop and phone size: a supervisor (second factor passed) opens the
look-ups per official, the flags, a flag's entries, closes it with a note, and reads the usage by
month. axe-core finds nothing serious, the pages do not scroll sideways, every tab stop shows."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone

from .conftest import DESKTOP_VIEWPORT, PHONE_VIEWPORT, _new_page
from .layout import layout_problems

pytestmark = [pytest.mark.browser]

VIEWPORTS = {"desktop": DESKTOP_VIEWPORT, "phone": PHONE_VIEWPORT}


@pytest.fixture
def oversight_world(transactional_db, office, supervisor):
    from sharing.hub.services_oversight import oversight_flags_raise
    from tests.factories import MembershipFactory, OfficialFactory
    from tests.hub.factories import ApprovedUseFactory, UsingAgencyFactory
    from tests.hub.oversight_helpers import look_up, seoul

    agency = UsingAgencyFactory(code="seoul-jongno", name_ko="서울특별시 종로구", name_en="Jongno-gu, Seoul")
    office.using_agency = agency
    office.save()
    ApprovedUseFactory(using_agency=agency, affair_code="LOCAL-PARKING-01", affair_name_ko="거주자 우선주차 관리")
    kim = MembershipFactory(office=office, user=OfficialFactory(username="kim", full_name="김공무")).user
    today = timezone.localdate()
    look_up(
        at=seoul(today.year, today.month, today.day, 7), official=kim, office=office, people=["a", "b"], case_ref=""
    )
    look_up(at=seoul(today.year, today.month, today.day, 7), official=kim, office=office, people=["c"])
    oversight_flags_raise(days=[today])
    return supervisor


def _signed_in_verified(chromium, live_server, user, viewport):
    from tests.conftest import login_verified

    context, page = _new_page(chromium, viewport)
    client = login_verified(Client(), user)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    return context, page


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
def test_a_supervisor_reviews_and_closes_a_flag(oversight_world, chromium, live_server, viewport):
    from sharing.hub.models import OversightFlag

    context, page = _signed_in_verified(chromium, live_server, oversight_world, viewport)
    problems: dict[str, list[str]] = {}
    try:
        page.goto(f"{live_server.url}/hub/oversight/")
        assert page.locator("h1").inner_text() == "열람 감독"
        assert page.locator("table", has_text="김공무").count() == 1
        problems["overview"] = layout_problems(page)

        page.get_by_role("link", name="경보", exact=True).click()
        page.wait_for_url(re.compile(r"/hub/oversight/flags/$"))
        problems["flags"] = layout_problems(page)

        page.locator("table a", has_text="사건번호 없는 열람").first.click()
        page.wait_for_url(re.compile(r"/hub/oversight/flags/[0-9a-f-]+/$"))
        assert page.locator("table code").count() == 2  # two people, by hash
        problems["flag"] = layout_problems(page)
        page.locator("textarea[name=note]").fill("담당자에게 확인: 사건번호 누락, 보완함")
        page.get_by_role("button", name="경보 닫기").click()
        page.wait_for_url(re.compile(r"/hub/oversight/flags/$"))
        assert "경보를 닫았습니다" in page.content()

        page.goto(f"{live_server.url}/hub/oversight/usage/")
        assert page.locator("svg#chart-usage-months").count() == 1
        problems["usage"] = layout_problems(page)
        assert page.js_errors == []
    finally:
        context.close()
    assert OversightFlag.objects.filter(kind="no_case", status="closed").count() == 1
    assert {label: found for label, found in problems.items() if found} == {}

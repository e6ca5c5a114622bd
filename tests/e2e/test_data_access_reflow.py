"""Who viewed my information on a narrow screen (320 CSS px is 400 % zoom): the page itself
never scrolls sideways; only the table's own scroll box may."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import _new_page, assert_accessible

pytestmark = pytest.mark.browser


@pytest.fixture
def signed_in_citizen(live_server, transactional_db):
    from django.conf import settings
    from django.test import Client

    from petitions.identity import resident_link_set
    from sharing.demo import seed as catalogue_seed
    from tests.factories import CITIZEN1, CitizenFactory, OfficeFactory, OfficialFactory
    from tests.tracker.test_data_access import _every_kind_of_entry

    catalogue_seed()
    citizen = CitizenFactory(username="narrow-citizen")
    resident_link_set(user=citizen, record=CITIZEN1)
    office = OfficeFactory(code="jongno", name_ko="종로구청", name_en="Jongno-gu Office", district_code="11110")
    _every_kind_of_entry(office, OfficialFactory(username="narrow-official"))
    client = Client()
    client.force_login(citizen, backend="django.contrib.auth.backends.ModelBackend")
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }


@pytest.mark.parametrize("width", [320, 390, 640])
def test_the_page_has_no_horizontal_overflow(chromium, live_server, signed_in_citizen, width):
    context, page = _new_page(chromium, {"width": width, "height": 800})
    try:
        context.add_cookies([signed_in_citizen])
        page.goto(live_server.url + "/my/data-access/")
        assert page.locator(".tracker-table tbody tr").count() > 5
        sizes = page.evaluate("""() => ({
            page: document.documentElement.scrollWidth,
            body: document.body.scrollWidth,
            viewport: window.innerWidth,
            table: document.querySelector('.tracker-table').scrollWidth,
        })""")
        assert sizes["page"] <= sizes["viewport"], sizes
        assert sizes["body"] <= sizes["viewport"], sizes
        # The table itself is wider than the screen: it scrolls in its own box, which a keyboard can reach.
        box = page.locator(".tracker-table-scroll")
        assert box.evaluate("el => el.scrollWidth > el.clientWidth") == (sizes["table"] > sizes["viewport"])
        if sizes["table"] > sizes["viewport"]:
            assert box.get_attribute("tabindex") == "0" and box.get_attribute("role") == "region"
        assert_accessible(page)
        assert page.js_errors == []
    finally:
        context.close()

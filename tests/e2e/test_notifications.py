"""Notifications, end to end in Chromium: citizen1 turns KakaoTalk on in their notification
settings; their petition is received and decided; the messages arrive on the sandbox phone
(over real HTTP, as from a real provider); the petition's page lists them. axe-core finds no
serious or critical violation, at desktop and phone size.

The petition is filed and decided through the services (the journeys have their own tests);
deliveries run eagerly on commit, as the test settings say.
"""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser]


@pytest.fixture
def citizen1(sandbox_agencies, settings, live_server):
    from petitions.demo import demo_citizens_link, petition_types_seed
    from portal.demo import seed as portal_seed
    from portal.models import User

    settings.NOTIFICATION_SANDBOX_URL = f"{live_server.url}/sandbox/messaging"
    portal_seed()
    petition_types_seed()
    demo_citizens_link()
    return User.objects.get(username="citizen1")


def _log_in(page, live_server, *, next_url):
    from portal.demo import DEMO_PASSWORD

    page.goto(f"{live_server.url}/account/login/?next={next_url}")
    page.locator("input[name=username]").fill("citizen1")
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def test_kakaotalk_turned_on_receives_the_decision_and_the_page_lists_it(
    citizen1, sandbox_agencies, page, phone_page, axe_check, live_server
):
    from petitions.models import Petition
    from petitions.workflow import petition_transition
    from portal.notifications.models import Notification
    from tests.petitions.helpers import file_building_use_change

    _log_in(page, live_server, next_url="/account/notifications/")
    assert page.url.endswith("/account/notifications/")
    axe_check(page)
    page.locator("label[for=id_kakao]").click()
    page.locator("input[name=phone]").fill("010-2345-6789")
    page.locator("label[for=id_phone_consent]").click()
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "알림 설정을 저장했습니다" in page.content()
    axe_check(page)

    person = sandbox_agencies.people[0]
    petition = file_building_use_change(citizen1, building_id=person["building_id"], pnu=person["pnu"])
    petition = Petition.objects.get(pk=petition.pk)
    if petition.status != Petition.Status.UNDER_REVIEW:
        petition_transition(petition=petition, to=Petition.Status.UNDER_REVIEW)
    petition_transition(petition=petition, to=Petition.Status.APPROVED, note="승인합니다.")
    assert set(
        Notification.objects.filter(case_ref=petition.receipt_no, channel="kakao").values_list("kind", "status")
    ) == {("submitted", "sent"), ("decided", "sent")}

    phone = phone_page
    phone.goto(f"{live_server.url}/sandbox/messaging/phone/?to=010-2345-6789")
    text = phone.locator("main").inner_text()
    assert petition.receipt_no in text and "처리 결과" in text and "알림을 받습니다" in text
    axe_check(phone)

    page.goto(f"{live_server.url}/my/petitions/{petition.receipt_no}/")
    rows = page.locator("table.portal-notifications tbody tr")
    assert rows.count() == 4  # received and decided, by e-mail and KakaoTalk
    listed = page.locator("table.portal-notifications").inner_text()
    assert "카카오톡" in listed and "민원 접수" in listed and "발송됨" in listed
    axe_check(page)

    _log_in(phone, live_server, next_url=f"/my/petitions/{petition.receipt_no}/")
    assert phone.locator("table.portal-notifications tbody tr").count() == 4
    axe_check(phone)

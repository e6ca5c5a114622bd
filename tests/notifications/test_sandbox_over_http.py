"""The sandbox messaging provider over real HTTP (live_server), as a real provider is reached,
and its phone page."""

from __future__ import annotations

import pytest

from portal.notifications import services
from portal.notifications.models import Notification
from sharing.sandbox.models import SandboxMessage

PHONE_PAGE = "/sandbox/messaging/phone/"


def test_a_kakaotalk_notification_round_trip_over_http(live_server, transactional_db, citizen, settings):
    settings.NOTIFICATION_SANDBOX_URL = f"{live_server.url}/sandbox/messaging"
    services.preferences_update(user=citizen, email=False, sms=True, kakao=True, phone="010-0000-5678")
    created = services.notify(
        recipient=citizen,
        kind="submitted",
        dedupe_key="live",
        case_ref="2026-0000009",
        text="[민원 포털] 민원이 접수되었습니다. 접수번호: 2026-0000009",
        template_code="PORTAL_SUBMITTED_V1",
        variables={"receipt_no": "2026-0000009"},
    )
    assert {n.channel for n in created} == {"sms", "kakao"}
    rows = {n.channel: n for n in Notification.objects.all()}
    # Outside a test transaction the commit hook has run the (eager) delivery already.
    assert {n.status for n in rows.values()} == {"sent"}
    received = {m.requested: m for m in SandboxMessage.objects.all()}
    assert rows["sms"].provider_message_id == received["sms"].message_id
    assert rows["kakao"].provider_message_id == received["alimtalk"].message_id
    # 010-0000-…: no KakaoTalk on that phone, the notification talk fell back to SMS.
    assert received["alimtalk"].delivered_via == "sms" and rows["kakao"].last_error == "delivered_via:sms"


def test_an_unreachable_provider_is_recorded_for_a_later_attempt(transactional_db, citizen, settings):
    settings.NOTIFICATION_SANDBOX_URL = "http://127.0.0.1:9/sandbox/messaging"  # nothing listens there
    services.preferences_update(user=citizen, email=False, sms=True, kakao=False, phone="010-2345-6789")
    [notification] = services.notify(recipient=citizen, kind="submitted", dedupe_key="down", text="x")
    notification.refresh_from_db()
    assert notification.status == "queued" and notification.attempts == 1
    assert notification.last_error.startswith("unreachable:") and notification.next_attempt_at


@pytest.mark.django_db
def test_the_sandbox_phone_shows_what_the_number_received(client):
    SandboxMessage.objects.create(
        message_id="msg_1",
        api_key="k",
        reference="ntf-1",
        to="01023456789",
        sender="15880000",
        requested="alimtalk",
        delivered_via="kakao",
        template_code="PORTAL_DECIDED_V1",
        text="[민원 포털] 처리 결과: 승인",
    )
    SandboxMessage.objects.create(
        message_id="msg_2",
        api_key="k",
        reference="ntf-2",
        to="01099998888",
        sender="15880000",
        requested="sms",
        delivered_via="sms",
        text="다른 번호의 메시지",
    )
    page = client.get(PHONE_PAGE, {"to": "010-2345-6789"})
    body = page.content.decode()
    assert page.status_code == 200 and "처리 결과: 승인" in body and "다른 번호의 메시지" not in body
    assert "PORTAL_DECIDED_V1" in body
    assert client.get(PHONE_PAGE).status_code == 200
    bad = client.get(PHONE_PAGE, {"to": "hello"})
    assert bad.status_code == 400 and "msg_" not in bad.content.decode()

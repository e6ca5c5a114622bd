"""Channels: the citizen's choice respected, the sandbox provider's protocol, failures retried
with back-off and recorded, nothing sent twice, nothing lost."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest
import urllib3
from django.core import mail
from django.utils import timezone

from portal.notifications import services, tasks
from portal.notifications.channels import ChannelUnavailable, Message, channel_for
from portal.notifications.models import Notification, NotificationPreference
from sharing.sandbox.models import SandboxMessage

pytestmark = pytest.mark.django_db
S = Notification.Status


def _notify(user, key="event-1", **extra):
    return services.notify(
        recipient=user,
        kind="submitted",
        dedupe_key=key,
        case_ref="2026-0000001",
        subject="[민원 포털] 접수",
        body="민원이 접수되었습니다.\nhttp://127.0.0.1:8000/my/petitions/2026-0000001/",
        text="[민원 포털] 민원이 접수되었습니다. 접수번호: 2026-0000001",
        template_code="PORTAL_SUBMITTED_V1",
        variables={"receipt_no": "2026-0000001"},
        **extra,
    )


def test_without_a_choice_the_citizen_gets_e_mail_only(citizen, messaging, django_capture_on_commit_callbacks):
    citizen.email = "a@example.org"
    citizen.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        [notification] = _notify(citizen)
    notification.refresh_from_db()
    assert (notification.channel, notification.status) == ("email", S.SENT)
    assert notification.sent_at and notification.provider_message_id == f"ntf-{notification.pk}"
    assert [m.to for m in mail.outbox] == [["a@example.org"]] and mail.outbox[0].subject == "[민원 포털] 접수"
    assert messaging.calls == []


@pytest.mark.parametrize(
    ("email", "sms", "kakao"),
    [(True, False, False), (False, True, False), (False, False, True), (True, True, True), (True, False, True)],
)
def test_each_channel_is_used_only_when_chosen(
    citizen, messaging, django_capture_on_commit_callbacks, email, sms, kakao
):
    citizen.email = "a@example.org"
    citizen.save(update_fields=["email"])
    services.preferences_update(user=citizen, email=email, sms=sms, kakao=kakao, phone="010-2345-6789")
    with django_capture_on_commit_callbacks(execute=True):
        _notify(citizen)
    sent = dict(Notification.objects.values_list("channel", "status"))
    expected = {name for name, on in (("email", email), ("sms", sms), ("kakao", kakao)) if on}
    assert set(sent) == expected and set(sent.values()) == {S.SENT}
    assert len(mail.outbox) == int(email)
    phone = {m.requested: m for m in SandboxMessage.objects.all()}
    assert set(phone) == {kind for kind, on in (("sms", sms), ("alimtalk", kakao)) if on}
    if kakao:
        talk = phone["alimtalk"]
        assert talk.to == "01023456789" and talk.delivered_via == "kakao"
        assert talk.template_code == "PORTAL_SUBMITTED_V1" and talk.variables == {"receipt_no": "2026-0000001"}
        row = Notification.objects.get(channel="kakao")
        assert row.provider_message_id == talk.message_id and row.provider == "sandbox_kakao"


def test_an_e_mail_given_on_the_petition_is_used(citizen, messaging, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _notify(citizen, email="given@example.org")
    assert mail.outbox[0].to == ["given@example.org"]


def test_a_phone_without_kakaotalk_gets_the_text_message_instead(
    citizen, messaging, django_capture_on_commit_callbacks
):
    services.preferences_update(user=citizen, email=False, sms=False, kakao=True, phone="010-0000-1234")
    with django_capture_on_commit_callbacks(execute=True):
        [notification] = _notify(citizen)
    notification.refresh_from_db()
    assert notification.status == S.SENT and notification.last_error == "delivered_via:sms"
    assert SandboxMessage.objects.get().delivered_via == "sms"


def test_the_same_event_is_notified_once(phone_citizen, messaging, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert len(_notify(phone_citizen)) == 3
        assert _notify(phone_citizen) == []  # a redelivered task
    assert Notification.objects.count() == 3 and len(mail.outbox) == 1
    # A provider told the same reference twice (an answer lost to a time-out) sends it once.
    row = Notification.objects.get(channel="sms")
    again = channel_for("sms").send(
        Message(reference=f"ntf-{row.pk}", to="01023456789", language="ko", subject="", text="x")
    )
    assert again.message_id == row.provider_message_id
    assert SandboxMessage.objects.count() == 2


# --- Failures --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "failure",
    [
        503,
        500,
        429,
        urllib3.exceptions.NewConnectionError(None, "refused"),  # type: ignore[arg-type]
        urllib3.exceptions.ReadTimeoutError(None, "/", "slow"),  # type: ignore[arg-type]
    ],
    ids=["503", "500", "429", "down", "timeout"],
)
def test_a_temporary_failure_is_retried_with_back_off_and_recorded(
    phone_citizen, messaging, settings, django_capture_on_commit_callbacks, failure
):
    services.preferences_update(user=phone_citizen, email=False, sms=True, kakao=False, phone="010-2345-6789")
    messaging.fail_with = [failure]
    with django_capture_on_commit_callbacks(execute=True):
        [notification] = _notify(phone_citizen)
    notification.refresh_from_db()
    assert notification.status == S.QUEUED and notification.attempts == 1
    assert notification.last_error.split(":")[0] in {"http_503", "http_500", "http_429", "unreachable", "timeout"}
    assert notification.next_attempt_at > notification.last_attempt_at
    # The next attempt goes through: sent, with both attempts counted.
    assert services.notification_deliver(notification_id=notification.pk) == ("sent", 0.0)
    notification.refresh_from_db()
    assert notification.status == S.SENT and notification.attempts == 2 and notification.provider_message_id


def test_a_provider_that_stays_down_ends_failed_with_its_reason(phone_citizen, messaging, settings):
    settings.NOTIFICATION_MAX_RETRIES = 2
    services.preferences_update(user=phone_citizen, email=False, sms=True, kakao=False, phone="010-2345-6789")
    [notification] = _notify(phone_citizen)
    messaging.fail_with = [503, 503, 503]
    outcomes = [services.notification_deliver(notification_id=notification.pk)[0] for _ in range(3)]
    assert outcomes == ["retry", "retry", "failed"]
    notification.refresh_from_db()
    assert notification.status == S.FAILED and notification.attempts == 3 and notification.failed_at
    assert notification.last_error == "http_503:SIMULATED"
    assert services.notification_deliver(notification_id=notification.pk) == ("skipped", 0.0)


def test_a_refused_message_is_not_retried(phone_citizen, messaging):
    services.preferences_update(user=phone_citizen, email=False, sms=True, kakao=False, phone="010-2345-6789")
    [notification] = _notify(phone_citizen)
    messaging.fail_with = [400]
    assert services.notification_deliver(notification_id=notification.pk) == ("failed", 0.0)
    notification.refresh_from_db()
    assert (
        notification.status == S.FAILED
        and notification.attempts == 1
        and notification.last_error == "http_400:SIMULATED"
    )


def test_the_retry_delay_grows_exponentially_up_to_the_cap(settings):
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 10
    settings.NOTIFICATION_RETRY_MAX_SECONDS = 100
    for attempt, low in ((1, 10), (2, 20), (3, 40), (4, 80), (5, 100), (9, 100)):
        assert low <= services.retry_delay(attempt) <= low + 10


def test_the_worker_schedules_the_retry_with_the_delay(phone_citizen, messaging, monkeypatch):
    services.preferences_update(user=phone_citizen, email=False, sms=True, kakao=False, phone="010-2345-6789")
    [notification] = _notify(phone_citizen)
    messaging.fail_with = [503]
    asked: dict = {}

    class Scheduled(Exception):
        pass

    def retry(**kwargs):
        asked.update(kwargs)
        return Scheduled()

    monkeypatch.setattr(tasks.notification_deliver, "retry", retry)
    monkeypatch.setattr(tasks.notification_deliver.request, "is_eager", False, raising=False)
    monkeypatch.setattr(tasks.notification_deliver.request, "called_directly", False, raising=False)
    with pytest.raises(Scheduled):
        tasks.notification_deliver.run(notification.pk)
    assert asked["countdown"] >= 30  # NOTIFICATION_RETRY_BASE_SECONDS


def test_the_recovery_sweep_sends_what_a_lost_task_left_queued(phone_citizen, messaging, settings):
    services.preferences_update(user=phone_citizen, email=True, sms=False, kakao=False, phone="")
    [notification] = _notify(phone_citizen)  # outside a commit hook: its task never ran
    assert services.notifications_recover(stalled_after=timedelta(seconds=300)) == 0  # not due yet
    Notification.objects.filter(pk=notification.pk).update(next_attempt_at=timezone.now() - timedelta(hours=1))
    assert services.notifications_recover(stalled_after=timedelta(seconds=300)) == 1
    notification.refresh_from_db()
    assert notification.status == S.SENT and len(mail.outbox) == 1


def test_a_medium_switched_off_after_queueing_fails_with_its_reason(phone_citizen, messaging, settings):
    services.preferences_update(user=phone_citizen, email=False, sms=True, kakao=False, phone="010-2345-6789")
    [notification] = _notify(phone_citizen)
    settings.NOTIFICATION_CHANNELS = {**settings.NOTIFICATION_CHANNELS, "sms": ""}
    assert services.notification_deliver(notification_id=notification.pk) == ("failed", 0.0)
    notification.refresh_from_db()
    assert notification.last_error == "channel_switched_off"


def test_smtp_failure_is_temporary(citizen, monkeypatch):
    from portal.notifications.channels import EmailChannel

    def broken(self, *args, **kwargs):
        raise ConnectionRefusedError

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken)
    with pytest.raises(ChannelUnavailable):
        EmailChannel().send(Message(reference="ntf-1", to="a@example.org", language="ko", subject="s", text="t"))


# --- The sandbox provider's refusals ------------------------------------------------------------


def _signed(body: dict, *, secret=None, age=0, key=None) -> dict:
    from django.conf import settings

    raw = json.dumps(body).encode()
    stamp = str(int(time.time()) - age)
    signature = hmac.new(
        (secret or settings.NOTIFICATION_SANDBOX_SECRET).encode(), stamp.encode() + b"." + raw, hashlib.sha256
    ).hexdigest()
    return {
        "data": raw,
        "content_type": "application/json",
        "HTTP_X_API_KEY": key or settings.NOTIFICATION_SANDBOX_API_KEY,
        "HTTP_X_SIGNATURE": f"t={stamp},v1={signature}",
    }


SMS = {"reference": "r-1", "type": "sms", "to": "01023456789", "from": "15880000", "text": "안녕하세요"}
URL = "/sandbox/messaging/v1/messages"


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"secret": "wrong"}, 401, "UNAUTHORIZED"),
        ({"key": "someone-else"}, 401, "UNAUTHORIZED"),
        ({"age": 3600}, 401, "UNAUTHORIZED"),
        ({"body": {**SMS, "to": "0212345678"}}, 400, "INVALID_NUMBER"),
        ({"body": {**SMS, "text": ""}}, 400, "INVALID_TEXT"),
        ({"body": {**SMS, "type": "fax"}}, 400, "INVALID_REQUEST"),
        ({"body": {**SMS, "type": "alimtalk"}}, 400, "INVALID_TEMPLATE"),
        ({"body": {**SMS, "type": "alimtalk", "templateCode": "T", "senderKey": "x"}}, 400, "INVALID_SENDER_KEY"),
    ],
)
def test_the_sandbox_provider_refuses_what_a_real_one_would(client, kwargs, status, code):
    body = kwargs.pop("body", SMS)
    response = client.post(URL, **_signed(body, **kwargs))
    assert response.status_code == status and response.json()["code"] == code
    assert not SandboxMessage.objects.exists()


def test_the_sandbox_provider_accepts_a_signed_message_once(client):
    first = client.post(URL, **_signed(SMS))
    again = client.post(URL, **_signed(SMS))
    assert first.status_code == again.status_code == 200
    assert first.json()["messageId"] == again.json()["messageId"] and first.json()["deliveredVia"] == "sms"
    assert SandboxMessage.objects.count() == 1


def test_no_preference_row_is_written_by_notifying(citizen, messaging):
    _notify(citizen)
    assert not NotificationPreference.objects.exists()

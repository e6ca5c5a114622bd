"""Writes: queue a notification on the recipient's channels, deliver it, record each attempt."""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from .channels import ChannelError, Message, channel_for, media_offered
from .kinds import register_kind
from .models import Medium, Notification, NotificationPreference, phone_digits

logger = logging.getLogger(__name__)
Status = Notification.Status


def _media_of(recipient) -> tuple[list[str], str]:
    """The media the recipient chose that the portal offers, and their phone number."""
    preference = NotificationPreference.objects.filter(user=recipient).first()
    chosen = preference.media() if preference else [Medium.EMAIL.value]
    offered = media_offered()
    return [medium for medium in chosen if medium in offered], (preference.phone if preference else "")


@transaction.atomic
def notify(
    *,
    recipient,
    kind: str,
    dedupe_key: str,
    text: str,
    subject: str = "",
    body: str = "",
    case_ref: str = "",
    language: str = "ko",
    email: str = "",
    template_code: str = "",
    variables: dict[str, str] | None = None,
    only: tuple[str, ...] = (),
) -> list[Notification]:
    """One queued notification per channel the recipient chose (e-mail when they chose nothing),
    each delivered after the commit. Texts come rendered in the recipient's language and hold
    no personal data beyond what the recipient already knows (never an RRN). ``email``
    overrides the account's address (the one given on a petition). Once per
    (recipient, channel, kind, dedupe_key): a second call for the same event writes nothing.
    ``only``: these media of the recipient's choice, no other."""
    media, phone = _media_of(recipient)
    if only:
        media = [medium for medium in media if medium in only]
    created: list[Notification] = []
    for medium in media:
        address = (email or recipient.email) if medium == Medium.EMAIL else phone_digits(phone)
        if not address:
            continue
        try:
            with transaction.atomic():
                notification, is_new = Notification.objects.get_or_create(
                    recipient=recipient,
                    channel=medium,
                    kind=kind,
                    dedupe_key=dedupe_key[:120],
                    defaults={
                        "case_ref": case_ref,
                        "address": address,
                        "language": language,
                        "subject": subject[:200],
                        "text": text[:1000],
                        "body": body if medium == Medium.EMAIL else "",
                        "template_code": template_code if medium == Medium.KAKAO else "",
                        "variables": (variables or {}) if medium == Medium.KAKAO else {},
                        "next_attempt_at": timezone.now(),
                    },
                )
        except IntegrityError:  # the same event queued by another worker at the same moment
            continue
        if is_new:
            created.append(notification)
            _queue_after_commit(notification.pk)
    logger.info("notification queued kind=%s channels=%s", kind, ",".join(n.channel for n in created) or "-")
    return created


def _queue_after_commit(notification_id: int) -> None:
    from .tasks import notification_deliver

    transaction.on_commit(lambda: notification_deliver.delay(notification_id))


def retry_delay(attempt: int) -> float:
    """Exponential back-off with jitter: base x 2^(attempt-1), at most the cap, plus up to one base."""
    base = settings.NOTIFICATION_RETRY_BASE_SECONDS
    return min(settings.NOTIFICATION_RETRY_MAX_SECONDS, base * 2 ** max(attempt - 1, 0)) + random.uniform(0, base)  # noqa: S311 (jitter, not a secret)


def notification_deliver(*, notification_id: int) -> tuple[str, float]:
    """One attempt at sending a queued notification. Returns (outcome, delay): ``sent``,
    ``failed``, ``skipped`` (not queued any more) or ``retry`` with the delay before the next
    attempt. A temporary failure on the last attempt (``NOTIFICATION_MAX_RETRIES`` + 1 in all)
    is recorded as failed: the notification is never left behind without a reason."""
    notification = Notification.objects.filter(pk=notification_id, status=Status.QUEUED).first()
    if notification is None:
        return "skipped", 0.0
    now = timezone.now()
    attempt = notification.attempts + 1
    final = attempt > settings.NOTIFICATION_MAX_RETRIES
    channel = channel_for(notification.channel)
    if channel is None:
        _finish(notification_id, status=Status.FAILED, attempt=attempt, error="channel_switched_off")
        return "failed", 0.0
    message = Message(
        reference=f"ntf-{notification.pk}",
        to=notification.address,
        language=notification.language,
        subject=notification.subject,
        text=notification.text,
        body=notification.body,
        template_code=notification.template_code,
        variables=notification.variables,
    )
    try:
        result = channel.send(message)
    except ChannelError as exc:
        if exc.retry and not final:
            delay = retry_delay(attempt)
            Notification.objects.filter(pk=notification_id, status=Status.QUEUED).update(
                attempts=attempt,
                last_error=exc.code,
                last_attempt_at=now,
                next_attempt_at=now + timedelta(seconds=delay),
            )
            logger.warning("notification %s attempt %s failed (%s): retried", notification_id, attempt, exc.code)
            return "retry", delay
        _finish(notification_id, status=Status.FAILED, attempt=attempt, error=exc.code, provider=channel.identifier)
        logger.warning("notification %s failed after %s attempt(s) (%s)", notification_id, attempt, exc.code)
        return "failed", 0.0
    _finish(
        notification_id,
        status=Status.SENT,
        attempt=attempt,
        provider=channel.identifier,
        message_id=result.message_id,
        error=f"delivered_via:{result.delivered_via}" if result.delivered_via not in ("", notification.channel) else "",
    )
    logger.info("notification %s sent through %s", notification_id, channel.identifier)
    return "sent", 0.0


def _finish(
    notification_id: int, *, status: str, attempt: int, error: str = "", provider: str = "", message_id: str = ""
) -> None:
    now = timezone.now()
    changes = {
        "status": status,
        "attempts": attempt,
        "last_attempt_at": now,
        "next_attempt_at": None,
        "last_error": error,
        "provider": provider,
        "provider_message_id": message_id,
    }
    changes["sent_at" if status == Status.SENT else "failed_at"] = now
    Notification.objects.filter(pk=notification_id, status=Status.QUEUED).update(**changes)


def notifications_recover(*, stalled_after: timedelta) -> int:
    """Queues again the notifications still queued long after their attempt was due (their task
    died with a worker or was lost by the broker). Safe to run twice: delivery skips a row that
    is no longer queued, and a provider told a reference twice sends once."""
    from .tasks import notification_deliver

    due = list(
        Notification.objects.filter(
            status=Status.QUEUED, next_attempt_at__lt=timezone.now() - stalled_after
        ).values_list("pk", flat=True)[:500]
    )
    for notification_id in due:
        Notification.objects.filter(pk=notification_id, status=Status.QUEUED).update(next_attempt_at=timezone.now())
        notification_deliver.delay(notification_id)
    return len(due)


register_kind("channels_confirmed", _("Your phone was set for notifications"))


@transaction.atomic
def preferences_update(
    *, user, email: bool, sms: bool, kakao: bool, phone: str, confirm: bool = False
) -> NotificationPreference:
    """The citizen's channels. SMS and KakaoTalk need a phone number; turning either on records
    the consent to messages on the phone, turning both off withdraws it. ``confirm``: a phone
    channel newly on, or a new number, is told so by a first message on that phone (the
    citizen sees at once that the number is right)."""
    preference, _created = NotificationPreference.objects.select_for_update().get_or_create(user=user)
    before = (preference.sms, preference.kakao, phone_digits(preference.phone))
    offered = media_offered()
    preference.email = email
    preference.sms = sms and Medium.SMS in offered
    preference.kakao = kakao and Medium.KAKAO in offered
    preference.phone = phone
    if preference.sms or preference.kakao:
        preference.phone_consented_at = preference.phone_consented_at or timezone.now()
    else:
        preference.phone_consented_at = None
    preference.full_clean()
    preference.save()
    after = (preference.sms, preference.kakao, phone_digits(preference.phone))
    if confirm and (preference.sms or preference.kakao) and after != before:
        _phone_confirmation_queue(preference)
    return preference


def _phone_confirmation_queue(preference: NotificationPreference) -> None:
    user = preference.user
    language = user.preferred_language or settings.LANGUAGE_CODE
    link = settings.SITE_URL + reverse("notification_preferences")
    with translation.override(language):
        text = render_to_string("notifications/messages/channels_confirmed.txt", {"link": link}).strip()
    notify(
        recipient=user,
        kind="channels_confirmed",
        dedupe_key=f"settings:{preference.updated_at.isoformat()}",
        language=language,
        text=text,
        template_code="PORTAL_CHANNELS_CONFIRMED_V1",
        variables={"link": link},
        only=(Medium.SMS, Medium.KAKAO),
    )

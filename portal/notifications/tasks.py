"""Celery tasks of notifications: delivery with retries, and the recovery sweep."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings


@shared_task(bind=True, name="portal.notifications.tasks.notification_deliver", acks_late=True, ignore_result=True)
def notification_deliver(self, notification_id: int) -> str:
    from .services import notification_deliver as deliver

    final = self.request.retries >= settings.NOTIFICATION_MAX_RETRIES
    outcome, delay = deliver(notification_id=notification_id, final=final)
    if outcome == "retry":
        raise self.retry(countdown=delay, max_retries=settings.NOTIFICATION_MAX_RETRIES)
    return outcome


@shared_task(name="portal.notifications.tasks.notifications_recover", ignore_result=True)
def notifications_recover() -> int:
    """Beat, every minute: notifications whose delivery task was lost are queued again."""
    from .services import notifications_recover as recover

    return recover(stalled_after=timedelta(seconds=settings.NOTIFICATION_STALLED_AFTER_SECONDS))

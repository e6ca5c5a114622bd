"""Celery tasks of notifications: delivery with retries, and the recovery sweep."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings


@shared_task(bind=True, name="portal.notifications.tasks.notification_deliver", acks_late=True, ignore_result=True)
def notification_deliver(self, notification_id: int) -> str:
    from .services import notification_deliver as deliver

    outcome, delay = deliver(notification_id=notification_id)
    if outcome == "retry" and not self.request.is_eager:
        # The row counts the attempts (a task queued again by the recovery sweep starts at 0
        # retries): the service says when the last one was made; this bound is a safeguard.
        raise self.retry(countdown=delay, max_retries=settings.NOTIFICATION_MAX_RETRIES + 1)
    # Run eagerly (tests, a shell) there is no worker to come back: the row stays queued with
    # its next attempt, which beat's recovery sweep makes.
    return outcome


@shared_task(name="portal.notifications.tasks.notifications_recover", ignore_result=True)
def notifications_recover() -> int:
    """Beat, every minute: notifications whose delivery task was lost are queued again."""
    from .services import notifications_recover as recover

    return recover(stalled_after=timedelta(seconds=settings.NOTIFICATION_STALLED_AFTER_SECONDS))

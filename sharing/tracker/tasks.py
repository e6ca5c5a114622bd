"""Celery tasks of the tracker: e-mails about privacy inquiries (idempotent per event)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="sharing.tracker.tasks.privacy_inquiry_notify", ignore_result=True)
def privacy_inquiry_notify(inquiry_id: int, event: str) -> int:
    from .notifications import privacy_inquiry_notify_send

    return privacy_inquiry_notify_send(inquiry_id=inquiry_id, event=event)


@shared_task(name="sharing.tracker.tasks.tracker_purge", ignore_result=True)
def tracker_purge() -> dict:
    from .services import tracker_purge as purge

    return purge()

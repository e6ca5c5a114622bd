"""Celery tasks of the hub."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="sharing.hub.tasks.lookups_purge", ignore_result=True)
def lookups_purge() -> int:
    """Beat, every LOOKUP_PURGE_EVERY_SECONDS: look-ups kept past their time lose their answer.
    Idempotent (a purged look-up is skipped)."""
    from .services_lookups import lookups_purge_expired

    return lookups_purge_expired()

"""Celery tasks of the hub: raising the oversight flags (hourly, by beat; idempotent by window)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="sharing.hub.tasks.oversight_raise_flags", ignore_result=True)
def oversight_raise_flags() -> int:
    """Examines yesterday and today so far; raises each window's flag once. Returns how many."""
    from .services_oversight import days_to_examine, oversight_flags_raise

    return len(oversight_flags_raise(days=days_to_examine()))

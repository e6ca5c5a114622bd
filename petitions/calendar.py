"""Working days: weekends and Korean public holidays (portal.calendar) do not count."""

from __future__ import annotations

import datetime

from django.utils import timezone

from portal.calendar import is_working_day

__all__ = ["add_working_days", "is_working_day", "local_today", "working_days_between"]


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date ``days`` working days after ``start`` (the day of filing does not count)."""
    current = start
    remaining = days
    while remaining > 0:
        current += datetime.timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after ``start`` up to and including ``end``."""
    count = 0
    current = start
    while current < end:
        current += datetime.timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count


def local_today() -> datetime.date:
    return timezone.localdate()

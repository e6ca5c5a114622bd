"""Korean working days: weekends and public holidays (the `holidays` package) are not.

In ``portal`` so that every layer reads the same calendar: petitions' deadlines
(petitions.calendar) and the hub's oversight of look-ups outside working hours (sharing.hub).
"""

from __future__ import annotations

import datetime
from functools import lru_cache

import holidays


@lru_cache(maxsize=32)
def korean_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays("KR", years=year).keys())


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in korean_holidays(day.year)

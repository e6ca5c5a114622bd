"""Writing officials' look-ups into the access log at a chosen moment (a controlled clock)."""

import datetime
import hashlib

import time_machine
from django.utils import timezone

from sharing.audit import log_personal_data_access_many

SEOUL = timezone.get_default_timezone()


def seoul(year, month, day, hour=10, minute=0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=SEOUL)


def person(label: str) -> str:
    """A stand-in for the keyed hash of a person (64 hex characters)."""
    return hashlib.sha256(label.encode()).hexdigest()


def look_up(
    *,
    at: datetime.datetime,
    official,
    office,
    people=("p-1",),
    affair="LOCAL-PARKING-01",
    case_ref="CASE-1",
    item_code="resident_abstract",
):
    """One look-up entry per person in ``people`` (labels), written at ``at``."""
    with time_machine.travel(at, tick=False):
        return log_personal_data_access_many(
            action="looked_up",
            subject_hashes=[person(label) for label in people],
            case_ref=case_ref,
            office=office,
            actor=official,
            item_code=item_code,
            fields=["name", "address"],
            purpose="P-PARKING",
            affair_code=affair,
            legal_basis="주차장법 제10조",
        )


def many(n: int, prefix: str = "p") -> list[str]:
    return [f"{prefix}-{index}" for index in range(n)]

"""The rules of oversight: which patterns of officials' look-ups a reviewer should look at.

Read from the access log alone (every look-up lands there as a ``looked_up`` entry with its
official, office, affair and case reference), in a fixed number of aggregate queries per day
examined, whatever the number of entries. Days are Seoul days (``TIME_ZONE``).

- **volume**: an official's look-ups in one office on one day above
  ``max(VOLUME_MIN, VOLUME_FACTOR x median)``, the median of their daily counts in that office
  over the ``USUAL_DAYS`` days before (days without a look-up count as 0);
- **same_person**: one person (keyed hash) looked up by at least ``SAME_PERSON_OFFICIALS``
  distinct officials within ``SAME_PERSON_DAYS`` days ending on the day; one flag per office
  whose officials took part, and no new one for that person and office while an earlier flag's
  window overlaps this one (the same cluster is flagged once);
- **off_hours**: look-ups on a weekend or Korean public holiday (portal.calendar), or before
  ``WORK_START_HOUR`` or from ``WORK_END_HOUR`` o'clock on a working day; one flag per official,
  office, affair and day;
- **no_case**: look-ups with no case reference; one flag per official, office, affair and day.

Each candidate has a ``key`` naming its window; services_oversight raises each key once.
"""

from __future__ import annotations

import datetime
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import ExtractHour, TruncDate
from django.utils import timezone

from portal.calendar import is_working_day
from sharing.models import AccessLogEntry

from .models import OversightFlag

Kind = OversightFlag.Kind


@dataclass(frozen=True)
class Thresholds:
    volume_min: int = 30
    volume_factor: int = 3
    usual_days: int = 30
    same_person_officials: int = 3
    same_person_days: int = 7
    work_start_hour: int = 9
    work_end_hour: int = 18

    @classmethod
    def from_settings(cls) -> Thresholds:
        defaults = cls()
        return cls(
            **{
                name: int(getattr(settings, f"HUB_OVERSIGHT_{name.upper()}", getattr(defaults, name)))
                for name in cls.__dataclass_fields__
            }
        )


@dataclass(frozen=True)
class Candidate:
    """A flag to raise: ``count`` is above ``threshold`` (what was measured against)."""

    kind: str
    office_id: int
    official_id: int | None
    affair_code: str
    subject_hash: str
    window_start: datetime.date
    window_end: datetime.date
    count: int
    threshold: int
    usual: Decimal | None = None

    @property
    def key(self) -> str:
        return ":".join(
            [
                self.kind,
                str(self.office_id),
                str(self.official_id or "-"),
                self.affair_code or "-",
                self.subject_hash or "-",
                self.window_start.isoformat(),
                self.window_end.isoformat(),
            ]
        )


def lookups() -> QuerySet[AccessLogEntry]:
    """Officials' look-ups: entries of the action ``looked_up`` by a named official of an office."""
    return AccessLogEntry.objects.filter(
        action=AccessLogEntry.Action.LOOKED_UP, actor__isnull=False, office__isnull=False
    ).order_by()


def day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min), timezone.get_default_timezone())


def between(queryset: QuerySet[AccessLogEntry], first: datetime.date, last: datetime.date) -> QuerySet:
    """Entries from the start of ``first`` to the end of ``last`` (Seoul days)."""
    return queryset.filter(
        created_at__gte=day_start(first), created_at__lt=day_start(last + datetime.timedelta(days=1))
    )


def is_off_hours(moment: datetime.datetime, thresholds: Thresholds) -> bool:
    local = timezone.localtime(moment, timezone.get_default_timezone())
    return off_hours_at(local.date(), local.hour, thresholds)


def off_hours_at(day: datetime.date, hour: int, thresholds: Thresholds) -> bool:
    return not is_working_day(day) or not (thresholds.work_start_hour <= hour < thresholds.work_end_hour)


def volume(day: datetime.date, thresholds: Thresholds) -> list[Candidate]:
    """Two queries: the day's counts per official and office, and their daily counts before."""
    today = {
        (row["actor"], row["office"]): row["n"]
        for row in between(lookups(), day, day).values("actor", "office").annotate(n=Count("id"))
    }
    above_floor = [pair for pair, n in today.items() if n > thresholds.volume_min]
    if not above_floor:
        return []  # nobody above the floor: no history needed
    first = day - datetime.timedelta(days=thresholds.usual_days)
    history: dict[tuple[int, int], list[int]] = defaultdict(list)
    rows = (
        between(lookups(), first, day - datetime.timedelta(days=1))
        .filter(
            actor__in={actor for actor, _office in above_floor},
            office__in={office for _actor, office in above_floor},
        )
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_default_timezone()))
        .values("actor", "office", "day")
        .annotate(n=Count("id"))
    )
    for row in rows:
        history[(row["actor"], row["office"])].append(row["n"])
    candidates = []
    for actor, office in above_floor:
        counts = history.get((actor, office), [])
        daily = counts + [0] * (thresholds.usual_days - len(counts))
        usual = Decimal(str(statistics.median(daily))) if daily else Decimal(0)
        limit = max(Decimal(thresholds.volume_min), thresholds.volume_factor * usual)
        # count > limit, for a whole count, is count > floor(limit).
        threshold = math.floor(limit)
        n = today[(actor, office)]
        if n > threshold:
            candidates.append(
                Candidate(Kind.VOLUME, office, actor, "", "", day, day, n, threshold, usual.quantize(Decimal("0.1")))
            )
    return candidates


def off_hours(day: datetime.date, thresholds: Thresholds) -> list[Candidate]:
    """One query: the day's look-ups per official, office, affair and Seoul hour."""
    counts: dict[tuple[int, int, str], int] = defaultdict(int)
    rows = (
        between(lookups(), day, day)
        .annotate(hour=ExtractHour("created_at", tzinfo=timezone.get_default_timezone()))
        .values("actor", "office", "affair_code", "hour")
        .annotate(n=Count("id"))
    )
    for row in rows:
        if off_hours_at(day, row["hour"], thresholds):
            counts[(row["actor"], row["office"], row["affair_code"])] += row["n"]
    return [
        Candidate(Kind.OFF_HOURS, office, actor, affair, "", day, day, n, 0)
        for (actor, office, affair), n in sorted(counts.items())
    ]


def no_case(day: datetime.date, thresholds: Thresholds) -> list[Candidate]:
    """One query: the day's look-ups without a case reference per official, office and affair."""
    rows = (
        between(lookups(), day, day)
        .filter(case_ref="")
        .values("actor", "office", "affair_code")
        .annotate(n=Count("id"))
        .order_by("actor", "office", "affair_code")
    )
    return [
        Candidate(Kind.NO_CASE, row["office"], row["actor"], row["affair_code"], "", day, day, row["n"], 0)
        for row in rows
    ]


def same_person(day: datetime.date, thresholds: Thresholds) -> list[Candidate]:
    """Three queries at most: the people above the threshold in the window, the offices whose
    officials took part, and the flags of earlier windows that overlap this one."""
    first = day - datetime.timedelta(days=thresholds.same_person_days - 1)
    window = between(lookups(), first, day)
    people = dict(
        window.values("subject_hash")
        .annotate(officials=Count("actor", distinct=True))
        .filter(officials__gte=thresholds.same_person_officials)
        .values_list("subject_hash", "officials")
    )
    if not people:
        return []
    pairs = sorted(set(window.filter(subject_hash__in=people).values_list("subject_hash", "office").distinct()))
    overlapping = set(
        OversightFlag.objects.filter(
            kind=Kind.SAME_PERSON, subject_hash__in=people, window_end__gte=first, window_start__lte=day
        )
        .exclude(window_end=day, window_start=first)  # this very window: raised once by its key
        .values_list("subject_hash", "office")
    )
    return [
        Candidate(
            Kind.SAME_PERSON,
            office,
            None,
            "",
            subject,
            first,
            day,
            people[subject],
            thresholds.same_person_officials - 1,
        )
        for subject, office in pairs
        if (subject, office) not in overlapping
    ]


RULES = (volume, same_person, off_hours, no_case)


def candidates(day: datetime.date, thresholds: Thresholds | None = None) -> list[Candidate]:
    """Every flag the rules find for ``day`` (a fixed number of queries)."""
    thresholds = thresholds or Thresholds.from_settings()
    found: list[Candidate] = []
    for rule in RULES:
        found.extend(rule(day, thresholds))
    return found


def entries_behind(flag: OversightFlag, thresholds: Thresholds | None = None) -> QuerySet[AccessLogEntry]:
    """The look-ups of the flag's office that the flag counts (a queryset; off-hours filtered by hour)."""
    thresholds = thresholds or Thresholds.from_settings()
    entries = between(lookups(), flag.window_start, flag.window_end).filter(office=flag.office_id)
    if flag.kind == Kind.SAME_PERSON:
        return entries.filter(subject_hash=flag.subject_hash)
    entries = entries.filter(actor=flag.official_id)
    if flag.kind == Kind.VOLUME:
        return entries
    entries = entries.filter(affair_code=flag.affair_code)
    if flag.kind == Kind.NO_CASE:
        return entries.filter(case_ref="")
    # Off hours: every hour of a day off, else the hours outside working hours.
    if not is_working_day(flag.window_start):
        return entries
    tz = timezone.get_default_timezone()
    return entries.annotate(hour=ExtractHour("created_at", tzinfo=tz)).filter(
        Q(hour__lt=thresholds.work_start_hour) | Q(hour__gte=thresholds.work_end_hour)
    )

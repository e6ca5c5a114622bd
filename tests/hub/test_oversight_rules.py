"""The oversight rules, each at its threshold and one above, with a controlled clock; raising
flags idempotently; closing one with a note. Expectations written by hand.

Days used: Wednesday 18 November 2026 (a working day); Friday 9 October 2026 (Hangul Day, a
public holiday); Saturday 21 November 2026.
"""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sharing.hub import oversight
from sharing.hub.errors import InvalidTransition, NotAllowed
from sharing.hub.models import OversightFlag
from sharing.hub.services_oversight import days_to_examine, oversight_flag_close, oversight_flags_raise
from sharing.hub.tasks import oversight_raise_flags
from tests.factories import MembershipFactory, OfficeFactory, OfficialFactory
from tests.hub.oversight_helpers import look_up, many, person, seoul
from tests.tracker.factories import PrivacyOfficerFactory

pytestmark = pytest.mark.django_db

WEDNESDAY = datetime.date(2026, 11, 18)
HANGUL_DAY = datetime.date(2026, 10, 9)
SATURDAY = datetime.date(2026, 11, 21)
DEFAULTS = oversight.Thresholds()


def official_of(office, name):
    return MembershipFactory(office=office, user=OfficialFactory(username=name)).user


def kinds(candidates):
    return sorted((c.kind, c.count) for c in candidates)


def test_the_default_thresholds_are_the_documented_ones():
    assert (
        oversight.Thresholds(
            volume_min=30,
            volume_factor=3,
            usual_days=30,
            same_person_officials=3,
            same_person_days=7,
            work_start_hour=9,
            work_end_hour=18,
        )
        == DEFAULTS
    )
    assert oversight.Thresholds.from_settings() == DEFAULTS


# --- Volume ---------------------------------------------------------------------------------


def test_volume_with_no_history_flags_above_the_floor_only(office):
    kim = official_of(office, "kim")
    lee = official_of(office, "lee")
    look_up(at=seoul(2026, 11, 18, 10), official=kim, office=office, people=many(30, "k"))
    look_up(at=seoul(2026, 11, 18, 10), official=lee, office=office, people=many(31, "l"))
    found = oversight.volume(WEDNESDAY, DEFAULTS)
    # Kim: 30, exactly the floor of 30: no flag. Lee: 31, one above: flagged, usual 0.
    assert [(c.official_id, c.count, c.threshold, c.usual) for c in found] == [(lee.pk, 31, 30, Decimal("0.0"))]


def test_volume_above_three_times_the_usual_median(office):
    kim = official_of(office, "kim")
    lee = official_of(office, "lee")
    # 16 of the 30 days before: 12 look-ups a day; the other 14 days: none. Median 12, 3 x 12 = 36.
    for offset in range(1, 17):
        day = WEDNESDAY - datetime.timedelta(days=offset)
        look_up(at=seoul(day.year, day.month, day.day, 11), official=kim, office=office, people=many(12, "k"))
        look_up(at=seoul(day.year, day.month, day.day, 11), official=lee, office=office, people=many(12, "l"))
    look_up(at=seoul(2026, 11, 18, 10), official=kim, office=office, people=many(36, "k"))
    look_up(at=seoul(2026, 11, 18, 10), official=lee, office=office, people=many(37, "l"))
    found = oversight.volume(WEDNESDAY, DEFAULTS)
    assert [(c.official_id, c.count, c.threshold, c.usual) for c in found] == [(lee.pk, 37, 36, Decimal("12.0"))]


def test_volume_counts_days_without_look_ups_as_zero_and_ignores_days_before_the_window(office):
    kim = official_of(office, "kim")
    # 14 days of 20 look-ups: fewer than half of 30 days, so the median is 0 and the floor applies.
    for offset in range(1, 15):
        day = WEDNESDAY - datetime.timedelta(days=offset)
        look_up(at=seoul(day.year, day.month, day.day, 11), official=kim, office=office, people=many(20))
    # 31 days before: outside the 30-day window, however many.
    old = WEDNESDAY - datetime.timedelta(days=31)
    look_up(at=seoul(old.year, old.month, old.day, 11), official=kim, office=office, people=many(90))
    look_up(at=seoul(2026, 11, 18, 10), official=kim, office=office, people=many(31))
    [flag] = oversight.volume(WEDNESDAY, DEFAULTS)
    assert (flag.count, flag.threshold, flag.usual) == (31, 30, Decimal("0.0"))


def test_volume_thresholds_come_from_the_settings(office):
    kim = official_of(office, "kim")
    look_up(at=seoul(2026, 11, 18, 10), official=kim, office=office, people=many(6))
    assert oversight.volume(WEDNESDAY, DEFAULTS) == []
    with override_settings(HUB_OVERSIGHT_VOLUME_MIN=5):
        assert [c.count for c in oversight.candidates(WEDNESDAY) if c.kind == "volume"] == [6]


# --- Off hours ------------------------------------------------------------------------------


def test_off_hours_on_a_working_day_are_before_nine_and_from_six(office):
    kim = official_of(office, "kim")
    for hour, minute in ((8, 59), (9, 0), (17, 59), (18, 0)):
        look_up(at=seoul(2026, 11, 18, hour, minute), official=kim, office=office, people=[f"h{hour}{minute}"])
    [flag] = oversight.off_hours(WEDNESDAY, DEFAULTS)
    # 08:59 and 18:00 are outside; 09:00 and 17:59 inside.
    assert (flag.kind, flag.official_id, flag.count, flag.affair_code) == ("off_hours", kim.pk, 2, "LOCAL-PARKING-01")


def test_nothing_is_off_hours_inside_working_hours(office):
    kim = official_of(office, "kim")
    look_up(at=seoul(2026, 11, 18, 9, 0), official=kim, office=office)
    look_up(at=seoul(2026, 11, 18, 17, 59), official=kim, office=office)
    assert oversight.off_hours(WEDNESDAY, DEFAULTS) == []


def test_public_holidays_and_weekends_are_off_hours_all_day(office):
    kim = official_of(office, "kim")
    look_up(at=seoul(2026, 10, 9, 10), official=kim, office=office)
    look_up(at=seoul(2026, 11, 21, 14), official=kim, office=office, people=["a", "b"])
    assert [c.count for c in oversight.off_hours(HANGUL_DAY, DEFAULTS)] == [1]
    assert [c.count for c in oversight.off_hours(SATURDAY, DEFAULTS)] == [2]


def test_off_hours_use_seoul_time_not_utc(office):
    kim = official_of(office, "kim")
    # 10:00 in Seoul is 01:00 UTC: inside working hours.
    look_up(at=datetime.datetime(2026, 11, 18, 1, 0, tzinfo=datetime.UTC), official=kim, office=office)
    assert oversight.off_hours(WEDNESDAY, DEFAULTS) == []


# --- No case reference ----------------------------------------------------------------------


def test_look_ups_without_a_case_reference(office):
    kim = official_of(office, "kim")
    look_up(at=seoul(2026, 11, 18, 10), official=kim, office=office, case_ref="CASE-7")
    assert oversight.no_case(WEDNESDAY, DEFAULTS) == []
    look_up(at=seoul(2026, 11, 18, 11), official=kim, office=office, case_ref="", people=["a", "b"])
    [flag] = oversight.no_case(WEDNESDAY, DEFAULTS)
    assert (flag.kind, flag.official_id, flag.count) == ("no_case", kim.pk, 2)


def test_only_look_ups_count_not_fetches_or_the_system(office):
    from sharing.audit import log_personal_data_access

    log_personal_data_access(
        action="fetched",
        subject_hash=person("x"),
        case_ref="",
        office=office,
        actor=None,
        item_code="resident_abstract",
        fields=["name"],
        purpose="P",
    )
    assert oversight.candidates(timezone.localdate(), DEFAULTS) == []


# --- Same person ----------------------------------------------------------------------------


def test_the_same_person_looked_up_by_three_officials_within_seven_days(office):
    a, b, c = (official_of(office, name) for name in ("a", "b", "c"))
    look_up(at=seoul(2026, 11, 12, 10), official=a, office=office, people=["target"])  # day 1 of 7
    look_up(at=seoul(2026, 11, 15, 10), official=b, office=office, people=["target"])
    look_up(at=seoul(2026, 11, 15, 11), official=b, office=office, people=["target"])  # b twice: one official
    assert oversight.same_person(datetime.date(2026, 11, 17), DEFAULTS) == []  # 2 officials: not yet
    look_up(at=seoul(2026, 11, 18, 10), official=c, office=office, people=["target"])  # day 7
    [flag] = oversight.same_person(WEDNESDAY, DEFAULTS)
    assert (flag.subject_hash, flag.count, flag.threshold, flag.window_start, flag.window_end) == (
        person("target"),
        3,
        2,
        datetime.date(2026, 11, 12),
        WEDNESDAY,
    )
    # One day later the first look-up is out of the window: 2 officials.
    assert oversight.same_person(datetime.date(2026, 11, 19), DEFAULTS) == []


def test_the_same_person_across_offices_flags_each_office(office, other_office):
    a = official_of(office, "a")
    b = official_of(other_office, "b")
    c = official_of(other_office, "c")
    for who, where in ((a, office), (b, other_office), (c, other_office)):
        look_up(at=seoul(2026, 11, 18, 10), official=who, office=where, people=["target"])
    found = oversight.same_person(WEDNESDAY, DEFAULTS)
    assert sorted((f.office_id, f.count) for f in found) == sorted([(office.pk, 3), (other_office.pk, 3)])


def test_an_overlapping_window_does_not_flag_the_same_person_again(office):
    a, b, c, d = (official_of(office, name) for name in ("a", "b", "c", "d"))
    for who in (a, b, c):
        look_up(at=seoul(2026, 11, 18, 10), official=who, office=office, people=["target"])
    assert len(oversight_flags_raise(days=[WEDNESDAY], thresholds=DEFAULTS)) == 1
    look_up(at=seoul(2026, 11, 19, 10), official=d, office=office, people=["target"])
    assert oversight.same_person(datetime.date(2026, 11, 19), DEFAULTS) == []
    # Seven days on, the windows no longer overlap: a new cluster is flagged again (d on the 19th
    # is inside 19-25 November, with a, b and c on the 25th: 4 officials).
    for who in (a, b, c):
        look_up(at=seoul(2026, 11, 25, 10), official=who, office=office, people=["target"])
    assert [f.count for f in oversight.same_person(datetime.date(2026, 11, 25), DEFAULTS)] == [4]


# --- Raising --------------------------------------------------------------------------------


def test_raising_twice_raises_each_window_once_and_follows_the_count(office):
    kim = official_of(office, "kim")
    look_up(at=seoul(2026, 11, 18, 20), official=kim, office=office, case_ref="")
    first = oversight_flags_raise(days=[WEDNESDAY], thresholds=DEFAULTS)
    assert sorted(f.kind for f in first) == ["no_case", "off_hours"]
    assert oversight_flags_raise(days=[WEDNESDAY], thresholds=DEFAULTS) == []
    assert OversightFlag.objects.count() == 2
    look_up(at=seoul(2026, 11, 18, 21), official=kim, office=office, case_ref="", people=["q"])
    assert oversight_flags_raise(days=[WEDNESDAY], thresholds=DEFAULTS) == []
    assert sorted(OversightFlag.objects.values_list("kind", "count")) == [("no_case", 2), ("off_hours", 2)]


def test_a_closed_flag_stays_closed_and_keeps_its_count(office, supervisor):
    kim = official_of(office, "kim")
    look_up(at=seoul(2026, 11, 18, 10), official=kim, office=office, case_ref="")
    [flag] = oversight_flags_raise(days=[WEDNESDAY], thresholds=DEFAULTS)
    oversight_flag_close(flag=flag, actor=supervisor, note="Case reference forgotten; added.")
    look_up(at=seoul(2026, 11, 18, 11), official=kim, office=office, case_ref="", people=["q"])
    assert oversight_flags_raise(days=[WEDNESDAY], thresholds=DEFAULTS) == []
    flag.refresh_from_db()
    assert (flag.status, flag.count) == ("closed", 1)


def test_raising_takes_a_fixed_number_of_queries(office):
    def run():
        OversightFlag.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            oversight_flags_raise(days=[WEDNESDAY], thresholds=DEFAULTS)
        return len(queries)

    officials = [official_of(office, f"o{index}") for index in range(6)]

    # Every rule finds something (the same three people looked up by every official).
    def lots(who):
        look_up(at=seoul(2026, 11, 18, 20), official=who, office=office, case_ref="", people=many(31, who.username))
        look_up(at=seoul(2026, 11, 18, 20), official=who, office=office, people=["x", "y", "z"])

    for who in officials[:3]:
        lots(who)
    few = run()
    for who in officials[3:]:
        lots(who)
    assert OversightFlag.objects.count() > 0
    assert run() == few


def test_the_task_and_the_command_examine_yesterday_and_today(office):
    kim = official_of(office, "kim")
    look_up(at=seoul(2026, 11, 17, 23), official=kim, office=office)  # Tuesday night
    look_up(at=seoul(2026, 11, 18, 7), official=kim, office=office)  # Wednesday early
    with time_machine.travel(seoul(2026, 11, 18, 8, 5), tick=False):
        assert days_to_examine() == [datetime.date(2026, 11, 17), WEDNESDAY]
        assert oversight_raise_flags() == 2
        call_command("raise_oversight_flags")
    assert sorted(OversightFlag.objects.values_list("kind", "window_start")) == [
        ("off_hours", datetime.date(2026, 11, 17)),
        ("off_hours", WEDNESDAY),
    ]
    # A backfill of the week before: nothing more.
    call_command("raise_oversight_flags", "--until", "2026-11-18", "--days", "7")
    assert OversightFlag.objects.count() == 2


def test_the_command_refuses_a_bad_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--until"):
        call_command("raise_oversight_flags", "--until", "18/11/2026")
    with pytest.raises(CommandError, match="--days"):
        call_command("raise_oversight_flags", "--days", "0")


# --- Closing --------------------------------------------------------------------------------


@pytest.fixture
def open_flag(office):
    kim = official_of(office, "kim")
    look_up(at=seoul(2026, 11, 18, 10), official=kim, office=office, case_ref="")
    [flag] = oversight_flags_raise(days=[WEDNESDAY], thresholds=DEFAULTS)
    return flag


def test_a_supervisor_closes_a_flag_with_a_note_kept_with_who_and_when(open_flag, supervisor):
    with time_machine.travel(seoul(2026, 11, 19, 9, 30), tick=False):
        oversight_flag_close(flag=open_flag, actor=supervisor, note="  Checked with the official: case 2026-11. ")
    open_flag.refresh_from_db()
    assert open_flag.status == "closed"
    assert open_flag.closed_by == supervisor
    assert open_flag.closed_at == seoul(2026, 11, 19, 9, 30)
    assert open_flag.note == "Checked with the official: case 2026-11."
    with pytest.raises(InvalidTransition):
        oversight_flag_close(flag=open_flag, actor=supervisor, note="Again")


def test_the_privacy_officer_closes_a_flag(open_flag, office):
    officer = PrivacyOfficerFactory(office=office).user
    oversight_flag_close(flag=open_flag, actor=officer, note="Fine.")
    open_flag.refresh_from_db()
    assert open_flag.closed_by == officer


def test_a_note_is_required(open_flag, supervisor):
    with pytest.raises(InvalidTransition) as refused:
        oversight_flag_close(flag=open_flag, actor=supervisor, note="   ")
    assert refused.value.code == "note_required"
    open_flag.refresh_from_db()
    assert open_flag.status == "open"


def test_nobody_else_closes_a_flag(open_flag, office, other_office):
    colleague = official_of(office, "colleague")
    elsewhere = MembershipFactory(office=other_office, role="supervisor").user
    other_officer = PrivacyOfficerFactory(office=OfficeFactory()).user
    for who in (colleague, elsewhere, other_officer):
        with pytest.raises(NotAllowed):
            oversight_flag_close(flag=open_flag, actor=who, note="Not mine")
    open_flag.refresh_from_db()
    assert open_flag.status == "open"


def test_the_entries_behind_an_off_hours_flag_are_only_the_off_hours_ones(office):
    kim = official_of(office, "kim")
    look_up(at=seoul(2026, 11, 18, 8), official=kim, office=office, people=["early"])
    look_up(at=seoul(2026, 11, 18, 10), official=kim, office=office, people=["day"])
    look_up(at=seoul(2026, 11, 18, 19), official=kim, office=office, people=["late"])
    [flag] = [f for f in oversight_flags_raise(days=[WEDNESDAY], thresholds=DEFAULTS) if f.kind == "off_hours"]
    flag = OversightFlag.objects.get(key=flag.key)
    behind = oversight.entries_behind(flag, DEFAULTS)
    assert sorted(behind.values_list("subject_hash", flat=True)) == sorted([person("early"), person("late")])

import datetime

from petitions.calendar import add_working_days, is_working_day, working_days_between


def test_weekends_do_not_count():
    friday = datetime.date(2026, 11, 6)
    assert add_working_days(friday, 1) == datetime.date(2026, 11, 9)


def test_chuseok_does_not_count():
    # 2026-09-24..26 are Chuseok (Thu–Sat); filed on Wednesday the 23rd, three working days
    # later is Tuesday the 29th, not Monday the 28th or Saturday the 26th.
    assert not is_working_day(datetime.date(2026, 9, 24))
    assert not is_working_day(datetime.date(2026, 9, 25))
    assert add_working_days(datetime.date(2026, 9, 23), 3) == datetime.date(2026, 9, 30)
    assert add_working_days(datetime.date(2026, 9, 23), 1) == datetime.date(2026, 9, 28)


def test_across_new_year_and_seollal():
    # 2026-02-16..18 are Seollal; Friday the 13th plus one working day is Thursday the 19th.
    assert add_working_days(datetime.date(2026, 2, 13), 1) == datetime.date(2026, 2, 19)


def test_working_days_between():
    assert working_days_between(datetime.date(2026, 9, 23), datetime.date(2026, 9, 30)) == 3
    assert working_days_between(datetime.date(2026, 9, 30), datetime.date(2026, 9, 30)) == 0

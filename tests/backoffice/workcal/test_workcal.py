"""The working calendar: holidays, make-up days and office hours, around Golden Week 2026."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backoffice.workcal import SHANGHAI, WorkCalendar, default_calendar

CAL = default_calendar()


def sh(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def test_golden_week_2026_is_off_and_its_makeup_days_are_on() -> None:
    october = [CAL.is_workday(date(2026, 10, d)) for d in range(1, 12)]
    # 1-7 October off (National Day); Thursday 8th and Friday 9th worked; Saturday 10th is a
    # make-up working day; Sunday 11th off.
    assert october == [False] * 7 + [True, True, True, False]
    assert CAL.is_workday(date(2026, 9, 20))  # a Sunday worked for the holiday
    assert CAL.holiday_name(date(2026, 10, 3)) == "National Day"


def test_eight_office_hours_a_day() -> None:
    assert CAL.hours_per_day() == timedelta(hours=8)


def test_a_24_working_hour_limit_filed_before_golden_week_ends_after_it() -> None:
    # Filed Wednesday 30 September at 16:00: 2 h that day, then 1-7 October are off,
    # 8 h on Thursday 8th, 8 h on Friday 9th, 6 h into Saturday 10th (a make-up day):
    # 9-12 and 13-16.
    due = CAL.add_working_hours(sh(2026, 9, 30, 16), 24)
    assert due == sh(2026, 10, 10, 16)
    assert CAL.working_time_between(sh(2026, 9, 30, 16), due) == timedelta(hours=24)


def test_time_outside_office_hours_starts_counting_at_the_next_opening() -> None:
    assert CAL.add_working_hours(sh(2026, 11, 27, 20), 1) == sh(2026, 11, 30, 10)  # Fri -> Mon
    assert CAL.add_working_hours(sh(2026, 11, 30, 12, 30), 1) == sh(2026, 11, 30, 14)  # lunch
    assert CAL.add_working_hours(sh(2026, 11, 30, 11), 1) == sh(2026, 11, 30, 12)


def test_results_are_utc() -> None:
    due = CAL.add_working_hours(sh(2026, 11, 30, 9), 2)
    assert due.tzinfo is UTC and due == datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def test_working_days() -> None:
    assert CAL.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert CAL.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert CAL.add_working_days(date(2026, 9, 30), 0) == date(2026, 9, 30)


def test_years_without_data_fall_back_to_the_plain_week() -> None:
    assert CAL.covers(2026)
    assert not CAL.covers(2031)
    assert CAL.is_workday(date(2031, 10, 1))  # a Wednesday; no notice shipped for 2031
    assert not CAL.is_workday(date(2031, 10, 4))


def test_operator_days_extend_the_package() -> None:
    cal = WorkCalendar.chinese(
        extra_holidays=[(date(2031, 10, 1), "National Day")],
        extra_workdays=[(date(2031, 9, 28), "National Day")],
    )
    assert cal.covers(2031)
    assert not cal.is_workday(date(2031, 10, 1))
    assert cal.is_workday(date(2031, 9, 28))


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.add_working_hours(datetime(2026, 10, 1), 1)
    with pytest.raises(ValueError, match="negative"):
        CAL.add_working_hours(sh(2026, 10, 1), -1)
    with pytest.raises(ValueError, match="end before"):
        WorkCalendar(holidays={}, makeup_workdays={}, office_hours=((time(12), time(9)),))


moments = st.datetimes(
    min_value=datetime(2025, 12, 1), max_value=datetime(2026, 11, 30), timezones=st.just(UTC)
)


@given(moments, st.integers(min_value=0, max_value=24 * 60 * 12))
def test_adding_then_measuring_gives_back_the_amount(start: datetime, minutes: int) -> None:
    amount = timedelta(minutes=minutes)
    due = CAL.add_working_time(start, amount)
    assert due >= start
    assert CAL.working_time_between(start, due) == amount


@given(moments, st.integers(min_value=1, max_value=600), st.integers(min_value=1, max_value=600))
def test_adding_is_additive(start: datetime, a: int, b: int) -> None:
    first = CAL.add_working_time(start, timedelta(minutes=a))
    assert CAL.add_working_time(first, timedelta(minutes=b)) == CAL.add_working_time(
        start, timedelta(minutes=a + b)
    )

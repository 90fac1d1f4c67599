"""The working calendar: Chinese public holidays and make-up working days, and working hours.

Holiday data comes from the `chinese-calendar` package (State Council notices, shipped in the
package); time limits counted "in working hours" are added and measured with this module.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar

log = logging.getLogger(__name__)

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Office hours of the subdistrict's units: 09:00-12:00 and 13:00-18:00, eight hours a day.
DEFAULT_OFFICE_HOURS: tuple[tuple[time, time], ...] = (
    (time(9, 0), time(12, 0)),
    (time(13, 0), time(18, 0)),
)


def _package_days() -> tuple[dict[date, str], dict[date, str]]:
    holidays = {d: str(name) for d, name in chinese_calendar.holidays.items()}
    workdays = {d: str(name) for d, name in chinese_calendar.workdays.items()}
    return holidays, workdays


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days, and the office hours on them, in one time zone.

    A weekday is a working day unless it is a public holiday; a weekend day is a rest day unless
    it is a make-up working day (调休上班). Years the data does not cover follow the plain
    Monday-to-Friday week, and `covers(year)` says so, so callers can warn.
    """

    holidays: Mapping[date, str]
    makeup_workdays: Mapping[date, str]
    office_hours: tuple[tuple[time, time], ...] = DEFAULT_OFFICE_HOURS
    zone: ZoneInfo = SHANGHAI
    years: frozenset[int] = field(default=frozenset())

    def __post_init__(self) -> None:
        if not self.office_hours:
            raise ValueError("a working calendar needs at least one span of office hours")
        for start, end in self.office_hours:
            if end <= start:
                raise ValueError(f"office hours {start}-{end} end before they start")
        if not self.years:
            object.__setattr__(
                self, "years", frozenset(d.year for d in (*self.holidays, *self.makeup_workdays))
            )

    @classmethod
    def chinese(
        cls,
        *,
        extra_holidays: Iterable[tuple[date, str]] = (),
        extra_workdays: Iterable[tuple[date, str]] = (),
        office_hours: tuple[tuple[time, time], ...] = DEFAULT_OFFICE_HOURS,
    ) -> WorkCalendar:
        """The mainland calendar from the package, plus days an operator adds for newer years."""
        holidays, workdays = _package_days()
        for day, name in extra_holidays:
            holidays[day] = name
            workdays.pop(day, None)
        for day, name in extra_workdays:
            workdays[day] = name
            holidays.pop(day, None)
        return cls(holidays=holidays, makeup_workdays=workdays, office_hours=office_hours)

    def covers(self, year: int) -> bool:
        return year in self.years

    def is_workday(self, day: date) -> bool:
        if day in self.makeup_workdays:
            return True
        if day in self.holidays:
            return False
        if not self.covers(day.year):
            _warn_uncovered(day.year)
        return day.weekday() < 5

    def holiday_name(self, day: date) -> str | None:
        return self.holidays.get(day)

    def hours_per_day(self) -> timedelta:
        return sum(
            (_span(start, end) for start, end in self.office_hours),
            timedelta(0),
        )

    def _spans(self, day: date) -> list[tuple[datetime, datetime]]:
        if not self.is_workday(day):
            return []
        return [
            (
                datetime.combine(day, start, self.zone).astimezone(UTC),
                datetime.combine(day, end, self.zone).astimezone(UTC),
            )
            for start, end in self.office_hours
        ]

    def add_working_time(self, start: datetime, amount: timedelta) -> datetime:
        """The moment `amount` of office time after `start` (which may be outside hours).

        Zero added to a moment outside office hours is that moment itself.
        """
        _require_aware(start)
        if amount < timedelta(0):
            raise ValueError("a time limit cannot be negative")
        if amount == timedelta(0):
            return start.astimezone(UTC)
        left = amount
        day = start.astimezone(self.zone).date()
        full_day = self.hours_per_day()
        while True:
            spans = self._spans(day)
            # Whole working days after the first are skipped in one step.
            if spans and spans[0][0] >= start and left > full_day:
                left -= full_day
                day += timedelta(days=1)
                continue
            for span_start, span_end in spans:
                begin = max(span_start, start)
                if begin >= span_end:
                    continue
                room = span_end - begin
                if left <= room:
                    return begin + left
                left -= room
            day += timedelta(days=1)

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        return self.add_working_time(start, timedelta(hours=hours))

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Office time from `start` to `end` (zero if `end` is not later)."""
        _require_aware(start)
        _require_aware(end)
        if end <= start:
            return timedelta(0)
        total = timedelta(0)
        day = start.astimezone(self.zone).date()
        last = end.astimezone(self.zone).date()
        while day <= last:
            for span_start, span_end in self._spans(day):
                begin, finish = max(span_start, start), min(span_end, end)
                if finish > begin:
                    total += finish - begin
            day += timedelta(days=1)
        return total

    def add_working_days(self, day: date, days: int) -> date:
        """The date `days` working days after `day` (day itself does not count)."""
        if days < 0:
            raise ValueError("cannot count working days backwards")
        while days:
            day += timedelta(days=1)
            if self.is_workday(day):
                days -= 1
        return day


def _span(start: time, end: time) -> timedelta:
    anchor = date(2000, 1, 3)
    return datetime.combine(anchor, end) - datetime.combine(anchor, start)


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None:
        raise ValueError("working-time arithmetic needs timezone-aware datetimes")


@lru_cache(maxsize=64)
def _warn_uncovered(year: int) -> None:
    log.warning(
        "no holiday data for %s: counting Monday to Friday as working days; "
        "upgrade chinese-calendar once the State Council publishes that year's notice",
        year,
    )


@lru_cache(maxsize=1)
def default_calendar() -> WorkCalendar:
    """The shared mainland calendar with the default office hours."""
    return WorkCalendar.chinese()

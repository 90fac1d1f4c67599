"""Strict parsing of what callers send: ids (ASCII digits, bounded), and dates and moments
bounded to what the database and the date arithmetic of the reports can hold."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import Path
from pydantic import AfterValidator

# Ids are database integer columns: PostgreSQL's integer stops at 2**31 - 1 (a larger id in a
# query is an error there, not a miss).
MAX_ID = 2**31 - 1
_MAX_ID_DIGITS = len(str(MAX_ID))

# The days the back office reasons about. Dates outside overflow the arithmetic of windows and
# weeks (year 1 minus a day, 9999 plus a week), so they are refused where they come in.
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2999, 12, 31)


def parse_id(ref: str) -> int | None:
    """The id `ref` names: ASCII digits only (no '²', no '٣', no sign or spaces), at most
    MAX_ID; else None."""
    if not ref or len(ref) > _MAX_ID_DIGITS or not (ref.isascii() and ref.isdigit()):
        return None
    value = int(ref)
    return value if value <= MAX_ID else None


def check_day(day: date) -> date:
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise ValueError(f"Give a day between {EARLIEST_DAY} and {LATEST_DAY}.")
    return day


def check_moment(moment: datetime) -> datetime:
    """A moment with a time zone, between EARLIEST_DAY and LATEST_DAY."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("Give a time zone, e.g. 2026-11-02T09:00:00+08:00.")
    check_day(moment.date())
    check_day(moment.astimezone(UTC).date())
    return moment


Day = Annotated[date, AfterValidator(check_day)]
Moment = Annotated[datetime, AfterValidator(check_moment)]
IdParam = Annotated[int, Path(ge=1, le=MAX_ID, description="A numeric id.")]

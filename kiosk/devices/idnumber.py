"""Citizen ID numbers (GB 11643-1999): check character (ISO 7064 MOD 11-2), birth date, masking.

Pure functions; the card reader, the kiosk screens and the back office all use them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"  # indexed by (sum of digit x weight) mod 11
EARLIEST_BIRTH = dt.date(1800, 1, 1)
_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")


class IdNumberProblem(StrEnum):
    """Why a number is not a valid citizen ID number; values are stable reason codes."""

    SHAPE = "id_shape"
    CHECK_CHARACTER = "id_check_character"
    BIRTH_DATE = "id_birth_date"


class InvalidIdNumber(ValueError):
    """The number is not a valid 18-character citizen ID number; ``problem`` says why."""

    def __init__(self, problem: IdNumberProblem, detail: str) -> None:
        super().__init__(detail)
        self.problem = problem


@dataclass(frozen=True)
class IdNumber:
    """A validated citizen ID number. ``str()`` gives it masked, so it never leaks into logs."""

    value: str
    birth_date: dt.date
    male: bool

    def __str__(self) -> str:
        return mask_id_number(self.value)

    def __repr__(self) -> str:
        return f"IdNumber({mask_id_number(self.value)!r})"


def check_character(body: str) -> str:
    """The check character for the first 17 digits."""
    if len(body) != 17 or not body.isascii() or not body.isdigit():
        raise ValueError("the body of a citizen ID number is 17 digits")
    total = sum(int(digit) * weight for digit, weight in zip(body, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def parse_id_number(raw: str, today: dt.date | None = None) -> IdNumber:
    """Validate ``raw`` (a lower-case ``x`` is accepted) and return it; raises InvalidIdNumber.

    The birth date must be a real calendar date between 1800-01-01 and ``today`` (inclusive).
    Messages never repeat the number, so they are safe to log.
    """
    value = raw.strip().upper()
    if not _SHAPE.match(value):
        raise InvalidIdNumber(
            IdNumberProblem.SHAPE, "a citizen ID number is 17 digits and a digit or X"
        )
    if check_character(value[:17]) != value[17]:
        raise InvalidIdNumber(
            IdNumberProblem.CHECK_CHARACTER, "the check character does not match (GB 11643)"
        )
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError as exc:
        raise InvalidIdNumber(IdNumberProblem.BIRTH_DATE, "the birth date is not a date") from exc
    latest = today or dt.date.today()
    if not EARLIEST_BIRTH <= birth <= latest:
        raise InvalidIdNumber(
            IdNumberProblem.BIRTH_DATE, "the birth date is before 1800 or in the future"
        )
    return IdNumber(value=value, birth_date=birth, male=int(value[16]) % 2 == 1)


def is_valid_id_number(raw: str, today: dt.date | None = None) -> bool:
    try:
        parse_id_number(raw, today)
    except InvalidIdNumber:
        return False
    return True


def mask_id_number(value: str) -> str:
    """First 3 and last 4 characters kept, the rest ``*``: ``110***********002X``.

    This is the mask Chinese government apps commonly show; it hides the birth date and the
    address code. Anything shorter than 8 characters is masked entirely.
    """
    if len(value) < 8:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(name: str) -> str:
    """Chinese names keep the first and last character: 张*明, 欧阳*锋; two characters: 张*.

    A one-character name stays as it is (there is nothing to hide without losing it entirely).
    """
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]

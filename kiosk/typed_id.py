"""Checking an ID number while it is typed on the keypad, so a slip shows at the digit it
happens, not after all 18. Pure functions over kiosk.devices.idnumber (GB 11643)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from kiosk.devices.idnumber import InvalidIdNumber, check_character, parse_id_number

LENGTH = 18


class TypedIdState(StrEnum):
    """What the keypad screen says under the number; values are i18n key suffixes."""

    EMPTY = "empty"
    TYPING = "typing"
    BAD_DATE = "bad_date"
    BAD_CHECK = "bad_check"
    X_TOO_EARLY = "x_too_early"
    VALID = "valid"


def accepts(typed: str, key: str) -> bool:
    """Whether ``key`` (0-9 or X) may follow ``typed``: X only as the 18th character."""
    if len(typed) >= LENGTH:
        return False
    if key == "X":
        return len(typed) == LENGTH - 1
    return key.isascii() and key.isdigit() and len(key) == 1


def feedback(typed: str, today: dt.date | None = None) -> TypedIdState:
    today = today or dt.date.today()
    if not typed:
        return TypedIdState.EMPTY
    if "X" in typed[:-1] or (typed.endswith("X") and len(typed) < LENGTH):
        return TypedIdState.X_TOO_EARLY
    if len(typed) >= 14 and not _birth_date_ok(typed[6:14], today):
        return TypedIdState.BAD_DATE
    if len(typed) < LENGTH:
        return TypedIdState.TYPING
    if check_character(typed[:17]) != typed[17]:
        return TypedIdState.BAD_CHECK
    try:
        parse_id_number(typed, today)
    except InvalidIdNumber:
        return TypedIdState.BAD_DATE
    return TypedIdState.VALID


def _birth_date_ok(yyyymmdd: str, today: dt.date) -> bool:
    try:
        born = dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return False
    return dt.date(1800, 1, 1) <= born <= today


def grouped(typed: str) -> str:
    """6-8-4 groups as printed on the card, easier to compare by eye: 110105 19491231 002X."""
    return " ".join(part for part in (typed[:6], typed[6:14], typed[14:]) if part)

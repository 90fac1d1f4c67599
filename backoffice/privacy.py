"""Personal numbers in free text: citizen ID numbers (GB 11643, 18 characters with a valid check
character, and the old 15-digit ones) and mainland mobile numbers are masked wherever text from
a person enters the back office (`FreeText` on the schemas, `mask_personal_numbers` in the
services that take text from elsewhere), so they are never stored, copied, exported or shown."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Annotated

from pydantic import AfterValidator

# ASCII and full-width digits: Chinese input methods type either.
_D = "[0-9\uff10-\uff19]"
_NOT_DIGIT_BEFORE = rf"(?<!{_D})"
_NOT_DIGIT_AFTER = rf"(?!{_D})"
_SEP = r"[ \-]?"  # 110105 19491231 002X, 139-0000-1111
_CHECK = "[0-9\uff10-\uff19Xx\uff38\uff58]"

_ID18 = re.compile(
    rf"{_NOT_DIGIT_BEFORE}[1-9\uff11-\uff19]{_D}{{5}}{_SEP}{_D}{{8}}{_SEP}{_D}{{3}}{_CHECK}"
    + _NOT_DIGIT_AFTER
)
_ID15 = re.compile(rf"{_NOT_DIGIT_BEFORE}[1-8\uff11-\uff18]{_D}{{14}}{_NOT_DIGIT_AFTER}")
_MOBILE = re.compile(
    rf"{_NOT_DIGIT_BEFORE}(?:[+\uff0b]?[8\uff18][6\uff16]{_SEP})?"
    rf"(?P<core>[1\uff11][3-9\uff13-\uff19]{_D}{_SEP}{_D}{{4}}{_SEP}{_D}{{4}})" + _NOT_DIGIT_AFTER
)

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"
MASK = "*"


def _plain(text: str) -> str:
    """Full-width digits and letters as ASCII, separators dropped."""
    return unicodedata.normalize("NFKC", text).replace(" ", "").replace("-", "").upper()


def check_character(body: str) -> str:
    """The GB 11643 (ISO 7064 MOD 11-2) check character of 17 ASCII digits."""
    return CHECK_CHARACTERS[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


def _valid_id18(candidate: str) -> bool:
    plain = _plain(candidate)
    return check_character(plain[:17]) == plain[17]


def _valid_id15(candidate: str) -> bool:
    plain = _plain(candidate)  # 6-digit area, YYMMDD, 3-digit sequence
    month, day = int(plain[8:10]), int(plain[10:12])
    return 1 <= month <= 12 and 1 <= day <= 31


def _hidden_positions(start: int, text: str, keep_head: int = 3, keep_tail: int = 4) -> set[int]:
    """Where `text` (found at `start`) is hidden: every digit or check letter but the first
    `keep_head` and last `keep_tail`; separators stay, so the text keeps its length and shape
    (110***********002X, 139 **** 1111)."""
    positions = [start + i for i, ch in enumerate(text) if ch not in " -"]
    return set(positions[keep_head : len(positions) - keep_tail])


def _found(
    pattern: re.Pattern[str],
    text: str,
    valid: Callable[[str], bool] = lambda _candidate: True,
    group: str | int = 0,
) -> list[tuple[int, str]]:
    """Every match of `pattern` that is a personal number, where it starts and what it is. A
    candidate that fails its check is stepped past one character at a time, not skipped whole,
    so a real number that begins inside it is still found."""
    found = []
    position = 0
    while (match := pattern.search(text, position)) is not None:
        if not valid(match.group()):
            position = match.start() + 1
        else:
            found.append((match.start(group), match.group(group)))
            position = match.end()
    return found


def _all_found(text: str) -> list[tuple[int, str]]:
    return (
        _found(_ID18, text, _valid_id18)
        + _found(_ID15, text, _valid_id15)
        + _found(_MOBILE, text, group="core")
    )


def mask_personal_numbers(text: str) -> str:
    """The text with every ID number and mobile number in it masked; nothing else changes."""
    if not text:
        return text
    hidden: set[int] = set()
    for start, number in _all_found(text):
        hidden |= _hidden_positions(start, number)
    if not hidden:
        return text
    return "".join(MASK if i in hidden else ch for i, ch in enumerate(text))


def personal_numbers_in(text: str) -> list[str]:
    """The ID numbers and mobile numbers found in `text`, as written (for checks of logs)."""
    return [number for _start, number in _all_found(text)]


FreeText = Annotated[str, AfterValidator(mask_personal_numbers)]
"""A schema field a person writes in: stored, copied and shown with personal numbers masked."""

"""Hypothesis strategies for personal numbers embedded in free text: citizen ID numbers (18
characters with a valid GB 11643 check character, and old 15-digit ones) and mainland mobile
numbers, written the ways people type them."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from hypothesis import strategies as st

from backoffice.privacy import check_character

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
# Area codes (GB/T 2260) of Shanghai's districts and a few elsewhere.
AREAS = ("310101", "310104", "310105", "310106", "110105", "440524", "510107", "230102")


@dataclass(frozen=True)
class Embedded:
    """Text a person wrote, and the personal numbers in it (their digits only, ASCII)."""

    text: str
    numbers: tuple[str, ...]


def _digits(n: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=n, max_size=n)


birth_dates = st.dates(min_value=date(1920, 1, 1), max_value=date(2019, 12, 31))


@st.composite
def id_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """(as written, its 18 characters): a valid check character; sometimes grouped with spaces,
    a lower-case x or full-width digits."""
    body = draw(st.sampled_from(AREAS)) + draw(birth_dates).strftime("%Y%m%d") + draw(_digits(3))
    number = body + check_character(body)
    written = number
    style = draw(st.sampled_from(["plain", "plain", "spaced", "lower", "full-width"]))
    if style == "spaced":
        written = f"{number[:6]} {number[6:14]} {number[14:]}"
    elif style == "lower":
        written = number.lower()
    elif style == "full-width":
        written = number.translate(FULL_WIDTH)
    return written, number


@st.composite
def old_id_numbers(draw: st.DrawFn) -> tuple[str, str]:
    number = draw(st.sampled_from(AREAS)) + draw(birth_dates).strftime("%y%m%d") + draw(_digits(3))
    return number, number


@st.composite
def mobile_numbers(draw: st.DrawFn) -> tuple[str, str]:
    number = "1" + draw(st.sampled_from("3456789")) + draw(_digits(9))
    style = draw(st.sampled_from(["plain", "plain", "dashes", "spaces", "+86", "86", "full"]))
    written = {
        "plain": number,
        "dashes": f"{number[:3]}-{number[3:7]}-{number[7:]}",
        "spaces": f"{number[:3]} {number[3:7]} {number[7:]}",
        "+86": f"+86 {number}",
        "86": f"86{number}",
        "full": number.translate(FULL_WIDTH),
    }[style]
    return written, number


personal_numbers = st.one_of(id_numbers(), old_id_numbers(), mobile_numbers())

# What people write around the numbers: Chinese, Latin letters, punctuation, spaces and
# newlines, emoji; never a digit (a number run on into other digits is another number).
filler = st.text(
    alphabet=st.one_of(
        st.sampled_from(
            list("单车乱停联系人张三李四电话身份证号码请回电江苏路 ，。：:;,.()/\n-+xX")
        ),
        st.characters(exclude_categories=("Nd", "Cs", "Cc", "Co", "Cn")),
    ),
    max_size=12,
)


@st.composite
def texts_with_numbers(draw: st.DrawFn, max_numbers: int = 3) -> Embedded:
    parts = [draw(filler)]
    numbers = []
    count = draw(st.integers(min_value=1, max_value=max_numbers))
    for i in range(count):
        written, number = draw(personal_numbers)
        # Two numbers are kept apart by at least one non-digit (filler has no digits):
        # written back to back they would be one longer number.
        between = filler.filter(bool) if i < count - 1 else filler
        parts += [written, draw(between)]
        numbers.append(number)
    return Embedded("".join(parts), tuple(numbers))


def plain_digits(text: str) -> str:
    """The text as ASCII with separators dropped: where a plain number would show."""
    return unicodedata.normalize("NFKC", text).replace(" ", "").replace("-", "").upper()


def leaked(text: str, numbers: tuple[str, ...]) -> list[str]:
    """The numbers that `text` shows in full (in any of the ways they were written)."""
    plain = plain_digits(text)
    return [n for n in numbers if n.upper() in plain]

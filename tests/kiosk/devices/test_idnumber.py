"""Citizen ID numbers: the GB 11643 check character, birth dates and the masks."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.devices.idnumber import (
    IdNumberProblem,
    InvalidIdNumber,
    check_character,
    is_valid_id_number,
    mask_id_number,
    mask_name,
    parse_id_number,
)

TODAY = dt.date(2026, 11, 28)


def test_published_examples_pass() -> None:
    number = parse_id_number("11010519491231002X", TODAY)
    assert number.birth_date == dt.date(1949, 12, 31)
    assert number.male is False
    assert parse_id_number("440524188001010014", TODAY).male is True
    assert parse_id_number("11010519491231002x", TODAY).value == "11010519491231002X"


def test_wrong_check_character_is_named() -> None:
    with pytest.raises(InvalidIdNumber) as caught:
        parse_id_number("110105194912310021", TODAY)
    assert caught.value.problem is IdNumberProblem.CHECK_CHARACTER


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("11010519490230001", IdNumberProblem.BIRTH_DATE),  # 30 February
        ("11010520991231001", IdNumberProblem.BIRTH_DATE),  # in the future
        ("11010517991231001", IdNumberProblem.BIRTH_DATE),  # before 1800
    ],
)
def test_impossible_birth_dates_are_refused(body: str, problem: IdNumberProblem) -> None:
    with pytest.raises(InvalidIdNumber) as caught:
        parse_id_number(body + check_character(body), TODAY)
    assert caught.value.problem is problem


@pytest.mark.parametrize("raw", ["", "1101051949123100", "11010519491231002Y", "X1010519491231002"])
def test_wrong_shapes(raw: str) -> None:
    with pytest.raises(InvalidIdNumber) as caught:
        parse_id_number(raw, TODAY)
    assert caught.value.problem is IdNumberProblem.SHAPE


def test_messages_never_repeat_the_number() -> None:
    with pytest.raises(InvalidIdNumber) as caught:
        parse_id_number("110105194912310021", TODAY)
    assert "1101" not in str(caught.value)


bodies = st.builds(
    lambda area, birth, seq: f"{area:06d}{birth:%Y%m%d}{seq:03d}",
    st.integers(110000, 659999),
    st.dates(dt.date(1800, 1, 1), TODAY),
    st.integers(0, 999),
)


@given(bodies)
def test_every_number_with_its_check_character_passes(body: str) -> None:
    assert is_valid_id_number(body + check_character(body), TODAY)


@given(bodies, st.integers(0, 17), st.sampled_from("0123456789X"))
def test_any_single_character_change_fails(body: str, index: int, replacement: str) -> None:
    good = body + check_character(body)
    if index < 17 and replacement == "X":
        replacement = "0"
    bad = good[:index] + replacement + good[index + 1 :]
    if bad != good:
        assert not is_valid_id_number(bad, TODAY)


@given(bodies, st.integers(0, 15))
def test_swapping_two_adjacent_digits_fails(body: str, i: int) -> None:
    # Adjacent weights differ, and 11 is prime: MOD 11-2 catches every adjacent transposition.
    j = i + 1
    if body[i] == body[j]:
        return
    chars = list(body)
    chars[i], chars[j] = chars[j], chars[i]
    assert not is_valid_id_number("".join(chars) + check_character(body), TODAY)


def test_masks() -> None:
    assert mask_id_number("11010519491231002X") == "110***********002X"
    assert mask_name("张三明") == "张*明"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳小锋") == "欧**锋"
    assert mask_name("张") == "张"
    number = parse_id_number("11010519491231002X", TODAY)
    assert "19491231" not in repr(number) and "19491231" not in str(number)

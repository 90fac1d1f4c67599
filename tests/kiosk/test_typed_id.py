"""Checking an ID number digit by digit as it is typed."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from kiosk.devices.idnumber import check_character, is_valid_id_number
from kiosk.typed_id import TypedIdState, accepts, feedback, grouped

TODAY = dt.date(2026, 11, 28)


def test_states_while_typing_a_published_example() -> None:
    number = "11010519491231002X"
    states = [feedback(number[:n], TODAY) for n in range(19)]
    assert states[0] == TypedIdState.EMPTY
    assert set(states[1:18]) == {TypedIdState.TYPING}
    assert states[18] == TypedIdState.VALID


def test_a_wrong_birth_date_shows_at_the_14th_digit() -> None:
    assert feedback("1101051949123", TODAY) == TypedIdState.TYPING
    assert feedback("11010519491332", TODAY) == TypedIdState.BAD_DATE
    assert feedback("11010520991231", TODAY) == TypedIdState.BAD_DATE  # in the future


def test_a_wrong_check_character_shows_at_the_18th() -> None:
    assert feedback("110105194912310021", TODAY) == TypedIdState.BAD_CHECK
    assert feedback("440524188001010014", TODAY) == TypedIdState.VALID


def test_x_only_as_the_last_character() -> None:
    assert accepts("1101051949123100", "X") is False
    assert accepts("11010519491231002", "X") is True
    assert accepts("11010519491231002X", "1") is False
    assert accepts("", "a") is False
    assert feedback("11X", TODAY) == TypedIdState.X_TOO_EARLY


def test_grouped_as_on_the_card() -> None:
    assert grouped("11010519491231002X") == "110105 19491231 002X"
    assert grouped("1101") == "1101"
    assert grouped("110105194") == "110105 194"


@given(
    st.text(alphabet="0123456789", min_size=17, max_size=17),
)
def test_feedback_agrees_with_the_id_number_module(body: str) -> None:
    number = body + check_character(body)
    valid = is_valid_id_number(number, TODAY)
    assert (feedback(number, TODAY) == TypedIdState.VALID) == valid
    for n in range(1, 18):
        assert feedback(number[:n], TODAY) in (TypedIdState.TYPING, TypedIdState.BAD_DATE)

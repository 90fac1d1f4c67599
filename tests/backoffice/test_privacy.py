"""The one masking function: ID numbers and mobile numbers in free text, and nothing else."""

from __future__ import annotations

import pytest
from hypothesis import given

from backoffice.privacy import mask_personal_numbers, personal_numbers_in
from tests.personal_numbers import Embedded, filler, leaked, texts_with_numbers


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("单车乱停 联系人张三 13900001111", "单车乱停 联系人张三 139****1111"),
        ("身份证11010519491231002X。", "身份证110***********002X。"),
        ("440524188001010014", "440***********0014"),
        ("旧证 110105491231002 号", "旧证 110********1002 号"),
        ("110105 19491231 002x", "110*** ******** 002x"),
        ("+86 139-0000-1111 或 8613800002222", "+86 139-****-1111 或 86138****2222"),
        ("１３９００００１１１１", "１３９****１１１１"),
    ],
)
def test_personal_numbers_are_masked_in_place(text: str, masked: str) -> None:
    assert mask_personal_numbers(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "11010519491231002Y",  # not a check character
        "440524188001010015",  # wrong check character
        "12345678901234567890",  # a longer run of digits is some other number
        "订单 2513900001111",  # a mobile number inside a longer run
        "110105491399002",  # 15 digits whose month is 13
        "12345678901",  # 11 digits that are no mobile number
        "工单 JSL-2026-000007, 24 h, 2026-11-02 09:00",
    ],
)
def test_other_numbers_are_left_alone(text: str) -> None:
    assert mask_personal_numbers(text) == text
    assert personal_numbers_in(text) == []


@given(texts_with_numbers())
def test_no_number_survives_and_the_text_around_it_does(embedded: Embedded) -> None:
    masked = mask_personal_numbers(embedded.text)

    assert leaked(masked, embedded.numbers) == []
    assert len(masked) == len(embedded.text)
    # Only digits and check letters turn into stars: every other character is where it was.
    changed = [(a, b) for a, b in zip(embedded.text, masked, strict=True) if a != b]
    assert all(b == "*" and a not in " -" for a, b in changed)
    assert mask_personal_numbers(masked) == masked


@given(filler)
def test_text_without_digits_is_never_changed(text: str) -> None:
    assert mask_personal_numbers(text) == text

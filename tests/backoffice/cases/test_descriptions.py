"""What the system writes on a case is a fact worded in the reader's language."""

from __future__ import annotations

import pytest

from backoffice.cases import descriptions


def test_a_fill_level_fact_reads_in_both_languages() -> None:
    fact = descriptions.fact(
        descriptions.AI_FILL, zone="lane 200", fill=0.52, threshold=0.4, minutes=12, camera="C1"
    )
    assert descriptions.render(fact, "zh", "x") == (
        "AI智能巡屏：堆放点「lane 200」已满 52%（阈值 40%），已持续 12 分钟（摄像头 C1）。"
    )
    assert descriptions.render(fact, "en", "x") == (
        "AI patrol: collection point 'lane 200' is 52% full (threshold 40%) for 12 min (camera C1)."
    )


def test_text_without_a_fact_or_with_a_broken_one_stays_as_stored() -> None:
    assert descriptions.render(None, "en", "路灯不亮") == "路灯不亮"
    assert descriptions.render({"kind": "from_a_newer_version"}, "en", "stored") == "stored"
    broken = {"kind": descriptions.KIOSK_REPORT, "params": {}}
    assert descriptions.render(broken, "en", "stored") == "stored"


def test_a_fact_of_a_kind_with_no_wording_is_refused() -> None:
    with pytest.raises(KeyError):
        descriptions.fact("unworded", a=1)

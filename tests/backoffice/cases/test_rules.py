"""Rule-based dispatch: the pure matcher (property tests) and the seeded rules."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from backoffice.cases.rules import (
    CaseFacts,
    RuleSpec,
    dispatch_decision,
    in_window,
    match_rule,
    minute_of_day,
    rule_matches,
)
from backoffice.clock import ManualClock
from tests.backoffice.cases.helpers import ON_JIANGSU_ROAD, ON_YANAN_ROAD, new_case

codes = st.sampled_from(["A", "B", "C"])
maybe = st.none() | codes
minutes = st.integers(0, 24 * 60 - 1)

rule_specs = st.builds(
    RuleSpec,
    code=st.text("abcdefgh", min_size=1, max_size=4),
    priority=st.integers(0, 5),
    unit_code=codes,
    type_code=maybe,
    category_code=maybe,
    road_code=maybe,
    grid_code=maybe,
    community_code=maybe,
    place_code=maybe,
    start_minute=st.none() | minutes,
    end_minute=st.none() | minutes,
)
case_facts = st.builds(
    CaseFacts,
    type_code=codes,
    category_code=codes,
    minute_of_day=minutes,
    road_code=maybe,
    grid_code=maybe,
    community_code=maybe,
    place_code=maybe,
)


@given(st.lists(rule_specs, max_size=8), case_facts)
def test_the_first_match_is_the_lowest_priority_matching_rule(
    rules: list[RuleSpec], facts: CaseFacts
) -> None:
    chosen = match_rule(rules, facts)
    matching = [r for r in rules if rule_matches(r, facts)]
    if not matching:
        assert chosen is None
        return
    assert chosen is not None and rule_matches(chosen, facts)
    assert (chosen.priority, chosen.code) == min((r.priority, r.code) for r in matching)
    # The order the rows come in does not matter.
    reordered = match_rule(list(reversed(rules)), facts)
    assert reordered is not None
    assert (reordered.priority, reordered.code) == (chosen.priority, chosen.code)


@given(case_facts, st.integers(0, 5))
def test_a_rule_without_criteria_matches_every_case(facts: CaseFacts, priority: int) -> None:
    assert rule_matches(RuleSpec(code="all", priority=priority, unit_code="U"), facts)


@given(rule_specs, case_facts)
def test_a_rule_naming_another_type_never_matches(rule: RuleSpec, facts: CaseFacts) -> None:
    other = RuleSpec(**{**rule.__dict__, "type_code": facts.type_code + "x"})
    assert not rule_matches(other, facts)


@given(minutes, minutes, minutes)
def test_a_wrapping_window_is_the_complement_of_the_straight_one(
    start: int, end: int, minute: int
) -> None:
    if start == end:
        assert in_window(minute, start, end)
    elif start < end:
        assert in_window(minute, start, end) == (start <= minute < end)
        assert in_window(minute, end, start) == (not in_window(minute, start, end))


def test_window_edges() -> None:
    night = (22 * 60, 6 * 60)
    assert [in_window(m, *night) for m in (21 * 60 + 59, 22 * 60, 0, 5 * 60 + 59, 6 * 60)] == [
        False,
        True,
        True,
        True,
        False,
    ]
    assert minute_of_day(datetime(2026, 11, 2, 14, 30, tzinfo=UTC)) == 22 * 60 + 30


def test_seeded_rules_pick_the_road_operator_the_fallback_and_the_night_team(
    seeded: Session, clock: ManualClock, tmp_path: Path
) -> None:
    def decide(type_code: str, road: str | None, at: datetime, place: str | None = None) -> str:
        facts = CaseFacts(
            type_code=type_code,
            category_code=type_code[:4],
            minute_of_day=minute_of_day(at),
            road_code=road,
            place_code=place,
        )
        rule = dispatch_decision(seeded, facts)
        return f"{rule.code}->{rule.unit_code}" if rule else "manual"

    day = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)  # 14:00 in Shanghai
    night = datetime(2026, 11, 2, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    assert decide("E-0506", "JSL-R01", day) == "BIKE-R01->BIKE-HELLO"
    assert decide("E-0506", "JSL-R05", day) == "BIKE-R05->BIKE-MEITUAN"
    assert decide("E-0506", "JSL-R09", day) == "BIKE-ANY->BIKE-HELLO"
    assert decide("E-0515", "JSL-R02", night) == "NOISE-NIGHT->JSL-POLICE"
    assert decide("E-0515", "JSL-R02", day) == "NOISE-DAY->JSL-CITYMGMT"
    assert decide("E-0602", None, day, place="JSL-P01") == "PM-P01->JSL-PM-QSC"
    assert decide("E-0602", None, day) == "manual"
    assert decide("E-0102", "JSL-R05", day) == "CAT-E-01->JSL-SANITATION"
    assert decide("E-0105", "JSL-R05", day) == "TYPE-E-0105->JSL-GREEN"
    # Through filing: the case records the rule that dispatched it.
    case = new_case(seeded, clock.now(), tmp_path, type_code="E-0102", point=ON_YANAN_ROAD)
    assert case.dispatch_rule_id is not None and case.dispatched_by_rule is True
    bike = new_case(seeded, clock.now(), tmp_path, point=ON_JIANGSU_ROAD)
    assert bike.unit is not None and bike.unit.code == "BIKE-HELLO"

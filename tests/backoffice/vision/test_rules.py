"""Zone rules over time (ManualClock): dwell, inertia, minimum count, fill level held for a
minimum time, repeats, and the object filters."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from backoffice.clock import ManualClock
from backoffice.vision.rules import (
    Detection,
    EventKind,
    ObjectFilter,
    RuleKind,
    ZoneRule,
    ZoneState,
    measure,
    run,
    step,
)

ZONE = ((0.25, 0.5), (0.75, 0.5), (0.75, 1.0), (0.25, 1.0))  # on a 320x240 frame
BIKE_IN = Detection("bike", 0.9, (100.0, 150.0, 140.0, 200.0))
BIKE_IN_2 = Detection("bike", 0.8, (150.0, 150.0, 190.0, 200.0))
BIKE_OUT = Detection("bike", 0.9, (10.0, 150.0, 50.0, 200.0))
NO_PARKING = ZoneRule(RuleKind.NO_PARKING, ZONE, dwell=timedelta(minutes=10), inertia=3)


class Patrol:
    """Feeds one zone a detection list per patrol, one minute apart on a ManualClock."""

    def __init__(self, rule: ZoneRule) -> None:
        self.rule = rule
        self.clock = ManualClock()
        self.state = ZoneState()
        self.events: list[tuple[int, EventKind]] = []
        self.minute = 0

    def see(self, detections: list[Detection], times: int = 1) -> None:
        for _ in range(times):
            m = measure(self.rule, detections, 320, 240)
            result = step(self.rule, self.state, m, self.clock.now())
            self.state = result.state
            if result.event is not None:
                self.events.append((self.minute, result.event))
            self.clock.advance(minutes=1)
            self.minute += 1


def test_a_bike_standing_for_the_dwell_time_raises_once() -> None:
    patrol = Patrol(NO_PARKING)
    patrol.see([BIKE_IN], times=30)
    # first seen at minute 0; 10 minutes later (minute 10) the condition has held the dwell
    assert patrol.events == [(10, EventKind.RAISED)]


def test_a_bike_outside_the_zone_or_moving_on_raises_nothing() -> None:
    patrol = Patrol(NO_PARKING)
    patrol.see([BIKE_OUT], times=20)
    patrol.see([BIKE_IN], times=5)
    patrol.see([], times=3)  # gone for `inertia` patrols: the dwell clock starts again
    patrol.see([BIKE_IN], times=9)
    assert patrol.events == []
    patrol.see([BIKE_IN], times=2)
    assert patrol.events == [(38, EventKind.RAISED)]  # gone at 27, back at 28, +10 min


def test_one_missed_detection_does_not_restart_the_dwell_clock() -> None:
    patrol = Patrol(NO_PARKING)
    patrol.see([BIKE_IN], times=6)
    patrol.see([], times=2)  # fewer than `inertia` misses
    patrol.see([BIKE_IN], times=5)
    # still counted from minute 0, and minutes 8, 9, 10 are 3 sightings in a row again
    assert patrol.events == [(10, EventKind.RAISED)]


def test_inertia_needs_that_many_sightings_in_a_row() -> None:
    rule = ZoneRule(RuleKind.NO_PARKING, ZONE, dwell=timedelta(0), inertia=3)
    patrol = Patrol(rule)
    patrol.see([BIKE_IN], times=2)
    assert patrol.events == []
    patrol.see([BIKE_IN])
    assert patrol.events == [(2, EventKind.RAISED)]


def test_the_minimum_count_of_bikes() -> None:
    rule = ZoneRule(RuleKind.NO_PARKING, ZONE, dwell=timedelta(minutes=2), inertia=1, min_count=2)
    patrol = Patrol(rule)
    patrol.see([BIKE_IN, BIKE_OUT], times=10)
    assert patrol.events == []
    patrol.see([BIKE_IN, BIKE_IN_2], times=3)
    assert patrol.events == [(12, EventKind.RAISED)]


def test_a_parked_bike_is_reported_again_only_after_repeat_every_and_cleared_once_gone() -> None:
    rule = ZoneRule(
        RuleKind.NO_PARKING,
        ZONE,
        dwell=timedelta(minutes=10),
        inertia=3,
        repeat_every=timedelta(hours=1),
    )
    patrol = Patrol(rule)
    patrol.see([BIKE_IN], times=3 * 60)
    assert patrol.events == [
        (10, EventKind.RAISED),
        (70, EventKind.REPEATED),
        (130, EventKind.REPEATED),
    ]
    patrol.see([], times=3)
    assert patrol.events[-1] == (182, EventKind.CLEARED)
    assert patrol.state == ZoneState(value=0.0)


WASTE_SMALL = Detection("waste", 0.9, (80.0, 180.0, 160.0, 240.0))  # 80x60 px
WASTE_BIG = Detection("waste", 0.9, (80.0, 120.0, 240.0, 240.0))  # 160x120: the whole zone


def test_fill_level_is_the_share_of_the_zone_covered_by_waste() -> None:
    rule = ZoneRule(RuleKind.COLLECTION_POINT, ZONE, threshold=0.6)
    assert measure(rule, [], 320, 240).fill == 0.0
    assert round(measure(rule, [WASTE_BIG], 320, 240).fill, 2) == 0.99  # zone edge pixels
    small = measure(rule, [WASTE_SMALL], 320, 240)
    assert round(small.fill, 2) == 0.25  # half the width, half the height
    assert small.count == 1


def test_a_collection_point_files_when_its_threshold_is_held_for_the_hold_time() -> None:
    rule = ZoneRule(
        RuleKind.COLLECTION_POINT, ZONE, threshold=0.6, dwell=timedelta(minutes=30), inertia=2
    )
    patrol = Patrol(rule)
    patrol.see([WASTE_SMALL], times=60)  # 25 % full: below this site's threshold
    patrol.see([WASTE_BIG], times=29)
    assert patrol.events == []
    patrol.see([WASTE_BIG], times=2)
    assert patrol.events == [(90, EventKind.RAISED)]
    assert round(patrol.state.value, 2) == 0.99


def test_object_filters_drop_low_scores_and_boxes_too_small_or_too_large() -> None:
    filters = ObjectFilter(min_score=0.5, min_area=0.01, max_area=0.1)
    rule = ZoneRule(RuleKind.NO_PARKING, ZONE, filters=filters)
    weak = Detection("bike", 0.45, BIKE_IN.box)
    tiny = Detection("bike", 0.9, (150.0, 190.0, 155.0, 200.0))  # 50 px² < 1 % of 76 800
    huge = Detection("bike", 0.9, (90.0, 10.0, 230.0, 200.0))  # 35 % of the frame
    waste = Detection("waste", 0.9, BIKE_IN.box)  # not what this rule counts
    assert measure(rule, [weak, tiny, huge, waste], 320, 240).count == 0
    assert measure(rule, [weak, tiny, huge, waste, BIKE_IN], 320, 240).count == 1


def test_zone_state_survives_the_json_round_trip() -> None:
    patrol = Patrol(NO_PARKING)
    patrol.see([BIKE_IN], times=12)
    assert ZoneState.from_json(patrol.state.to_json()) == patrol.state


@given(st.lists(st.booleans(), max_size=80), st.integers(1, 5), st.integers(0, 20))
def test_never_raised_before_the_dwell_and_at_most_once_per_condition(
    sightings: list[bool], inertia: int, dwell_min: int
) -> None:
    rule = ZoneRule(
        RuleKind.NO_PARKING,
        ZONE,
        dwell=timedelta(minutes=dwell_min),
        inertia=inertia,
        repeat_every=timedelta(days=1),
    )
    clock = ManualClock()
    observations = []
    for seen in sightings:
        observations.append((clock.now(), measure(rule, [BIKE_IN] if seen else [], 320, 240)))
        clock.advance(minutes=1)
    _state, events = run(rule, observations)
    kinds = [k for _at, k in events]
    # raised and cleared alternate, starting with raised
    assert kinds == [EventKind.RAISED, EventKind.CLEARED] * (len(kinds) // 2) + (
        [EventKind.RAISED] if len(kinds) % 2 else []
    )
    start = observations[0][0] if observations else clock.now()
    for at, kind in events:
        if kind is EventKind.RAISED:
            minute = int((at - start).total_seconds() // 60)
            # the last `inertia` patrols up to this one all saw the bike
            assert all(sightings[minute - inertia + 1 : minute + 1])
            assert minute >= dwell_min

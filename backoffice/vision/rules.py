"""Zone rules as pure functions: object filters, then a condition tracked over patrols
(inertia, dwell or hold time, repeat) that turns a sequence of observations into events."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from backoffice.vision.zones import Point, ZoneMask, in_zone

Box = tuple[float, float, float, float]


class ObjectKind(StrEnum):
    """What the patrol looks for; a detector's class map turns model classes into these."""

    BIKE = "bike"
    WASTE = "waste"


class RuleKind(StrEnum):
    NO_PARKING = "no_parking"
    COLLECTION_POINT = "collection_point"


RULE_OBJECT = {RuleKind.NO_PARKING: ObjectKind.BIKE, RuleKind.COLLECTION_POINT: ObjectKind.WASTE}


@dataclass(frozen=True)
class Detection:
    kind: str  # an ObjectKind value after the class map
    score: float
    box: Box  # pixels, x1 y1 x2 y2

    @property
    def area(self) -> float:
        return max(0.0, self.box[2] - self.box[0]) * max(0.0, self.box[3] - self.box[1])


@dataclass(frozen=True)
class ObjectFilter:
    """Frigate-style filters: minimum score, box area as a share of the frame."""

    min_score: float = 0.4
    min_area: float = 0.0
    max_area: float = 1.0

    def passes(self, detection: Detection, frame_area: float) -> bool:
        share = detection.area / frame_area if frame_area else 0.0
        return detection.score >= self.min_score and self.min_area <= share <= self.max_area


@dataclass(frozen=True)
class ZoneRule:
    """One zone's rule. No-parking: `min_count` bikes standing in the zone for `dwell`.
    Collection point: the zone's fill level (share covered by waste) at `threshold` for `dwell`
    (the hold time). Either way the condition must be seen on `inertia` patrols in a row to
    start, and missed on `inertia` in a row to end, so one missed detection resets nothing."""

    kind: RuleKind
    polygon: tuple[Point, ...]
    dwell: timedelta = timedelta(minutes=10)
    inertia: int = 3
    min_count: int = 1
    threshold: float = 0.5
    repeat_every: timedelta = timedelta(hours=1)
    filters: ObjectFilter = ObjectFilter()

    @property
    def object_kind(self) -> ObjectKind:
        return RULE_OBJECT[self.kind]


@dataclass(frozen=True)
class Measurement:
    count: int  # objects of the rule's kind standing in the zone
    fill: float  # share of the zone covered by them
    boxes: tuple[Box, ...]

    def value(self, rule: ZoneRule) -> float:
        return float(self.count) if rule.kind is RuleKind.NO_PARKING else self.fill

    def present(self, rule: ZoneRule) -> bool:
        if rule.kind is RuleKind.NO_PARKING:
            return self.count >= rule.min_count
        return self.fill >= rule.threshold


def measure(
    rule: ZoneRule,
    detections: Iterable[Detection],
    width: int,
    height: int,
    mask: ZoneMask | None = None,
) -> Measurement:
    """Filter the detections and measure the zone: count standing inside, and fill level."""
    frame_area = float(width * height)
    inside = tuple(
        d.box
        for d in detections
        if d.kind == rule.object_kind
        and rule.filters.passes(d, frame_area)
        and in_zone(d.box, rule.polygon, width, height)
    )
    fill = 0.0
    if rule.kind is RuleKind.COLLECTION_POINT:
        zone_mask = mask or ZoneMask.of(rule.polygon, width, height)
        # Waste counts where it covers the zone, wherever its bottom edge lies.
        covering = tuple(
            d.box
            for d in detections
            if d.kind == rule.object_kind and rule.filters.passes(d, frame_area)
        )
        fill = zone_mask.coverage(covering)
        inside = tuple(box for box in covering if zone_mask.coverage((box,)) > 0)
    return Measurement(len(inside), fill, inside)


class EventKind(StrEnum):
    RAISED = "raised"  # condition held long enough: file a case
    REPEATED = "repeated"  # still there after repeat_every: report again (evidence)
    CLEARED = "cleared"  # condition gone after it was raised


@dataclass(frozen=True)
class ZoneState:
    """What a zone remembers between patrols (stored as JSON on the zone)."""

    since: datetime | None = None  # first sighting of the current condition
    seen: int = 0  # consecutive patrols with the condition
    missed: int = 0  # consecutive patrols without it, while it is still current
    raised_at: datetime | None = None
    reported_at: datetime | None = None
    value: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat() if self.since else None,
            "seen": self.seen,
            "missed": self.missed,
            "raised_at": self.raised_at.isoformat() if self.raised_at else None,
            "reported_at": self.reported_at.isoformat() if self.reported_at else None,
            "value": self.value,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> ZoneState:
        if not data:
            return cls()

        def when(key: str) -> datetime | None:
            raw = data.get(key)
            return datetime.fromisoformat(raw) if raw else None

        return cls(
            since=when("since"),
            seen=int(data.get("seen", 0)),
            missed=int(data.get("missed", 0)),
            raised_at=when("raised_at"),
            reported_at=when("reported_at"),
            value=float(data.get("value", 0.0)),
        )


@dataclass(frozen=True)
class Step:
    state: ZoneState
    event: EventKind | None


def step(rule: ZoneRule, state: ZoneState, measurement: Measurement, now: datetime) -> Step:
    """Advance a zone by one observation at `now`."""
    value = measurement.value(rule)
    if measurement.present(rule):
        since = state.since or now
        seen = state.seen + 1
        new = replace(state, since=since, seen=seen, missed=0, value=value)
        held = seen >= rule.inertia and now - since >= rule.dwell
        if state.raised_at is None:
            if held:
                return Step(replace(new, raised_at=now, reported_at=now), EventKind.RAISED)
            return Step(new, None)
        if state.reported_at is not None and now - state.reported_at >= rule.repeat_every:
            return Step(replace(new, reported_at=now), EventKind.REPEATED)
        return Step(new, None)
    if state.since is None:
        return Step(replace(state, value=value), None)
    missed = state.missed + 1
    if missed < rule.inertia:
        # Keep the dwell clock running through a short gap (occlusion, a missed detection),
        # but a new streak of sightings is needed before it counts as seen in a row again.
        return Step(replace(state, missed=missed, seen=0, value=value), None)
    event = EventKind.CLEARED if state.raised_at is not None else None
    return Step(ZoneState(value=value), event)


def run(
    rule: ZoneRule,
    observations: Sequence[tuple[datetime, Measurement]],
    state: ZoneState | None = None,
) -> tuple[ZoneState, list[tuple[datetime, EventKind]]]:
    """Fold a sequence of observations (for tests and replays)."""
    current = state or ZoneState()
    events: list[tuple[datetime, EventKind]] = []
    for at, m in observations:
        result = step(rule, current, m, at)
        current = result.state
        if result.event is not None:
            events.append((at, result.event))
    return current, events

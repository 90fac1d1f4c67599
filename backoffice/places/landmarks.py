"""Landmarks along a road, from the places' own geometry: its crossings with other roads, the
compounds, buildings and parks on it (with their house numbers) and its collection points,
ordered from the road's start. A site is on a road when the road is its nearest, or its
address or its attributes name the road. A caller who names a road and a landmark gives a point."""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.errors import BadInput
from backoffice.places import geometry as geo
from backoffice.places.models import Place, PlaceKind
from backoffice.places.service import SITE_KINDS, get_place

# Two roads whose ends come this close meet (a T-junction drawn a little short of the other).
JUNCTION_M = 25.0
CROSSING_PREFIX = "x:"


@dataclass(frozen=True)
class Landmark:
    code: str  # a place code, or "x:<road code>" for the crossing with that road
    kind: str  # "crossing" or the site's place kind
    name_zh: str
    name_en: str
    lon: float
    lat: float
    along_m: float  # distance from the road's first point, along the road


def _centre(geometry: dict[str, Any]) -> geo.Point:
    if geometry["type"] == "Point":
        lon, lat = geometry["coordinates"][:2]
        return (float(lon), float(lat))
    ring = geometry["coordinates"][0]
    if geometry["type"] == "LineString":
        ring = geometry["coordinates"]
    points = ring[:-1] if len(ring) > 1 and ring[0] == ring[-1] else ring
    return (
        sum(p[0] for p in points) / len(points),
        sum(p[1] for p in points) / len(points),
    )


def _segment_crossing(
    a: Sequence[float], b: Sequence[float], c: Sequence[float], d: Sequence[float]
) -> geo.Point | None:
    rx, ry = b[0] - a[0], b[1] - a[1]
    sx, sy = d[0] - c[0], d[1] - c[1]
    denominator = rx * sy - ry * sx
    if denominator == 0:
        return None
    t = ((c[0] - a[0]) * sy - (c[1] - a[1]) * sx) / denominator
    u = ((c[0] - a[0]) * ry - (c[1] - a[1]) * rx) / denominator
    if 0 <= t <= 1 and 0 <= u <= 1:
        return (a[0] + t * rx, a[1] + t * ry)
    return None


def _nearest_on_line(point: geo.Point, line: Sequence[Sequence[float]]) -> geo.Point:
    """The point of the line nearest to `point` (planar in degrees, scaled for latitude)."""
    k = math.cos(math.radians(point[1]))
    best, best_d = (line[0][0], line[0][1]), math.inf
    for p, q in itertools.pairwise(line):
        sx, sy = (q[0] - p[0]) * k, q[1] - p[1]
        px, py = (point[0] - p[0]) * k, point[1] - p[1]
        length2 = sx * sx + sy * sy
        t = 0.0 if length2 == 0 else max(0.0, min(1.0, (px * sx + py * sy) / length2))
        candidate = (p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1]))
        d = geo.distance_m(point, candidate)
        if d < best_d:
            best, best_d = candidate, d
    return best


def crossing(line: Sequence[Sequence[float]], other: Sequence[Sequence[float]]) -> geo.Point | None:
    """Where two roads meet: a crossing of their segments, or an end of one within
    JUNCTION_M of the other."""
    for a, b in itertools.pairwise(line):
        for c, d in itertools.pairwise(other):
            met = _segment_crossing(a, b, c, d)
            if met is not None:
                return met
    for end in (line[0], line[-1]):
        point = (float(end[0]), float(end[1]))
        if geo.distance_to_polyline_m(point, other) <= JUNCTION_M:
            return _nearest_on_line(point, other)
    for end in (other[0], other[-1]):
        point = (float(end[0]), float(end[1]))
        if geo.distance_to_polyline_m(point, line) <= JUNCTION_M:
            return _nearest_on_line(point, line)
    return None


def along_m(point: geo.Point, line: Sequence[Sequence[float]]) -> float:
    """How far along the line (from its first point) the point's nearest position lies."""
    on = _nearest_on_line(point, line)
    walked = 0.0
    best, best_d = 0.0, math.inf
    for p, q in itertools.pairwise(line):
        start = (float(p[0]), float(p[1]))
        d = geo.distance_to_polyline_m(on, [p, q])
        if d < best_d:
            best, best_d = walked + geo.distance_m(start, on), d
        walked += geo.distance_m(start, (float(q[0]), float(q[1])))
    return best


_HOUSE_NUMBER = re.compile(r"\d+(号|弄)")


def _active(place: Place, now: datetime | None) -> bool:
    if now is None:
        return place.active_until is None
    return (place.active_from is None or place.active_from <= now) and (
        place.active_until is None or place.active_until > now
    )


def all_landmarks(db: Session, now: datetime | None = None) -> dict[str, list[Landmark]]:
    """Every road's landmarks (road code -> its crossings and sites, from its start)."""
    roads = list(db.scalars(select(Place).where(Place.kind == PlaceKind.ROAD).order_by(Place.code)))
    found: dict[str, list[Landmark]] = {road.code: [] for road in roads}
    for road in roads:
        line = road.geometry["coordinates"]
        for other in roads:
            if other.id == road.id:
                continue
            met = crossing(line, other.geometry["coordinates"])
            if met is None:
                continue
            found[road.code].append(
                Landmark(
                    code=CROSSING_PREFIX + other.code,
                    kind="crossing",
                    name_zh=f"{road.name_zh}{other.name_zh}路口",
                    name_en=f"{road.name_en} at {other.name_en}",
                    lon=round(met[0], 7),
                    lat=round(met[1], 7),
                    along_m=along_m(met, line),
                )
            )
    sites = db.scalars(select(Place).where(Place.kind.in_(SITE_KINDS)).order_by(Place.code))
    for site in sites:
        if not _active(site, now):
            continue
        centre = _centre(site.geometry)
        attributes = site.attributes or {}
        address = str(attributes.get("address", ""))
        nearest = min(
            roads, key=lambda r: geo.distance_to_polyline_m(centre, r.geometry["coordinates"])
        )
        number = address if _HOUSE_NUMBER.search(address) else ""
        for road in roads:
            named = attributes.get("road_code") == road.code or address.startswith(road.name_zh)
            if not (named or road.id == nearest.id):
                continue
            found[road.code].append(
                Landmark(
                    code=site.code,
                    kind=site.kind.value,
                    name_zh=f"{number} {site.name_zh}".strip(),
                    name_en=f"{site.name_en} ({number})" if number else site.name_en,
                    lon=round(centre[0], 7),
                    lat=round(centre[1], 7),
                    along_m=along_m(centre, road.geometry["coordinates"]),
                )
            )
    for listed in found.values():
        listed.sort(key=lambda landmark: (landmark.along_m, landmark.code))
    return found


def landmarks(db: Session, road_code: str, now: datetime | None = None) -> list[Landmark]:
    """The road's crossings and the sites on it, from its start to its end."""
    road = get_place(db, road_code)
    if road.kind is not PlaceKind.ROAD:
        raise BadInput(f"'{road_code}' is not a road.", field="road_code")
    return all_landmarks(db, now)[road.code]


def landmark_point(
    db: Session, road_code: str, landmark_code: str, now: datetime | None = None
) -> geo.Point:
    """The point of a road's landmark; 422 when the road has no such landmark."""
    for landmark in landmarks(db, road_code, now):
        if landmark.code == landmark_code:
            return (landmark.lon, landmark.lat)
    raise BadInput(
        f"The road '{road_code}' has no landmark '{landmark_code}'; pick one from its list.",
        field="landmark",
    )


@dataclass(frozen=True)
class Located:
    """Where an address points: the road it names, and the landmark on it where it names one
    (a site by its address or name, or the crossing with another road it names)."""

    road: Place
    landmark: Landmark | None


def _names_in(text: str, places: Sequence[Place]) -> list[tuple[int, Place]]:
    """The places whose Chinese or English name the text holds, by where it names them; the
    longest names first, so 江苏路 is not found inside 江苏北路."""
    found: list[tuple[int, Place]] = []
    remaining, lowered = text, text.lower()
    for place in sorted(places, key=lambda p: -len(p.name_zh)):
        for name, haystack in ((place.name_zh, remaining), (place.name_en.lower(), lowered)):
            at = haystack.find(name) if name else -1
            if at >= 0:
                found.append((at, place))
                blank = " " * len(name)
                remaining = remaining[:at] + blank + remaining[at + len(name) :]
                lowered = lowered[:at] + blank + lowered[at + len(name) :]
                break
    return sorted(found, key=lambda pair: pair[0])


def locate_address(db: Session, text: str, now: datetime | None = None) -> Located | None:
    """The road and landmark an address names ("江苏路 愚园路口", "愚园路1000号", "中山广场 门口"):
    a site named by its address or name wins, then the crossing of the first road named with
    another one named; None when the text names neither a road nor a site."""
    roads = list(db.scalars(select(Place).where(Place.kind == PlaceKind.ROAD)))
    by_code = {road.code: road for road in roads}
    marks = all_landmarks(db, now)
    sites = [
        site
        for site in db.scalars(select(Place).where(Place.kind.in_(SITE_KINDS)).order_by(Place.code))
        if _active(site, now)
    ]
    named_roads = [road for _, road in _names_in(text, roads)]
    for site in sites:
        address = str((site.attributes or {}).get("address", ""))
        if not ((address and address in text) or (site.name_zh and site.name_zh in text)):
            continue
        # On the road the text names, if the site is one of its landmarks; else on its own.
        on = [code for code, listed in marks.items() if any(m.code == site.code for m in listed)]
        preferred = [r.code for r in named_roads if r.code in on] or on
        if preferred:
            road_code = preferred[0]
            mark = next(m for m in marks[road_code] if m.code == site.code)
            return Located(by_code[road_code], mark)
    if not named_roads:
        return None
    road = named_roads[0]
    for other in named_roads[1:]:
        for mark in marks[road.code]:
            if mark.code == CROSSING_PREFIX + other.code:
                return Located(road, mark)
    return Located(road, None)

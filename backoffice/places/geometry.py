"""Pure geometry on WGS84 [lon, lat]: GeoJSON checks, point in polygon, metres to a polyline.

Distances use the equirectangular projection around the point: well under a metre off across
a subdistrict of a few kilometres.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

EARTH_RADIUS_M = 6_371_008.8
Point = tuple[float, float]
Ring = Sequence[Sequence[float]]


class GeometryError(ValueError):
    """The geometry is not valid GeoJSON of the expected kind; the message says why."""


def _position(value: Any, where: str) -> Point:
    if (
        not isinstance(value, list | tuple)
        or len(value) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    ):
        raise GeometryError(f"{where}: a position is [lon, lat], got {value!r}")
    lon, lat = float(value[0]), float(value[1])
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise GeometryError(f"{where}: [{lon}, {lat}] is not a WGS84 position")
    return (lon, lat)


def check_geometry(geometry: Any, allowed: Sequence[str]) -> dict[str, Any]:
    """The geometry normalised to float positions; GeometryError if malformed or not allowed."""
    if not isinstance(geometry, dict) or geometry.get("type") not in allowed:
        raise GeometryError(f"the geometry must be a GeoJSON {' or '.join(allowed)}")
    kind = geometry["type"]
    coords = geometry.get("coordinates")
    if kind == "Point":
        return {"type": kind, "coordinates": list(_position(coords, "Point"))}
    if kind == "LineString":
        if not isinstance(coords, list) or len(coords) < 2:
            raise GeometryError("a LineString needs at least two positions")
        return {"type": kind, "coordinates": [list(_position(c, "LineString")) for c in coords]}
    if not isinstance(coords, list) or not coords:
        raise GeometryError("a Polygon needs at least one ring")
    rings = []
    for ring in coords:
        if not isinstance(ring, list) or len(ring) < 4:
            raise GeometryError("a Polygon ring needs at least four positions")
        positions = [list(_position(c, "Polygon")) for c in ring]
        if positions[0] != positions[-1]:
            raise GeometryError("a Polygon ring must end where it starts")
        rings.append(positions)
    return {"type": kind, "coordinates": rings}


def all_positions(geometry: dict[str, Any]) -> list[Point]:
    kind = geometry["type"]
    coords = geometry["coordinates"]
    if kind == "Point":
        return [(coords[0], coords[1])]
    if kind == "LineString":
        return [(c[0], c[1]) for c in coords]
    return [(c[0], c[1]) for ring in coords for c in ring]


def bbox(geometry: dict[str, Any]) -> tuple[float, float, float, float]:
    positions = all_positions(geometry)
    lons = [p[0] for p in positions]
    lats = [p[1] for p in positions]
    return (min(lons), min(lats), max(lons), max(lats))


def _in_ring(point: Point, ring: Ring) -> bool:
    x, y = point
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def point_in_polygon(point: Point, rings: Sequence[Ring]) -> bool:
    """Inside the outer ring and outside every hole (ray casting)."""
    if not rings or not _in_ring(point, rings[0]):
        return False
    return not any(_in_ring(point, hole) for hole in rings[1:])


def _to_metres(origin: Point, p: Sequence[float]) -> tuple[float, float]:
    k = math.pi / 180 * EARTH_RADIUS_M
    return ((p[0] - origin[0]) * k * math.cos(math.radians(origin[1])), (p[1] - origin[1]) * k)


def distance_m(a: Point, b: Point) -> float:
    dx, dy = _to_metres(a, b)
    return math.hypot(dx, dy)


def distance_to_polyline_m(point: Point, line: Sequence[Sequence[float]]) -> float:
    """Shortest distance in metres from the point to any segment of the line."""
    best = math.inf
    prev = _to_metres(point, line[0])
    if len(line) == 1:
        return math.hypot(*prev)
    for position in line[1:]:
        cur = _to_metres(point, position)
        sx, sy = cur[0] - prev[0], cur[1] - prev[1]
        length2 = sx * sx + sy * sy
        t = 0.0 if length2 == 0 else max(0.0, min(1.0, -(prev[0] * sx + prev[1] * sy) / length2))
        best = min(best, math.hypot(prev[0] + t * sx, prev[1] + t * sy))
        prev = cur
    return best


def distance_to_geometry_m(point: Point, geometry: dict[str, Any]) -> float:
    kind = geometry["type"]
    coords = geometry["coordinates"]
    if kind == "Point":
        return distance_m(point, (coords[0], coords[1]))
    if kind == "LineString":
        return distance_to_polyline_m(point, coords)
    if point_in_polygon(point, coords):
        return 0.0
    return min(distance_to_polyline_m(point, ring) for ring in coords)


def centre(geometry: dict[str, Any]) -> Point:
    """Where to draw a place as one point: a point itself, a line's middle vertex, the mean of
    a polygon's outer ring."""
    if geometry["type"] == "Point":
        return (geometry["coordinates"][0], geometry["coordinates"][1])
    if geometry["type"] == "LineString":
        middle = geometry["coordinates"][len(geometry["coordinates"]) // 2]
        return (middle[0], middle[1])
    points = geometry["coordinates"][0][:-1]
    return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))

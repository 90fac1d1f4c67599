"""Pure zone geometry on a camera frame: polygon checks, the bottom-centre test, coverage.

Zone polygons are stored in frame-relative coordinates (0..1 on both axes), so they survive a
camera that changes resolution; pixel boxes are scaled into that space before testing.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

Point = tuple[float, float]
Polygon = tuple[Point, ...]
Box = tuple[float, float, float, float]  # x1, y1, x2, y2 in pixels

MAX_VERTICES = 64


class ZoneGeometryError(ValueError):
    """The polygon cannot be a zone; the message says what to fix."""


def _cross(o: Point, a: Point, b: Point) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def _on_segment(p: Point, a: Point, b: Point) -> bool:
    return min(a[0], b[0]) <= p[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= p[1] <= max(a[1], b[1])


def segments_intersect(a: Point, b: Point, c: Point, d: Point) -> bool:
    """Do the closed segments ab and cd share a point?"""
    d1, d2 = _cross(c, d, a), _cross(c, d, b)
    d3, d4 = _cross(a, b, c), _cross(a, b, d)
    if ((d1 > 0 > d2) or (d1 < 0 < d2)) and ((d3 > 0 > d4) or (d3 < 0 < d4)):
        return True
    return (
        (d1 == 0 and _on_segment(a, c, d))
        or (d2 == 0 and _on_segment(b, c, d))
        or (d3 == 0 and _on_segment(c, a, b))
        or (d4 == 0 and _on_segment(d, a, b))
    )


def polygon_area(polygon: Sequence[Point]) -> float:
    """Unsigned area (shoelace)."""
    total = 0.0
    for i, (x1, y1) in enumerate(polygon):
        x2, y2 = polygon[(i + 1) % len(polygon)]
        total += x1 * y2 - x2 * y1
    return abs(total) / 2.0


def validate_polygon(points: Iterable[Sequence[float]]) -> Polygon:
    """A simple polygon inside the frame (0..1 on both axes), or ZoneGeometryError."""
    polygon: list[Point] = []
    for i, raw in enumerate(points):
        if len(raw) != 2:
            raise ZoneGeometryError(f"Point {i + 1} must be [x, y], got {list(raw)!r}.")
        x, y = float(raw[0]), float(raw[1])
        if not (math.isfinite(x) and math.isfinite(y)):
            raise ZoneGeometryError(f"Point {i + 1} is not a finite number pair.")
        if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
            raise ZoneGeometryError(
                f"Point {i + 1} [{x:g}, {y:g}] leaves the frame: x and y are shares of the "
                "frame's width and height, between 0 and 1."
            )
        polygon.append((x, y))
    if len(polygon) > 1 and polygon[0] == polygon[-1]:
        polygon.pop()  # a closed ring (GeoJSON habit) is fine
    if len(polygon) < 3:
        raise ZoneGeometryError(f"A zone needs at least 3 corners, got {len(polygon)}.")
    if len(polygon) > MAX_VERTICES:
        raise ZoneGeometryError(f"A zone has at most {MAX_VERTICES} corners, got {len(polygon)}.")
    n = len(polygon)
    for i in range(n):
        if polygon[i] == polygon[(i + 1) % n]:
            raise ZoneGeometryError(f"Points {i + 1} and {(i + 1) % n + 1} are the same point.")
    for i in range(n):
        a, b = polygon[i], polygon[(i + 1) % n]
        for j in range(i + 1, n):
            if j == i or (j + 1) % n == i or j == (i + 1) % n:
                continue  # neighbouring edges share a corner by design
            c, d = polygon[j], polygon[(j + 1) % n]
            if segments_intersect(a, b, c, d):
                raise ZoneGeometryError(
                    f"The polygon is not simple: edge {i + 1} crosses or touches edge {j + 1}. "
                    "List the corners in order around the zone."
                )
    if polygon_area(polygon) < 1e-4:
        raise ZoneGeometryError("The polygon has (almost) no area; draw the zone larger.")
    return tuple(polygon)


def point_in_polygon(point: Point, polygon: Sequence[Point]) -> bool:
    """Even-odd ray casting; a point on an edge counts as inside."""
    x, y = point
    inside = False
    n = len(polygon)
    for i in range(n):
        a, b = polygon[i], polygon[(i + 1) % n]
        if _cross(a, b, point) == 0 and _on_segment(point, a, b):
            return True
        if (a[1] > y) != (b[1] > y):
            x_at = a[0] + (y - a[1]) * (b[0] - a[0]) / (b[1] - a[1])
            if x < x_at:
                inside = not inside
    return inside


def bottom_centre(box: Box, width: int, height: int) -> Point:
    """Where an object stands (Frigate's zone test), in frame-relative coordinates."""
    x1, _y1, x2, y2 = box
    return ((x1 + x2) / 2.0 / width, y2 / height)


def in_zone(box: Box, polygon: Sequence[Point], width: int, height: int) -> bool:
    return point_in_polygon(bottom_centre(box, width, height), polygon)


@dataclass(frozen=True)
class ZoneMask:
    """A zone rasterised on one frame size, for coverage and image comparison."""

    mask: np.ndarray  # uint8 (h, w), 1 inside the zone
    bounds: tuple[int, int, int, int]  # x1, y1, x2, y2 (exclusive) around the zone
    area: int

    @classmethod
    def of(cls, polygon: Sequence[Point], width: int, height: int) -> ZoneMask:
        return _zone_mask(tuple((float(x), float(y)) for x, y in polygon), width, height)

    @classmethod
    def rasterise(cls, polygon: Sequence[Point], width: int, height: int) -> ZoneMask:
        mask = np.zeros((height, width), np.uint8)
        pts = np.array([[round(x * width), round(y * height)] for x, y in polygon], np.int32)
        cv2.fillPoly(mask, [pts], 1)
        ys, xs = np.nonzero(mask)
        if len(xs) == 0:
            return cls(mask, (0, 0, 0, 0), 0)
        bounds = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
        return cls(mask, bounds, len(xs))

    def coverage(self, boxes: Iterable[Box]) -> float:
        """Share of the zone's area covered by the union of the boxes (0..1)."""
        if self.area == 0:
            return 0.0
        bx1, by1, bx2, by2 = self.bounds  # work on the zone's crop only
        zone = self.mask[by1:by2, bx1:bx2]
        covered = np.zeros_like(zone)
        for x1, y1, x2, y2 in boxes:
            c1, r1 = max(bx1, math.floor(x1)), max(by1, math.floor(y1))
            c2, r2 = min(bx2, math.ceil(x2)), min(by2, math.ceil(y2))
            if c2 > c1 and r2 > r1:
                covered[r1 - by1 : r2 - by1, c1 - bx1 : c2 - bx1] = 1
        return float(np.count_nonzero(covered & zone)) / self.area


@functools.lru_cache(maxsize=1024)
def _zone_mask(polygon: Polygon, width: int, height: int) -> ZoneMask:
    """Zones and frame sizes repeat every patrol: rasterise each pair once."""
    return ZoneMask.rasterise(polygon, width, height)

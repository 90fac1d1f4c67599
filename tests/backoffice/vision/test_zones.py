"""Zone geometry: simple polygons inside the frame, the bottom-centre test, coverage."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backoffice.vision.zones import (
    ZoneGeometryError,
    ZoneMask,
    bottom_centre,
    in_zone,
    point_in_polygon,
    validate_polygon,
)

SQUARE = ((0.2, 0.5), (0.8, 0.5), (0.8, 0.9), (0.2, 0.9))


def test_a_simple_polygon_is_kept_and_a_closed_ring_loses_its_repeated_corner() -> None:
    assert validate_polygon([[0.2, 0.5], [0.8, 0.5], [0.8, 0.9], [0.2, 0.9], [0.2, 0.5]]) == SQUARE


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ([[0.1, 0.1], [0.9, 0.9], [0.9, 0.1], [0.1, 0.9]], "edge 1 crosses or touches edge 3"),
        ([[0.1, 0.1], [1.2, 0.1], [0.5, 0.9]], "Point 2 [1.2, 0.1] leaves the frame"),
        ([[0.1, -0.01], [0.9, 0.1], [0.5, 0.9]], "Point 1 [0.1, -0.01] leaves the frame"),
        ([[0.1, 0.1], [0.9, 0.1]], "at least 3 corners, got 2"),
        ([[0.1, 0.1], [0.1, 0.1], [0.5, 0.9]], "Points 1 and 2 are the same point"),
        ([[0.1, 0.1], [0.5, 0.1], [0.9, 0.1]], "no area"),
        ([[0.1, 0.1, 0.3], [0.5, 0.1], [0.9, 0.1]], "Point 1 must be [x, y]"),
        ([[0.1, float("nan")], [0.5, 0.1], [0.9, 0.1]], "Point 1 is not a finite number pair"),
    ],
)
def test_polygons_that_cannot_be_zones_are_refused_with_the_reason(
    points: list[list[float]], message: str
) -> None:
    with pytest.raises(ZoneGeometryError, match=message.replace("[", r"\[").replace("]", r"\]")):
        validate_polygon(points)


def test_a_thin_sliver_is_refused() -> None:
    with pytest.raises(ZoneGeometryError, match="no area"):
        validate_polygon([[0.1, 0.1], [0.9, 0.1], [0.5, 0.1001]])


def test_an_object_is_in_the_zone_when_its_bottom_centre_is() -> None:
    # 320x240 frame; the zone spans y 120..216 px.
    standing_inside = (100.0, 60.0, 140.0, 150.0)  # top outside, feet inside
    feet_outside = (100.0, 130.0, 140.0, 230.0)  # mostly inside, feet below the zone
    assert bottom_centre(standing_inside, 320, 240) == (0.375, 0.625)
    assert in_zone(standing_inside, SQUARE, 320, 240)
    assert not in_zone(feet_outside, SQUARE, 320, 240)


def test_a_point_on_the_edge_counts_as_inside() -> None:
    assert point_in_polygon((0.2, 0.7), SQUARE)
    assert point_in_polygon((0.5, 0.9), SQUARE)
    assert not point_in_polygon((0.19, 0.7), SQUARE)


def test_coverage_is_the_share_of_the_zone_under_the_union_of_boxes() -> None:
    mask = ZoneMask.of(((0.0, 0.0), (0.5, 0.0), (0.5, 0.5), (0.0, 0.5)), 100, 100)
    assert mask.area == 51 * 51  # fillPoly includes the edge pixels
    assert mask.coverage([]) == 0.0
    assert mask.coverage([(0, 0, 51, 51)]) == 1.0
    # two overlapping boxes count once; the part outside the zone does not count
    half = mask.coverage([(0, 0, 51, 26), (0, 10, 51, 26), (60, 60, 100, 100)])
    assert half == pytest.approx(26 * 51 / (51 * 51))


@st.composite
def star_polygons(draw: st.DrawFn) -> tuple[tuple[float, float], ...]:
    """Star-shaped (hence simple) polygons around a centre inside the frame."""
    n = draw(st.integers(3, 12))
    cx, cy = draw(st.floats(0.3, 0.7)), draw(st.floats(0.3, 0.7))
    radii = draw(st.lists(st.floats(0.05, 0.28), min_size=n, max_size=n))
    angles = [2 * np.pi * (i + 0.5 * draw(st.floats(0, 0.9))) / n for i in range(n)]
    return tuple(
        (cx + r * float(np.cos(a)), cy + r * float(np.sin(a)))
        for r, a in zip(radii, angles, strict=True)
    )


@given(star_polygons(), st.floats(0, 1), st.floats(0, 1))
def test_point_in_polygon_agrees_with_opencv(
    polygon: tuple[tuple[float, float], ...], x: float, y: float
) -> None:
    validate_polygon(polygon)
    contour = np.array(polygon, np.float32).reshape(-1, 1, 2)
    distance = cv2.pointPolygonTest(contour, (x, y), True)
    if abs(distance) > 1e-6:  # away from the edge both must agree exactly
        assert point_in_polygon((x, y), polygon) == (distance > 0)


@given(star_polygons())
def test_a_star_shaped_polygon_is_accepted_and_reversing_it_changes_nothing(
    polygon: tuple[tuple[float, float], ...],
) -> None:
    assert validate_polygon(polygon) == polygon
    assert validate_polygon(polygon[::-1]) == polygon[::-1]

"""Pure geometry: point in polygon, metres to a polyline, GeoJSON checks."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backoffice.places.geometry import (
    GeometryError,
    bbox,
    check_geometry,
    distance_m,
    distance_to_polyline_m,
    point_in_polygon,
)

SQUARE = [[[121.0, 31.0], [121.1, 31.0], [121.1, 31.1], [121.0, 31.1], [121.0, 31.0]]]
WITH_HOLE = [
    SQUARE[0],
    [[121.04, 31.04], [121.06, 31.04], [121.06, 31.06], [121.04, 31.06], [121.04, 31.04]],
]


@given(st.floats(121.0001, 121.0999), st.floats(31.0001, 31.0999))
def test_points_inside_the_square_are_in_it(lon: float, lat: float) -> None:
    assert point_in_polygon((lon, lat), SQUARE)


@given(st.floats(-180, 180), st.floats(-90, 90))
def test_points_outside_the_bounding_box_are_not(lon: float, lat: float) -> None:
    if 121.0 <= lon <= 121.1 and 31.0 <= lat <= 31.1:
        return
    assert not point_in_polygon((lon, lat), SQUARE)


def test_a_hole_is_outside() -> None:
    assert not point_in_polygon((121.05, 31.05), WITH_HOLE)
    assert point_in_polygon((121.02, 31.05), WITH_HOLE)


def test_distances_in_metres() -> None:
    # 0.001° of latitude is 111.2 m everywhere.
    line = [[121.43, 31.22], [121.44, 31.22]]
    assert distance_to_polyline_m((121.435, 31.221), line) == pytest.approx(111.2, abs=0.1)
    # Beyond the end, the distance is to the end point: 0.001° of longitude at 31.22° N.
    expected = 111_195 * 0.001 * math.cos(math.radians(31.22))
    assert distance_to_polyline_m((121.441, 31.22), line) == pytest.approx(expected, abs=0.1)
    assert distance_m((121.43, 31.22), (121.43, 31.22)) == 0


@given(st.floats(121.42, 121.45), st.floats(31.21, 31.23))
def test_a_point_on_the_line_is_at_zero_and_distance_is_symmetric(lon: float, lat: float) -> None:
    line = [[121.42, 31.21], [121.45, 31.23]]
    t = (lon - 121.42) / 0.03
    on_line = (121.42 + 0.03 * t, 31.21 + 0.02 * t)
    assert distance_to_polyline_m(on_line, line) < 0.01
    assert distance_m((lon, lat), on_line) == pytest.approx(distance_m(on_line, (lon, lat)))


@pytest.mark.parametrize(
    ("geometry", "message"),
    [
        ({"type": "Point", "coordinates": [121.4]}, "a position is"),
        ({"type": "Point", "coordinates": [200, 31]}, "not a WGS84 position"),
        ({"type": "LineString", "coordinates": [[121.4, 31.2]]}, "at least two"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}, "end where"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}, "four positions"),
        ({"type": "MultiPoint", "coordinates": []}, "must be a GeoJSON"),
        ("POINT(121 31)", "must be a GeoJSON"),
    ],
)
def test_malformed_geometry_is_refused(geometry: object, message: str) -> None:
    with pytest.raises(GeometryError, match=message):
        check_geometry(geometry, ("Point", "LineString", "Polygon"))


def test_bbox() -> None:
    assert bbox({"type": "Polygon", "coordinates": SQUARE}) == (121.0, 31.0, 121.1, 31.1)

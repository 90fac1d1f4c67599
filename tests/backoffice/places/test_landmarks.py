"""Landmarks along a road, for callers and kiosk users who cannot point at a map."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from backoffice.errors import BadInput
from backoffice.places import service
from backoffice.places.landmarks import landmark_point, landmarks


def test_a_roads_landmarks_run_from_its_start_with_crossings_and_house_numbers(
    seeded: Session,
) -> None:
    found = landmarks(seeded, "JSL-R02")  # Yuyuan Road
    crossings = [lm.name_zh for lm in found if lm.kind == "crossing"]
    # Yuyuan Road meets Jiangsu Road, and Dingxi Road ends on it.
    assert "愚园路江苏路路口" in crossings
    assert "愚园路定西路路口" in crossings
    along = [lm.along_m for lm in found]
    assert along == sorted(along)
    addresses = [lm.name_zh for lm in found if lm.kind == "compound"]
    assert any(name.startswith("愚园路1032弄") for name in addresses)
    # Each landmark's point resolves to a grid, and to this road as the nearest or named one.
    for lm in found:
        where = service.locate(seeded, point=(lm.lon, lm.lat))
        assert where.grid is not None, lm


def test_a_crossing_lies_on_both_roads(seeded: Session) -> None:
    lon, lat = landmark_point(seeded, "JSL-R01", "x:JSL-R02")
    where = service.locate(seeded, point=(lon, lat))
    assert where.road is not None and where.road.code in {"JSL-R01", "JSL-R02"}
    assert where.road_distance_m is not None and where.road_distance_m < 1.0


def test_an_unknown_landmark_is_refused_with_what_to_do(seeded: Session) -> None:
    with pytest.raises(BadInput, match="pick one from its list"):
        landmark_point(seeded, "JSL-R01", "x:JSL-R99")

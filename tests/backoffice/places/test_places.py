"""Places of the subdistrict: resolving a point, and the places API."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.places import service
from tests.conftest import StaffFactory


def test_a_point_resolves_to_its_grid_community_nearest_road_and_site(seeded: Session) -> None:
    where = service.locate(seeded, point=(121.4326, 31.2235))
    assert where.grid is not None and where.community is not None and where.road is not None
    assert (where.grid.code, where.community.code, where.road.name_zh) == (
        "JSL-G0203",
        "JSL-C02",
        "江苏路",
    )
    assert round(where.road_distance_m or 0, 1) == 16.9
    assert where.site is None
    # Inside 岐山村's outline.
    compound = service.locate(seeded, point=(121.4361, 31.2184))
    assert compound.site is not None and compound.site.code == "JSL-P01"
    assert compound.grid is not None and compound.grid.code == "JSL-G0502"


def test_a_point_next_to_a_collection_point_is_at_that_collection_point(seeded: Session) -> None:
    cp = service.get_place(seeded, "JSL-CPS001")
    lon, lat = cp.geometry["coordinates"]
    where = service.locate(seeded, point=(lon + 0.0001, lat))  # about 9.5 m east
    assert where.site is not None and where.site.code == "JSL-CPS001"


def test_the_resolve_api(seeded: Session, client: TestClient, staff_headers: StaffFactory) -> None:
    viewer = staff_headers(Role.VIEWER)
    body = client.get(
        "/api/v1/places/resolve", params={"lon": 121.4250, "lat": 31.2146}, headers=viewer
    ).json()
    assert body == {
        "lon": 121.425,
        "lat": 31.2146,
        "grid_code": "JSL-G0403",
        "community_code": "JSL-C04",
        "road_code": "JSL-R05",
        "road_name_zh": "延安西路",
        "road_distance_m": 35.7,
        "place_code": None,
    }
    outside = client.get(
        "/api/v1/places/resolve", params={"lon": 121.47, "lat": 31.23}, headers=viewer
    )
    assert outside.status_code == 422
    assert "outside every grid" in outside.json()["detail"]
    nonsense = client.get(
        "/api/v1/places/resolve", params={"lon": 200, "lat": 31.23}, headers=viewer
    )
    assert nonsense.status_code == 422


def test_places_are_listed_read_added_and_edited_by_an_admin(
    seeded: Session, client: TestClient, staff_headers: StaffFactory
) -> None:
    viewer = staff_headers(Role.VIEWER)
    roads = client.get("/api/v1/places", params={"kind": "road"}, headers=viewer).json()
    assert len(roads) == 18 and roads[0]["name_zh"] == "江苏路"
    grids = client.get("/api/v1/places", params={"parent_code": "JSL-C01"}, headers=viewer).json()
    assert [g["code"] for g in grids] == ["JSL-G0101", "JSL-G0102", "JSL-G0103", "JSL-G0104"]
    admin = staff_headers(Role.ADMIN)
    new_point = {
        "code": "JSL-CPS200",
        "kind": "collection_point",
        "name_zh": "江苏路新堆放点",
        "name_en": "Jiangsu Road new collection point",
        "geometry": {"type": "Point", "coordinates": [121.4330, 31.2210]},
        "unit_code": "JSL-CLEAR",
        "attributes": {"setting": "street", "fill_threshold": 0.5},
    }
    created = client.post("/api/v1/places", json=new_point, headers=admin)
    assert created.status_code == 201
    assert created.json()["unit_code"] == "JSL-CLEAR"
    assert client.post("/api/v1/places", json=new_point, headers=admin).status_code == 409
    as_viewer = client.post("/api/v1/places", json={**new_point, "code": "X9"}, headers=viewer)
    assert as_viewer.status_code == 403
    moved = client.patch(
        "/api/v1/places/JSL-CPS200",
        json={
            "geometry": {"type": "Point", "coordinates": [121.4331, 31.2211]},
            "active_until": "2026-12-01T00:00:00+08:00",
        },
        headers=admin,
    )
    assert moved.status_code == 200
    assert moved.json()["geometry"]["coordinates"] == [121.4331, 31.2211]
    assert moved.json()["active_until"] == "2026-11-30T16:00:00Z"
    road_as_point = client.patch(
        "/api/v1/places/JSL-R01",
        json={"geometry": {"type": "Point", "coordinates": [121.43, 31.22]}},
        headers=admin,
    )
    assert road_as_point.status_code == 422
    assert "must be a GeoJSON LineString" in road_as_point.json()["detail"]
    orphan_grid = client.post(
        "/api/v1/places",
        json={
            **new_point,
            "code": "JSL-G9901",
            "kind": "grid",
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[121.43, 31.22], [121.44, 31.22], [121.44, 31.23], [121.43, 31.22]]
                ],
            },
        },
        headers=admin,
    )
    assert orphan_grid.status_code == 422
    assert "give parent_code" in orphan_grid.json()["detail"]
    assert client.get("/api/v1/places/NOPE", headers=viewer).status_code == 404

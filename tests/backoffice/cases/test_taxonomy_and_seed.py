"""The taxonomy, places, units and rules seeded from assets, idempotently, and their API."""

from __future__ import annotations

from collections import Counter

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.cases.models import CaseCategory, CaseType, DispatchRule
from backoffice.cases.seed import SeedCounts, seed_reference_data
from backoffice.cases.taxonomy import (
    TYPE_BULKY_WASTE,
    TYPE_SERVICE_COMPLAINT,
    TYPE_SHARED_BIKE_PARKING,
)
from backoffice.clock import ManualClock
from backoffice.demo.seed import seed_demo
from backoffice.places.models import Place, PlaceKind
from backoffice.units.models import ResponsibleUnit
from tests.conftest import StaffFactory


def _count(db: Session, model: type) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def test_seeding_twice_gives_the_same_rows(db: Session) -> None:
    first = seed_reference_data(db)
    assert first == SeedCounts(units=61, places=248, case_types=162, dispatch_rules=61)
    assert seed_reference_data(db) == first
    assert (
        _count(db, ResponsibleUnit),
        _count(db, Place),
        _count(db, CaseType),
        _count(db, CaseCategory),
        _count(db, DispatchRule),
    ) == (61, 248, 162, 13, 61)


def test_the_taxonomy_holds_the_grid_case_types_and_the_other_domains_types(
    seeded: Session,
) -> None:
    types = {t.code: t for t in seeded.scalars(select(CaseType))}
    assert len(types) >= 144
    bike = types[TYPE_SHARED_BIKE_PARKING]
    assert (bike.name_zh, bike.name_en, bike.time_limit_h, bike.working_hours) == (
        "共享单车违停",
        "Shared bike illegally parked",
        2.0,
        False,
    )
    assert (bike.category.code, bike.category.kind, bike.default_unit_kind) == (
        "E-05",
        "event",
        "bike_share_company",
    )
    waste = types[TYPE_BULKY_WASTE]
    assert (waste.name_zh, waste.time_limit_h, waste.dedupe_radius_m) == (
        "大件垃圾堆放超限",
        36.0,
        25.0,
    )
    complaint = types[TYPE_SERVICE_COMPLAINT]
    assert (complaint.name_zh, complaint.working_hours, complaint.default_unit_kind) == (
        "政务服务差评",
        True,
        "service_centre",
    )
    kinds = {t.category.kind for t in types.values()}
    assert kinds == {"event", "component"}
    assert all(t.code[:4] == t.category.code and t.filing_criteria for t in types.values())


def test_places_units_and_rules_are_consistent(seeded: Session) -> None:
    by_kind = dict(seeded.execute(select(Place.kind, func.count()).group_by(Place.kind)).all())
    assert by_kind == {
        PlaceKind.COMMUNITY: 6,
        PlaceKind.GRID: 24,
        PlaceKind.ROAD: 18,
        PlaceKind.COMPOUND: 8,
        PlaceKind.BUILDING: 4,
        PlaceKind.PARK: 3,
        PlaceKind.COLLECTION_POINT: 185,
    }
    roads = set(seeded.scalars(select(Place.name_zh).where(Place.kind == PlaceKind.ROAD)))
    assert {"江苏路", "愚园路", "长宁路", "武夷路", "延安西路", "华山路", "镇宁路"} <= roads
    active = Counter(
        p.attributes["setting"]
        for p in seeded.scalars(
            select(Place).where(
                Place.kind == PlaceKind.COLLECTION_POINT, Place.active_until.is_(None)
            )
        )
    )
    assert dict(active) == {"street": 4, "compound": 58}


def test_the_demo_seed_loads_the_reference_data_and_runs_again(
    db: Session, clock: ManualClock
) -> None:
    seed_demo(db, clock.now())
    seed_demo(db, clock.now())
    hello = db.scalars(select(ResponsibleUnit).where(ResponsibleUnit.code == "BIKE-HELLO")).one()
    assert hello.parent is not None and hello.parent.code == "JSL-OPS"
    assert _count(db, CaseType) == 162


def test_case_types_are_listed_and_an_admin_changes_a_time_limit(
    seeded: Session, client: TestClient, staff_headers: StaffFactory
) -> None:
    listed = client.get(
        "/api/v1/case-types", params={"category_code": "E-05"}, headers=staff_headers(Role.VIEWER)
    ).json()
    assert [t["code"] for t in listed][:3] == ["E-0501", "E-0502", "E-0503"]
    assert len(listed) == 18
    admin = staff_headers(Role.ADMIN)
    changed = client.patch(
        f"/api/v1/case-types/{TYPE_BULKY_WASTE}", json={"time_limit_h": 24}, headers=admin
    )
    assert changed.json()["time_limit_h"] == 24.0
    refused = client.patch(
        f"/api/v1/case-types/{TYPE_BULKY_WASTE}",
        json={"time_limit_h": 12},
        headers=staff_headers(Role.OPERATOR),
    )
    assert refused.status_code == 403
    missing = client.patch("/api/v1/case-types/E-9999", json={"active": False}, headers=admin)
    assert missing.status_code == 404


def test_an_admin_adds_and_replaces_a_dispatch_rule(
    seeded: Session, client: TestClient, staff_headers: StaffFactory
) -> None:
    admin = staff_headers(Role.ADMIN)
    rule = {
        "code": "TELECOM-COVERS",
        "priority": 40,
        "unit_code": "CN-TELECOM",
        "type_code": "C-0106",
        "start": "08:00",
        "end": "20:00",
    }
    created = client.post("/api/v1/dispatch-rules", json=rule, headers=admin)
    assert created.status_code == 201
    assert created.json()["start"] == "08:00"
    again = client.post("/api/v1/dispatch-rules", json=rule, headers=admin)
    assert again.status_code == 409
    bad = client.post(
        "/api/v1/dispatch-rules", json={**rule, "code": "X1", "road_code": "JSL-R77"}, headers=admin
    )
    assert (bad.status_code, bad.json()["detail"]) == (422, "Unknown place 'JSL-R77'.")
    half = client.post(
        "/api/v1/dispatch-rules", json={**rule, "code": "X2", "end": None}, headers=admin
    )
    assert half.status_code == 422
    replaced = client.put(
        "/api/v1/dispatch-rules/TELECOM-COVERS", json={**rule, "priority": 5}, headers=admin
    )
    assert replaced.json()["priority"] == 5
    listed = client.get("/api/v1/dispatch-rules", headers=staff_headers(Role.DISPATCHER)).json()
    assert listed[0]["code"] == "TELECOM-COVERS" and len(listed) == 62

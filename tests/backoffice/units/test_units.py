"""The responsible-unit hierarchy seeded from assets, and editing it through the API."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.units.models import HandlingLevel
from backoffice.units.service import ancestors, get_unit
from tests.conftest import StaffFactory


def test_one_level_up_leads_from_a_building_group_to_the_city(seeded: Session) -> None:
    group = get_unit(seeded, "JSL-PM-QSC-BG1")
    assert group.level is HandlingLevel.BUILDING_GROUP
    chain = [(u.code, u.level.value) for u in ancestors(group)]
    assert chain == [
        ("JSL-PM-QSC", "compound"),
        ("JSL-C05-RC", "community"),
        ("JSL-OPS", "subdistrict"),
        ("CN-SH-CN", "district"),
        ("SH-OPS", "city"),
    ]
    # Companies and contractors hang at the level that supervises them.
    assert [u.code for u in ancestors(get_unit(seeded, "BIKE-MEITUAN"))][:1] == ["JSL-OPS"]
    assert [u.code for u in ancestors(get_unit(seeded, "CN-WATER"))][:1] == ["CN-SH-CN"]


def test_an_admin_edits_a_unit_and_cannot_make_a_loop(
    seeded: Session, client: TestClient, staff_headers: StaffFactory
) -> None:
    admin = staff_headers(Role.ADMIN)
    renamed = client.patch(
        "/api/v1/units/BIKE-QINGJU",
        json={"name_zh": "青桔单车长宁运维中心", "parent_code": "CN-SH-CN", "level": "district"},
        headers=admin,
    )
    assert renamed.status_code == 200
    assert renamed.json() == {
        "code": "BIKE-QINGJU",
        "name_zh": "青桔单车长宁运维中心",
        "name_en": "Qingju bike-share, Changning maintenance team",
        "kind": "bike_share_company",
        "level": "district",
        "parent_code": "CN-SH-CN",
    }
    loop = client.patch(
        "/api/v1/units/JSL-OPS", json={"parent_code": "JSL-PM-QSC-BG1"}, headers=admin
    )
    assert loop.status_code == 422
    assert "cannot be its own ancestor" in loop.json()["detail"]
    unknown = client.patch("/api/v1/units/JSL-OPS", json={"parent_code": "NOPE"}, headers=admin)
    assert unknown.status_code == 404
    empty = client.patch("/api/v1/units/JSL-OPS", json={"name_zh": None}, headers=admin)
    assert empty.status_code == 422
    operator = client.patch(
        "/api/v1/units/JSL-OPS", json={"name_zh": "x"}, headers=staff_headers(Role.OPERATOR)
    )
    assert operator.status_code == 403

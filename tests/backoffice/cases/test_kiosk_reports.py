"""Kiosk problem reports: the choices a kiosk offers, filing a case with the kiosk as source,
a resend filing once, and only terminals may file."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.cases.kiosk_reports import KIOSK_TYPES
from backoffice.cases.models import Case
from backoffice.cases.states import CaseSource
from tests.backoffice.kiosk_terminals import enrolled_terminal


def test_choices_list_the_short_type_list_and_the_roads(
    client: TestClient, seeded: Session, staff_headers: Callable[..., dict[str, str]]
) -> None:
    kiosk = enrolled_terminal(client, staff_headers(Role.TERMINAL_MANAGER))
    reply = client.get("/api/v1/kiosk-reports/choices", headers=kiosk)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert [t["code"] for t in body["types"]] == list(KIOSK_TYPES)
    assert body["types"][0] == {
        "code": "E-0102",
        "name_zh": "暴露垃圾",
        "name_en": "Exposed litter",
    }
    assert len(body["roads"]) > 0
    assert all(r["name_zh"] and r["name_en"] for r in body["roads"])


def test_a_report_becomes_a_case_from_the_kiosk_and_a_resend_files_once(
    client: TestClient, seeded: Session, staff_headers: Callable[..., dict[str, str]]
) -> None:
    kiosk = enrolled_terminal(client, staff_headers(Role.TERMINAL_MANAGER))
    road = client.get("/api/v1/kiosk-reports/choices", headers=kiosk).json()["roads"][0]["code"]
    body = {"type_code": "E-0506", "road_code": road, "report_id": "report-0001"}

    first = client.post("/api/v1/kiosk-reports", json=body, headers=kiosk)
    again = client.post("/api/v1/kiosk-reports", json=body, headers=kiosk)

    assert first.status_code == 201, first.text
    assert first.json()["created"] is True
    assert again.status_code == 200  # a resend answers the first case
    assert again.json() == {"case_number": first.json()["case_number"], "created": False}
    case = seeded.scalars(select(Case).where(Case.number == first.json()["case_number"])).one()
    assert case.source == CaseSource.KIOSK
    assert case.type.code == "E-0506"


def test_only_a_terminal_files_and_only_the_short_list(
    client: TestClient, seeded: Session, staff_headers: Callable[..., dict[str, str]]
) -> None:
    kiosk = enrolled_terminal(client, staff_headers(Role.TERMINAL_MANAGER))
    road = client.get("/api/v1/kiosk-reports/choices", headers=kiosk).json()["roads"][0]["code"]
    body = {"type_code": "C-0101", "road_code": road, "report_id": "report-0002"}
    refused = client.post("/api/v1/kiosk-reports", json=body, headers=kiosk)
    assert refused.status_code == 422
    assert "C-0101" in refused.json()["detail"]
    staff = client.post(
        "/api/v1/kiosk-reports",
        json={**body, "type_code": "E-0102"},
        headers=staff_headers(Role.OPERATOR),
    )
    assert staff.status_code == 403


def test_a_report_carries_the_kiosk_cameras_photo_and_a_bad_one_is_refused(
    client: TestClient, seeded: Session, staff_headers: Callable[..., dict[str, str]]
) -> None:
    import base64

    import cv2
    import numpy as np

    kiosk = enrolled_terminal(client, staff_headers(Role.TERMINAL_MANAGER))
    road = client.get("/api/v1/kiosk-reports/choices", headers=kiosk).json()["roads"][0]["code"]
    ok, jpeg = cv2.imencode(".jpg", np.full((120, 160, 3), 90, np.uint8))
    assert ok
    body = {
        "type_code": "E-0102",
        "road_code": road,
        "report_id": "report-photo-1",
        "photo_jpeg_base64": base64.b64encode(jpeg.tobytes()).decode(),
    }
    filed = client.post("/api/v1/kiosk-reports", json=body, headers=kiosk)
    assert filed.status_code == 201, filed.text
    number = filed.json()["case_number"]
    photos = client.get(
        f"/api/v1/cases/{number}/comparison", headers=staff_headers(Role.OPERATOR)
    ).json()
    [before] = photos["before"]
    assert before["content_type"] == "image/jpeg"

    not_jpeg = {**body, "report_id": "report-photo-2", "photo_jpeg_base64": "aGVsbG8="}
    refused = client.post("/api/v1/kiosk-reports", json=not_jpeg, headers=kiosk)
    assert refused.status_code == 422 and "not one" in refused.json()["detail"]
    assert len(seeded.scalars(select(Case)).all()) == 1  # nothing half-written


def test_a_report_at_a_roads_landmark_has_a_point_a_grid_and_a_nearest_road(
    client: TestClient, seeded: Session, staff_headers: Callable[..., dict[str, str]]
) -> None:
    kiosk = enrolled_terminal(client, staff_headers(Role.TERMINAL_MANAGER))
    choices = client.get("/api/v1/kiosk-reports/choices", headers=kiosk).json()
    yuyuan = {lm["code"]: lm for lm in choices["landmarks"]["JSL-R02"]}
    assert yuyuan["x:JSL-R01"]["name_zh"] == "愚园路江苏路路口"
    assert yuyuan["JSL-P01"]["name_zh"] == "愚园路1032弄 岐山村"
    body = {
        "type_code": "E-0102",
        "road_code": "JSL-R02",
        "landmark_code": "JSL-P01",
        "report_id": "report-0002",
    }
    filed = client.post("/api/v1/kiosk-reports", json=body, headers=kiosk)
    assert filed.status_code == 201, filed.text
    case = seeded.scalars(select(Case).where(Case.number == filed.json()["case_number"])).one()
    assert case.lon is not None and case.lat is not None
    assert case.grid is not None and case.road is not None
    assert case.road.code == "JSL-R02"

    unknown = client.post(
        "/api/v1/kiosk-reports",
        json={**body, "landmark_code": "x:JSL-R99", "report_id": "report-0003"},
        headers=kiosk,
    )
    assert unknown.status_code == 422
    assert "pick one from its list" in unknown.json()["detail"]

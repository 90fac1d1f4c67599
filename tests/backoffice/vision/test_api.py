"""The AI patrol API: cameras and zones with their bad input, and frames pushed by a gateway
(not an image, too large, unknown camera, idempotent retries)."""

from __future__ import annotations

import base64
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.cases.seed import seed_reference_data
from backoffice.clock import ManualClock
from backoffice.vision.detector import YoloDetector
from backoffice.vision.patrol import Patrol
from backoffice.vision.sources import encode_jpeg
from tests.backoffice.vision.scenes import NO_PARKING_ZONE, Street
from tests.conftest import TEST_LIMITS, StaffFactory

CAMERA = {
    "code": "CAM-GW-1",
    "name": "Lane 200 gateway camera",
    "road_code": "JSL-R01",
    "lon": 121.4327,
    "lat": 31.215,
    "source_kind": "push",
}


def _setup(client: TestClient, db: Session, staff_headers: StaffFactory) -> dict[str, str]:
    seed_reference_data(db)
    headers = staff_headers(Role.OPERATOR)
    assert client.post("/api/v1/vision/cameras", json=CAMERA, headers=headers).status_code == 201
    return headers


def test_cameras_and_zones_are_created_and_listed(
    client: TestClient, db: Session, staff_headers: StaffFactory
) -> None:
    headers = _setup(client, db, staff_headers)
    zone = {"name": "no parking", "rule": "no_parking", "polygon": NO_PARKING_ZONE}
    created = client.post("/api/v1/vision/cameras/CAM-GW-1/zones", json=zone, headers=headers)
    assert created.status_code == 201
    body = created.json()
    assert (body["type_code"], body["dwell_s"], body["inertia"]) == ("E-0506", 600, 3)
    viewer = staff_headers(Role.VIEWER)
    listed = client.get("/api/v1/vision/cameras/CAM-GW-1/zones", headers=viewer).json()
    assert [z["name"] for z in listed] == ["no parking"]
    camera = client.get("/api/v1/vision/cameras/CAM-GW-1", headers=viewer).json()
    assert (camera["status"], camera["source_kind"]) == ("unknown", "push")
    again = client.post("/api/v1/vision/cameras", json=CAMERA, headers=headers)
    assert again.status_code == 409
    assert again.json()["detail"] == "A camera with the code 'CAM-GW-1' exists already."
    denied = client.post("/api/v1/vision/cameras/CAM-GW-1/zones", json=zone, headers=viewer)
    assert denied.status_code == 403


def test_bad_zones_and_sources_are_refused_with_what_to_fix(
    client: TestClient, db: Session, staff_headers: StaffFactory
) -> None:
    headers = _setup(client, db, staff_headers)
    url = "/api/v1/vision/cameras/CAM-GW-1/zones"
    bowtie = {
        "name": "x",
        "rule": "no_parking",
        "polygon": [[0.1, 0.1], [0.9, 0.9], [0.9, 0.1], [0.1, 0.9]],
    }
    answer = client.post(url, json=bowtie, headers=headers)
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("The polygon is not simple: edge 1 crosses")
    outside = {**bowtie, "polygon": [[0.1, 0.1], [1.5, 0.1], [0.5, 0.9]]}
    answer = client.post(url, json=outside, headers=headers)
    assert answer.status_code == 422
    assert "leaves the frame" in answer.json()["detail"]
    bad_type = {**bowtie, "polygon": NO_PARKING_ZONE, "type_code": "X-9999"}
    answer = client.post(url, json=bad_type, headers=headers)
    assert (answer.status_code, answer.json()["field"]) == (422, "type_code")
    missing = client.post("/api/v1/vision/cameras/CAM-NOPE/zones", json=bowtie, headers=headers)
    assert missing.status_code == 404
    rtsp = {**CAMERA, "code": "CAM-RTSP", "source_kind": "rtsp", "source_url": "http://x"}
    answer = client.post("/api/v1/vision/cameras", json=rtsp, headers=headers)
    assert (answer.status_code, answer.json()["detail"]) == (
        422,
        "An RTSP camera needs an rtsp:// URL.",
    )


def test_a_pushed_frame_runs_the_zones_and_a_retry_is_answered_from_the_first(
    client: TestClient, db: Session, staff_headers: StaffFactory, clock: ManualClock
) -> None:
    headers = _setup(client, db, staff_headers)
    zone = {"name": "no parking", "rule": "no_parking", "polygon": NO_PARKING_ZONE}
    zone_id = client.post(
        "/api/v1/vision/cameras/CAM-GW-1/zones", json=zone, headers=headers
    ).json()["id"]
    street = Street()
    url = "/api/v1/vision/cameras/CAM-GW-1/frames"
    jpeg = street.jpeg([street.bike_a])
    first = client.post(
        url,
        content=jpeg,
        headers={**headers, "Idempotency-Key": "f-1", "Content-Type": "image/jpeg"},
    )
    assert first.status_code == 200
    body = first.json()
    assert body["replayed"] is False
    assert [d["kind"] for d in body["detections"]] == ["bike"]
    assert body["zones"] == [
        {
            "zone_id": zone_id,
            "count": 1,
            "fill": 0.0,
            "event": None,
            "case_number": None,
            "dispatched_to": None,
        }
    ]
    clock.advance(minutes=1)
    retry = client.post(
        url,
        content=jpeg,
        headers={**headers, "Idempotency-Key": "f-1", "Content-Type": "image/jpeg"},
    )
    assert retry.json() == {**body, "replayed": True}
    zones = client.get("/api/v1/vision/cameras/CAM-GW-1/zones", headers=headers).json()
    assert zones[0]["value"] == 1.0  # counted once, not twice
    camera = client.get("/api/v1/vision/cameras/CAM-GW-1", headers=headers).json()
    assert camera["status"] == "online"


def test_pushed_frames_that_are_not_images_too_large_or_for_no_camera_get_4xx(
    client: TestClient, db: Session, staff_headers: StaffFactory
) -> None:
    headers = _setup(client, db, staff_headers)
    push = {**headers, "Content-Type": "image/jpeg"}
    url = "/api/v1/vision/cameras/CAM-GW-1/frames"
    answer = client.post(url, content=b"hello", headers={**push, "Idempotency-Key": "a"})
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("The frame is not a JPEG, PNG or BMP image")
    huge = encode_jpeg(np.zeros((10, 5000, 3), np.uint8))
    answer = client.post(url, content=huge, headers={**push, "Idempotency-Key": "b"})
    assert answer.status_code == 422
    assert answer.json()["detail"] == (
        "The frame is 5000x10 pixels; the largest side allowed is 4096."
    )
    answer = client.post(
        "/api/v1/vision/cameras/CAM-NONE/frames",
        content=Street().jpeg([]),
        headers={**push, "Idempotency-Key": "c"},
    )
    assert answer.status_code == 404
    assert answer.json()["detail"].startswith("No camera has the code 'CAM-NONE'")
    no_key = client.post(url, content=Street().jpeg([]), headers=push)
    assert no_key.status_code == 422


@pytest.mark.usefixtures("camera_verifier")
def test_a_unit_reporting_a_camera_case_handled_gets_it_closed_by_a_fresh_look(
    client: TestClient,
    db: Session,
    staff_headers: StaffFactory,
    clock: ManualClock,
    detector: YoloDetector,
    tmp_path: Path,
) -> None:
    seed_reference_data(db)
    operator = staff_headers(Role.OPERATOR)
    street = Street()
    picture = tmp_path / "camera.jpg"
    picture.write_bytes(street.jpeg([street.bike_a]))
    camera = {**CAMERA, "code": "CAM-FILE", "source_kind": "file", "source_url": str(picture)}
    assert client.post("/api/v1/vision/cameras", json=camera, headers=operator).status_code == 201
    zone = {
        "name": "no parking",
        "rule": "no_parking",
        "polygon": NO_PARKING_ZONE,
        "dwell_s": 0,
        "inertia": 1,
    }
    client.post("/api/v1/vision/cameras/CAM-FILE/zones", json=zone, headers=operator)
    (outcome,) = Patrol(lambda: detector, limits=TEST_LIMITS).visit_due(db, clock.now())
    assert outcome.result is not None
    (filing,) = [z.filing for z in outcome.result.zones if z.filing is not None]
    assert filing.dispatched_to == "BIKE-HELLO"

    bike_company = staff_headers(Role.UNIT_STAFF, unit_code="BIKE-HELLO")
    url = f"/api/v1/cases/{filing.case_number}/actions"
    assert client.post(f"{url}/accept", json={}, headers=bike_company).status_code == 200
    clock.advance(minutes=20)
    picture.write_bytes(street.jpeg([]))  # the bike is gone
    after = {
        "kind": "after",
        "content_type": "image/jpeg",
        "data_base64": base64.b64encode(street.jpeg([])).decode(),
    }
    answer = client.post(f"{url}/report_handled", json={"photos": [after]}, headers=bike_company)
    assert answer.status_code == 200
    assert answer.json()["state"] == "closed"  # the camera looked again at once

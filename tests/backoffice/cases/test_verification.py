"""Closing on evidence: the session's verifiers (a camera-like one added here) and the manual
path where a person compares the before and after photos."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.cases import verification
from backoffice.cases.hooks import Verdict, hooks_of
from backoffice.cases.models import Case
from backoffice.cases.photos import Photo, PhotoKind
from backoffice.cases.states import CaseSource, CaseState
from backoffice.clock import ManualClock
from backoffice.identity.service import issue_unit_token
from backoffice.settings import Settings
from tests.backoffice.cases.helpers import UNIT_TOKEN_TTL, jpeg, new_case, photo_json, unit
from tests.conftest import StaffFactory, bearer


class FrameVerifier:
    """Decides AI-patrol cases from a fixed re-check frame, as the camera verifier does."""

    name = "test-camera"

    def __init__(self, passed: bool | None) -> None:
        self.passed = passed
        self.seen: list[str] = []

    def applies_to(self, case: Case) -> bool:
        return case.source is CaseSource.AI_PATROL

    def verify(self, db: Session, case: Case, now: datetime) -> Verdict | None:
        self.seen.append(case.number)
        if self.passed is None:
            return None
        reason = "re-check frame: zone empty" if self.passed else "re-check frame: 3 bikes left"
        frame = Photo(PhotoKind.EVIDENCE, jpeg(b"frame"), "image/jpeg")
        return Verdict(self.passed, reason, "camera:JSL-CAM-03", frame)


@pytest.fixture
def camera(db: Session) -> FrameVerifier:
    verifier = FrameVerifier(passed=True)
    hooks_of(db).verifiers.append(verifier)
    return verifier


def _handle(client: TestClient, db: Session, case: Case, clock: ManualClock) -> dict[str, object]:
    headers = bearer(issue_unit_token(db, unit(db, "BIKE-HELLO"), clock.now(), UNIT_TOKEN_TTL))
    url = f"/api/v1/cases/{case.number}/actions"
    assert client.post(f"{url}/accept", json={}, headers=headers).status_code == 200
    response = client.post(
        f"{url}/report_handled", json={"photos": [photo_json("after")]}, headers=headers
    )
    assert response.status_code == 200
    body: dict[str, object] = response.json()
    return body


def test_a_camera_verdict_closes_an_ai_patrol_case_and_records_who_decided(
    seeded: Session,
    client: TestClient,
    clock: ManualClock,
    settings: Settings,
    camera: FrameVerifier,
) -> None:
    case = new_case(seeded, clock.now(), settings.data_dir / "photos", source=CaseSource.AI_PATROL)
    body = _handle(client, seeded, case, clock)
    assert body["state"] == "closed"
    assert camera.seen == [case.number]
    timeline = body["timeline"]
    assert isinstance(timeline, list)
    assert [(e["action"], e["actor"], e["reason"]) for e in timeline[-2:]] == [
        ("verify", "camera:JSL-CAM-03", "re-check frame: zone empty"),
        ("close", "camera:JSL-CAM-03", "re-check frame: zone empty"),
    ]
    photos = body["photos"]
    assert isinstance(photos, list)
    assert [(p["kind"], p["taken_by"]) for p in photos] == [
        ("before", "test"),
        ("after", "unit:BIKE-HELLO"),
        ("after", "camera:JSL-CAM-03"),
    ]


def test_a_failed_camera_verdict_returns_the_case_to_the_unit(
    seeded: Session,
    client: TestClient,
    clock: ManualClock,
    settings: Settings,
    camera: FrameVerifier,
) -> None:
    camera.passed = False
    case = new_case(seeded, clock.now(), settings.data_dir / "photos", source=CaseSource.AI_PATROL)
    body = _handle(client, seeded, case, clock)
    assert body["state"] == "handling"
    timeline = body["timeline"]
    assert isinstance(timeline, list)
    assert (timeline[-1]["action"], timeline[-1]["reason"]) == (
        "return",
        "re-check frame: 3 bikes left",
    )


def test_an_undecided_or_inapplicable_verifier_leaves_the_case_to_a_person(
    seeded: Session,
    client: TestClient,
    clock: ManualClock,
    settings: Settings,
    camera: FrameVerifier,
) -> None:
    camera.passed = None
    patrol = new_case(
        seeded, clock.now(), settings.data_dir / "photos", source=CaseSource.AI_PATROL
    )
    assert _handle(client, seeded, patrol, clock)["state"] == "handled"
    inspector_case = new_case(
        seeded, clock.now(), settings.data_dir / "photos", point=(121.4326, 31.2260)
    )
    assert _handle(client, seeded, inspector_case, clock)["state"] == "handled"
    assert camera.seen == [patrol.number]


def test_an_inspector_compares_the_photos_and_verifies_then_an_operator_closes(
    seeded: Session,
    client: TestClient,
    clock: ManualClock,
    settings: Settings,
    staff_headers: StaffFactory,
) -> None:
    case = new_case(seeded, clock.now(), settings.data_dir / "photos")
    _handle(client, seeded, case, clock)
    inspector = staff_headers(Role.INSPECTOR)
    side_by_side = client.get(f"/api/v1/cases/{case.number}/comparison", headers=inspector).json()
    assert (side_by_side["state"], len(side_by_side["before"]), len(side_by_side["after"])) == (
        "handled",
        1,
        1,
    )
    before = client.get(side_by_side["before"][0]["url"], headers=inspector).content
    after = client.get(side_by_side["after"][0]["url"], headers=inspector).content
    assert before != after and after == jpeg(b"after")
    url = f"/api/v1/cases/{case.number}/actions"
    returned = client.post(f"{url}/return", json={"reason": "盲道上仍有 2 辆"}, headers=inspector)
    assert returned.json()["state"] == "handling"
    headers = bearer(
        issue_unit_token(seeded, unit(seeded, "BIKE-HELLO"), clock.now(), UNIT_TOKEN_TTL)
    )
    client.post(f"{url}/report_handled", json={"photos": [photo_json("after")]}, headers=headers)
    verified = client.post(
        f"{url}/verify", json={"reason": "前后照片一致, 已清理"}, headers=inspector
    )
    assert verified.json()["state"] == "verified"
    assert verified.json()["timeline"][-1]["actor"].startswith("inspector:")
    closed = client.post(f"{url}/close", json={}, headers=staff_headers(Role.OPERATOR))
    assert closed.json()["state"] == "closed"
    assert closed.json()["closed_at"] == "2026-11-02T01:00:00Z"


def test_verify_manually_records_the_person(
    seeded: Session, clock: ManualClock, tmp_path: Path
) -> None:
    from backoffice.cases import lifecycle
    from backoffice.cases.lifecycle import ActionInput
    from backoffice.cases.states import CaseAction
    from tests.backoffice.cases.helpers import photo

    case = new_case(seeded, clock.now(), tmp_path)
    for action, data in (
        (CaseAction.ACCEPT, ActionInput()),
        (
            CaseAction.REPORT_HANDLED,
            ActionInput(photos=(photo(PhotoKind.AFTER),), photo_dir=tmp_path),
        ),
    ):
        lifecycle.apply_action(seeded, case, action, data, actor="unit:x", now=clock.now())
    verification.verify_manually(
        seeded, case, passed=True, reason="", decided_by="operator:li", now=clock.now()
    )
    assert case.state is CaseState.VERIFIED
    assert (case.events[-1].actor, case.events[-1].reason) == (
        "operator:li",
        "before and after photos compared: fixed",
    )

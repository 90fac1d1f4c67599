"""Visits reported by kiosks: idempotent by the kiosk-made id, nothing personal."""

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.clock import ManualClock
from backoffice.visits.models import Visit
from tests.backoffice.kiosk_terminals import enrolled_terminal, seed_catalog
from tests.conftest import StaffFactory


@pytest.fixture
def manager(staff_headers: StaffFactory) -> dict[str, str]:
    return staff_headers(Role.TERMINAL_MANAGER)


def body(visit_id: str, **changes: object) -> dict[str, object]:
    return {
        "visit_id": visit_id,
        "outcome": "finished",
        "matters": ["MI-BOOKLET-PRINT"],
        "duration_s": 95.5,
        "language": "zh",
        "elder_mode": True,
        "identified_by": "card",
        **changes,
    }


def test_a_visit_reported_twice_is_recorded_once(
    client: TestClient,
    db: Session,
    clock: ManualClock,
    manager: dict[str, str],
    staff_headers: StaffFactory,
) -> None:
    seed_catalog(db, clock)
    kiosk = enrolled_terminal(client, manager)
    visit_id = str(uuid.uuid4())
    first = client.post("/api/v1/visits", json=body(visit_id), headers=kiosk)
    assert first.status_code == 201, first.text
    assert first.json()["terminal_code"] == "JSL-CAC-01"
    retry = client.post(
        "/api/v1/visits", json=body(visit_id), headers={**kiosk, "Idempotency-Key": "x"}
    )
    assert retry.status_code == 200 and retry.json() == first.json()
    assert db.scalar(select(func.count()).select_from(Visit)) == 1
    changed = client.post("/api/v1/visits", json=body(visit_id, outcome="cancelled"), headers=kiosk)
    assert changed.status_code == 409
    assert client.get(f"/api/v1/visits/{visit_id}", headers=manager).status_code == 200
    call_taker = staff_headers(Role.CALL_TAKER)
    assert client.get(f"/api/v1/visits/{visit_id}", headers=call_taker).status_code == 403
    assert client.get(f"/api/v1/visits/{visit_id}", headers=kiosk).json()["elder_mode"] is True


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({"visit_id": "visit-1"}, 422),
        ({"duration_s": -1}, 422),
        ({"outcome": "exploded"}, 422),
        ({"matters": ["NO-SUCH-MATTER"]}, 422),
        ({"name": "张三"}, 422),  # nothing personal is accepted
    ],
)
def test_bad_visit_reports_are_422_and_nothing_written(
    client: TestClient,
    db: Session,
    clock: ManualClock,
    manager: dict[str, str],
    changes: dict[str, object],
    status: int,
) -> None:
    seed_catalog(db, clock)
    kiosk = enrolled_terminal(client, manager)
    reply = client.post(
        "/api/v1/visits", json={**body(str(uuid.uuid4())), **changes}, headers=kiosk
    )
    assert reply.status_code == status, reply.text
    assert db.scalar(select(func.count()).select_from(Visit)) == 0


def test_a_visit_id_of_another_terminal_is_409(
    client: TestClient, db: Session, clock: ManualClock, manager: dict[str, str]
) -> None:
    seed_catalog(db, clock)
    one = enrolled_terminal(client, manager)
    two = enrolled_terminal(client, manager, "JSL-LOBBY-01", "lobby")
    visit_id = str(uuid.uuid4())
    assert client.post("/api/v1/visits", json=body(visit_id), headers=one).status_code == 201
    assert client.post("/api/v1/visits", json=body(visit_id), headers=two).status_code == 409
    assert client.get(f"/api/v1/visits/{visit_id}", headers=two).status_code == 403

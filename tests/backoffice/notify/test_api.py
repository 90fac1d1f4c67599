"""The notification API: a unit's subscriptions and its delivery log, scoped to the unit."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.clock import ManualClock
from backoffice.notify.service import Notice, enqueue
from backoffice.notify.worker import deliver_due
from tests.backoffice.notify.test_delivery import make_unit
from tests.conftest import StaffFactory


def test_a_unit_subscribes_sees_its_deliveries_and_an_operator_retries_one(
    client: TestClient, db: Session, clock: ManualClock, staff_headers: StaffFactory
) -> None:
    unit = make_unit(db)
    make_unit(db, "U-GREENING")
    own = staff_headers(Role.UNIT_STAFF, unit_code="U-SANITATION")
    other = staff_headers(Role.UNIT_STAFF, unit_code="U-GREENING")
    operator = staff_headers(Role.OPERATOR)

    answer = client.post(
        "/api/v1/notify/units/U-SANITATION/subscriptions",
        json={"kind": "webhook", "url": "http://127.0.0.1:9/hook", "events": ["case.*"]},
        headers=own,
    )
    assert answer.status_code == 201, answer.text
    created = answer.json()
    assert created["secret"].startswith("whsec_") and len(created["secret"]) == 50
    assert (created["unit_code"], created["events"], created["active"]) == (
        "U-SANITATION",
        ["case.*"],
        True,
    )

    listed = client.get("/api/v1/notify/units/U-SANITATION/subscriptions", headers=own).json()
    assert [s["id"] for s in listed] == [created["id"]]
    assert "secret" not in listed[0]

    refused = client.get("/api/v1/notify/units/U-SANITATION/subscriptions", headers=other)
    assert refused.status_code == 403

    bad = client.post(
        "/api/v1/notify/units/U-SANITATION/subscriptions",
        json={"kind": "webhook", "url": "ftp://example/x"},
        headers=own,
    )
    assert bad.status_code == 422
    assert "not an http(s) URL" in bad.json()["detail"]

    enqueue(db, Notice("case.dispatched", unit.id, "新案件派遣", "JSL-2026-000001"), clock.now())
    deliver_due(db, clock.now())  # port 9 refuses: one failed attempt
    log = client.get("/api/v1/notify/units/U-SANITATION/deliveries", headers=own).json()
    assert [(d["subject"], d["status"], d["attempts"]) for d in log] == [
        ("JSL-2026-000001", "pending", 1)
    ]
    assert log[0]["attempt_log"][0]["status_code"] is None
    assert "ConnectError" in log[0]["attempt_log"][0]["error"]

    retried = client.post(f"/api/v1/notify/deliveries/{log[0]['id']}/retry", headers=operator)
    assert retried.status_code == 200
    assert retried.json()["next_attempt_at"] == clock.now().isoformat().replace("+00:00", "Z")

    gone = client.delete(f"/api/v1/notify/subscriptions/{created['id']}", headers=own)
    assert gone.json()["active"] is False
    missing = client.post("/api/v1/notify/deliveries/nope/retry", headers=operator)
    assert missing.status_code == 404

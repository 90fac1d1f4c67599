"""Access that ends: unit tokens expire, an administrator unlocks an account, disables one (not
their own), and every change is in the access audit."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.clock import ManualClock
from backoffice.identity.models import AccessAuditEntry
from backoffice.identity.service import create_staff
from backoffice.settings import Settings
from tests.conftest import StaffFactory, in_process_settings

PASSWORD = "correct horse battery"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    changes = {
        "unit_token_days": 30,
        "signin_account_limits": "2/hour",
        "signin_address_limits": "50/hour",
    }
    return Settings(**in_process_settings(tmp_path, changes))


def test_a_unit_token_expires_after_its_configured_days(
    client: TestClient, clock: ManualClock, staff_headers: StaffFactory, seeded: Session
) -> None:
    admin = staff_headers(Role.ADMIN)
    unit_code = "JSL-CLEAR"
    issued = client.post(f"/api/v1/units/{unit_code}/tokens", headers=admin)
    assert issued.status_code == 201, issued.text
    unit = {"Authorization": f"Bearer {issued.json()['token']}"}
    assert client.get("/api/v1/auth/me", headers=unit).status_code == 200
    clock.advance(days=30, seconds=6)  # past the expiry and the 5 s token cache
    expired = client.get("/api/v1/auth/me", headers=unit)
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]


def test_an_admin_unlocks_an_account_and_cannot_disable_their_own(
    app: FastAPI, client: TestClient, db: Session, clock: ManualClock, staff_headers: StaffFactory
) -> None:
    admin = staff_headers(Role.ADMIN)
    create_staff(db, username="clerk", password=PASSWORD, role=Role.OPERATOR, now=clock.now())
    token = "/api/v1/auth/token"
    for guess in ("a wrong one", "another wrong one"):
        assert client.post(token, json={"username": "clerk", "password": guess}).status_code == 401
    locked = client.post(token, json={"username": "clerk", "password": PASSWORD})
    assert locked.status_code == 429
    assert client.post("/api/v1/staff/clerk/unlock", headers=admin).status_code == 204
    assert client.post(token, json={"username": "clerk", "password": PASSWORD}).status_code == 201

    me = client.get("/api/v1/auth/me", headers=admin).json()["name"]
    own = client.patch(f"/api/v1/staff/{me}", json={"active": False}, headers=admin)
    assert own.status_code == 403
    off = client.patch("/api/v1/staff/clerk", json={"active": False}, headers=admin)
    assert off.status_code == 200
    disabled = client.post(token, json={"username": "clerk", "password": PASSWORD})
    assert disabled.status_code == 401
    actions = db.scalars(select(AccessAuditEntry.action).order_by(AccessAuditEntry.id)).all()
    assert actions == ["unlock_staff", "disable_staff"]

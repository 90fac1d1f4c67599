"""Sign-in, roles, and the role-and-object check every router uses."""

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.clock import ManualClock
from backoffice.identity.models import ApiToken, Staff
from backoffice.identity.service import create_staff
from backoffice.units.models import HandlingLevel
from backoffice.units.schemas import UnitCreate
from backoffice.units.service import create_unit
from tests.conftest import StaffFactory, bearer


def _units(db: Session) -> None:
    for code in ("BIKE-A", "CLEAR-B"):
        create_unit(
            db,
            UnitCreate(
                code=code, name_zh="单位", name_en="Unit", kind="company", level=HandlingLevel.PARK
            ),
        )


def test_sign_in_gives_a_token_that_is_stored_only_as_a_digest(
    client: TestClient, db: Session, clock: ManualClock
) -> None:
    create_staff(
        db, username="wang", password="long enough pw", role=Role.OPERATOR, now=clock.now()
    )
    response = client.post(
        "/api/v1/auth/token", json={"username": "wang", "password": "long enough pw"}
    )
    assert response.status_code == 201
    token = response.json()["token"]
    assert len(token) >= 40
    digests = db.scalars(select(ApiToken.digest)).all()
    assert token not in digests and len(digests) == 1
    me = client.get("/api/v1/auth/me", headers=bearer(token)).json()
    assert me == {
        "kind": "staff",
        "name": "wang",
        "role": "operator",
        "unit_code": None,
        "terminal_code": None,
    }
    staff = db.scalars(select(Staff)).one()
    assert "long enough pw" not in staff.password_hash
    assert staff.password_hash.startswith("$argon2id$")


def test_wrong_password_and_missing_token_are_401(
    client: TestClient, db: Session, clock: ManualClock
) -> None:
    create_staff(db, username="li", password="long enough pw", role=Role.VIEWER, now=clock.now())
    wrong = client.post("/api/v1/auth/token", json={"username": "li", "password": "nope nope"})
    assert wrong.status_code == 401
    assert wrong.json()["detail"] == "Wrong username or password."
    assert client.get("/api/v1/auth/me").status_code == 401
    assert client.get("/api/v1/auth/me", headers=bearer("zhl_made_up")).status_code == 401


def test_staff_token_expires_after_12_hours(
    client: TestClient, clock: ManualClock, staff_headers: StaffFactory
) -> None:
    headers = staff_headers(Role.OPERATOR)
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    clock.advance(timedelta(hours=12, seconds=1))
    response = client.get("/api/v1/auth/me", headers=headers)
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_only_admin_creates_staff_and_the_refusal_names_the_role(
    client: TestClient, staff_headers: StaffFactory
) -> None:
    body = {"username": "zhao", "password": "long enough pw", "role": "inspector"}
    refused = client.post("/api/v1/staff", json=body, headers=staff_headers(Role.OPERATOR))
    assert refused.status_code == 403
    assert "operator" in refused.json()["detail"] and "admin" in refused.json()["detail"]
    created = client.post("/api/v1/staff", json=body, headers=staff_headers(Role.ADMIN))
    assert created.status_code == 201
    assert created.json()["role"] == "inspector"
    again = client.post("/api/v1/staff", json=body, headers=staff_headers(Role.ADMIN))
    assert again.status_code == 409


def test_unit_staff_need_an_existing_unit(client: TestClient, staff_headers: StaffFactory) -> None:
    body = {"username": "qian", "password": "long enough pw", "role": "unit_staff"}
    admin = staff_headers(Role.ADMIN)
    assert client.post("/api/v1/staff", json=body, headers=admin).status_code == 422
    missing = client.post("/api/v1/staff", json={**body, "unit_code": "NOPE"}, headers=admin)
    assert missing.status_code == 404
    assert "NOPE" in missing.json()["detail"]


def test_unit_staff_reach_only_their_own_unit(
    client: TestClient, db: Session, staff_headers: StaffFactory
) -> None:
    _units(db)
    own = staff_headers(Role.UNIT_STAFF, unit_code="BIKE-A")
    assert client.get("/api/v1/units/BIKE-A", headers=own).status_code == 200
    other = client.get("/api/v1/units/CLEAR-B", headers=own)
    assert other.status_code == 403
    assert "another unit" in other.json()["detail"]
    # Listing every unit is for subdistrict staff.
    assert client.get("/api/v1/units", headers=own).status_code == 403
    viewer = staff_headers(Role.VIEWER)
    assert client.get("/api/v1/units/CLEAR-B", headers=viewer).status_code == 200
    assert [u["code"] for u in client.get("/api/v1/units", headers=viewer).json()] == [
        "BIKE-A",
        "CLEAR-B",
    ]


def test_unit_tokens_are_scoped_like_unit_staff(
    client: TestClient, db: Session, staff_headers: StaffFactory
) -> None:
    _units(db)
    admin = staff_headers(Role.ADMIN)
    token = client.post("/api/v1/units/BIKE-A/tokens", headers=admin).json()["token"]
    assert client.get("/api/v1/units/BIKE-A", headers=bearer(token)).status_code == 200
    assert client.get("/api/v1/units/CLEAR-B", headers=bearer(token)).status_code == 403
    assert client.get("/api/v1/staff", headers=bearer(token)).status_code == 403
    me = client.get("/api/v1/auth/me", headers=bearer(token)).json()
    assert me["kind"] == "unit" and me["unit_code"] == "BIKE-A"


def test_a_missing_object_is_404_with_its_code(
    client: TestClient, staff_headers: StaffFactory
) -> None:
    response = client.get("/api/v1/units/GHOST", headers=staff_headers(Role.VIEWER))
    assert response.status_code == 404
    assert response.json()["detail"] == "No responsible unit has the code 'GHOST'."


def test_a_token_lookup_is_cached_for_token_cache_s_then_a_disabled_account_is_refused(
    client: TestClient, db: Session, clock: ManualClock, staff_headers: StaffFactory
) -> None:
    headers = staff_headers(Role.OPERATOR)
    assert client.get("/api/v1/auth/me", headers=headers).json()["role"] == "operator"
    staff = db.scalars(select(Staff).where(Staff.role == Role.OPERATOR)).one()
    staff.active = False
    db.flush()
    # Within the cache time the earlier lookup still answers (the setting says so)...
    clock.advance(timedelta(seconds=4))
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    # ...and after it the account is looked up again and refused.
    clock.advance(timedelta(seconds=2))
    refused = client.get("/api/v1/auth/me", headers=headers)
    assert refused.status_code == 401
    assert refused.json()["detail"] == "This staff account is disabled."

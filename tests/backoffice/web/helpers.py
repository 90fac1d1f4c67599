"""Signing in through the real login form, and reading CSRF tokens off the pages."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.cases.intake import CaseReport, file_report
from backoffice.cases.models import Case
from backoffice.cases.photos import Photo, PhotoKind
from backoffice.cases.states import CaseSource
from backoffice.clock import ManualClock
from backoffice.identity.models import Staff
from backoffice.identity.service import create_staff
from tests.backoffice.cases.helpers import jpeg

PASSWORD = "correct horse battery"
_names = itertools.count()


def make_staff(db: Session, clock: ManualClock, role: Role, unit_code: str | None = None) -> Staff:
    return create_staff(
        db,
        username=f"web-{role.value.replace('_', '-')}-{next(_names)}",
        display_name=f"{role.value} person",
        password=PASSWORD,
        role=role,
        unit_code=unit_code,
        now=clock.now(),
    )


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


def csrf_of(html: str) -> str:
    match = re.search(r'data-csrf="([^"]+)"', html)
    assert match, "the page carries no CSRF token"
    return match.group(1)


def log_in(client: TestClient, username: str, password: str = PASSWORD) -> object:
    form = client.get("/ops/login")
    token = hidden(form.text, "csrf")
    return client.post(
        "/ops/login",
        data={"username": username, "password": password, "csrf": token, "next": "/ops/"},
        follow_redirects=False,
    )


def sign_in_as(
    client: TestClient, db: Session, clock: ManualClock, role: Role, unit_code: str | None = None
) -> tuple[Staff, str]:
    """A new staff account signed in on `client`; returns it and its page CSRF token."""
    staff = make_staff(db, clock, role, unit_code)
    response = log_in(client, staff.username)
    assert response.status_code == 303, response.text  # type: ignore[attr-defined]
    page = client.get("/ops/")
    return staff, csrf_of(page.text)


# On 江苏路 (JSL-R01) in grid JSL-G0203; E-0506 there goes to BIKE-HELLO by rule BIKE-R01.
ON_JIANGSU_ROAD = (121.4326, 31.2235)
# On 延安西路 (JSL-R05); E-0506 there goes to BIKE-MEITUAN.
ON_YANAN_ROAD = (121.4250, 31.2146)


def file_case(
    db: Session,
    clock: ManualClock,
    photo_dir: Path,
    *,
    point: tuple[float, float] = ON_JIANGSU_ROAD,
    type_code: str = "E-0506",
    source: CaseSource = CaseSource.INSPECTOR,
    description: str = "共享单车停在禁停区",
) -> Case:
    result = file_report(
        db,
        CaseReport(
            source=source,
            type_code=type_code,
            description=description,
            lon=point[0],
            lat=point[1],
            photos=(Photo(PhotoKind.BEFORE, jpeg(b"before"), "image/jpeg"),),
            reporter="test",
        ),
        clock.now(),
        photo_dir=photo_dir,
    )
    return db.get_one(Case, result.case_id)

"""Every page carries CSP, X-Frame-Options DENY, nosniff and a Referrer-Policy; every upload
(photos, screenshots, camera frames) nosniff; sign-in cookies are Secure outside demo mode; the
case CSV never hands a spreadsheet a formula."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.app import ROUTERS
from backoffice.cases.intake import CaseReport, CaseSource, file_report
from backoffice.clock import ManualClock
from backoffice.protect import CONTENT_SECURITY_POLICY
from backoffice.settings import Settings
from backoffice.web import pages_cases, pages_core, pages_fleet, pages_services, pages_vision
from tests.backoffice.fleet.test_enrollment import BEAT
from tests.backoffice.kiosk_terminals import enrolled_terminal
from tests.backoffice.test_bodies import real_png
from tests.backoffice.web.helpers import file_case, log_in, make_staff, sign_in_as
from tests.conftest import StaffFactory

PAGE_MODULES = (pages_core, pages_cases, pages_fleet, pages_vision, pages_services)
PNG_SCREENSHOT = real_png()  # screenshots are measured by Pillow
# Routes that answer an uploaded file rather than a page.
UPLOADS = {
    "/ops/cases/{number}/photos/{photo_id}",
    "/ops/terminals/{code}/commands/{command_id}/screenshot.png",
    "/ops/cameras/{code}/frame.jpg",
    "/ops/cameras/{code}/frames/{frame_id}.jpg",
    "/api/v1/cases/{number}/photos/{photo_id}",
    "/api/v1/fleet/commands/{command_id}/screenshot",
}


def get_routes(prefix: str) -> set[str]:
    """The GET routes under `prefix` of every router the app includes, pages' and API's."""
    routers = [*ROUTERS, *(m.router for m in PAGE_MODULES)]
    return {
        route.path
        for router in routers
        for route in router.routes
        if isinstance(route, APIRoute) and "GET" in route.methods and route.path.startswith(prefix)
    }


def screenshot_command(client: TestClient, staff: StaffFactory) -> int:
    manager = staff(Role.TERMINAL_MANAGER)
    kiosk = enrolled_terminal(client, manager)
    command = client.post(
        "/api/v1/fleet/terminals/JSL-CAC-01/commands", json={"kind": "screenshot"}, headers=manager
    ).json()
    assert client.post("/api/v1/fleet/heartbeat", json=BEAT, headers=kiosk).status_code == 200
    put = client.put(
        f"/api/v1/fleet/commands/{command['id']}/screenshot",
        content=PNG_SCREENSHOT,
        headers={**kiosk, "Content-Type": "image/png"},
    )
    assert put.status_code == 201, put.text
    command_id: int = command["id"]
    return command_id


def test_every_page_and_upload_carries_the_security_headers(
    client: TestClient,
    seeded: Session,
    clock: ManualClock,
    settings: Settings,
    staff_headers: StaffFactory,
) -> None:
    case = file_case(seeded, clock, settings.data_dir / "photos")
    photo_id = case.photos[0].id
    command_id = screenshot_command(client, staff_headers)
    sign_in_as(client, seeded, clock, Role.ADMIN)
    values = {
        "number": case.number,
        "photo_id": str(photo_id),
        "code": "JSL-CAC-01",
        "command_id": str(command_id),
        "frame_id": "1",
    }
    pages = {p for p in get_routes("/ops") if p not in UPLOADS and not p.startswith("/ops/api")}
    assert {"/ops/", "/ops/cases/{number}", "/ops/terminals/{code}", "/ops/login"} <= pages
    assert get_routes("/") >= UPLOADS
    admin = staff_headers(Role.ADMIN)

    seen: dict[str, int] = {}
    for template in sorted(pages | UPLOADS):
        path = template
        for name, value in values.items():
            path = path.replace("{" + name + "}", value)
        if template.startswith("/ops/cameras/{code}"):
            path = path.replace("JSL-CAC-01", "CAM-NONE")  # no camera: the 404 page
        answer = client.get(path, headers=admin if template.startswith("/api/") else {})
        seen[template] = answer.status_code
        headers = answer.headers
        assert headers["x-content-type-options"] == "nosniff", template
        assert headers["x-frame-options"] == "DENY", template
        assert headers["referrer-policy"] == "same-origin", template
        if headers["content-type"].startswith("text/html"):
            assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY, template
    # Every page and upload was served (the camera ones answer their 404 page).
    assert {t for t, status in seen.items() if status != 200} == {
        "/ops/cameras/{code}",
        "/ops/cameras/{code}/frame.jpg",
        "/ops/cameras/{code}/frames",
        "/ops/cameras/{code}/frames/{frame_id}",
        "/ops/cameras/{code}/frames/{frame_id}.jpg",
    }, seen
    assert "script-src 'self';" in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY


def session_cookie(client: TestClient, db: Session, clock: ManualClock) -> str:
    staff = make_staff(db, clock, Role.OPERATOR)
    signed_in = log_in(client, staff.username)
    cookies = signed_in.headers.get_list("set-cookie")  # type: ignore[attr-defined]
    [cookie] = [c for c in cookies if c.startswith("zhili_session=")]
    return str(cookie)


def test_sign_in_cookies_are_secure_outside_demo_mode(
    client: TestClient, db: Session, clock: ManualClock
) -> None:
    form = client.get("/ops/login")
    assert "; secure" in form.headers["set-cookie"].lower()
    cookie = session_cookie(client, db, clock)
    assert "; Secure" in cookie and "; HttpOnly" in cookie


@pytest.mark.parametrize("settings", [{"demo": True}], indirect=True)
def test_demo_mode_serves_plain_http_cookies(
    client: TestClient, db: Session, clock: ManualClock
) -> None:
    assert "secure" not in session_cookie(client, db, clock).lower()


def test_the_case_csv_escapes_cells_a_spreadsheet_would_run(
    client: TestClient, seeded: Session, clock: ManualClock
) -> None:
    texts = ['=HYPERLINK("http://evil.example","点我")', "+1+1", "-2+3", "@SUM(A1)", "普通描述"]
    for text in texts:
        report = CaseReport(CaseSource.HOTLINE, "E-0102", text, road_code="JSL-R05")
        file_report(seeded, report, clock.now())
    sign_in_as(client, seeded, clock, Role.OPERATOR)
    export = client.get("/ops/cases.csv")
    rows = list(csv.DictReader(io.StringIO(export.text.lstrip("\ufeff"))))
    assert sorted(r["description"] for r in rows) == sorted(
        ['\'=HYPERLINK("http://evil.example","点我")', "'+1+1", "'-2+3", "'@SUM(A1)", "普通描述"]
    )

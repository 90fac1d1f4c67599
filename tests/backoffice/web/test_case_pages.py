"""Case pages: scope by unit, filters and CSV, actions by role and state, the call-taker's form,
the rule tester and the weekly report."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.cases.models import Case
from backoffice.cases.seed import seed_reference_data
from backoffice.cases.states import CaseSource, CaseState
from backoffice.clock import ManualClock
from backoffice.contacts.models import Contact, ContactReveal
from backoffice.settings import Settings
from backoffice.web.models import CallerContact, PoliceCall, PoliceFeedback
from tests.backoffice.web.helpers import (
    ON_JIANGSU_ROAD,
    ON_YANAN_ROAD,
    file_case,
    jpeg,
    sign_in_as,
)


@pytest.fixture
def photo_dir(db: Session, settings: Settings) -> Path:
    seed_reference_data(db)
    return settings.data_dir / "photos"


def test_unit_staff_see_only_their_units_cases_by_list_url_photo_and_csv(
    client: TestClient, db: Session, clock: ManualClock, photo_dir: Path
) -> None:
    ours = file_case(db, clock, photo_dir, point=ON_JIANGSU_ROAD)
    theirs = file_case(db, clock, photo_dir, point=ON_YANAN_ROAD)
    assert (ours.unit.code, theirs.unit.code) == ("BIKE-HELLO", "BIKE-MEITUAN")  # type: ignore[union-attr]
    sign_in_as(client, db, clock, Role.UNIT_STAFF, unit_code="BIKE-HELLO")
    listing = client.get("/ops/cases").text
    assert ours.number in listing
    assert theirs.number not in listing
    assert client.get(f"/ops/cases/{ours.number}").status_code == 200
    assert client.get(f"/ops/cases/{theirs.number}").status_code == 403
    photo = theirs.photos[0]
    assert client.get(f"/ops/cases/{theirs.number}/photos/{photo.id}").status_code == 403
    rows = list(csv.reader(io.StringIO(client.get("/ops/cases.csv").text.lstrip("\ufeff"))))
    assert [r[0] for r in rows[1:]] == [ours.number]
    summary = client.get("/ops/api/summary").json()
    assert summary["cases"]["open"] == 1
    assert "terminals" not in summary


def test_filters_and_csv_export_agree(
    client: TestClient, db: Session, clock: ManualClock, photo_dir: Path
) -> None:
    late = file_case(db, clock, photo_dir, point=ON_JIANGSU_ROAD)
    clock.advance(hours=2, minutes=1)  # E-0506 has 2 h: the first case is now overdue
    fresh = file_case(db, clock, photo_dir, point=ON_YANAN_ROAD)
    sign_in_as(client, db, clock, Role.DISPATCHER)
    overdue = client.get("/ops/cases?overdue=1").text
    assert late.number in overdue
    assert fresh.number not in overdue
    on_road = client.get("/ops/cases?road=JSL-R05").text
    assert fresh.number in on_road
    assert late.number not in on_road
    export = client.get("/ops/cases.csv?overdue=1")
    assert export.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(export.text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["number", "state", "overdue"]
    assert [(r[0], r[1], r[2], r[8]) for r in rows[1:]] == [
        (late.number, "dispatched", "yes", "BIKE-HELLO")
    ]
    counts = client.get("/ops/api/summary").json()["cases"]
    assert counts == {
        "new_today": 2,
        "open": 2,
        "overdue": 1,
        "closed_today": 0,
        "dispatched_today": 2,
        "auto_dispatch_rate": 100.0,
    }


def test_the_case_page_offers_only_the_actions_role_and_state_allow(
    client: TestClient, db: Session, clock: ManualClock, photo_dir: Path
) -> None:
    case = file_case(db, clock, photo_dir)
    sign_in_as(client, db, clock, Role.VIEWER)
    html = client.get(f"/ops/cases/{case.number}").text
    assert 'data-action="' not in html
    client.cookies.clear()
    sign_in_as(client, db, clock, Role.UNIT_STAFF, unit_code="BIKE-HELLO")
    html = client.get(f"/ops/cases/{case.number}").text
    assert 'data-action="accept"' in html
    assert 'data-action="send_back"' in html
    assert 'data-action="hold"' not in html
    client.cookies.clear()
    sign_in_as(client, db, clock, Role.SHIFT_LEADER)
    html = client.get(f"/ops/cases/{case.number}").text
    assert 'data-action="hold"' in html
    assert 'data-action="escalate"' in html
    assert 'data-action="void"' in html
    assert 'data-action="accept"' not in html


def act(client: TestClient, csrf: str, number: str, action: str, **fields: str) -> str:
    response = client.post(
        f"/ops/cases/{number}/actions/{action}",
        data={"csrf": csrf, **fields},
        follow_redirects=True,
    )
    assert response.status_code == 200, response.text
    return response.text


def test_the_whole_loop_through_the_pages(
    client: TestClient, db: Session, clock: ManualClock, photo_dir: Path
) -> None:
    case = file_case(db, clock, photo_dir)
    number = case.number
    clock.advance(hours=3)
    _, unit_csrf = sign_in_as(client, db, clock, Role.UNIT_STAFF, unit_code="BIKE-HELLO")
    assert number in client.get("/ops/cases?overdue=1").text
    # Without the CSRF token nothing happens.
    forged = client.post(
        f"/ops/cases/{number}/actions/send_back", data={"reason": "x"}, follow_redirects=False
    )
    assert forged.status_code == 403
    html = act(client, unit_csrf, number, "send_back")
    assert "请填写「回退」的理由。" in html  # the service's message, in the page's language
    act(client, unit_csrf, number, "send_back", reason="车辆不属于本公司")
    client.cookies.clear()

    _, csrf = sign_in_as(client, db, clock, Role.DISPATCHER)
    html = act(client, csrf, number, "dispatch", unit_code="BIKE-MEITUAN")
    assert f"{number}：派遣 ✓" in html
    client.cookies.clear()

    _, csrf = sign_in_as(client, db, clock, Role.UNIT_STAFF, unit_code="BIKE-MEITUAN")
    act(client, csrf, number, "accept")
    refused = client.post(
        f"/ops/cases/{number}/actions/report_handled",
        data={"csrf": csrf},
        files=[("photos", ("x.txt", b"not an image", "text/plain"))],
        follow_redirects=True,
    )
    assert "照片须为 JPEG 或 PNG 格式" in refused.text
    done = client.post(
        f"/ops/cases/{number}/actions/report_handled",
        data={"csrf": csrf, "reason": "已清走"},
        files=[("photos", ("after.jpg", jpeg(b"after"), "image/jpeg"))],
        follow_redirects=True,
    )
    assert f"{number}：处置反馈 ✓" in done.text
    client.cookies.clear()

    _, csrf = sign_in_as(client, db, clock, Role.INSPECTOR)
    act(client, csrf, number, "verify", reason="照片对比已清理")
    html = act(client, csrf, number, "close")
    db.expire_all()
    closed = db.scalars(select(Case).where(Case.number == number)).one()
    assert closed.state is CaseState.CLOSED
    assert [e.action for e in closed.events] == [
        "report",
        "file",
        "dispatch",
        "send_back",
        "dispatch",
        "accept",
        "report_handled",
        "verify",
        "close",
    ]
    after = [p for p in closed.photos if p.kind.value == "after"]
    assert len(after) == 1
    assert f'src="/ops/cases/{number}/photos/{after[0].id}"' in html
    image = client.get(f"/ops/cases/{number}/photos/{after[0].id}")
    assert image.content == jpeg(b"after")


def test_a_call_files_a_case_and_keeps_the_caller_private(
    client: TestClient, db: Session, clock: ManualClock, photo_dir: Path
) -> None:
    _, csrf = sign_in_as(client, db, clock, Role.CALL_TAKER)
    response = client.post(
        "/ops/calls",
        data={
            "csrf": csrf,
            "source": "police_110",
            "type_code": "E-0502",
            "road_code": "JSL-R01",
            "landmark": "x:JSL-R02",  # Jiangsu Road at Yuyuan Road
            "description": "路口有人占道摆摊",
            "caller_name": "王小明",
            "caller_phone": "13812345678",
            "incident_number": "110-20261102-0042",
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    case = db.scalars(select(Case).order_by(Case.id.desc())).first()
    assert case is not None
    assert case.source is CaseSource.POLICE_110
    assert case.road.code in {"JSL-R01", "JSL-R02"}  # type: ignore[union-attr]
    assert case.lon is not None and case.grid is not None  # the crossing's point and grid
    assert "13812345678" not in case.reporter + case.description
    contact = db.get_one(CallerContact, case.id)
    assert (contact.phone_masked, contact.name_masked) == ("138****5678", "王**")
    assert len(contact.phone_digest) == 64
    kept = db.get_one(Contact, contact.contact_id)
    assert kept.ciphertext is not None and b"13812345678" not in kept.ciphertext
    assert kept.case_id == case.id and kept.phone_digest == contact.phone_digest
    assert db.get_one(PoliceCall, case.id).incident_number == "110-20261102-0042"
    assert "138****5678" in response.text and "110-20261102-0042" in response.text
    assert "13812345678" not in response.text
    no_incident = client.post(
        "/ops/calls",
        data={"csrf": csrf, "source": "police_110", "type_code": "E-0502",
              "road_code": "JSL-R01", "landmark": "x:JSL-R02", "description": "占道"},
        follow_redirects=True,
    )  # fmt: skip
    assert "110 接警单号" in no_incident.text  # the message, in the page's Chinese
    assert db.scalars(select(Case).order_by(Case.id.desc())).first() == case
    missing = client.post(
        "/ops/calls",
        data={"csrf": csrf, "source": "hotline", "type_code": "E-0502", "description": "x"},
        follow_redirects=True,
    )
    assert "请在地图上选点，或选择道路和地标/门牌号。" in missing.text


def _call(client: TestClient, csrf: str) -> str:
    """A 110 call filed through the form; returns the case number."""
    response = client.post(
        "/ops/calls",
        data={"csrf": csrf, "source": "police_110", "type_code": "E-0502",
              "road_code": "JSL-R01", "landmark": "x:JSL-R02", "description": "路口占道摆摊",
              "caller_name": "王小明", "caller_phone": "138 1234 5678",
              "incident_number": "110-0042"},
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303, response.text
    return str(response.headers["location"].rsplit("/", 1)[1])


def test_a_callers_number_is_shown_to_call_takers_only_and_every_attempt_is_recorded(
    client: TestClient, db: Session, clock: ManualClock, photo_dir: Path
) -> None:
    _, csrf = sign_in_as(client, db, clock, Role.CALL_TAKER)
    client.cookies.set("zhili_lang", "en")
    number = _call(client, csrf)
    page = client.get(f"/ops/cases/{number}").text
    assert "王** 138****5678" in page and "13812345678" not in page
    shown = client.post(f"/ops/cases/{number}/caller/reveal",
                        data={"csrf": csrf, "reason": "callback on the outcome"})  # fmt: skip
    assert shown.status_code == 200 and "王小明 13812345678" in shown.text
    assert shown.headers["cache-control"] == "no-store"
    assert "13812345678" not in client.get(f"/ops/cases/{number}").text  # shown once only

    _, admin_csrf = sign_in_as(client, db, clock, Role.ADMIN)
    refused = client.post(
        f"/ops/cases/{number}/caller/reveal", data={"csrf": admin_csrf, "reason": "curious"}
    )
    assert "may not see callers&#39; numbers" in refused.text and "13812345678" not in refused.text
    audit = db.scalars(select(ContactReveal).order_by(ContactReveal.id)).all()
    assert [(a.role, a.reason, a.allowed) for a in audit] == [
        ("call_taker", "callback on the outcome", True),
        ("admin", "curious", False),
    ]
    assert "callback on the outcome" in refused.text and "refused" in refused.text


def test_what_was_done_about_a_110_call_is_recorded_for_the_110_centre(
    client: TestClient, db: Session, clock: ManualClock, photo_dir: Path
) -> None:
    _, csrf = sign_in_as(client, db, clock, Role.CALL_TAKER)
    number = _call(client, csrf)
    page = client.post(f"/ops/cases/{number}/police-feedback",
                       data={"csrf": csrf, "text": "城管已到场劝离摊贩，联系人13812345678"},
                       follow_redirects=True)  # fmt: skip
    [feedback] = db.scalars(select(PoliceFeedback)).all()
    assert feedback.incident_number == "110-0042"
    assert feedback.text == "城管已到场劝离摊贩，联系人138****5678"
    assert feedback.case_state == "dispatched"
    assert "城管已到场劝离摊贩" in page.text


def test_a_viewer_may_not_take_calls(
    client: TestClient, db: Session, clock: ManualClock, photo_dir: Path
) -> None:
    _, csrf = sign_in_as(client, db, clock, Role.VIEWER)
    assert client.get("/ops/calls/new").status_code == 403
    response = client.post(
        "/ops/calls",
        data={"csrf": csrf, "type_code": "E-0502", "road_code": "JSL-R01", "description": "x"},
    )
    assert response.status_code == 403


def test_the_rule_tester_names_the_unit(
    client: TestClient, db: Session, clock: ManualClock, photo_dir: Path
) -> None:
    sign_in_as(client, db, clock, Role.DISPATCHER)
    client.cookies.set("zhili_lang", "en")
    html = client.get("/ops/rules?type_code=E-0506&road_code=JSL-R05&at=10:00").text
    assert "Rule BIKE-R05 sends it to" in html
    assert "(BIKE-MEITUAN)" in html
    assert "Save rule" not in html  # only an admin edits rules


def test_an_admin_saves_a_rule_through_the_page(
    client: TestClient, db: Session, clock: ManualClock, photo_dir: Path
) -> None:
    _, csrf = sign_in_as(client, db, clock, Role.ADMIN)
    client.cookies.set("zhili_lang", "en")
    response = client.post(
        "/ops/rules",
        data={
            "csrf": csrf,
            "code": "NIGHT-BIKES",
            "priority": "1",
            "unit_code": "JSL-CLEAR",
            "type_code": "E-0506",
            "start": "22:00",
            "end": "06:00",
            "active": "1",
        },
        follow_redirects=True,
    )
    assert "NIGHT-BIKES ✓" in response.text
    night = client.get("/ops/rules?type_code=E-0506&road_code=JSL-R05&at=23:30").text
    assert "Rule NIGHT-BIKES sends it to" in night
    day = client.get("/ops/rules?type_code=E-0506&road_code=JSL-R05&at=12:00").text
    assert "Rule BIKE-R05 sends it to" in day


def test_the_weekly_report_shades_roads_by_category(
    client: TestClient, db: Session, clock: ManualClock, photo_dir: Path
) -> None:
    for type_code in ("E-0506", "E-0502", "E-0501"):  # three street-order cases on one road
        file_case(db, clock, photo_dir, point=ON_JIANGSU_ROAD, type_code=type_code)
    file_case(db, clock, photo_dir, point=ON_YANAN_ROAD)
    sign_in_as(client, db, clock, Role.SHIFT_LEADER)
    client.cookies.set("zhili_lang", "en")
    html = client.get("/ops/report?week=2026-W45").text
    assert 'id="r-cases">4<' in html
    assert "rgba(248, 113, 113, 0.88)" in html  # the busiest cell (3 cases) is the darkest
    assert "rgba(248, 113, 113, 0.35)" in html  # one case: a third of the shade
    assert "/ops/static/vendor/chart-4.6.1.umd.min.js" in html
    assert client.get("/ops/static/vendor/chart-4.6.1.umd.min.js").status_code == 200

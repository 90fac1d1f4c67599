"""A week and a day of ops-centre history for `make demo` and the browser tests, written
straight to the database through the domain services (intake, lifecycle, fleet, ratings)."""

from __future__ import annotations

import struct
import uuid
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.cases import descriptions, lifecycle
from backoffice.cases.intake import CaseReport, file_report
from backoffice.cases.lifecycle import ActionInput
from backoffice.cases.models import Case
from backoffice.cases.photos import Photo, PhotoKind
from backoffice.cases.states import CaseAction, CaseSource
from backoffice.catalog.service import load_seed
from backoffice.consult import service as consults
from backoffice.consult.models import ConsultKind
from backoffice.consult.schemas import ConsultIn
from backoffice.demo.homeservice import seed_home_visits
from backoffice.demo.seed import DEMO_TERMINAL, DemoLogin, demo_enrollment_code, seed_demo
from backoffice.fleet import service as fleet
from backoffice.identity.service import create_staff
from backoffice.ratings import service as ratings
from backoffice.ratings.schemas import RatingIn
from backoffice.vision import service as vision
from backoffice.vision.models import SourceKind
from backoffice.vision.rules import RuleKind
from backoffice.vision.schemas import CameraCreate, ZoneCreate
from backoffice.visits import service as visits
from backoffice.visits.models import VisitOutcome
from backoffice.visits.schemas import VisitIn
from backoffice.workcal import SHANGHAI

# Where the demo's patrol camera stands: Yan'an Road West, in grid JSL-G0403.
PATROL_CAMERA_POINT = (121.4255, 31.2146)
MEITUAN_LOGIN = DemoLogin("demo-unit-meituan", "unit-meituan-demo-2026", Role.UNIT_STAFF)

# (type, road, grid) of last week's cases: bikes and street order cluster on a few roads.
LAST_WEEK = [
    ("E-0506", "JSL-R01", "JSL-G0203"),
    ("E-0506", "JSL-R01", "JSL-G0202"),
    ("E-0506", "JSL-R01", "JSL-G0201"),
    ("E-0506", "JSL-R02", "JSL-G0204"),
    ("E-0506", "JSL-R05", "JSL-G0403"),
    ("E-0506", "JSL-R05", "JSL-G0402"),
    ("E-0502", "JSL-R01", "JSL-G0203"),
    ("E-0502", "JSL-R03", "JSL-G0101"),
    ("E-0501", "JSL-R06", "JSL-G0301"),
    ("C-0101", "JSL-R03", "JSL-G0102"),
    ("C-0109", "JSL-R04", "JSL-G0401"),
    ("C-0109", "JSL-R04", "JSL-G0404"),
    ("C-0206", "JSL-R07", "JSL-G0501"),
    ("C-0302", "JSL-R02", "JSL-G0202"),
    ("C-0402", "JSL-R06", "JSL-G0302"),
    ("C-0211", "JSL-R01", "JSL-G0201"),
]
TODAY = [
    ("C-0109", "JSL-R04", "JSL-G0401", "路灯不亮，夜间行人看不清"),
    ("E-0502", "JSL-R02", "JSL-G0204", "愚园路人行道有人摆摊"),
    ("C-0206", "JSL-R07", "JSL-G0502", "车行道路面坑洼"),
    ("C-0302", "JSL-R03", "JSL-G0103", "果壳箱满溢"),
]


def png(width: int = 64, height: int = 40, rgb: tuple[int, int, int] = (90, 110, 140)) -> bytes:
    """A small real PNG, so the case page shows an image where a photo would be."""
    row = b"\x00" + bytes(rgb) * width
    raw = row * height

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@dataclass(frozen=True)
class OpsData:
    logins: dict[Role, DemoLogin]
    meituan: DemoLogin
    overdue_number: str
    patrol_number: str
    terminal_code: str
    enrollment_code: str
    camera_code: str
    # Cases reported in the last complete week in Shanghai, which the weekly report shows by
    # default: the 16 of last week, and today's when "today" began less than hours ago there.
    last_week_cases: int
    # The home visits (上门服务): one booked, one made an hour ago awaiting its outcome.
    home_booked: str = ""
    home_visited: str = ""


def _file(
    db: Session,
    now: datetime,
    photo_dir: Path,
    type_code: str,
    road: str,
    grid: str,
    description: str,
    source: CaseSource = CaseSource.INSPECTOR,
    lon_lat: tuple[float, float] | None = None,
    tint: tuple[int, int, int] = (90, 110, 140),
) -> Case:
    result = file_report(
        db,
        CaseReport(
            source=source,
            type_code=type_code,
            description=description,
            road_code=None if lon_lat else road,
            grid_code=None if lon_lat else grid,
            lon=lon_lat[0] if lon_lat else None,
            lat=lon_lat[1] if lon_lat else None,
            photos=(Photo(PhotoKind.BEFORE, png(rgb=tint), "image/png"),),
            reporter="inspector:demo-inspector" if source is CaseSource.INSPECTOR else "",
            dedupe_key=f"{type_code}/{road}/{grid}/{now.isoformat()}",
        ),
        now,
        photo_dir=photo_dir,
    )
    return db.get_one(Case, result.case_id)


def seed_ops_data(db: Session, now: datetime, photo_dir: Path) -> OpsData:
    logins = {login.role: login for login in seed_demo(db, now - timedelta(days=9))}
    create_staff(
        db,
        username=MEITUAN_LOGIN.username,
        password=MEITUAN_LOGIN.password,
        role=Role.UNIT_STAFF,
        unit_code="BIKE-MEITUAN",
        now=now,
        display_name="美团单车运维",
    )
    # Last week: reported over seven days; most were handled and closed within the day.
    # (Monday 09:00 in Shanghai, whose week the report counts: on Sunday evening in UTC it is
    # already Monday there.)
    local = now.astimezone(SHANGHAI)
    monday = (
        (local - timedelta(days=local.weekday() + 7))
        .replace(hour=9, minute=0, second=0, microsecond=0)
        .astimezone(now.tzinfo)
    )
    for i, (type_code, road, grid) in enumerate(LAST_WEEK):
        at = monday + timedelta(hours=9 * i)
        case = _file(db, at, photo_dir, type_code, road, grid, "上周巡查发现")
        if case.unit is None:
            continue
        lifecycle.apply_action(db, case, CaseAction.ACCEPT, ActionInput(), actor="unit", now=at)
        done = at + timedelta(hours=1 + i % 3)
        after = ActionInput(
            photos=(Photo(PhotoKind.AFTER, png(rgb=(60, 140, 90)), "image/png"),),
            photo_dir=photo_dir,
        )
        lifecycle.apply_action(db, case, CaseAction.REPORT_HANDLED, after, actor="unit", now=done)
        if i % 4 == 3:
            continue  # handled, still waiting for the inspector's check
        lifecycle.apply_action(db, case, CaseAction.VERIFY, ActionInput(), actor="ops", now=done)
        lifecycle.apply_action(db, case, CaseAction.CLOSE, ActionInput(), actor="ops", now=done)
    # Today: an overdue case on Jiangsu Road (its 2 h ran out), handled by the wrong company.
    overdue = _file(
        db,
        now - timedelta(hours=3),
        photo_dir,
        "E-0506",
        "JSL-R01",
        "JSL-G0203",
        "江苏路地铁站3号口共享单车堆积，占用盲道",
        lon_lat=(121.4326, 31.2235),
        tint=(150, 120, 60),
    )
    lifecycle.apply_action(
        db, overdue, CaseAction.ACCEPT, ActionInput(), actor="unit", now=now - timedelta(hours=2)
    )
    for k, (type_code, road, grid, text) in enumerate(TODAY):
        _file(db, now - timedelta(minutes=50 - 10 * k), photo_dir, type_code, road, grid, text)
    # The AI patrol's case as the patrol files it: a fact worded in the page's language, the
    # camera's frame as evidence (no "before" photo), at the camera's point.
    fact = descriptions.fact(
        descriptions.AI_NO_PARKING, zone="人行道禁停区", count=6, minutes=10, camera="CAM-YA-01"
    )
    filed = file_report(
        db,
        CaseReport(
            source=CaseSource.AI_PATROL,
            type_code="E-0506",
            description=descriptions.render(fact, "zh", ""),
            description_fact=fact,
            lon=PATROL_CAMERA_POINT[0],
            lat=PATROL_CAMERA_POINT[1],
            photos=(Photo(PhotoKind.EVIDENCE, png(rgb=(160, 60, 60)), "image/png"),),
            reporter="AI patrol CAM-YA-01",
            dedupe_key="camera:CAM-YA-01/zone:demo",
        ),
        now - timedelta(minutes=2),
        photo_dir=photo_dir,
    )
    patrol = db.get_one(Case, filed.case_id)
    terminal = fleet.get_terminal(db, DEMO_TERMINAL)
    load_seed(db, now)
    matters = ["SI-RECORD-PRINT", "SI-CARD-REPLACE", "SI-CARD-PIN"]
    for k, level in enumerate([5, 5, 4, 5, 3, 5, 4, 2, 5, 5, 4, 1, 5, 3, 5, 5]):
        visit_id = str(uuid.UUID(int=k + 1))
        at = now - timedelta(days=k % 6, hours=k)
        matter = matters[k % 3]
        visits.record(
            db,
            VisitIn(
                visit_id=visit_id,
                outcome=VisitOutcome.FINISHED,
                matters=[matter],
                duration_s=60 + 10 * k,
                language="zh",
                elder_mode=k % 4 == 0,
            ),
            terminal.id,
            at,
        )
        ratings.rate(
            db,
            RatingIn(
                visit_id=visit_id,
                matter_code=matter,
                level=level,
                comment="打印机卡纸，等了十分钟" if level <= 2 else "",
            ),
            key=visit_id,
            terminal_id=terminal.id,
            now=at,
            working_days=5,
        )
    for question in ("办理居住证需要带哪些材料？", "社保卡补办多久能拿到？"):
        consults.ask(
            db,
            ConsultIn(kind=ConsultKind.QUESTION, matter_code="SI-CARD-REPLACE", question=question),
            terminal.id,
            now - timedelta(minutes=20),
        )
    camera = vision.create_camera(
        db,
        CameraCreate(
            code="CAM-YA-01",
            name="延安西路 江苏路口 禁停区",
            road_code="JSL-R05",
            grid_code="JSL-G0403",
            lon=PATROL_CAMERA_POINT[0],
            lat=PATROL_CAMERA_POINT[1],
            source_kind=SourceKind.PUSH,
        ),
        now,
    )
    vision.add_zone(
        db,
        camera,
        ZoneCreate(
            name="人行道禁停区",
            rule=RuleKind.NO_PARKING,
            polygon=[[0.05, 0.62], [0.45, 0.62], [0.45, 0.98], [0.05, 0.98]],
            dwell_s=600,
        ),
        now,
    )
    this_monday = (local - timedelta(days=local.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    last_week_cases = db.scalar(
        select(func.count(Case.id)).where(
            Case.reported_at >= this_monday - timedelta(days=7), Case.reported_at < this_monday
        )
    )
    home_booked, home_visited = seed_home_visits(db, now)
    return OpsData(
        home_booked=home_booked,
        home_visited=home_visited,
        last_week_cases=int(last_week_cases or 0),
        logins=logins,
        meituan=MEITUAN_LOGIN,
        overdue_number=overdue.number,
        patrol_number=patrol.number,
        terminal_code=terminal.code,
        enrollment_code=demo_enrollment_code(db, now),
        camera_code=camera.code,
    )

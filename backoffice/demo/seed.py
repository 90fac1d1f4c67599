"""Demo data for `make demo`: responsible units, one staff account per role, one terminal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.cases.seed import seed_reference_data
from backoffice.demo.renovations import seed_renovation_demo
from backoffice.fleet import service as fleet
from backoffice.fleet.models import Terminal, TerminalKind
from backoffice.fleet.schemas import TerminalCreate
from backoffice.identity.models import Staff
from backoffice.identity.service import create_staff
from backoffice.keys import Keys
from backoffice.medical.demo import seed_services_demo
from backoffice.settings import get_settings
from backoffice.units.models import HandlingLevel, ResponsibleUnit
from backoffice.units.schemas import UnitCreate
from backoffice.units.service import create_unit

DEMO_TERMINAL = "JSL-CAC-01"
DEMO_UNIT = "BIKE-HELLO"

_UNITS = [
    UnitCreate(
        code="CN-SH-CN",
        name_zh="长宁区城运中心",
        name_en="Changning District operations centre",
        kind="district_platform",
        level=HandlingLevel.DISTRICT,
    ),
    UnitCreate(
        code="JSL-OPS",
        name_zh="江苏路街道城运中心",
        name_en="Jiangsu Road subdistrict operations centre",
        kind="subdistrict_platform",
        level=HandlingLevel.SUBDISTRICT,
        parent_code="CN-SH-CN",
    ),
    UnitCreate(
        code=DEMO_UNIT,
        name_zh="哈啰单车长宁运维站",
        name_en="Hello bike-share, Changning maintenance team",
        kind="bike_share_company",
        level=HandlingLevel.SUBDISTRICT,
        parent_code="JSL-OPS",
    ),
    UnitCreate(
        code="JSL-CLEAR",
        name_zh="江苏路街道大件垃圾清运队",
        name_en="Jiangsu Road bulky-waste clearance contractor",
        kind="clearance_contractor",
        level=HandlingLevel.SUBDISTRICT,
        parent_code="JSL-OPS",
    ),
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: Role


def demo_password(role: Role) -> str:
    return f"{role.value.replace('_', '-')}-demo-2026"


def seed_demo(db: Session, now: datetime) -> list[DemoLogin]:
    """Add the demo rows that are missing; safe to run again."""
    seed_reference_data(db)
    for unit in _UNITS:
        exists = db.scalars(select(ResponsibleUnit.id).where(ResponsibleUnit.code == unit.code))
        if exists.first() is None:
            create_unit(db, unit)
    logins = []
    for role in Role:
        username = f"demo-{role.value.replace('_', '-')}"
        login = DemoLogin(username, demo_password(role), role)
        logins.append(login)
        if db.scalars(select(Staff.id).where(Staff.username == username)).first() is None:
            create_staff(
                db,
                username=username,
                password=login.password,
                role=role,
                now=now,
                unit_code=DEMO_UNIT if role is Role.UNIT_STAFF else None,
            )
    if db.scalars(select(Terminal.id).where(Terminal.code == DEMO_TERMINAL)).first() is None:
        fleet.register_terminal(
            db,
            TerminalCreate(
                code=DEMO_TERMINAL,
                name="江苏路街道社区事务受理服务中心 1号机",
                kind=TerminalKind.COMMUNITY_CENTRE,
                place="长宁区江苏路街道 愚园路1000号 社区事务受理服务中心一楼大厅",
            ),
            now,
        )
    seed_services_demo(db, now)
    seed_renovation_demo(db, now, Keys.of(get_settings()))
    return logins


def demo_enrollment_code(db: Session, now: datetime) -> str:
    """A fresh one-time code for the demo terminal, so the demo kiosk can enroll."""
    terminal = fleet.get_terminal(db, DEMO_TERMINAL)
    code, _ = fleet.new_enrollment_code(
        db, terminal, now=now, ttl=timedelta(hours=1), created_by="make demo"
    )
    return code

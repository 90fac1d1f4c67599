"""The dashboard's figures, and the AI-patrol alarm that stays until acknowledged."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.cases.seed import seed_reference_data
from backoffice.cases.states import CaseSource
from backoffice.clock import ManualClock
from backoffice.notify.models import OutboxMessage
from backoffice.settings import Settings
from backoffice.units.models import ResponsibleUnit
from backoffice.web.alarms import escalate_alarms
from backoffice.web.models import AlarmAck, AlarmEscalation
from tests.backoffice.web.helpers import ON_YANAN_ROAD, file_case, sign_in_as


@pytest.fixture
def photo_dir(db: Session, settings: Settings) -> Path:
    seed_reference_data(db)
    return settings.data_dir / "photos"


def test_an_ai_patrol_case_raises_the_alarm_until_acknowledged(
    client: TestClient, db: Session, clock: ManualClock, photo_dir: Path
) -> None:
    file_case(db, clock, photo_dir)  # an inspector's case raises nothing
    patrol = file_case(db, clock, photo_dir, point=ON_YANAN_ROAD, source=CaseSource.AI_PATROL)
    staff, csrf = sign_in_as(client, db, clock, Role.OPERATOR)
    alarms = client.get("/ops/api/summary").json()["alarms"]
    assert [a["number"] for a in alarms] == [patrol.number]
    assert alarms[0]["type"] == "共享单车违停"
    assert alarms[0]["road"] == "延安西路"
    assert client.post("/ops/api/alarms/ack").status_code == 403  # no CSRF header
    done = client.post("/ops/api/alarms/ack", headers={"X-CSRF-Token": csrf})
    assert done.json() == {"acknowledged": [patrol.number]}
    assert client.get("/ops/api/summary").json()["alarms"] == []
    ack = db.get_one(AlarmAck, patrol.id)
    assert (ack.acknowledged_by, ack.at) == (staff.username, clock.now())


def test_roles_away_from_the_desk_get_no_alarm(
    client: TestClient, db: Session, clock: ManualClock, photo_dir: Path
) -> None:
    file_case(db, clock, photo_dir, source=CaseSource.AI_PATROL)
    _, csrf = sign_in_as(client, db, clock, Role.VIEWER)
    assert "alarms" not in client.get("/ops/api/summary").json()
    refused = client.post("/ops/api/alarms/ack", headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 403


def test_the_dashboard_counts_today_in_local_time(
    client: TestClient, db: Session, clock: ManualClock, photo_dir: Path
) -> None:
    # 2026-11-01 15:30 UTC is 23:30 on 1 November in Shanghai: yesterday, seen from 2 November.
    clock.set(clock.now().replace(day=1, hour=15, minute=30))
    file_case(db, clock, photo_dir)
    clock.set(clock.now().replace(day=1, hour=16, minute=30))  # 00:30 on 2 November
    file_case(db, clock, photo_dir, point=ON_YANAN_ROAD)
    clock.advance(hours=1, minutes=1)  # the first case's 2 h ran out, the second's did not
    sign_in_as(client, db, clock, Role.SHIFT_LEADER)
    html = client.get("/ops/").text
    assert 'id="v-new_today">1<' in html
    assert 'id="v-open">2<' in html
    assert 'id="v-overdue">1<' in html
    assert 'id="v-auto_dispatch_rate">100.0%<' in html


def test_an_alarm_rings_days_later_and_goes_to_the_shift_leader_once(
    client: TestClient, db: Session, clock: ManualClock, photo_dir: Path
) -> None:
    patrol = file_case(db, clock, photo_dir, point=ON_YANAN_ROAD, source=CaseSource.AI_PATROL)
    after = timedelta(minutes=15)
    clock.advance(minutes=14)
    assert escalate_alarms(db, clock.now(), after=after) == 0
    clock.advance(minutes=1)
    assert escalate_alarms(db, clock.now(), after=after) == 1
    assert escalate_alarms(db, clock.now(), after=after) == 0  # once
    row = db.get_one(AlarmEscalation, patrol.id)
    ops_centre = db.get_one(ResponsibleUnit, row.notified_unit_id)
    assert (row.at, ops_centre.code) == (clock.now(), "JSL-OPS")
    message = db.scalars(
        select(OutboxMessage).where(OutboxMessage.event == "alarm.escalated")
    ).one()
    assert message.data == {"case_number": patrol.number, "unacknowledged_min": 15}

    clock.advance(days=2)  # no one acknowledged: it still rings, marked as escalated
    sign_in_as(client, db, clock, Role.SHIFT_LEADER)
    (alarm,) = client.get("/ops/api/summary").json()["alarms"]
    assert (alarm["number"], alarm["escalated"], alarm["minutes"]) == (
        patrol.number,
        True,
        15 + 2 * 24 * 60,
    )

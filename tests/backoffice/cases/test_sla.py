"""Time limits per type and level in working hours, reminders, overdue and escalation on
breach, across the 2026 National Day Golden Week, driven by the scheduler and a ManualClock."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.app import create_app
from backoffice.cases import lifecycle, time_limits
from backoffice.cases.intake import CaseReport, CaseSource, file_report
from backoffice.cases.models import Case, CaseType
from backoffice.cases.seed import seed_reference_data
from backoffice.cases.sla import watch
from backoffice.cases.states import CaseAction, CasePriority, CaseState
from backoffice.clock import ManualClock
from backoffice.db import create_db_engine, session_scope
from backoffice.notify.models import OutboxMessage
from backoffice.scheduler import Scheduler
from backoffice.settings import Settings
from backoffice.wiring import session_factory
from backoffice.workcal import SHANGHAI
from tests.conftest import StaffFactory

# A point on 延安西路 (JSL-R05).
ON_ROAD = (121.43, 31.2145)


def sh(m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, m, d, hh, mm, tzinfo=SHANGHAI)


@pytest.fixture
def seeded(db: Session) -> Session:
    seed_reference_data(db)
    return db


def file(
    db: Session, type_code: str, now: datetime, tmp_path: Path, unit_code: str | None = None
) -> Case:
    result = file_report(
        db,
        CaseReport(
            source=CaseSource.INSPECTOR,
            type_code=type_code,
            description="路灯不亮",
            lon=ON_ROAD[0],
            lat=ON_ROAD[1],
            reporter="inspector-7",
            unit_code=unit_code,
        ),
        now,
        photo_dir=tmp_path,
    )
    return db.get_one(Case, result.case_id)


def outbox(db: Session, case: Case) -> list[tuple[str, str]]:
    rows = db.scalars(
        select(OutboxMessage).where(OutboxMessage.subject == case.number).order_by("id")
    )
    return [(m.event, m.unit.code) for m in rows]


def test_a_case_filed_before_golden_week_is_due_after_it_and_escalates_on_breach(
    seeded: Session, clock: ManualClock, tmp_path: Path
) -> None:
    db = seeded
    clock.set(sh(9, 30, 16))  # Wednesday afternoon, the eve of National Day
    case = file(db, "C-0110", clock.now(), tmp_path)  # 景观灯: 48 working hours
    assert case.state is CaseState.DISPATCHED
    unit = case.unit
    assert unit is not None and unit.parent is not None
    # 2 h on 30 Sep; 1-7 Oct off; 8 h on 8, 9, 10 (make-up Saturday), 12, 13 Oct; 6 h on 14 Oct.
    assert case.due_at == sh(10, 14, 16)
    assert outbox(db, case) == [("case.dispatched", unit.code)]

    clock.set(sh(10, 7, 23))  # the whole holiday has passed: not a working minute used
    assert watch.check_time_limits(db, clock.now()) == 0
    assert time_limits.time_left(case, clock.now()) == timedelta(hours=46)

    clock.set(sh(10, 13, 14))  # 4 + 6 = 10 working hours left: more than a fifth (9.6 h)
    assert watch.check_time_limits(db, clock.now()) == 0
    clock.set(sh(10, 13, 15))  # 9 h left: remind the unit once
    assert watch.check_case(db, case, clock.now()) == ["reminded"]
    assert watch.check_case(db, case, clock.now() + timedelta(minutes=5)) == []
    assert outbox(db, case)[-1] == ("case.reminder", unit.code)

    clock.set(sh(10, 14, 15, 59))
    assert watch.check_case(db, case, clock.now()) == []
    assert case.overdue_at is None

    clock.set(sh(10, 14, 16))  # breach
    assert watch.check_case(db, case, clock.now()) == ["overdue", "escalated"]
    assert case.overdue_at == clock.now()
    assert case.supervisor_unit == unit.parent
    assert case.escalation_level == 1
    assert case.state is CaseState.DISPATCHED  # the unit keeps the case under supervision
    last = case.events[-1]
    assert (last.action, last.actor) == ("escalate", "sla")
    assert last.reason == "超过处置时限 (time limit breached; due 2026-10-14 16:00)"
    assert outbox(db, case)[-3:] == [
        ("case.overdue", unit.code),
        ("case.escalated", unit.code),
        ("case.escalated", unit.parent.code),
    ]

    clock.set(sh(10, 15, 9))  # the same breach is not escalated twice
    assert watch.check_case(db, case, clock.now()) == []

    # Another full limit (48 working hours) unhandled: one more level up.
    clock.set(sh(10, 22, 15, 59))
    assert watch.check_case(db, case, clock.now()) == []
    clock.set(sh(10, 22, 16))
    assert watch.check_case(db, case, clock.now()) == ["escalated"]
    assert unit.parent.parent is not None
    assert case.supervisor_unit == unit.parent.parent
    assert case.escalation_level == 2


def test_the_limit_of_the_type_and_level_applies_at_dispatch(
    seeded: Session, clock: ManualClock, tmp_path: Path
) -> None:
    db = seeded
    lamp = db.scalars(select(CaseType).where(CaseType.code == "C-0110")).one()
    assert lamp.priority is CasePriority.LOW
    time_limits.set_limit(db, lamp, CasePriority.LOW, 6, working=False)
    time_limits.set_limit(db, lamp, CasePriority.URGENT, 1, working=False)
    clock.set(sh(9, 30, 16))
    case = file(db, "C-0110", clock.now(), tmp_path)
    assert (case.time_limit_h, case.working_hours) == (6, False)
    assert case.due_at == sh(9, 30, 22)  # natural hours: the holiday does not stop the clock
    assert time_limits.limit_for(db, lamp, CasePriority.URGENT) == time_limits.Limit(1, False)
    assert time_limits.limit_for(db, lamp, CasePriority.NORMAL) == time_limits.Limit(
        48, True
    )  # type default


def test_an_approved_extension_moves_the_due_time_and_starts_reminders_over(
    seeded: Session, clock: ManualClock, tmp_path: Path
) -> None:
    db = seeded
    clock.set(sh(11, 2, 9))  # Monday
    case = file(db, "C-0112", clock.now(), tmp_path, "CN-POWER")  # 架空线: 24 working hours
    assert case.due_at == sh(11, 4, 18)
    unit_actor = f"unit:{case.unit.code}" if case.unit else "unit"
    lifecycle.apply_action(
        db, case, CaseAction.ACCEPT, lifecycle.ActionInput(), actor=unit_actor, now=clock.now()
    )
    clock.set(sh(11, 4, 14))
    assert watch.check_case(db, case, clock.now()) == ["reminded"]
    lifecycle.apply_action(
        db,
        case,
        CaseAction.REQUEST_EXTENSION,
        lifecycle.ActionInput(reason="需供电公司配合断电", hours=8),
        actor=unit_actor,
        now=clock.now(),
    )
    lifecycle.apply_action(
        db,
        case,
        CaseAction.APPROVE_EXTENSION,
        lifecycle.ActionInput(),
        actor="shift-leader",
        now=clock.now(),
    )
    assert case.due_at == sh(11, 5, 18)
    clock.set(sh(11, 5, 10))  # 7 h left of 32: more than a fifth
    assert watch.check_case(db, case, clock.now()) == []
    clock.set(sh(11, 5, 11))  # 6 h left (lunch is not working time): reminded again
    assert watch.check_case(db, case, clock.now()) == ["reminded"]


def test_handled_and_held_cases_are_never_flagged(
    seeded: Session, clock: ManualClock, tmp_path: Path
) -> None:
    db = seeded
    clock.set(sh(11, 2, 9))
    held = file(db, "C-0112", clock.now(), tmp_path, "CN-POWER")
    lifecycle.apply_action(
        db,
        held,
        CaseAction.HOLD,
        lifecycle.ActionInput(reason="待规划"),
        actor="shift-leader",
        now=clock.now(),
    )
    clock.set(sh(12, 30, 9))
    assert watch.check_time_limits(db, clock.now()) == 0
    assert held.overdue_at is None and held.escalation_level == 0


def test_the_scheduler_runs_the_time_limit_job_in_its_own_transactions(
    fresh_database: str, clock: ManualClock, tmp_path: Path
) -> None:
    engine = create_db_engine(fresh_database)
    factory = session_factory(engine)
    clock.set(sh(11, 2, 9))
    with session_scope(factory) as db:
        seed_reference_data(db)
        number = file(db, "C-0101", clock.now(), tmp_path).number  # 4 natural hours
    app = create_app(
        Settings(data_dir=tmp_path, migrate_on_start=False), clock=clock, engine=engine
    )
    scheduler: Scheduler = app.state.scheduler

    def run(at: datetime) -> dict[str, tuple[int | None, str | None]]:
        ours = {"notify.deliver", "cases.time_limits"}
        return {o.name: (o.handled, o.error) for o in scheduler.run_due(at) if o.name in ours}

    assert run(clock.now()) == {"notify.deliver": (0, None), "cases.time_limits": (0, None)}
    clock.advance(hours=4)
    assert run(clock.now()) == {"notify.deliver": (0, None), "cases.time_limits": (1, None)}
    clock.advance(seconds=10)
    assert run(clock.now()) == {"notify.deliver": (0, None)}
    with session_scope(factory) as db:
        case = db.scalars(select(Case).where(Case.number == number)).one()
        assert case.overdue_at == sh(11, 2, 13)
        assert case.escalation_level == 1
    engine.dispose()


def test_a_failing_job_is_reported_and_the_others_still_run(clock: ManualClock) -> None:
    calls: list[str] = []

    def broken(_db: Session, _now: datetime) -> int:
        raise RuntimeError("database went away")

    def fine(_db: Session, _now: datetime) -> int:
        calls.append("fine")
        return 3

    from backoffice.scheduler import Job

    def runner(job: Job, now: datetime) -> int:
        return job.run(None, now)  # type: ignore[arg-type]

    scheduler = Scheduler(
        [Job("broken", timedelta(minutes=1), broken), Job("fine", timedelta(minutes=1), fine)],
        runner,
    )
    outcomes = scheduler.run_due(clock.now())
    assert [(o.name, o.handled, o.error) for o in outcomes] == [
        ("broken", None, "RuntimeError: database went away"),
        ("fine", 3, None),
    ]
    assert scheduler.run_due(clock.now() + timedelta(seconds=59)) == []
    assert len(scheduler.run_due(clock.now() + timedelta(minutes=1))) == 2


def test_only_a_real_clock_drives_the_background_loop() -> None:
    from backoffice.clock import SystemClock
    from backoffice.scheduler import runs_in_background

    assert runs_in_background(SystemClock(), 5.0)
    assert not runs_in_background(SystemClock(), 0)  # turned off: workers run the jobs
    assert not runs_in_background(ManualClock(), 5.0)  # the test calls run_due itself


def test_time_limits_per_type_and_level_are_edited_through_the_api(
    seeded: Session, client: TestClient, staff_headers: StaffFactory
) -> None:
    admin = staff_headers(Role.ADMIN)
    put = client.put(
        "/api/v1/time-limits/C-0110/urgent",
        json={"time_limit_h": 2, "working_hours": False},
        headers=admin,
    )
    assert put.status_code == 200
    assert put.json() == {
        "type_code": "C-0110",
        "priority": "urgent",
        "time_limit_h": 2.0,
        "working_hours": False,
    }
    listed = client.get("/api/v1/time-limits", headers=staff_headers(Role.DISPATCHER)).json()
    assert listed == [put.json()]
    refused = client.put(
        "/api/v1/time-limits/C-0110/urgent",
        json={"time_limit_h": 1, "working_hours": False},
        headers=staff_headers(Role.DISPATCHER),
    )
    assert refused.status_code == 403
    unknown = client.put(
        "/api/v1/time-limits/X-0000/urgent",
        json={"time_limit_h": 1, "working_hours": False},
        headers=admin,
    )
    assert unknown.status_code == 404
    bad = client.put(
        "/api/v1/time-limits/C-0110/urgent",
        json={"time_limit_h": 0, "working_hours": False},
        headers=admin,
    )
    assert bad.status_code == 422
    assert client.delete("/api/v1/time-limits/C-0110/urgent", headers=admin).status_code == 204
    assert client.get("/api/v1/time-limits", headers=admin).json() == []
    again = client.delete("/api/v1/time-limits/C-0110/urgent", headers=admin)
    assert again.status_code == 404
    assert "no time limit of its own" in again.json()["detail"]

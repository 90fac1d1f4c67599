"""The weekly report with its week-over-week comparison, trends, the monthly marking and the
collection points over time, on a small set of cases with known timestamps."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.cases.intake import CaseReport, CaseSource, file_report
from backoffice.cases.models import Case, CaseType
from backoffice.cases.reports import analytics
from backoffice.cases.reports.analytics import Row
from backoffice.cases.reports.rollup import CaseDailyCount
from backoffice.cases.seed import seed_reference_data
from backoffice.cases.states import CaseState
from backoffice.clock import ManualClock
from backoffice.places.models import Place
from backoffice.units.models import ResponsibleUnit
from backoffice.workcal import SHANGHAI
from tests.conftest import StaffFactory

_serial = itertools.count(1)


def sh(m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, m, d, hh, mm, tzinfo=SHANGHAI)


def make_case(
    db: Session,
    type_code: str,
    reported: datetime,
    *,
    road: str | None = None,
    grid: str | None = None,
    place: str | None = None,
    unit: str | None = None,
    by_rule: bool | None = None,
    dispatched: datetime | None = None,
    due: datetime | None = None,
    handled: datetime | None = None,
    closed: datetime | None = None,
    state: CaseState = CaseState.REPORTED,
) -> Case:
    def place_id(code: str | None) -> int | None:
        return db.scalars(select(Place.id).where(Place.code == code)).one() if code else None

    case_type = db.scalars(select(CaseType).where(CaseType.code == type_code)).one()
    unit_id = (
        db.scalars(select(ResponsibleUnit.id).where(ResponsibleUnit.code == unit)).one()
        if unit
        else None
    )
    case = Case(
        number=f"T-{next(_serial):06d}",
        source=CaseSource.INSPECTOR,
        type_id=case_type.id,
        state=state,
        priority=case_type.priority,
        description="test",
        road_id=place_id(road),
        grid_id=place_id(grid),
        place_id=place_id(place),
        unit_id=unit_id,
        dispatched_by_rule=by_rule,
        escalation_level=0,
        time_limit_h=case_type.time_limit_h,
        working_hours=case_type.working_hours,
        report_count=1,
        reported_at=reported,
        filed_at=reported if dispatched else None,
        dispatched_at=dispatched,
        due_at=due,
        handled_at=handled,
        closed_at=closed,
        updated_at=reported,
    )
    db.add(case)
    db.flush()
    return case


LAMP, BULKY = "C-0110", "E-0108"
G1, G2 = "JSL-G0401", "JSL-G0403"
CP = "JSL-CPC059"


@pytest.fixture
def weeks(db: Session, clock: ManualClock) -> Session:
    """Week 2026-W45 (2-8 Nov) and the week before, W44."""
    seed_reference_data(db)
    c = CaseState
    # This week.
    make_case(
        db,
        LAMP,
        sh(11, 2, 9),
        road="JSL-R05",
        grid=G1,
        unit="CN-LIGHT",
        by_rule=True,
        dispatched=sh(11, 2, 9, 30),
        due=sh(11, 3, 9, 30),
        handled=sh(11, 3, 9, 30),
        closed=sh(11, 3, 11, 30),
        state=c.CLOSED,
    )
    make_case(
        db,
        LAMP,
        sh(11, 2, 10),
        road="JSL-R05",
        grid=G1,
        unit="CN-LIGHT",
        by_rule=False,
        dispatched=sh(11, 2, 12),
        due=sh(11, 3, 12),
        handled=sh(11, 4, 12),
        closed=sh(11, 4, 13),
        state=c.CLOSED,
    )
    make_case(
        db,
        BULKY,
        sh(11, 3, 8),
        road="JSL-R01",
        grid=G2,
        place=CP,
        unit="JSL-CLEAR",
        by_rule=True,
        dispatched=sh(11, 3, 8),
        due=sh(11, 3, 20),
        handled=sh(11, 3, 20),
        state=c.HANDLED,
    )
    make_case(db, BULKY, sh(11, 8, 23), grid=G2)
    # The week before.
    make_case(
        db,
        LAMP,
        sh(10, 27, 9),
        road="JSL-R05",
        grid=G1,
        unit="CN-LIGHT",
        by_rule=True,
        dispatched=sh(10, 27, 9),
        due=sh(10, 28, 9),
        handled=sh(10, 27, 21),
        closed=sh(10, 28, 9),
        state=c.CLOSED,
    )
    make_case(
        db,
        BULKY,
        sh(10, 28, 8),
        road="JSL-R01",
        grid=G2,
        place=CP,
        unit="JSL-CLEAR",
        by_rule=True,
        dispatched=sh(10, 28, 8),
        due=sh(10, 28, 20),
        state=c.DISPATCHED,
    )
    make_case(db, LAMP, sh(11, 1, 23, 59), road="JSL-R05", grid=G1)  # last minute of W44
    make_case(db, LAMP, sh(11, 9, 0), road="JSL-R05", grid=G1)  # first minute of W46
    analytics.rebuild_rollup(db, date(2026, 10, 1), date(2026, 12, 1))
    clock.set(sh(11, 9, 9))
    return db


def test_the_weekly_report_compares_the_week_with_the_one_before(
    weeks: Session, clock: ManualClock
) -> None:
    report = analytics.weekly_report(weeks, date(2026, 11, 4), clock.now())
    assert (report.week, report.start, report.end) == (
        "2026-W45",
        date(2026, 11, 2),
        date(2026, 11, 9),
    )
    assert report.cases == Row("cases", "案件数", 4, 3, 1)
    assert report.open_cases == Row("open", "未结案件", 2, 2, 0)
    assert report.auto_dispatch_rate == Row(
        "auto_dispatch_rate", "自动派单率", 0.6667, 1.0, -0.3333
    )
    assert report.frequent_types == [
        Row(LAMP, "景观灯", 2, 2, 0),
        Row(BULKY, "大件垃圾堆放超限", 2, 1, 1),
    ]
    assert report.road_hotspots == [
        Row("JSL-R05", "延安西路", 2, 2, 0),
        Row("JSL-R01", "江苏路", 1, 1, 0),
    ]
    assert report.grid_hotspots == [
        Row(G1, "武夷第1网格", 2, 2, 0),
        Row(G2, "武夷第3网格", 2, 1, 1),
    ]
    assert report.on_time_by_unit == [
        Row("CN-LIGHT", "长宁区路灯管理所", 0.5, 1.0, -0.5),
        Row("JSL-CLEAR", "江苏路街道大件垃圾清运队", 1.0, 0.0, 1.0),  # last week's is overdue
    ]
    assert report.hours_per_stage == [
        Row("report_to_file", "report to file", 0.0, 0.0, 0.0),
        Row("file_to_dispatch", "file to dispatch", 0.83, 0.0, 0.83),
        Row("dispatch_to_handled", "dispatch to handled", 28.0, 12.0, 16.0),
        Row("handled_to_closed", "handled to closed", 1.5, 12.0, -10.5),
        Row("report_to_closed", "report to closed", 38.75, 24.0, 14.75),
    ]
    assert report.clearance_hours_by_collection_point == [
        Row(CP, "长新小区堆放点59", 12.0, None, None)
    ]


def test_the_weekly_report_as_json_and_csv(
    weeks: Session, client: TestClient, staff_headers: StaffFactory
) -> None:
    viewer = staff_headers(Role.VIEWER)
    as_json = client.get("/api/v1/reports/weekly", params={"week": "2026-W45"}, headers=viewer)
    assert as_json.status_code == 200
    body = as_json.json()
    assert body["week"] == "2026-W45"
    assert body["cases"] == {
        "code": "cases",
        "name": "案件数",
        "this_week": 4,
        "last_week": 3,
        "change": 1,
    }
    default = client.get("/api/v1/reports/weekly", headers=viewer).json()
    assert default["week"] == "2026-W45"  # the last complete week on 9 November

    as_csv = client.get("/api/v1/reports/weekly.csv", params={"week": "2026-11-05"}, headers=viewer)
    assert as_csv.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(as_csv.text.lstrip("\ufeff"))))
    assert rows[0] == ["week", "section", "code", "name", "this_week", "last_week", "change"]
    assert [
        "2026-W45",
        "summary",
        "auto_dispatch_rate",
        "自动派单率",
        "0.6667",
        "1.0",
        "-0.3333",
    ] in rows
    assert [
        "2026-W45",
        "clearance_hours_by_collection_point",
        CP,
        "长新小区堆放点59",
        "12.0",
        "",
        "",
    ] in rows
    assert len(rows) == 1 + 3 + 2 + 2 + 2 + 2 + 5 + 1

    bad = client.get("/api/v1/reports/weekly", params={"week": "last"}, headers=viewer)
    assert bad.status_code == 422
    assert "2026-W45" in bad.json()["detail"]
    unit = staff_headers(Role.UNIT_STAFF, unit_code="CN-LIGHT")
    assert client.get("/api/v1/reports/weekly", headers=unit).status_code == 403


def test_the_trend_reads_the_rollup(
    weeks: Session, client: TestClient, staff_headers: StaffFactory
) -> None:
    trend = analytics.trend(weeks, date(2026, 11, 9), weeks=3)
    assert trend.weeks == ["2026-W44", "2026-W45", "2026-W46"]
    assert trend.by_type == {LAMP: [2, 2, 1], BULKY: [1, 2, 0]}
    assert trend.by_road == {"JSL-R01": [1, 1, 0], "JSL-R05": [2, 2, 1], "": [0, 1, 0]}
    answer = client.get(
        "/api/v1/reports/trend.csv",
        params={"week": "2026-W46", "weeks": 3},
        headers=staff_headers(Role.OPERATOR),
    )
    lines = answer.text.lstrip("\ufeff").splitlines()
    assert lines[0] == "dimension,code,2026-W44,2026-W45,2026-W46"
    assert "type,C-0110,2,2,1" in lines
    assert "road,,0,1,0" in lines


def test_the_rollup_is_written_with_each_new_case(
    db: Session, clock: ManualClock, tmp_path: Path
) -> None:
    seed_reference_data(db)
    clock.set(sh(11, 2, 23, 30))  # 15:30 UTC: counted on the local day, 2 November
    for _ in range(2):
        file_report(
            db,
            CaseReport(
                source=CaseSource.INSPECTOR,
                type_code=LAMP,
                description="灯不亮",
                road_code="JSL-R05",
            ),
            clock.now(),
            photo_dir=tmp_path,
        )
    rows = db.scalars(select(CaseDailyCount)).all()
    lamp = db.scalars(select(CaseType.id).where(CaseType.code == LAMP)).one()
    road = db.scalars(select(Place.id).where(Place.code == "JSL-R05")).one()
    assert [(r.day, r.type_id, r.road_id, r.n) for r in rows] == [
        (date(2026, 11, 2), lamp, road, 2)
    ]


def test_the_monthly_marking(
    weeks: Session, client: TestClient, staff_headers: StaffFactory
) -> None:
    marking = analytics.monthly_marking(weeks, analytics.parse_month(None, sh(12, 3, 9)))
    assert marking.month == "2026-11"
    assert marking.cases == 6
    m = analytics.Marked
    assert marking.frequent_types == [
        m(LAMP, "景观灯", 4, 0.6667, 1),
        m(BULKY, "大件垃圾堆放超限", 2, 0.3333, 1),
    ]
    assert marking.hotspot_roads == [
        m("JSL-R05", "延安西路", 4, 0.6667, 1),
        m("JSL-R01", "江苏路", 1, 0.1667, 1),
    ]
    assert marking.hotspot_grids == [
        m(G1, "武夷第1网格", 4, 0.6667, 1),
        m(G2, "武夷第3网格", 2, 0.3333, 1),
    ]
    answer = client.get(
        "/api/v1/reports/monthly.csv",
        params={"month": "2026-11"},
        headers=staff_headers(Role.SHIFT_LEADER),
    )
    lines = answer.text.lstrip("\ufeff").splitlines()
    assert lines[0] == "month,section,code,name,count,share,previous_month"
    assert lines[1] == "2026-11,frequent_types,C-0110,景观灯,4,0.6667,1"
    assert len(lines) == 7
    as_json = client.get(
        "/api/v1/reports/monthly", params={"month": "2026-11"}, headers=staff_headers(Role.VIEWER)
    ).json()
    assert as_json["hotspot_roads"][0] == {
        "code": "JSL-R05",
        "name": "延安西路",
        "count": 4,
        "share": 0.6667,
        "previous_month": 1,
    }


def test_collection_points_went_from_78_to_4_on_streets_and_107_to_58_in_compounds(
    db: Session, client: TestClient, staff_headers: StaffFactory
) -> None:
    seed_reference_data(db)
    series = analytics.active_collection_points(db, date(2023, 1, 1), date(2026, 11, 1))
    assert (series[0].street, series[0].compound) == (78, 107)
    assert (series[-1].street, series[-1].compound) == (4, 58)
    assert len(series) == 47
    answer = client.get(
        "/api/v1/reports/collection-points.csv",
        params={"from": "2023-01-01", "to": "2023-03-01"},
        headers=staff_headers(Role.VIEWER),
    )
    lines = answer.text.lstrip("\ufeff").splitlines()
    assert lines[0] == "month,street,compound"
    assert lines[1] == "2023-01,78,107"
    assert len(lines) == 4


def test_weeks_and_months_parse_or_explain(clock: ManualClock) -> None:
    assert analytics.parse_week("2026-W01", clock.now()) == date(2025, 12, 29)
    assert analytics.parse_week("2026-11-08", clock.now()) == date(2026, 11, 2)
    assert analytics.parse_month("2026-02", clock.now()) == date(2026, 2, 1)
    assert analytics.parse_month(None, clock.now()) == date(2026, 10, 1)
    with pytest.raises(Exception, match="like 2026-10"):
        analytics.parse_month("Oct", clock.now())

"""The weekly report, the monthly marking of frequent types and hotspots, and trends.

Weeks and months are local (Asia/Shanghai): a week runs Monday 00:00 to Monday 00:00. The
weekly report looks at the cases reported in the week (its cohort) and the week before; the
trends read `case_daily_counts`, a per-day-per-type-per-road rollup (`rollup`) written in
the same transaction as each new case, so a year of weeks is read from a few hundred thousand rows.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    String,
    and_,
    case,
    cast,
    delete,
    func,
    literal,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session

from backoffice.cases.models import Case, CaseType
from backoffice.cases.reports import rollup
from backoffice.cases.reports.rollup import NO_ROAD, CaseDailyCount, local_day
from backoffice.cases.states import OPEN_STATES
from backoffice.errors import BadInput
from backoffice.exports import csv_cell
from backoffice.places.models import Place, PlaceKind
from backoffice.units.models import ResponsibleUnit
from backoffice.workcal import SHANGHAI

TOP_TYPES = 10
MONTHLY_MARKED_TYPES = 5
MONTHLY_MARKED_AREAS = 3


def rebuild_rollup(db: Session, start: date, end: date) -> int:
    """Recount [start, end) from the cases (after a bulk import or a reclassification)."""
    db.execute(delete(CaseDailyCount).where(CaseDailyCount.day >= start, CaseDailyCount.day < end))
    counts: Counter[tuple[date, int, int]] = Counter()
    lo, hi = _utc_bounds(start, end)
    stmt = select(_raw_ts(Case.reported_at), Case.type_id, Case.road_id).where(
        Case.reported_at >= lo, Case.reported_at < hi
    )
    for reported, type_id, road_id in db.execute(stmt):
        counts[(local_day(_ts(reported)), type_id, road_id or NO_ROAD)] += 1
    rows = [{"day": d, "type_id": t, "road_id": r, "n": n} for (d, t, r), n in counts.items()]
    for i in range(0, len(rows), 5000):
        rollup.upsert(db, rows[i : i + 5000])
    db.flush()
    return len(rows)


# --- time helpers ----------------------------------------------------------------------------


def _raw_ts(column: Any) -> Any:
    # Read timestamps without the per-row type decorator: SQLite gives ISO text, PostgreSQL
    # gives aware datetimes; `_ts` turns both into aware UTC quickly.
    return type_coerce(column, String)


def _ts(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _ts_or_none(value: Any) -> datetime | None:
    return None if value is None else _ts(value)


def _utc_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(start, datetime.min.time(), SHANGHAI).astimezone(UTC),
        datetime.combine(end, datetime.min.time(), SHANGHAI).astimezone(UTC),
    )


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def parse_week(text: str | None, now: datetime) -> date:
    """'2026-W45' or a date inside the week; default: the last complete week."""
    if not text:
        return week_start(local_day(now)) - timedelta(days=7)
    try:
        if "W" in text.upper():
            year, week = text.upper().split("-W")
            return date.fromisocalendar(int(year), int(week), 1)
        return week_start(date.fromisoformat(text))
    except ValueError:
        raise BadInput(f"week '{text}' is not like 2026-W45 or 2026-11-02.") from None


def parse_month(text: str | None, now: datetime) -> date:
    """'2026-10'; default: the last complete month."""
    if not text:
        first = local_day(now).replace(day=1)
        return (first - timedelta(days=1)).replace(day=1)
    try:
        year, month = text.split("-")
        return date(int(year), int(month), 1)
    except ValueError:
        raise BadInput(f"month '{text}' is not like 2026-10.") from None


def _next_month(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1)


def _hours(delta: timedelta) -> float:
    return round(delta.total_seconds() / 3600, 2)


# --- the weekly report -----------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One line of a ranking: a thing, this week's figure, last week's, and the change."""

    code: str
    name: str
    this_week: float | int | None
    last_week: float | int | None
    change: float | int | None


@dataclass
class _Cohort:
    count: int = 0
    types: Counter[int] = field(default_factory=Counter)
    roads: Counter[int] = field(default_factory=Counter)
    grids: Counter[int] = field(default_factory=Counter)
    dispatched: int = 0
    by_rule: int = 0
    unit_due: Counter[int] = field(default_factory=Counter)
    unit_on_time: Counter[int] = field(default_factory=Counter)
    stage_sum: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    stage_n: Counter[str] = field(default_factory=Counter)
    point_sum: defaultdict[int, float] = field(default_factory=lambda: defaultdict(float))
    point_n: Counter[int] = field(default_factory=Counter)
    open_count: int = 0


STAGES = (
    ("report_to_file", "reported_at", "filed_at"),
    ("file_to_dispatch", "filed_at", "dispatched_at"),
    ("dispatch_to_handled", "dispatched_at", "handled_at"),
    ("handled_to_closed", "handled_at", "closed_at"),
    ("report_to_closed", "reported_at", "closed_at"),
)


def _seconds(dialect: str, first: Any, last: Any) -> Any:
    """Seconds from `first` to `last`, computed by the database (NULL if either is NULL)."""
    if dialect == "postgresql":
        return func.extract("epoch", last - first)
    return (func.julianday(last) - func.julianday(first)) * 86400.0


def _cohort(db: Session, start: date, now: datetime, collection_points: set[int]) -> _Cohort:
    """The week's cases, aggregated by the database (a week of a million-case history is about
    10,000 rows, read through the reported_at index), one GROUP BY per ranking."""
    lo, hi = _utc_bounds(start, start + timedelta(days=7))
    dialect = db.get_bind().dialect.name
    week = (Case.reported_at >= lo, Case.reported_at < hi)
    c = _Cohort()

    def grouped(column: Any, *extra: Any) -> list[Any]:
        return list(
            db.execute(
                select(column, func.count(), *extra)
                .where(*week, column.is_not(None))
                .group_by(column)
            )
        )

    c.types.update({t: n for t, n in grouped(Case.type_id)})
    c.roads.update({r: n for r, n in grouped(Case.road_id)})
    c.grids.update({g: n for g, n in grouped(Case.grid_id)})
    # On time: handled by the due time; cases still running before it are not judged yet.
    judged = and_(Case.due_at.is_not(None), or_(Case.handled_at.is_not(None), Case.due_at <= now))
    on_time = and_(judged, Case.handled_at <= Case.due_at)
    for unit_id, _n, due, timely in grouped(
        Case.unit_id, func.sum(case((judged, 1), else_=0)), func.sum(case((on_time, 1), else_=0))
    ):
        if due:
            c.unit_due[unit_id] = int(due)
            c.unit_on_time[unit_id] = int(timely)

    def positive(seconds: Any) -> Any:
        return case((seconds >= 0, seconds), else_=None)

    stage_seconds = [
        positive(_seconds(dialect, getattr(Case, a), getattr(Case, b))) for _n, a, b in STAGES
    ]
    totals = db.execute(
        select(
            func.count(),
            func.sum(case((Case.state.in_(OPEN_STATES), 1), else_=0)),
            func.count(Case.dispatched_by_rule),
            func.sum(case((Case.dispatched_by_rule.is_(True), 1), else_=0)),
            *(func.sum(x) for x in stage_seconds),
            *(func.count(x) for x in stage_seconds),
        ).where(*week)
    ).one()
    c.count, c.open_count = int(totals[0]), int(totals[1] or 0)
    c.dispatched, c.by_rule = int(totals[2]), int(totals[3] or 0)
    for i, (name, _a, _b) in enumerate(STAGES):
        c.stage_sum[name] = float(totals[4 + i] or 0)
        c.stage_n[name] = int(totals[4 + len(STAGES) + i])
    if collection_points:
        clearance = _seconds(
            dialect, Case.reported_at, func.coalesce(Case.handled_at, Case.closed_at)
        )
        for place_id, _n, total, n in grouped(
            Case.place_id, func.sum(clearance), func.count(clearance)
        ):
            if place_id in collection_points and n:
                c.point_sum[place_id] = float(total)
                c.point_n[place_id] = int(n)
    return c


def _change(a: float | int | None, b: float | int | None) -> float | int | None:
    if a is None or b is None:
        return None
    return round(a - b, 4) if isinstance(a, float) or isinstance(b, float) else a - b


def _ranking(
    this: Counter[int], last: Counter[int], names: dict[int, tuple[str, str]], top: int | None
) -> list[Row]:
    keys = sorted(set(this) | set(last), key=lambda k: (-this[k], -last[k], names[k][0]))
    if top is not None:
        keys = [k for k in keys if this[k]][:top]
    return [Row(names[k][0], names[k][1], this[k], last[k], this[k] - last[k]) for k in keys]


def _mean_h(sums: Any, counts: Counter[Any], key: Any) -> float | None:
    return _hours(timedelta(seconds=sums[key] / counts[key])) if counts[key] else None


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _names(db: Session, model: Any, ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = db.execute(select(model.id, model.code, model.name_zh).where(model.id.in_(wanted)))
    return {i: (code, name) for i, code, name in rows}


@dataclass(frozen=True)
class WeeklyReport:
    week: str
    start: date
    end: date
    cases: Row
    open_cases: Row
    auto_dispatch_rate: Row
    frequent_types: list[Row]
    road_hotspots: list[Row]
    grid_hotspots: list[Row]
    on_time_by_unit: list[Row]
    hours_per_stage: list[Row]
    clearance_hours_by_collection_point: list[Row]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def weekly_report(db: Session, start: date, now: datetime) -> WeeklyReport:
    start = week_start(start)
    points = dict(
        db.execute(
            select(Place.id, Place.code).where(Place.kind == PlaceKind.COLLECTION_POINT)
        ).all()
    )
    this = _cohort(db, start, now, set(points))
    last = _cohort(db, start - timedelta(days=7), now, set(points))
    type_names = _names(db, CaseType, [*this.types, *last.types])
    place_names = _names(
        db,
        Place,
        [*this.roads, *last.roads, *this.grids, *last.grids, *this.point_n, *last.point_n],
    )
    unit_names = _names(db, ResponsibleUnit, [*this.unit_due, *last.unit_due])

    on_time: list[Row] = []
    for unit_id in sorted(set(this.unit_due) | set(last.unit_due), key=lambda u: unit_names[u]):
        a = _rate(this.unit_on_time[unit_id], this.unit_due[unit_id])
        b = _rate(last.unit_on_time[unit_id], last.unit_due[unit_id])
        on_time.append(Row(*unit_names[unit_id], a, b, _change(a, b)))
    stages = [
        Row(name, name.replace("_", " "), a, b, _change(a, b))
        for name, _first, _last in STAGES
        for a, b in [
            (
                _mean_h(this.stage_sum, this.stage_n, name),
                _mean_h(last.stage_sum, last.stage_n, name),
            )
        ]
    ]
    clearance = [
        Row(*place_names[p], a, b, _change(a, b))
        for p in sorted(set(this.point_n) | set(last.point_n), key=lambda p: points[p])
        for a, b in [
            (_mean_h(this.point_sum, this.point_n, p), _mean_h(last.point_sum, last.point_n, p))
        ]
    ]
    rate_a = _rate(this.by_rule, this.dispatched)
    rate_b = _rate(last.by_rule, last.dispatched)
    iso = start.isocalendar()
    return WeeklyReport(
        week=f"{iso.year}-W{iso.week:02d}",
        start=start,
        end=start + timedelta(days=7),
        cases=Row("cases", "案件数", this.count, last.count, this.count - last.count),
        open_cases=Row(
            "open", "未结案件", this.open_count, last.open_count, this.open_count - last.open_count
        ),
        auto_dispatch_rate=Row(
            "auto_dispatch_rate", "自动派单率", rate_a, rate_b, _change(rate_a, rate_b)
        ),
        frequent_types=_ranking(this.types, last.types, type_names, TOP_TYPES),
        road_hotspots=_ranking(this.roads, last.roads, place_names, None),
        grid_hotspots=_ranking(this.grids, last.grids, place_names, None),
        on_time_by_unit=on_time,
        hours_per_stage=stages,
        clearance_hours_by_collection_point=clearance,
    )


SECTIONS = (
    "frequent_types",
    "road_hotspots",
    "grid_hotspots",
    "on_time_by_unit",
    "hours_per_stage",
    "clearance_hours_by_collection_point",
)


def weekly_csv(report: WeeklyReport) -> str:
    """One long table: section, code, name, this week, last week, change."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["week", "section", "code", "name", "this_week", "last_week", "change"])
    for name, row in (
        ("summary", report.cases),
        ("summary", report.open_cases),
        ("summary", report.auto_dispatch_rate),
    ):
        writer.writerow([report.week, name, csv_cell(row.code), csv_cell(row.name), *_cells(row)])
    for section in SECTIONS:
        for row in getattr(report, section):
            writer.writerow(
                [report.week, section, csv_cell(row.code), csv_cell(row.name), *_cells(row)]
            )
    return out.getvalue()


def _cells(row: Row) -> list[str]:
    return ["" if v is None else str(v) for v in (row.this_week, row.last_week, row.change)]


# --- trends from the rollup ------------------------------------------------------------------


@dataclass(frozen=True)
class Trend:
    weeks: list[str]
    by_type: dict[str, list[int]]  # type code -> count per week
    by_road: dict[str, list[int]]  # road code -> count per week ("" for no road)


def trend(db: Session, last_week_start: date, weeks: int = 52) -> Trend:
    """Counts per type and per road for each of `weeks` weeks ending with the given week."""
    if not 1 <= weeks <= 260:
        raise BadInput("weeks is between 1 and 260.")
    first = week_start(last_week_start) - timedelta(days=7 * (weeks - 1))
    end = week_start(last_week_start) + timedelta(days=7)
    by_type: dict[int, list[int]] = defaultdict(lambda: [0] * weeks)
    by_road: dict[int, list[int]] = defaultdict(lambda: [0] * weeks)
    # The database adds the days up into weeks: a year of the rollup is a few hundred
    # thousand rows at a million cases.
    if db.get_bind().dialect.name == "postgresql":
        days = cast(CaseDailyCount.day - literal(first, Date), Integer)
    else:
        days = cast(func.julianday(CaseDailyCount.day) - func.julianday(first.isoformat()), Integer)
    index = (days // 7).label("week_index")
    in_range = (CaseDailyCount.day >= first, CaseDailyCount.day < end)
    for target, column in ((by_type, CaseDailyCount.type_id), (by_road, CaseDailyCount.road_id)):
        stmt = (
            select(index, column, func.sum(CaseDailyCount.n))
            .where(*in_range)
            .group_by(index, column)
        )
        for week_index, key, n in db.execute(stmt):
            target[key][int(week_index)] += int(n)
    type_names = _names(db, CaseType, by_type)
    road_names = _names(db, Place, [r for r in by_road if r != NO_ROAD])
    labels = []
    for i in range(weeks):
        iso = (first + timedelta(days=7 * i)).isocalendar()
        labels.append(f"{iso.year}-W{iso.week:02d}")
    return Trend(
        weeks=labels,
        by_type={
            type_names[t][0]: v
            for t, v in sorted(by_type.items(), key=lambda kv: type_names[kv[0]][0])
        },
        by_road={
            (road_names[r][0] if r != NO_ROAD else ""): v
            for r, v in sorted(by_road.items(), key=lambda kv: kv[0])
        },
    )


def trend_csv(result: Trend) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["dimension", "code", *result.weeks])
    for code, values in result.by_type.items():
        writer.writerow(["type", csv_cell(code), *values])
    for code, values in result.by_road.items():
        writer.writerow(["road", csv_cell(code), *values])
    return out.getvalue()


# --- the monthly marking ---------------------------------------------------------------------


@dataclass(frozen=True)
class Marked:
    code: str
    name: str
    count: int
    share: float
    previous_month: int


@dataclass(frozen=True)
class MonthlyMarking:
    month: str
    cases: int
    frequent_types: list[Marked]
    hotspot_roads: list[Marked]
    hotspot_grids: list[Marked]


def _top(
    this: Counter[int], last: Counter[int], names: dict[int, tuple[str, str]], total: int, n: int
) -> list[Marked]:
    ranked = sorted((k for k in this if this[k]), key=lambda k: (-this[k], names[k][0]))[:n]
    return [
        Marked(names[k][0], names[k][1], this[k], round(this[k] / total, 4), last[k])
        for k in ranked
    ]


def monthly_marking(db: Session, first: date) -> MonthlyMarking:
    """The month's most frequent case types, and the roads and grids with the most cases."""
    first = first.replace(day=1)
    end = _next_month(first)
    previous = (first - timedelta(days=1)).replace(day=1)

    def month_counts(a: date, b: date) -> tuple[Counter[int], Counter[int], Counter[int]]:
        types: Counter[int] = Counter()
        roads: Counter[int] = Counter()
        stmt = (
            select(CaseDailyCount.type_id, CaseDailyCount.road_id, func.sum(CaseDailyCount.n))
            .where(CaseDailyCount.day >= a, CaseDailyCount.day < b)
            .group_by(CaseDailyCount.type_id, CaseDailyCount.road_id)
        )
        for type_id, road_id, n in db.execute(stmt):
            types[type_id] += int(n)
            if road_id != NO_ROAD:
                roads[road_id] += int(n)
        lo, hi = _utc_bounds(a, b)
        grids: Counter[int] = Counter()
        stmt_grids = (
            select(Case.grid_id, func.count())
            .where(Case.reported_at >= lo, Case.reported_at < hi, Case.grid_id.is_not(None))
            .group_by(Case.grid_id)
        )
        for grid_id, n in db.execute(stmt_grids):
            if grid_id is not None:
                grids[grid_id] = int(n)
        return types, roads, grids

    types, roads, grids = month_counts(first, end)
    p_types, p_roads, p_grids = month_counts(previous, first)
    total = sum(types.values())
    type_names = _names(db, CaseType, [*types, *p_types])
    place_names = _names(db, Place, [*roads, *grids])
    return MonthlyMarking(
        month=f"{first.year}-{first.month:02d}",
        cases=total,
        frequent_types=_top(types, p_types, type_names, total, MONTHLY_MARKED_TYPES),
        hotspot_roads=_top(roads, p_roads, place_names, total, MONTHLY_MARKED_AREAS),
        hotspot_grids=_top(grids, p_grids, place_names, total, MONTHLY_MARKED_AREAS),
    )


def monthly_csv(marking: MonthlyMarking) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["month", "section", "code", "name", "count", "share", "previous_month"])
    for section in ("frequent_types", "hotspot_roads", "hotspot_grids"):
        for m in getattr(marking, section):
            writer.writerow(
                [
                    marking.month,
                    section,
                    csv_cell(m.code),
                    csv_cell(m.name),
                    m.count,
                    m.share,
                    m.previous_month,
                ]
            )
    return out.getvalue()


# --- collection points over time -------------------------------------------------------------


@dataclass(frozen=True)
class PointCount:
    day: date
    street: int
    compound: int


def active_collection_points(db: Session, start: date, end: date) -> list[PointCount]:
    """Active collection points on streets and in compounds on the first of each month."""
    if end < start:
        raise BadInput("'to' is before 'from'.")
    points = db.execute(
        select(Place.attributes, Place.active_from, Place.active_until).where(
            Place.kind == PlaceKind.COLLECTION_POINT
        )
    ).all()
    series: list[PointCount] = []
    month = start.replace(day=1)
    while month <= end and len(series) < 600:
        moment = _utc_bounds(month, month)[0]
        counts: Counter[str] = Counter()
        for attributes, active_from, active_until in points:
            if active_from is not None and active_from > moment:
                continue
            if active_until is not None and active_until <= moment:
                continue
            counts[str((attributes or {}).get("setting", "street"))] += 1
        series.append(PointCount(month, counts["street"], counts["compound"]))
        month = _next_month(month)
    return series

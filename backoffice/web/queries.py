"""Read-only queries the pages need and no domain service offers yet: dashboard counts, the
filtered case list, and the weekly report's tables. Writes always go through the services."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from backoffice.access import Principal
from backoffice.cases.models import Case, CaseCategory, CaseType
from backoffice.cases.service import visible
from backoffice.cases.states import OPEN_STATES, CaseSource, CaseState
from backoffice.cases.time_limits import overdue_clause
from backoffice.places.models import Place, PlaceKind
from backoffice.units.models import ResponsibleUnit
from backoffice.web.models import AlarmAck

LOCAL_ZONE = ZoneInfo("Asia/Shanghai")


def local_midnight(now: datetime) -> datetime:
    local = now.astimezone(LOCAL_ZONE)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class CaseCounts:
    new_today: int
    open: int
    overdue: int
    closed_today: int
    dispatched_today: int
    auto_dispatched_today: int

    @property
    def auto_dispatch_rate(self) -> float | None:
        if not self.dispatched_today:
            return None
        return self.auto_dispatched_today / self.dispatched_today


def _count(db: Session, principal: Principal, *where: Any) -> int:
    query = visible(select(func.count()).select_from(Case), principal).where(*where)
    return int(db.scalar(query) or 0)


def case_counts(db: Session, principal: Principal, now: datetime) -> CaseCounts:
    start = local_midnight(now)
    return CaseCounts(
        new_today=_count(db, principal, Case.reported_at >= start),
        open=_count(db, principal, Case.state.in_(OPEN_STATES)),
        overdue=_count(db, principal, overdue_clause(now)),
        closed_today=_count(db, principal, Case.state == CaseState.CLOSED, Case.closed_at >= start),
        dispatched_today=_count(db, principal, Case.dispatched_at >= start),
        auto_dispatched_today=_count(
            db, principal, Case.dispatched_at >= start, Case.dispatched_by_rule.is_(True)
        ),
    )


def unacknowledged_alarms(db: Session, now: datetime, limit: int = 20) -> list[Case]:
    """AI-patrol cases no operator has acknowledged, however old, newest first. A case closed
    or voided meanwhile (the camera saw the place cleared) rings no more."""
    acked = select(AlarmAck.case_id)
    return list(
        db.scalars(
            select(Case)
            .where(
                Case.source == CaseSource.AI_PATROL,
                Case.reported_at <= now,
                Case.state.not_in((CaseState.CLOSED, CaseState.VOIDED)),
                Case.id.not_in(acked),
            )
            .options(selectinload(Case.type), selectinload(Case.road))
            .order_by(Case.reported_at.desc())
            .limit(limit)
        )
    )


@dataclass
class CaseFilter:
    state: str = ""
    type_code: str = ""
    road: str = ""
    grid: str = ""
    unit: str = ""
    source: str = ""
    overdue: bool = False
    text: str = ""

    def as_query(self) -> dict[str, str]:
        pairs = {
            "state": self.state,
            "type": self.type_code,
            "road": self.road,
            "grid": self.grid,
            "unit": self.unit,
            "source": self.source,
            "overdue": "1" if self.overdue else "",
            "q": self.text,
        }
        return {k: v for k, v in pairs.items() if v}


def list_cases(
    db: Session, principal: Principal, flt: CaseFilter, now: datetime, limit: int = 500
) -> list[Case]:
    road, grid = aliased(Place), aliased(Place)
    query = visible(select(Case), principal)
    if flt.state == "open":
        query = query.where(Case.state.in_(OPEN_STATES))
    elif flt.state:
        query = query.where(Case.state == CaseState(flt.state))
    if flt.type_code:
        query = query.join(CaseType, Case.type_id == CaseType.id).where(
            or_(CaseType.code == flt.type_code, CaseType.code.startswith(flt.type_code + "-"))
        )
    if flt.road:
        query = query.join(road, Case.road_id == road.id).where(road.code == flt.road)
    if flt.grid:
        query = query.join(grid, Case.grid_id == grid.id).where(grid.code == flt.grid)
    if flt.unit:
        query = query.join(ResponsibleUnit, Case.unit_id == ResponsibleUnit.id).where(
            ResponsibleUnit.code == flt.unit
        )
    if flt.source:
        query = query.where(Case.source == CaseSource(flt.source))
    if flt.overdue:
        query = query.where(overdue_clause(now))
    if flt.text:
        like = f"%{flt.text}%"
        query = query.where(or_(Case.number.ilike(like), Case.description.ilike(like)))
    query = query.options(
        selectinload(Case.type),
        selectinload(Case.road),
        selectinload(Case.grid),
        selectinload(Case.unit),
    )
    return list(db.scalars(query.order_by(Case.reported_at.desc(), Case.id.desc()).limit(limit)))


def case_types(db: Session) -> list[CaseType]:
    return list(
        db.scalars(
            select(CaseType)
            .where(CaseType.active.is_(True))
            .options(selectinload(CaseType.category))
            .order_by(CaseType.code)
        )
    )


def places_of(db: Session, kind: PlaceKind) -> list[Place]:
    return list(db.scalars(select(Place).where(Place.kind == kind).order_by(Place.code)))


def units(db: Session) -> list[ResponsibleUnit]:
    return list(db.scalars(select(ResponsibleUnit).order_by(ResponsibleUnit.code)))


def get_case_by_number(db: Session, number: str) -> Case | None:
    return db.scalars(select(Case).where(Case.number == number)).first()


# --- weekly report: the road-by-category table the analytics service does not give ---------


@dataclass
class RoadHeat:
    """Cases reported in one week per road and case category, and per day."""

    roads: list[tuple[str, str, str]] = field(default_factory=list)  # code, zh, en
    categories: list[tuple[str, str, str]] = field(default_factory=list)
    cells: dict[tuple[str, str], int] = field(default_factory=dict)
    road_totals: dict[str, int] = field(default_factory=dict)
    max_cell: int = 0
    daily: list[tuple[str, int]] = field(default_factory=list)

    def shade(self, road: str, category: str) -> float:
        """0..1, for the cell's background: the week's busiest cell is 1."""
        count = self.cells.get((road, category), 0)
        return count / self.max_cell if self.max_cell else 0.0


def road_by_category(db: Session, start: datetime) -> RoadHeat:
    end = start + timedelta(days=7)
    rows = db.execute(
        select(
            Case.reported_at,
            CaseCategory.code,
            CaseCategory.name_zh,
            CaseCategory.name_en,
            Place.code,
            Place.name_zh,
            Place.name_en,
        )
        .join(CaseType, Case.type_id == CaseType.id)
        .join(CaseCategory, CaseType.category_id == CaseCategory.id)
        .outerjoin(Place, Case.road_id == Place.id)
        .where(Case.reported_at >= start, Case.reported_at < end)
    ).all()
    heat = RoadHeat()
    categories: dict[str, tuple[str, str]] = {}
    category_totals: dict[str, int] = defaultdict(int)
    roads: dict[str, tuple[str, str]] = {}
    cells: dict[tuple[str, str], int] = defaultdict(int)
    totals: dict[str, int] = defaultdict(int)
    daily = {
        (start + timedelta(days=i)).astimezone(LOCAL_ZONE).strftime("%m-%d"): 0 for i in range(7)
    }
    for reported, cat, cat_zh, cat_en, road, road_zh, road_en in rows:
        day = reported.astimezone(LOCAL_ZONE).strftime("%m-%d")
        daily[day] = daily.get(day, 0) + 1
        if road is None:
            continue
        categories[cat] = (cat_zh, cat_en)
        category_totals[cat] += 1
        roads[road] = (road_zh, road_en)
        cells[(road, cat)] += 1
        totals[road] += 1
    heat.categories = [
        (c, *categories[c]) for c in sorted(categories, key=lambda c: (-category_totals[c], c))
    ]
    heat.roads = [(r, *roads[r]) for r in sorted(roads, key=lambda r: (-totals[r], r))]
    heat.cells = dict(cells)
    heat.road_totals = dict(totals)
    heat.max_cell = max(cells.values(), default=0)
    heat.daily = list(daily.items())
    return heat

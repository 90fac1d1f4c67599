"""The renovation figures of a week beside the week before (for the weekly report): new
registrations, bookings, the on-time clearance rate, mean clearance hours (window end to
clearance), and piles found outside bookings per compound."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.cases.reports.analytics import parse_week
from backoffice.places.models import Place
from backoffice.renovations.models import (
    Booking,
    DropOffSlot,
    PileFinding,
    Renovation,
    RenovationCase,
    RenovationPoint,
)
from backoffice.renovations.schemas import WeeklyOut, WeeklyRow
from backoffice.workcal import SHANGHAI

# Findings about a pile the bookings did not cover (the clearance watch's own are not piles).
OUTSIDE_BOOKINGS = (PileFinding.NO_BOOKING, PileFinding.OVER_VOLUME, PileFinding.AFTER_WINDOW)
STREET = ("street", "沿街堆放点")


def points(db: Session) -> list[RenovationPoint]:
    return list(db.scalars(select(RenovationPoint).join(Place).order_by(Place.code)))


def dashboard(db: Session, now: datetime, unit_id: int | None = None) -> dict[str, int]:
    """The dashboard's renovation tiles: active registrations, drop-offs booked today,
    clearances overdue (a unit sees its own)."""
    today = now.astimezone(SHANGHAI).date()
    first, end = _bounds(today)
    end = first + timedelta(days=1)
    active = select(func.count()).select_from(Renovation).where(Renovation.status == "active")
    today_q = (
        select(func.count())
        .select_from(Booking)
        .join(DropOffSlot)
        .where(DropOffSlot.starts_at >= first, DropOffSlot.starts_at < end)
    )
    overdue = (
        select(func.count())
        .select_from(Booking)
        .join(DropOffSlot)
        .join(RenovationPoint)
        .join(Place)
        .where(Booking.cleared_at.is_(None), Booking.clearance_due_at < now)
    )
    if unit_id is not None:
        active = active.where(Renovation.property_unit_id == unit_id)
        today_q = today_q.join(Renovation).where(Renovation.property_unit_id == unit_id)
        overdue = overdue.where(Place.unit_id == unit_id)
    return {
        "active": int(db.scalar(active) or 0),
        "drop_offs_today": int(db.scalar(today_q) or 0),
        "clearances_overdue": int(db.scalar(overdue) or 0),
    }


def _bounds(start: date) -> tuple[datetime, datetime]:
    first = datetime.combine(start, datetime.min.time(), SHANGHAI).astimezone(UTC)
    return first, first + timedelta(days=7)


@dataclass(frozen=True)
class Week:
    registrations: int
    bookings: int
    cleared: int
    cleared_on_time: int
    clearance_hours: float | None
    piles_by_compound: Counter[int | None]

    @property
    def on_time_rate(self) -> float | None:
        return round(self.cleared_on_time / self.cleared, 4) if self.cleared else None


def _week(db: Session, start: date) -> Week:
    first, end = _bounds(start)
    registrations = db.scalar(
        select(func.count())
        .select_from(Renovation)
        .where(Renovation.created_at >= first, Renovation.created_at < end)
    )
    bookings = db.scalar(
        select(func.count())
        .select_from(Booking)
        .join(DropOffSlot)
        .where(DropOffSlot.starts_at >= first, DropOffSlot.starts_at < end)
    )
    cleared: list[tuple[datetime, datetime, datetime]] = [
        (c, due, e)
        for c, due, e in db.execute(
            select(Booking.cleared_at, Booking.clearance_due_at, DropOffSlot.ends_at)
            .join(DropOffSlot)
            .where(Booking.cleared_at >= first, Booking.cleared_at < end)
        )
        if c is not None
    ]
    hours = [max(0.0, (c - e).total_seconds() / 3600) for c, _due, e in cleared]
    piles: Counter[int | None] = Counter(
        dict(
            db.execute(
                select(RenovationCase.compound_id, func.count())
                .where(
                    RenovationCase.finding.in_(OUTSIDE_BOOKINGS),
                    RenovationCase.at >= first,
                    RenovationCase.at < end,
                )
                .group_by(RenovationCase.compound_id)
            ).all()
        )
    )
    return Week(
        registrations=int(registrations or 0),
        bookings=int(bookings or 0),
        cleared=len(cleared),
        cleared_on_time=sum(1 for c, due, _e in cleared if c <= due),
        clearance_hours=round(sum(hours) / len(hours), 2) if hours else None,
        piles_by_compound=piles,
    )


@dataclass(frozen=True)
class WeeklyFigures:
    week: str
    start: date
    this: Week
    last: Week
    compound_names: dict[int, tuple[str, str]]

    def summary(self) -> list[WeeklyRow]:
        a, b = self.this, self.last
        return [
            WeeklyRow(
                code="registrations",
                name="装修登记",
                this_week=a.registrations,
                last_week=b.registrations,
            ),
            WeeklyRow(code="bookings", name="预约投放", this_week=a.bookings, last_week=b.bookings),
            WeeklyRow(
                code="on_time_clearance_rate",
                name="按时清运率",
                this_week=a.on_time_rate,
                last_week=b.on_time_rate,
            ),
            WeeklyRow(
                code="clearance_hours",
                name="清运时长（小时）",
                this_week=a.clearance_hours,
                last_week=b.clearance_hours,
            ),
        ]

    def piles(self) -> list[WeeklyRow]:
        keys = set(self.this.piles_by_compound) | set(self.last.piles_by_compound)
        rows = []
        for key in sorted(keys, key=lambda k: self.compound_names.get(k, STREET) if k else STREET):
            code, name = self.compound_names[key] if key is not None else STREET
            rows.append(
                WeeklyRow(
                    code=code,
                    name=name,
                    this_week=self.this.piles_by_compound.get(key, 0),
                    last_week=self.last.piles_by_compound.get(key, 0),
                )
            )
        return rows

    def as_out(self) -> WeeklyOut:
        return WeeklyOut(
            week=self.week, summary=self.summary(), piles_outside_bookings_by_compound=self.piles()
        )


def weekly(db: Session, week: str | None, now: datetime) -> WeeklyFigures:
    start = parse_week(week, now)
    this, last = _week(db, start), _week(db, start - timedelta(days=7))
    ids = [k for k in (*this.piles_by_compound, *last.piles_by_compound) if k is not None]
    names = {
        i: (code, name)
        for i, code, name in db.execute(
            select(Place.id, Place.code, Place.name_zh).where(Place.id.in_(ids))
        )
    }
    iso = start.isocalendar()
    return WeeklyFigures(f"{iso.year}-W{iso.week:02d}", start, this, last, names)

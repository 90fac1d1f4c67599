"""Record visits idempotently by their kiosk-made id; check the matters against the catalog."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.catalog.models import CatalogItem
from backoffice.db import create_once
from backoffice.errors import BadInput, Conflict, NotFound
from backoffice.visits.models import Visit
from backoffice.visits.schemas import VisitIn


def get_visit(db: Session, visit_id: str) -> Visit:
    visit = db.get(Visit, visit_id)
    if visit is None:
        raise NotFound(f"No visit has the id '{visit_id}'.")
    return visit


def record(db: Session, data: VisitIn, terminal_id: int, now: datetime) -> tuple[Visit, bool]:
    """The visit and whether it is new. The same report again returns the visit unchanged."""
    existing = db.get(Visit, data.visit_id)
    if existing is not None:
        return _again(existing, data, terminal_id), False
    if data.matters:
        known = set(db.scalars(select(CatalogItem.code).where(CatalogItem.code.in_(data.matters))))
        unknown = sorted(set(data.matters) - known)
        if unknown:
            raise BadInput(f"Unknown catalog matter(s): {', '.join(unknown)}.")

    def create() -> Visit:
        visit = Visit(
            id=data.visit_id,
            terminal_id=terminal_id,
            outcome=data.outcome,
            matters=list(data.matters),
            duration_s=data.duration_s,
            language=data.language,
            elder_mode=data.elder_mode,
            identified_by=data.identified_by,
            received_at=now,
        )
        db.add(visit)
        db.flush()
        return visit

    # The same report sent twice at the same moment: one insert wins, the other reads it.
    visit, created = create_once(
        db, create, lambda: db.get(Visit, data.visit_id, populate_existing=True)
    )
    if not created:
        _again(visit, data, terminal_id)
    return visit, created


def _again(existing: Visit, data: VisitIn, terminal_id: int) -> Visit:
    """The visit reported again: the same report is answered, a different one refused."""
    if existing.terminal_id != terminal_id:
        raise Conflict(f"Visit {data.visit_id} was reported by another terminal.")
    if _same(existing, data):
        return existing
    raise Conflict(
        f"Visit {data.visit_id} was reported already with different contents; a visit is "
        "reported once, when it ends."
    )


def _same(visit: Visit, data: VisitIn) -> bool:
    return (
        visit.outcome == data.outcome
        and list(visit.matters) == list(data.matters)
        and abs(visit.duration_s - data.duration_s) < 0.05
        and visit.language == data.language
        and visit.elder_mode == data.elder_mode
        and visit.identified_by == data.identified_by
    )

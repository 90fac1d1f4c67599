"""Visits API: kiosks report finished visits (through their outbox); staff read them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response

from backoffice.access import CurrentTerminal, Role, authorize
from backoffice.deps import DbSession, Now
from backoffice.fleet.models import Terminal
from backoffice.visits import service
from backoffice.visits.models import Visit
from backoffice.visits.schemas import VisitIn, VisitOut

router = APIRouter(prefix="/api/v1/visits", tags=["visits"])
VisitInScope = Annotated[
    Visit,
    authorize(
        Role.ADMIN, Role.OPERATOR, Role.TERMINAL_MANAGER, Role.VIEWER,
        terminals=True, load=service.get_visit, path_param="visit_id",
    ),
]  # fmt: skip


def _out(db: DbSession, visit: Visit) -> VisitOut:
    return VisitOut(
        visit_id=visit.id,
        outcome=visit.outcome,
        matters=list(visit.matters),
        duration_s=visit.duration_s,
        language=visit.language,
        elder_mode=visit.elder_mode,
        identified_by=visit.identified_by,
        terminal_code=db.get_one(Terminal, visit.terminal_id).code,
        received_at=visit.received_at,
    )


@router.post(
    "",
    status_code=201,
    responses={200: {"model": VisitOut, "description": "Sent again: the same visit."}},
)
def report_visit(
    body: VisitIn, db: DbSession, now: Now, response: Response, terminal_id: CurrentTerminal
) -> VisitOut:
    """A finished visit: 201 the first time, 200 with the same visit when sent again."""
    visit, created = service.record(db, body, terminal_id, now)
    if not created:
        response.status_code = 200
    return _out(db, visit)


@router.get("/{visit_id}")
def get_visit(visit: VisitInScope, db: DbSession) -> VisitOut:
    return _out(db, visit)

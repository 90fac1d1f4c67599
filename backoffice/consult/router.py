"""Consult API: kiosks ask and read back by reference number; staff work the queue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from backoffice.access import CurrentTerminal, Principal, Role, authorize
from backoffice.consult import service
from backoffice.consult.models import ConsultStatus
from backoffice.consult.schemas import AnswerIn, ConsultIn, ConsultOut
from backoffice.deps import DbSession, Now

router = APIRouter(prefix="/api/v1/consults", tags=["consult"])
ANSWERERS = (Role.ADMIN, Role.OPERATOR, Role.CALL_TAKER)
Answerer = Annotated[Principal, authorize(*ANSWERERS)]
# Any kiosk reads a consult back by the number on the slip (a no-certificate query).
Reader = Annotated[Principal, authorize(*ANSWERERS, Role.VIEWER, terminals=True)]


@router.post("", status_code=201)
def ask(body: ConsultIn, db: DbSession, now: Now, terminal_id: CurrentTerminal) -> ConsultOut:
    """A question or a material pre-check from a kiosk; the answer gives the slip's number."""
    return service.out(service.ask(db, body, terminal_id, now))


@router.get("")
def staff_queue(
    db: DbSession,
    _staff: Answerer,
    status: Annotated[ConsultStatus | None, Query()] = ConsultStatus.WAITING,
) -> list[ConsultOut]:
    """The staff queue, oldest first."""
    return [service.out(c) for c in service.queue(db, status)]


@router.get("/{reference}")
def read_back(reference: str, db: DbSession, _reader: Reader) -> ConsultOut:
    return service.out(service.get(db, reference))


@router.post("/{reference}/answer")
def answer(reference: str, body: AnswerIn, db: DbSession, now: Now, staff: Answerer) -> ConsultOut:
    consult = service.get(db, reference)
    service.answer(consult, body.answer, staff.name, now)
    return service.out(consult)

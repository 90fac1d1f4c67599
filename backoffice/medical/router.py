"""Medical records API: lines not yet printed for an identified person, and print confirmations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request

from backoffice.access import CurrentTerminal
from backoffice.deps import AppKeys, DbSession, Now, writes
from backoffice.errors import Forbidden
from backoffice.medical import service
from backoffice.medical.schemas import PrintConfirm, ProgressOut, RecordsOut
from backoffice.medical.source import MedicalRecordSource
from backoffice.suishen.service import TYPED_REFUSED, resolve

router = APIRouter(prefix="/api/v1/medical", tags=["medical"])
IdentificationHeader = Annotated[
    str | None,
    Header(alias="X-Identification", description="Token from POST /api/v1/identifications."),
]
TYPED_PARAMETERS = frozenset({"id_number", "id", "idcard", "sfz"})


def source_of(request: Request) -> MedicalRecordSource:
    """The app's upstream adapter, chosen by the assembly point (`backoffice.wiring`)."""
    source: MedicalRecordSource = request.app.state.medical_source
    return source


def _refuse_typed(request: Request) -> None:
    if TYPED_PARAMETERS & set(request.query_params):
        raise Forbidden(TYPED_REFUSED)


@router.get("/records")
@writes
def unprinted_records(
    request: Request,
    db: DbSession,
    now: Now,
    terminal_id: CurrentTerminal,
    keys: AppKeys,
    identification: IdentificationHeader = None,
) -> RecordsOut:
    """The identified person's records not yet in the booklet, at the page and line each goes,
    and a ticket that confirms their printing later."""
    _refuse_typed(request)
    who = resolve(db, identification, terminal_id, now)
    return service.unprinted(db, source_of(request), who, now, keys)


@router.post("/prints")
def confirm_print(
    body: PrintConfirm,
    request: Request,
    db: DbSession,
    now: Now,
    terminal_id: CurrentTerminal,
    keys: AppKeys,
    identification: IdentificationHeader = None,
) -> ProgressOut:
    """Confirm the lines printed up to (page, line), with the records' print ticket or the
    identification; the same confirmation twice is harmless."""
    _refuse_typed(request)
    if body.ticket is not None:
        who = service.resolve_ticket(db, keys, body.ticket, terminal_id, now)
    else:
        who = resolve(db, identification, terminal_id, now)
    return service.confirm(
        db, source_of(request), who, page=body.page, line=body.line, terminal_id=terminal_id,
        now=now, booklet=body.booklet,
    )  # fmt: skip

"""Query API: a kiosk asks one of the catalog's queries, with the reference number or the
identification it asks for first, and gets the answer worded for the screen and the slip."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request

from backoffice.access import CurrentTerminal
from backoffice.deps import DbSession, Now
from backoffice.queries import service
from backoffice.queries.schemas import QueryAnswerOut
from backoffice.queries.upstream import QuerySource

router = APIRouter(prefix="/api/v1/queries", tags=["queries"])
IdentificationHeader = Annotated[
    str | None,
    Header(alias="X-Identification", description="Token from POST /api/v1/identifications."),
]


def source_of(request: Request) -> QuerySource:
    """The app's query adapter, chosen by the assembly point (`backoffice.wiring`)."""
    source: QuerySource = request.app.state.query_source
    return source


@router.get("/{code}")
def answer(
    code: str,
    request: Request,
    db: DbSession,
    now: Now,
    terminal_id: CurrentTerminal,
    reference: Annotated[
        str | None,
        Query(max_length=32, description="The receipt or slip number, for queries that ask it."),
    ] = None,
    identification: IdentificationHeader = None,
) -> QueryAnswerOut:
    """The answer to catalog query `code` (assets/catalog/queries.json says what it asks
    first); 503 with `detail` and `detail_zh` in plain words when the query service is not
    answering."""
    return service.answer(
        db,
        source_of(request),
        code,
        reference=reference,
        identification=identification,
        terminal_id=terminal_id,
        now=now,
    )

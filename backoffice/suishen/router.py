"""Identification API: a terminal posts a card read or a Suishen code, gets a short token."""

from __future__ import annotations

from fastapi import APIRouter, Request

from backoffice.access import CurrentTerminal
from backoffice.deps import AppSettings, DbSession, Now
from backoffice.suishen import service
from backoffice.suishen.codes import SuishenVerifier
from backoffice.suishen.schemas import Evidence, IdentificationOut

router = APIRouter(prefix="/api/v1", tags=["identification"])


def verifier_of(request: Request) -> SuishenVerifier:
    """The app's Suishen verifier, chosen by the assembly point (`backoffice.wiring`)."""
    verifier: SuishenVerifier = request.app.state.suishen
    return verifier


@router.post("/identifications", status_code=201)
def identify(
    body: Evidence,
    request: Request,
    db: DbSession,
    now: Now,
    settings: AppSettings,
    terminal_id: CurrentTerminal,
) -> IdentificationOut:
    """Identify the person at the terminal by a card read or a Suishen code (never typed)."""
    row, token = service.identify(
        db,
        body,
        terminal_id=terminal_id,
        secret_key=settings.secret_key,
        verifier=verifier_of(request),
        now=now,
    )
    return IdentificationOut(
        token=token,
        proof=row.proof,
        masked_id=row.masked_id,
        masked_name=row.masked_name,
        expires_at=row.expires_at,
    )

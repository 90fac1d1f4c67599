"""Identification API: a terminal asks for a card challenge, then posts a card read with the
card's answer, or a Suishen code, and gets a short token."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request

from backoffice.access import CurrentTerminal
from backoffice.deps import AppKeys, AppSettings, DbSession, Now
from backoffice.errors import DomainError
from backoffice.suishen import service
from backoffice.suishen.cards import CardVerifier
from backoffice.suishen.codes import SuishenVerifier
from backoffice.suishen.schemas import ChallengeOut, Evidence, IdentificationOut
from backoffice.upstream import UpstreamUnavailable

router = APIRouter(prefix="/api/v1", tags=["identification"])


def verifier_of(request: Request) -> SuishenVerifier:
    """The app's Suishen verifier, chosen by the assembly point (`backoffice.wiring`)."""
    verifier: SuishenVerifier = request.app.state.suishen
    return verifier


def card_verifier_of(request: Request) -> CardVerifier:
    """The app's card-verification adapter (`backoffice.wiring`)."""
    verifier: CardVerifier = request.app.state.card_verifier
    return verifier


@router.post("/identifications/challenges", status_code=201)
def card_challenge(
    db: DbSession, now: Now, settings: AppSettings, terminal_id: CurrentTerminal
) -> ChallengeOut:
    """A one-time challenge for the card's internal authentication, for this terminal only."""
    row = service.new_challenge(
        db, terminal_id, now, timedelta(seconds=settings.card_challenge_ttl_s)
    )
    return ChallengeOut(challenge=row.challenge, expires_at=row.expires_at)


@router.post("/identifications", status_code=201)
def identify(
    body: Evidence,
    request: Request,
    db: DbSession,
    now: Now,
    settings: AppSettings,
    keys: AppKeys,
    terminal_id: CurrentTerminal,
) -> IdentificationOut:
    """Identify the person at the terminal by a card read proven by the card, or a Suishen
    code (never typed)."""
    try:
        row, token = service.identify(
            db,
            body,
            terminal_id=terminal_id,
            keys=keys,
            verifier=verifier_of(request),
            cards=card_verifier_of(request),
            people_per_hour=settings.identify_people_per_hour,
            now=now,
        )
    except UpstreamUnavailable:
        raise  # nothing is recorded: the challenge stays unanswered, the code unused
    except DomainError:
        # A refusal still uses up the challenge or code and keeps the fleet alert it raised.
        db.commit()
        raise
    return IdentificationOut(
        token=token,
        proof=row.proof,
        masked_id=row.masked_id,
        masked_name=row.masked_name,
        expires_at=row.expires_at,
    )

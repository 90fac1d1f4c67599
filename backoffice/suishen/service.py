"""Turn identity evidence into a short-lived identification bound to the terminal."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.errors import BadInput, Forbidden, NotAuthenticated
from backoffice.identity.secrets import token_digest
from backoffice.suishen.codes import SuishenVerifier
from backoffice.suishen.models import Identification, Proof
from backoffice.suishen.personal import (
    is_valid_id_number,
    keyed_hash,
    mask_id_number,
    mask_name,
)
from backoffice.suishen.schemas import (
    CardEvidence,
    IdCardEvidence,
    SuishenEvidence,
    TypedEvidence,
)

# Long enough for one visit at the kiosk; the kiosk wipes it when the visit ends anyway.
IDENTIFICATION_TTL = timedelta(minutes=10)
TOKEN_PREFIX = "idf_"  # noqa: S105 (a visible prefix, not a secret)
TYPED_REFUSED = (
    "A typed ID number does not prove who is at the terminal. Read the ID card or social "
    "security card, or scan the Suishen code."
)
# An ID card's validity ends on a local (Shanghai) day.
LOCAL_ZONE = ZoneInfo("Asia/Shanghai")
ID_CARD_EXPIRED = (
    "This resident ID card has expired; it cannot identify anyone. Use a valid card, the social "
    "security card or the Suishen code."
)


def _id_card_number(evidence: IdCardEvidence, now: datetime) -> str:
    """The ID number of a resident ID card read, checked; an expired card is refused."""
    number = evidence.id_number.strip().upper()
    if not is_valid_id_number(number):
        raise BadInput("The ID number read from the card fails its check; read it again.")
    valid_to = evidence.valid_to
    if valid_to is not None and valid_to < now.astimezone(LOCAL_ZONE).date():
        raise BadInput(ID_CARD_EXPIRED)
    return number


def identify(
    db: Session,
    evidence: CardEvidence | IdCardEvidence | SuishenEvidence | TypedEvidence,
    *,
    terminal_id: int,
    secret_key: str,
    verifier: SuishenVerifier,
    now: datetime,
) -> tuple[Identification, str]:
    """Record who the terminal identified; returns the row and its token (shown once).

    A resident ID card read (``id_card``) rests on the terminal's token alone: its reader's
    security module proves the card to the reader, not to the back office."""
    if isinstance(evidence, TypedEvidence):
        raise Forbidden(TYPED_REFUSED)
    if isinstance(evidence, IdCardEvidence):
        number = _id_card_number(evidence, now)
        proof, id_hash = Proof.ID_CARD, keyed_hash(secret_key, number)
        masked_id, masked = mask_id_number(number), mask_name(evidence.name)
        expires_at = now + IDENTIFICATION_TTL
    elif isinstance(evidence, CardEvidence):
        number = evidence.id_number.strip().upper()
        if not is_valid_id_number(number):
            raise BadInput("The ID number read from the card fails its check; read it again.")
        proof, id_hash = Proof.CARD, keyed_hash(secret_key, number)
        masked_id, masked = mask_id_number(number), mask_name(evidence.name)
        expires_at = now + IDENTIFICATION_TTL
    else:
        code = verifier.verify(evidence.payload, now)
        proof, id_hash, masked_id, masked = Proof.SUISHEN, code.id_hash, None, code.masked_name
        expires_at = now + IDENTIFICATION_TTL
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = Identification(
        digest=token_digest(token),
        terminal_id=terminal_id,
        proof=proof,
        id_hash=id_hash,
        masked_id=masked_id,
        masked_name=masked,
        created_at=now,
        expires_at=expires_at,
    )
    db.add(row)
    db.flush()
    return row, token


def resolve(db: Session, token: str | None, terminal_id: int, now: datetime) -> Identification:
    """The identification behind a token, only at the terminal that made it and only in time."""
    if not token:
        raise NotAuthenticated(
            "Identify the person first (card or Suishen code) and send the identification "
            "token in the X-Identification header."
        )
    row = db.scalars(
        select(Identification).where(Identification.digest == token_digest(token))
    ).first()
    if row is None:
        raise NotAuthenticated("This identification is unknown; identify the person again.")
    if row.terminal_id != terminal_id:
        raise Forbidden("This identification was made at another terminal.")
    if row.expires_at <= now:
        raise NotAuthenticated("This identification has expired; identify the person again.")
    return row

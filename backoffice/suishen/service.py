"""Turn identity evidence into a short-lived identification bound to the terminal.

A social security card read counts only with the card's answer to a one-time challenge
(`cards`); a resident ID card read (`id_card`) cannot be proven by the card and rests on the
terminal's token; a Suishen code counts once. Every proof goes through
`enforce_identification_limit`: a terminal that identifies more distinct people per hour than
allowed is refused and a fleet alert opens.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, distinct, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backoffice.errors import BadInput, Forbidden, NotAuthenticated, TooManyRequests
from backoffice.fleet.models import AlertKind, FleetAlert, Terminal
from backoffice.identity.secrets import token_digest
from backoffice.keys import Keys
from backoffice.suishen.cards import CHALLENGE_BYTES, CardVerifier, card_message
from backoffice.suishen.codes import CLOCK_SLACK, SuishenVerifier, VerifiedCode
from backoffice.suishen.models import (
    CardChallenge,
    Identification,
    Proof,
    UsedSuishenCode,
)
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
LIMIT_WINDOW = timedelta(hours=1)
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


UNPROVEN_CARD = (
    "A card read counts only with the card's answer to a challenge: ask POST "
    "/api/v1/identifications/challenges, have the card answer it (internal authentication) and "
    "send card, challenge and answer. The ID number is taken from the card's answered data, "
    "never from a field of its own."
)
THROTTLED = (
    "This terminal has identified more different people in the last hour than allowed; "
    "identification here is paused for a while and the operations centre has been alerted."
)


def new_challenge(db: Session, terminal_id: int, now: datetime, ttl: timedelta) -> CardChallenge:
    """A fresh challenge for the terminal's card reader."""
    row = CardChallenge(
        challenge=secrets.token_hex(CHALLENGE_BYTES),
        terminal_id=terminal_id,
        created_at=now,
        expires_at=now + ttl,
    )
    db.add(row)
    db.flush()
    return row


def _take_challenge(db: Session, challenge: str, terminal_id: int, now: datetime) -> None:
    """Use the challenge up: it must be this terminal's, unanswered and in time. The update is
    conditional, so two processes answering the same challenge cannot both succeed."""
    row = db.scalars(
        select(CardChallenge).where(CardChallenge.challenge == challenge.lower())
    ).first()
    if row is None:
        raise NotAuthenticated("This card challenge is unknown; read the card again.")
    if row.terminal_id != terminal_id:
        raise Forbidden("This card challenge was given to another terminal; refused.")
    if row.used_at is not None:
        raise NotAuthenticated("This card challenge was answered already (an answer counts once).")
    if row.expires_at <= now:
        raise NotAuthenticated("This card challenge has expired; read the card again.")
    taken = db.execute(
        update(CardChallenge)
        .where(CardChallenge.id == row.id, CardChallenge.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(taken, "rowcount", 1) != 1:
        raise NotAuthenticated("This card challenge was answered already (an answer counts once).")


def _proven_card(
    db: Session,
    evidence: CardEvidence,
    terminal_id: int,
    cards: CardVerifier,
    now: datetime,
) -> tuple[str, str]:
    """The (ID number, name) the card vouched for; refused unless its answer checks out."""
    if evidence.id_number is not None or evidence.name is not None:
        raise NotAuthenticated(UNPROVEN_CARD)
    if evidence.card is None or evidence.challenge is None or evidence.answer is None:
        raise NotAuthenticated(UNPROVEN_CARD)
    _take_challenge(db, evidence.challenge, terminal_id, now)
    read = evidence.card
    try:
        message = card_message(
            bytes.fromhex(evidence.challenge), read.card_number, read.id_number, read.name
        )
    except (ValueError, UnicodeEncodeError) as exc:
        raise BadInput("The card's records do not fit the card's layout; read it again.") from exc
    if not cards.verify(read.card_number, message, bytes.fromhex(evidence.answer)):
        raise NotAuthenticated(
            "The card's answer does not match the card data sent: this read is not proven by "
            "the card; refused."
        )
    number = read.id_number.strip().upper()
    if not is_valid_id_number(number):
        raise BadInput("The ID number read from the card fails its check; read it again.")
    return number, read.name


def enforce_identification_limit(
    db: Session, terminal_id: int, id_hash: str, now: datetime, per_hour: int
) -> None:
    """Refuse (429) a terminal about to identify one more distinct person than `per_hour`
    within the last hour, and open a fleet alert for it (once while it lasts). Someone
    identified there within the hour may come back. Every proof calls this before it
    records an identification."""
    since = now - LIMIT_WINDOW
    recent = (Identification.terminal_id == terminal_id, Identification.created_at > since)
    seen_before = db.scalar(
        select(func.count())
        .select_from(Identification)
        .where(*recent, Identification.id_hash == id_hash)
    )
    if seen_before:
        return
    distinct_people = db.scalar(select(func.count(distinct(Identification.id_hash))).where(*recent))
    open_alert = db.scalars(
        select(FleetAlert).where(
            FleetAlert.terminal_id == terminal_id,
            FleetAlert.kind == AlertKind.IDENTIFY_LIMIT,
            FleetAlert.closed_at.is_(None),
        )
    ).first()
    if int(distinct_people or 0) < per_hour:
        if open_alert is not None:  # the hour has passed: the terminal identifies again
            open_alert.closed_at = now
        return
    if open_alert is None:
        terminal = db.get(Terminal, terminal_id)
        code = terminal.code if terminal else str(terminal_id)
        db.add(
            FleetAlert(
                terminal_id=terminal_id,
                kind=AlertKind.IDENTIFY_LIMIT,
                message=f"Terminal {code} tried to identify more than {per_hour} different "
                "people within an hour; identification there is refused until the hour passes. "
                "Check the terminal and its token.",
                opened_at=now,
            )
        )
        db.flush()
    raise TooManyRequests(THROTTLED)


def _use_code(db: Session, code: VerifiedCode, terminal_id: int, now: datetime) -> None:
    replay = NotAuthenticated(
        "This Suishen code was used already; a code counts once. Refresh it in the app and "
        "scan the new one."
    )
    if db.get(UsedSuishenCode, code.code_digest) is not None:
        raise replay
    try:
        with db.begin_nested():
            db.add(
                UsedSuishenCode(
                    digest=code.code_digest,
                    terminal_id=terminal_id,
                    used_at=now,
                    expires_at=code.expires_at + CLOCK_SLACK,
                )
            )
            db.flush()
    except IntegrityError as exc:  # used at the same moment by another process
        raise replay from exc


def identify(
    db: Session,
    evidence: CardEvidence | IdCardEvidence | SuishenEvidence | TypedEvidence,
    *,
    terminal_id: int,
    keys: Keys,
    verifier: SuishenVerifier,
    cards: CardVerifier,
    people_per_hour: int,
    now: datetime,
) -> tuple[Identification, str]:
    """Record who the terminal identified; returns the row and its token (shown once).

    A resident ID card read (``id_card``) rests on the terminal's token alone: its reader's
    security module proves the card to the reader, not to the back office."""
    if isinstance(evidence, TypedEvidence):
        raise Forbidden(TYPED_REFUSED)
    if isinstance(evidence, IdCardEvidence):
        # Nothing proves this read but the terminal's token: the per-terminal limit on distinct
        # people per hour is what bounds a terminal that sends made-up reads.
        number = _id_card_number(evidence, now)
        proof, id_hash = Proof.ID_CARD, keyed_hash(keys, number)
        masked_id, masked = mask_id_number(number), mask_name(evidence.name)
        enforce_identification_limit(db, terminal_id, id_hash, now, people_per_hour)
    elif isinstance(evidence, CardEvidence):
        number, name = _proven_card(db, evidence, terminal_id, cards, now)
        proof, id_hash = Proof.CARD, keyed_hash(keys, number)
        masked_id, masked = mask_id_number(number), mask_name(name)
        enforce_identification_limit(db, terminal_id, id_hash, now, people_per_hour)
    else:
        code = verifier.verify(evidence.payload, now)
        proof, id_hash, masked_id, masked = Proof.SUISHEN, code.id_hash, None, code.masked_name
        enforce_identification_limit(db, terminal_id, id_hash, now, people_per_hour)
        _use_code(db, code, terminal_id, now)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = Identification(
        digest=token_digest(token),
        terminal_id=terminal_id,
        proof=proof,
        id_hash=id_hash,
        masked_id=masked_id,
        masked_name=masked,
        created_at=now,
        expires_at=now + IDENTIFICATION_TTL,
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


def purge_spent(db: Session, now: datetime) -> int:
    """Delete challenges and used codes that could no longer be accepted (a scheduler job)."""
    gone = db.execute(delete(CardChallenge).where(CardChallenge.expires_at < now - LIMIT_WINDOW))
    codes = db.execute(delete(UsedSuishenCode).where(UsedSuishenCode.expires_at < now))
    return int(getattr(gone, "rowcount", 0) or 0) + int(getattr(codes, "rowcount", 0) or 0)

"""Ask, answer and read consults; a pre-check names the materials still missing."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.catalog.models import CatalogItem
from backoffice.consult.models import Consult, ConsultKind, ConsultStatus
from backoffice.consult.schemas import ConsultIn, ConsultOut
from backoffice.errors import BadInput, Conflict, NotFound
from backoffice.privacy import mask_personal_numbers

# Crockford-style alphabet: no 0/O or 1/I/L to misread from a thermal slip.
ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"


def new_reference(db: Session) -> str:
    while True:
        reference = "ZX" + "".join(secrets.choice(ALPHABET) for _ in range(8))
        if db.scalars(select(Consult.id).where(Consult.reference == reference)).first() is None:
            return reference


def normalise_reference(reference: str) -> str:
    return "".join(ch for ch in reference.upper() if ch.isalnum())


def ask(db: Session, data: ConsultIn, terminal_id: int, now: datetime) -> Consult:
    question = data.question.strip()
    missing: list[str] = []
    item = None
    if data.matter_code is not None:
        item = db.scalars(select(CatalogItem).where(CatalogItem.code == data.matter_code)).first()
        if item is None:
            raise BadInput(f"No catalog matter has the code '{data.matter_code}'.")
    if data.kind is ConsultKind.QUESTION:
        if not question:
            raise BadInput("Write the question: it is empty.")
        if data.precheck:
            raise BadInput("A question carries no pre-check; send kind 'precheck' for that.")
    else:
        if item is None:
            raise BadInput("A material pre-check needs the matter_code it is for.")
        materials = {m["code"]: m for m in item.guide.get("materials", [])}
        unknown = sorted(set(data.precheck) - set(materials))
        if unknown:
            raise BadInput(
                f"Matter {item.code} asks for no material {', '.join(unknown)}; its materials "
                f"are {', '.join(materials) or 'none'}."
            )
        unanswered = sorted(set(materials) - set(data.precheck))
        if unanswered:
            raise BadInput(f"Answer the pre-check for every material: {', '.join(unanswered)}.")
        missing = [
            code for code, m in materials.items() if m.get("required") and not data.precheck[code]
        ]
    consult = Consult(
        reference=new_reference(db),
        terminal_id=terminal_id,
        visit_id=data.visit_id,
        kind=data.kind,
        matter_code=data.matter_code,
        question=question,
        precheck=dict(data.precheck),
        missing=missing,
        language=data.language,
        status=ConsultStatus.WAITING,
        created_at=now,
    )
    db.add(consult)
    db.flush()
    return consult


def get(db: Session, reference: str) -> Consult:
    consult = db.scalars(
        select(Consult).where(Consult.reference == normalise_reference(reference))
    ).first()
    if consult is None:
        raise NotFound(f"No consult has the reference number '{reference}'. Check the slip.")
    return consult


def answer(consult: Consult, text: str, by: str, now: datetime) -> None:
    """Record the answer (ID and mobile numbers in it masked: the pages hand it in raw)."""
    if consult.status is ConsultStatus.ANSWERED:
        raise Conflict(
            f"Consult {consult.reference} was answered already by {consult.answered_by}."
        )
    consult.answer = mask_personal_numbers(text.strip())
    consult.answered_by = by
    consult.answered_at = now
    consult.status = ConsultStatus.ANSWERED


def queue(db: Session, status: ConsultStatus | None) -> list[Consult]:
    query = select(Consult).order_by(Consult.created_at, Consult.id)
    if status is not None:
        query = query.where(Consult.status == status)
    return list(db.scalars(query.limit(500)))


def out(consult: Consult) -> ConsultOut:
    return ConsultOut(
        reference=consult.reference,
        kind=consult.kind,
        matter_code=consult.matter_code,
        question=consult.question,
        precheck=dict(consult.precheck),
        missing=list(consult.missing),
        status=consult.status,
        answer=consult.answer,
        answered_at=consult.answered_at,
        created_at=consult.created_at,
    )

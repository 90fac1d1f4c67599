"""Answering a catalog query: what it asks first (a reference number, an identified person),
then its source (the query upstream, or the back office's own consults), worded per the table."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from backoffice.catalog.queries import Asks, QuerySpec, Source, Words, spec, worded
from backoffice.catalog.service import get_item
from backoffice.consult import service as consults
from backoffice.consult.models import ConsultStatus
from backoffice.errors import BadInput, NotFound
from backoffice.queries.schemas import PersonOut, QueryAnswerOut, ValueOut
from backoffice.queries.upstream import QuerySource, Rows
from backoffice.suishen.service import resolve

REFERENCE = re.compile(r"^[A-Za-z0-9-]{4,32}$")


def query_of(code: str) -> QuerySpec:
    query = spec(code)
    if query is None or query.source is Source.CATALOG:
        raise NotFound(f"'{code}' is not a query with an answer to look up.")
    return query


def answer(
    db: Session,
    source: QuerySource,
    code: str,
    *,
    reference: str | None,
    identification: str | None,
    terminal_id: int,
    now: datetime,
) -> QueryAnswerOut:
    query = query_of(code)
    item = get_item(db, code)
    person: PersonOut | None = None
    person_key: str | None = None
    if query.asks is Asks.REFERENCE:
        reference = (reference or "").strip().upper()
        if not REFERENCE.match(reference):
            raise BadInput(
                "Type the number printed on your receipt or slip (4 to 32 letters and digits).",
                field="reference",
            )
    else:
        reference = None
    if query.asks is Asks.IDENTIFICATION:
        who = resolve(db, identification, terminal_id, now)
        person = PersonOut(masked_name=who.masked_name, masked_id=who.masked_id)
        person_key = who.id_hash
    if query.source is Source.CONSULT:
        rows: Rows | None = _consult_rows(db, reference or "", now)
    else:
        rows = source.answer(code, query, reference=reference, person=person_key)
    if rows is None:
        if query.asks is Asks.IDENTIFICATION:
            raise NotFound("The query service has no record of you; ask at the counter.")
        raise NotFound(f"No record has the number '{reference}'. Check the receipt or slip.")
    by_name = {f.name: f for f in query.fields}
    return QueryAnswerOut(
        code=code,
        name=Words(zh=item.name_zh, en=item.name_en),
        asks=query.asks,
        reference=reference,
        person=person,
        as_of=rows.as_of,
        rows=[
            [
                ValueOut(
                    name=name,
                    label=by_name[name].label,
                    unit=by_name[name].unit,
                    value=value,
                    text=worded(by_name[name], value),
                )
                for name, value in row.items()
            ]
            for row in rows.rows
        ],
    )


def _consult_rows(db: Session, reference: str, now: datetime) -> Rows | None:
    try:
        consult = consults.get(db, reference)
    except NotFound:
        return None
    answered = consult.status is ConsultStatus.ANSWERED and consult.answer
    row: dict[str, Any] = {
        "reference": consult.reference,
        "matter": _matter_name(db, consult.matter_code),
        "status": "answered" if answered else "waiting",
        "answer": consult.answer if answered else "—",
    }
    return Rows(consult.answered_at or now, [row])


def _matter_name(db: Session, code: str | None) -> str:
    if not code:
        return "—"
    try:
        return get_item(db, code).name_zh
    except NotFound:
        return code

"""Kiosk-service pages: satisfaction by matter, terminal and period; bad ratings with their
rectification, callback and appeal; the queue of one-tap consults for staff to answer; and new
medical record booklets registered at the counter."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.catalog.models import CatalogItem
from backoffice.consult import service as consults
from backoffice.consult.models import ConsultStatus
from backoffice.deps import AppKeys, DbSession, Now
from backoffice.errors import BadInput, NotFound
from backoffice.fleet.models import Terminal
from backoffice.medical import service as booklets
from backoffice.ratings import service as ratings
from backoffice.ratings.models import Rating, RectificationStatus
from backoffice.ratings.schemas import LEVEL_NAMES
from backoffice.units.models import ResponsibleUnit
from backoffice.web import auth
from backoffice.web.auth import CurrentUser, PageMissing
from backoffice.web.forms import attempt
from backoffice.web.render import page
from backoffice.web.roles import (
    BOOKLET_READERS,
    BOOKLET_REGISTRARS,
    CONSULT_ANSWERERS,
    CONSULT_READERS,
    RATING_READERS,
)

router = APIRouter(prefix="/ops", include_in_schema=False)
PERIODS = (7, 30, 90)


def matter_names(db: Session) -> dict[str, tuple[str, str]]:
    return {
        code: (zh, en)
        for code, zh, en in db.execute(
            select(CatalogItem.code, CatalogItem.name_zh, CatalogItem.name_en)
        )
    }


def satisfaction_rate(db: Session, now: datetime, days: int = 30) -> float | None:
    since, until = ratings.window(None, None, now, days)
    return ratings.public_summary(db, since, until).satisfaction_rate


@router.get("/ratings")
def ratings_page(
    request: Request, user: CurrentUser, db: DbSession, now: Now, days: int = 30
) -> HTMLResponse:
    auth.require(user, RATING_READERS, "the ratings")
    days = days if days in PERIODS else 30
    since, until = ratings.window(None, None, now, days)
    rects = ratings.list_rectifications(db, None, None)
    rated = {
        r.id: r
        for r in db.scalars(select(Rating).where(Rating.id.in_([x.rating_id for x in rects])))
    }
    return page(
        request,
        "ratings.html",
        user,
        title="Ratings",
        days=days,
        periods=PERIODS,
        summary=ratings.public_summary(db, since, until),
        by_matter=sorted(
            ratings.satisfaction(db, ratings.GroupBy.MATTER, since, until),
            key=lambda r: (-r.ratings, r.key),
        ),
        by_terminal=ratings.satisfaction(db, ratings.GroupBy.TERMINAL, since, until),
        by_day=ratings.satisfaction(db, ratings.GroupBy.DAY, since, until),
        rectifications=rects,
        rated=rated,
        level_names=LEVEL_NAMES,
        matters=matter_names(db),
        terminals={t.code: t for t in db.scalars(select(Terminal))},
        units={u.id: u for u in db.scalars(select(ResponsibleUnit))},
        open_states={RectificationStatus.OPEN, RectificationStatus.APPEALED},
        now=now,
    )


@router.get("/consults")
def consult_queue(
    request: Request, user: CurrentUser, db: DbSession, status: str = "waiting"
) -> HTMLResponse:
    auth.require(user, CONSULT_READERS, "the consult queue")
    wanted = ConsultStatus(status) if status in {s.value for s in ConsultStatus} else None
    return page(
        request,
        "consults.html",
        user,
        title="Consults",
        consults=consults.queue(db, wanted),
        status=status,
        statuses=list(ConsultStatus),
        matters=matter_names(db),
        terminals={t.id: t for t in db.scalars(select(Terminal))},
        may_answer=user.role in CONSULT_ANSWERERS,
    )


@router.post("/consults/{reference}/answer")
def answer_consult(
    reference: str,
    user: CurrentUser,
    db: DbSession,
    now: Now,
    csrf: Annotated[str, Form()] = "",
    answer: Annotated[str, Form()] = "",
) -> RedirectResponse:
    auth.check_csrf(user, csrf)
    auth.require(user, CONSULT_ANSWERERS, "consult answers")
    try:
        consult = consults.get(db, reference)
    except NotFound as missing:
        raise PageMissing(missing.message) from missing

    def run() -> None:
        if not answer.strip():
            raise BadInput("Write the answer the resident will read.")
        consults.answer(consult, answer, user.username, now)
        db.flush()

    attempt(db, user, run, f"{consult.reference} ✓")
    return RedirectResponse("/ops/consults", status_code=303)


@router.get("/booklets")
def booklets_page(request: Request, user: CurrentUser, db: DbSession) -> HTMLResponse:
    auth.require(user, BOOKLET_READERS, "the booklet registrations")
    return page(
        request,
        "booklets.html",
        user,
        title="Booklets",
        booklets=booklets.recent_booklets(db),
        may_register=user.role in BOOKLET_REGISTRARS,
    )


@router.post("/booklets")
def register_booklet(
    user: CurrentUser,
    db: DbSession,
    now: Now,
    keys: AppKeys,
    csrf: Annotated[str, Form()] = "",
    id_number: Annotated[str, Form()] = "",
    serial: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """A resident handed a new booklet at the counter: the next print starts on its page 1."""
    auth.check_csrf(user, csrf)
    auth.require(user, BOOKLET_REGISTRARS, "booklet registrations")

    cover = serial.strip().upper()  # as registered (a malformed one is refused by the service)

    def run() -> None:
        booklets.register_booklet(
            db, keys, id_number=id_number, serial=cover, by=user.username, now=now
        )

    attempt(db, user, run, f"Booklet {cover} registered: the next print starts on its page 1.")
    return RedirectResponse("/ops/booklets", status_code=303)

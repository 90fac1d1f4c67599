"""Kiosk-service pages: satisfaction by matter, terminal and period; bad ratings with their
rectification, deadline and state, and the forms that follow one through (callback with the
rater's number shown to roles that call back, appeal, decision, outcome); the queue of one-tap
consults for staff to answer; and new medical record booklets registered at the counter."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.catalog.models import CatalogItem
from backoffice.consult import service as consults
from backoffice.consult.models import ConsultStatus
from backoffice.contacts import service as contacts
from backoffice.deps import AppKeys, DbSession, Now
from backoffice.errors import BadInput, NotFound
from backoffice.fleet.models import Terminal
from backoffice.medical import service as booklets
from backoffice.privacy import mask_personal_numbers
from backoffice.ratings import lifecycle
from backoffice.ratings import service as ratings
from backoffice.ratings.models import Rating, Rectification, RectificationStatus
from backoffice.ratings.schemas import LEVEL_NAMES
from backoffice.units.models import ResponsibleUnit
from backoffice.web import auth
from backoffice.web.auth import CurrentUser, PageMissing, PageUser
from backoffice.web.forms import attempt
from backoffice.web.pages_cases import reveal_or_flash
from backoffice.web.render import page
from backoffice.web.roles import (
    APPEAL_DECIDERS,
    BOOKLET_READERS,
    BOOKLET_REGISTRARS,
    CALLERS_BACK,
    CONSULT_ANSWERERS,
    CONSULT_READERS,
    RATING_FOLLOWERS,
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
    return _ratings_page(request, user, db, now, days)


def _ratings_page(
    request: Request,
    user: PageUser,
    db: Session,
    now: datetime,
    days: int = 30,
    revealed: tuple[int, contacts.Revealed] | None = None,
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
        contacts_of={
            x.id: c
            for x in rects
            if (c := contacts.contact_of(db, contacts.OwnerKind.RATING, x.rating_id)) is not None
        },
        reveals_of=lambda contact: contacts.reveals_of(db, contact),
        revealed=revealed,
        may_follow=user.role in RATING_FOLLOWERS,
        may_decide=user.role in APPEAL_DECIDERS,
        may_reveal=user.role in CALLERS_BACK,
        statuses=RectificationStatus,
        now=now,
    )


def _rectification(db: Session, rect_id: str) -> Rectification:
    try:
        return ratings.get_rectification(db, rect_id)
    except NotFound as missing:
        raise PageMissing(missing.message) from missing


def _written(text: str, what: str, limit: int) -> str:
    """A form's free text: personal numbers masked, not empty, not too long."""
    text = mask_personal_numbers(text.strip())
    if not text:
        raise BadInput(f"Write the {what}.")
    if len(text) > limit:
        raise BadInput(f"The {what} is longer than {limit} characters.")
    return text


@router.post("/ratings/rectifications/{rect_id}/reveal")
def reveal_rater(
    rect_id: str,
    request: Request,
    user: CurrentUser,
    db: DbSession,
    now: Now,
    keys: AppKeys,
    csrf: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """The rater's number for the callback, on this answer only; every attempt recorded."""
    auth.check_csrf(user, csrf)
    auth.require(user, RATING_READERS, "the ratings")
    rect = _rectification(db, rect_id)
    contact = contacts.contact_of(db, contacts.OwnerKind.RATING, rect.rating_id)
    if contact is None:
        raise PageMissing("The rater left no number for a callback.")
    revealed = reveal_or_flash(db, keys, user, contact, reason, now)
    if revealed is None:
        return RedirectResponse(f"/ops/ratings#rect-{rect.id}", status_code=303)
    response = _ratings_page(request, user, db, now, revealed=(rect.id, revealed))
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/ratings/rectifications/{rect_id}/callback")
def rectification_callback(
    rect_id: str,
    user: CurrentUser,
    db: DbSession,
    now: Now,
    csrf: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    satisfied: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """回访: what the resident said when called back."""
    auth.check_csrf(user, csrf)
    auth.require(user, RATING_FOLLOWERS, "the rectification forms")
    rect = _rectification(db, rect_id)

    def run() -> None:
        if satisfied not in ("yes", "no"):
            raise BadInput("Say whether the resident was satisfied.")
        written = _written(note, "callback note", 1000)
        lifecycle.call_back(rect, written, satisfied == "yes", user.username, now)
        db.flush()

    attempt(db, user, run, f"{rect.case_number}: callback recorded ✓")
    return RedirectResponse(f"/ops/ratings#rect-{rect.id}", status_code=303)


@router.post("/ratings/rectifications/{rect_id}/appeal")
def rectification_appeal(
    rect_id: str,
    user: CurrentUser,
    db: DbSession,
    now: Now,
    csrf: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """申诉: the office says the rating was mistaken or malicious; a shift leader decides."""
    auth.check_csrf(user, csrf)
    auth.require(user, RATING_FOLLOWERS, "the rectification forms")
    rect = _rectification(db, rect_id)

    def run() -> None:
        lifecycle.appeal(rect, _written(reason, "appeal reason", 1000), user.username, now)
        db.flush()

    attempt(db, user, run, f"{rect.case_number}: appeal recorded ✓")
    return RedirectResponse(f"/ops/ratings#rect-{rect.id}", status_code=303)


@router.post("/ratings/rectifications/{rect_id}/appeal-decision")
def rectification_appeal_decision(
    rect_id: str,
    user: CurrentUser,
    db: DbSession,
    now: Now,
    csrf: Annotated[str, Form()] = "",
    upheld: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> RedirectResponse:
    auth.check_csrf(user, csrf)
    auth.require(user, APPEAL_DECIDERS, "appeal decisions")
    rect = _rectification(db, rect_id)

    def run() -> None:
        if upheld not in ("yes", "no"):
            raise BadInput("Say whether the appeal is upheld.")
        rating = db.get_one(Rating, rect.rating_id)
        written = _written(note, "decision note", 1000)
        lifecycle.decide_appeal(db, rect, rating, upheld == "yes", written, user.username, now)
        db.flush()

    attempt(db, user, run, f"{rect.case_number}: appeal decided ✓")
    return RedirectResponse(f"/ops/ratings#rect-{rect.id}", status_code=303)


@router.post("/ratings/rectifications/{rect_id}/outcome")
def rectification_outcome(
    rect_id: str,
    user: CurrentUser,
    db: DbSession,
    now: Now,
    csrf: Annotated[str, Form()] = "",
    outcome: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """整改完成: what was changed; it closes the rectification and its case."""
    auth.check_csrf(user, csrf)
    auth.require(user, RATING_FOLLOWERS, "the rectification forms")
    rect = _rectification(db, rect_id)

    def run() -> None:
        lifecycle.close(db, rect, _written(outcome, "outcome", 2000), user.username, now)
        db.flush()

    attempt(db, user, run, f"{rect.case_number}: rectified ✓")
    return RedirectResponse(f"/ops/ratings#rect-{rect.id}", status_code=303)


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

"""Ratings API: kiosks rate visits; staff follow bad ratings through; the public sees a summary."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from backoffice.access import CurrentTerminal, Principal, Role, authorize
from backoffice.deps import AppKeys, AppSettings, DbSession, Now
from backoffice.inputs import Day
from backoffice.ratings import lifecycle, service
from backoffice.ratings.models import Rating, Rectification, RectificationStatus
from backoffice.ratings.schemas import (
    AppealDecisionIn,
    AppealIn,
    CallbackIn,
    OutcomeIn,
    PublicSummary,
    RatingIn,
    RatingOut,
    RectificationOut,
    SatisfactionRow,
)

router = APIRouter(prefix="/api/v1", tags=["ratings"])
FOLLOW_UP = (Role.ADMIN, Role.OPERATOR, Role.SHIFT_LEADER)
READERS = (*FOLLOW_UP, Role.VIEWER)
Reader = Annotated[Principal, authorize(*READERS, units=True)]
Decider = Annotated[Principal, authorize(Role.ADMIN, Role.SHIFT_LEADER)]
FollowedUp = Annotated[
    Rectification,
    authorize(*FOLLOW_UP, units=True, load=service.get_rectification, path_param="rect_id"),
]
DecidedOn = Annotated[
    Rectification,
    authorize(Role.ADMIN, Role.SHIFT_LEADER, load=service.get_rectification, path_param="rect_id"),
]
Since = Annotated[
    Day | None, Query(description="First Shanghai calendar day (default: 30 days ago).")
]
Until = Annotated[Day | None, Query(description="Last Shanghai calendar day (default: today).")]


@router.post(
    "/ratings",
    status_code=201,
    responses={200: {"model": RatingOut, "description": "A retry: the first answer."}},
)
def rate(
    body: RatingIn,
    db: DbSession,
    now: Now,
    settings: AppSettings,
    response: Response,
    terminal_id: CurrentTerminal,
    keys: AppKeys,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key")],
) -> RatingOut:
    """Rate a visit (one rating per visit), at a kiosk or on a counter's rating pad (channel
    counter, naming the counter and the staff). A retry with the same Idempotency-Key gets 200
    and the first answer; a rating of 1 or 2 opens a rectification case, and a callback number
    given with consent is kept encrypted for the callback."""
    rating, created = service.rate(
        db,
        body,
        key=idempotency_key,
        terminal_id=terminal_id,
        now=now,
        working_days=settings.rating_rectification_working_days,
        keys=keys,
    )
    if not created:
        response.status_code = 200
    return service.rating_out(db, rating)


@router.get("/ratings/rectifications")
def list_rectifications(
    db: DbSession,
    staff: Reader,
    status: Annotated[RectificationStatus | None, Query()] = None,
) -> list[RectificationOut]:
    """Bad ratings being rectified, soonest deadline first (a unit sees its own)."""
    unit_id = None if staff.is_subdistrict_staff else staff.unit_id
    return [
        service.rectification_out(db, r) for r in service.list_rectifications(db, status, unit_id)
    ]


@router.post("/ratings/rectifications/{rect_id}/callback")
def call_back(
    body: CallbackIn,
    rect: FollowedUp,
    db: DbSession,
    now: Now,
    staff: Annotated[Principal, authorize(*FOLLOW_UP, units=True)],
) -> RectificationOut:
    lifecycle.call_back(rect, body.note, body.resident_satisfied, staff.name, now)
    return service.rectification_out(db, rect)


@router.post("/ratings/rectifications/{rect_id}/appeal")
def appeal(
    body: AppealIn,
    rect: FollowedUp,
    db: DbSession,
    now: Now,
    staff: Annotated[Principal, authorize(*FOLLOW_UP, units=True)],
) -> RectificationOut:
    """The office appeals a mistaken or malicious rating; a shift leader decides."""
    lifecycle.appeal(rect, body.reason, staff.name, now)
    return service.rectification_out(db, rect)


@router.post("/ratings/rectifications/{rect_id}/appeal-decision")
def decide_appeal(
    body: AppealDecisionIn, rect: DecidedOn, db: DbSession, now: Now, staff: Decider
) -> RectificationOut:
    rating = db.get_one(Rating, rect.rating_id)
    lifecycle.decide_appeal(db, rect, rating, body.upheld, body.note, staff.name, now)
    return service.rectification_out(db, rect)


@router.post("/ratings/rectifications/{rect_id}/outcome")
def record_outcome(
    body: OutcomeIn,
    rect: FollowedUp,
    db: DbSession,
    now: Now,
    staff: Annotated[Principal, authorize(*FOLLOW_UP, units=True)],
) -> RectificationOut:
    """整改完成: the outcome closes the rectification and its case."""
    lifecycle.close(db, rect, body.outcome, staff.name, now)
    return service.rectification_out(db, rect)


@router.get("/ratings/satisfaction")
def satisfaction(
    db: DbSession,
    now: Now,
    _staff: Annotated[Principal, authorize(*READERS)],
    by: Annotated[service.GroupBy, Query()] = service.GroupBy.MATTER,
    since: Since = None,
    until: Until = None,
) -> list[SatisfactionRow]:
    """好评率 per matter, terminal, terminal kind, day or month."""
    start, end = service.window(since, until, now)
    return service.satisfaction(db, by, start, end)


@router.get("/public/ratings/summary")
def public_summary(
    db: DbSession, now: Now, since: Since = None, until: Until = None
) -> PublicSummary:
    """Published without sign-in: ratings, satisfaction rate, and how bad ratings were handled."""
    start, end = service.window(since, until, now)
    return service.public_summary(db, start, end)

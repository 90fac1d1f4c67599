"""Take ratings idempotently, open a rectification case for a bad one, count satisfaction."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases import descriptions
from backoffice.cases.intake import CaseReport, CaseSource, file_report
from backoffice.cases.taxonomy import TYPE_SERVICE_COMPLAINT
from backoffice.catalog.models import CatalogItem
from backoffice.db import create_once
from backoffice.errors import BadInput, Conflict, Forbidden, NotFound
from backoffice.fleet.models import Terminal
from backoffice.inputs import parse_id
from backoffice.ratings.models import Rating, Rectification, RectificationStatus
from backoffice.ratings.schemas import (
    LEVEL_NAMES,
    PublicSummary,
    RatingIn,
    RatingOut,
    RectificationOut,
    SatisfactionRow,
)
from backoffice.units.models import ResponsibleUnit
from backoffice.visits.models import Visit
from backoffice.workcal import SHANGHAI, WorkCalendar, default_calendar

BAD_LEVELS = frozenset({1, 2})
MAX_KEY = 100


class GroupBy(StrEnum):
    MATTER = "matter"
    TERMINAL = "terminal"
    KIND = "kind"
    DAY = "day"
    MONTH = "month"


def fingerprint(data: RatingIn) -> str:
    canonical = json.dumps(data.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def rectification_deadline(
    now: datetime, working_days: int, calendar: WorkCalendar | None = None
) -> datetime:
    """The end of office hours on the n-th working day after the rating (Shanghai time)."""
    calendar = calendar or default_calendar()
    day = calendar.add_working_days(now.astimezone(SHANGHAI).date(), working_days)
    closing = calendar.office_hours[-1][1]
    return datetime.combine(day, closing, tzinfo=SHANGHAI).astimezone(now.tzinfo)


def rate(
    db: Session,
    data: RatingIn,
    *,
    key: str,
    terminal_id: int,
    now: datetime,
    working_days: int,
) -> tuple[Rating, bool]:
    """The rating and whether it is new. A retry with the same key returns the first answer."""
    key = key.strip()
    if not key or len(key) > MAX_KEY:
        raise BadInput(f"Send an Idempotency-Key header of 1-{MAX_KEY} characters.")
    digest = fingerprint(data)

    def by_key() -> Rating | None:
        return db.scalars(
            select(Rating)
            .where(Rating.idempotency_key == key)
            .execution_options(populate_existing=True)
        ).first()

    earlier = by_key()
    if earlier is not None:
        return _same_rating(earlier, digest, terminal_id), False
    visit = db.get(Visit, data.visit_id)
    if visit is None:
        raise BadInput(
            f"No visit {data.visit_id} was reported; a rating belongs to a visit the back "
            "office knows (send the visit first)."
        )
    if visit.terminal_id != terminal_id:
        raise Forbidden("This visit happened at another terminal.")
    if visit.matters and data.matter_code not in visit.matters:
        raise BadInput(
            f"Matter {data.matter_code} was not part of visit {visit.id} "
            f"({', '.join(visit.matters)})."
        )
    item = db.scalars(select(CatalogItem).where(CatalogItem.code == data.matter_code)).first()
    if item is None:
        raise BadInput(f"No catalog matter has the code '{data.matter_code}'.")
    bad = data.level in BAD_LEVELS
    if bad and not data.reasons and not data.comment.strip():
        raise BadInput("A rating of 1 or 2 needs at least one reason or a comment.")
    if not bad and data.reasons:
        raise BadInput("Reasons are asked only for a rating of 1 or 2.")
    rated = db.scalars(select(Rating).where(Rating.visit_id == visit.id)).first()
    if rated is not None:
        if rated.idempotency_key == key:  # the same rating, committed since we looked
            return _same_rating(rated, digest, terminal_id), False
        raise Conflict(f"Visit {visit.id} was rated already; one rating per visit.")
    terminal = db.get_one(Terminal, terminal_id)

    def create() -> Rating:
        rating = Rating(
            visit_id=visit.id,
            terminal_id=terminal_id,
            terminal_kind=terminal.kind.value,
            matter_code=item.code,
            level=data.level,
            indicators={k.value: v for k, v in data.indicators.items()},
            reasons=[r.value for r in data.reasons],
            comment=data.comment.strip(),
            idempotency_key=key,
            fingerprint=digest,
            excluded=False,
            created_at=now,
        )
        db.add(rating)
        db.flush()
        if bad:
            _open_rectification(db, rating, item, terminal, now, working_days)
        return rating

    # The same rating sent twice at the same moment: one insert wins, the other reads it; a
    # second rating of the visit under another key is refused as before.
    def existing() -> Rating | None:
        found = by_key()
        if (
            found is None
            and db.scalars(select(Rating.id).where(Rating.visit_id == visit_id)).first()
        ):
            raise Conflict(f"Visit {visit_id} was rated already; one rating per visit.")
        return found

    visit_id = visit.id
    rating, created = create_once(db, create, existing)
    if not created:
        return _same_rating(rating, digest, terminal_id), False
    return rating, True


def _same_rating(earlier: Rating, digest: str, terminal_id: int) -> Rating:
    if earlier.fingerprint != digest or earlier.terminal_id != terminal_id:
        raise BadInput(
            "This Idempotency-Key was used for a different rating; use a new key for a new rating."
        )
    return earlier


def _open_rectification(
    db: Session,
    rating: Rating,
    item: CatalogItem,
    terminal: Terminal,
    now: datetime,
    working_days: int,
) -> Rectification:
    unit = db.scalars(
        select(ResponsibleUnit).where(ResponsibleUnit.code == item.office_code)
    ).first()
    if unit is None:
        raise BadInput(f"The office {item.office_code} named for {item.code} is not a known unit.")
    zh, en = LEVEL_NAMES[rating.level]
    fact = descriptions.fact(
        descriptions.BAD_RATING,
        level=rating.level,
        level_zh=zh,
        level_en=en,
        item=item.code,
        item_zh=item.name_zh,
        item_en=item.name_en,
        terminal=terminal.code,
        place=terminal.place or terminal.name,
        reasons="、".join(rating.reasons) or "—",
        comment=rating.comment or "—",
    )
    description = descriptions.render(fact, "zh", "")
    filed = file_report(
        db,
        CaseReport(
            source=CaseSource.RATING,
            type_code=TYPE_SERVICE_COMPLAINT,
            description=description,
            description_fact=fact,
            reporter=f"terminal {terminal.code}",
            unit_code=unit.code,
            external_ref=f"rating:{rating.id}",
        ),
        now,
    )
    rect = Rectification(
        rating_id=rating.id,
        case_id=filed.case_id,
        case_number=filed.case_number,
        unit_id=unit.id,
        status=RectificationStatus.OPEN,
        deadline=rectification_deadline(now, working_days),
        opened_at=now,
    )
    db.add(rect)
    db.flush()
    return rect


def rectification_of(db: Session, rating: Rating) -> Rectification | None:
    return db.scalars(select(Rectification).where(Rectification.rating_id == rating.id)).first()


def get_rectification(db: Session, ref: str) -> Rectification:
    rect_id = parse_id(ref)
    rect = db.get(Rectification, rect_id) if rect_id is not None else None
    if rect is None:
        raise NotFound(f"No rectification has the id '{ref}'.")
    return rect


def rectification_out(db: Session, rect: Rectification) -> RectificationOut:
    return RectificationOut(
        id=rect.id,
        rating_id=rect.rating_id,
        case_number=rect.case_number,
        unit_code=db.get_one(ResponsibleUnit, rect.unit_id).code,
        status=rect.status,
        deadline=rect.deadline,
        callback_at=rect.callback_at,
        callback_note=rect.callback_note,
        resident_satisfied=rect.resident_satisfied,
        appeal_reason=rect.appeal_reason,
        appeal_decision=rect.appeal_decision,
        outcome=rect.outcome,
        closed_at=rect.closed_at,
        closed_on_time=rect.closed_on_time,
    )


def rating_out(db: Session, rating: Rating) -> RatingOut:
    rect = rectification_of(db, rating)
    return RatingOut(
        id=rating.id,
        visit_id=rating.visit_id,
        matter_code=rating.matter_code,
        level=rating.level,
        level_name=LEVEL_NAMES[rating.level][0],
        indicators=dict(rating.indicators),
        reasons=list(rating.reasons),
        comment=rating.comment,
        bad=rating.level in BAD_LEVELS,
        created_at=rating.created_at,
        rectification=rectification_out(db, rect) if rect else None,
    )


def list_rectifications(
    db: Session, status: RectificationStatus | None, unit_id: int | None
) -> list[Rectification]:
    query = select(Rectification).order_by(Rectification.deadline, Rectification.id)
    if status is not None:
        query = query.where(Rectification.status == status)
    if unit_id is not None:
        query = query.where(Rectification.unit_id == unit_id)
    return list(db.scalars(query.limit(500)))


# --- satisfaction ----------------------------------------------------------------------------


def _local_day(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


def satisfaction(
    db: Session, group_by: GroupBy, since: datetime, until: datetime
) -> list[SatisfactionRow]:
    """好评率 (levels 3-5 over all) per group; ratings excluded on appeal do not count."""
    rows = db.execute(
        select(Rating.level, Rating.matter_code, Terminal.code, Rating.terminal_kind,
               Rating.created_at)
        .join(Terminal, Terminal.id == Rating.terminal_id)
        .where(Rating.excluded.is_(False), Rating.created_at >= since, Rating.created_at < until)
    )  # fmt: skip
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for level, matter, terminal, kind, created in rows:
        key = {
            GroupBy.MATTER: matter,
            GroupBy.TERMINAL: terminal,
            GroupBy.KIND: kind,
            GroupBy.DAY: _local_day(created).isoformat(),
            GroupBy.MONTH: _local_day(created).strftime("%Y-%m"),
        }[group_by]
        counts[key][0] += 1
        counts[key][1] += level >= 3
    return [
        SatisfactionRow(
            key=key, ratings=total, satisfied=good, satisfaction_rate=round(good / total, 4)
        )
        for key, (total, good) in sorted(counts.items())
    ]


def public_summary(db: Session, since: datetime, until: datetime) -> PublicSummary:
    ratings = list(
        db.scalars(select(Rating).where(Rating.created_at >= since, Rating.created_at < until))
    )
    counted = [r for r in ratings if not r.excluded]
    satisfied = sum(1 for r in counted if r.level >= 3)
    rects = list(
        db.scalars(
            select(Rectification).where(
                Rectification.rating_id.in_([r.id for r in ratings] or [-1])
            )
        )
    )
    return PublicSummary(
        since=since,
        until=until,
        ratings=len(counted),
        satisfied=satisfied,
        satisfaction_rate=round(satisfied / len(counted), 4) if counted else None,
        by_level={
            str(level): sum(1 for r in counted if r.level == level) for level in range(5, 0, -1)
        },
        bad_ratings=sum(1 for r in counted if r.level in BAD_LEVELS),
        rectified=sum(1 for x in rects if x.status is RectificationStatus.CLOSED),
        rectified_on_time=sum(1 for x in rects if x.closed_on_time),
        excluded_on_appeal=sum(1 for r in ratings if r.excluded),
    )


def window(
    since: date | None, until: date | None, now: datetime, days: int = 30
) -> tuple[datetime, datetime]:
    """Shanghai calendar days [since, until] as UTC instants; default: the last `days` days."""
    last = until or _local_day(now)
    first = since or last - timedelta(days=days - 1)
    if first > last:
        raise BadInput("'since' is after 'until'.")
    start = datetime.combine(first, time(0), tzinfo=SHANGHAI)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=SHANGHAI)
    return start.astimezone(now.tzinfo), end.astimezone(now.tzinfo)

"""Take ratings idempotently, open a rectification case for a bad one, count satisfaction."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases import descriptions
from backoffice.cases.intake import CaseReport, CaseSource, file_report
from backoffice.cases.taxonomy import TYPE_SERVICE_COMPLAINT
from backoffice.catalog.models import CatalogItem
from backoffice.contacts import service as contacts
from backoffice.db import create_once
from backoffice.errors import BadInput, Conflict, Forbidden, NotFound
from backoffice.fleet.models import Terminal
from backoffice.inputs import parse_id
from backoffice.keys import Keys
from backoffice.ratings.models import Rating, RatingChannel, Rectification, RectificationStatus
from backoffice.ratings.schemas import (
    LEVEL_NAMES,
    PublicSummary,
    RatingBody,
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
    CHANNEL = "channel"
    STAFF = "staff"
    DAY = "day"
    MONTH = "month"


_LATER_FIELDS: dict[str, object] = {
    "channel": RatingChannel.KIOSK.value,
    "counter": None,
    "staff_code": None,
    "staff_name": None,
    "callback_consent": False,
}


def fingerprint(data: RatingBody, keys: Keys | None) -> str:
    """What the rating said, to tell a retry from a different rating under the same key. The
    phone number enters only as its keyed hash (a plain SHA-256 of a phone number is easy to
    reverse)."""
    body = data.model_dump(mode="json", exclude={"callback_phone"})
    # Fields added after ratings were first taken count only when set, so a rating queued in
    # a kiosk's outbox before they existed is still recognised when it is sent again.
    for name, default in _LATER_FIELDS.items():
        if body.get(name, default) == default:
            body.pop(name, None)
    if data.callback_phone:
        body["callback_phone"] = contacts.phone_digest(_needed(keys), data.callback_phone)
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _needed(keys: Keys | None) -> Keys:
    if keys is None:
        raise ValueError("a rating with a callback number needs the back office's keys")
    return keys


def rectification_deadline(
    now: datetime, working_days: int, calendar: WorkCalendar | None = None
) -> datetime:
    """The end of office hours on the n-th working day after the rating (Shanghai time)."""
    calendar = calendar or default_calendar()
    day = calendar.add_working_days(now.astimezone(SHANGHAI).date(), working_days)
    closing = calendar.office_hours[-1][1]
    return datetime.combine(day, closing, tzinfo=SHANGHAI).astimezone(now.tzinfo)


def _check_body(data: RatingBody, channel: RatingChannel) -> None:
    bad = data.level in BAD_LEVELS
    if bad and not data.reasons and not data.comment.strip():
        raise BadInput("A rating of 1 or 2 needs at least one reason or a comment.")
    if not bad and data.reasons:
        raise BadInput("Reasons are asked only for a rating of 1 or 2.")
    if data.callback_phone and not bad:
        raise BadInput("A callback number is taken only with a rating of 1 or 2.")
    if data.callback_phone and not data.callback_consent:
        raise BadInput("A callback number is kept only when the rater agreed to be called back.")
    if data.callback_phone:
        contacts.phone_digits(data.callback_phone)  # a number that can be dialled, or 422
    if channel is RatingChannel.COUNTER and not data.counter:
        raise BadInput("A counter rating names its counter.")
    if channel is RatingChannel.KIOSK and (data.counter or data.staff_code or data.staff_name):
        raise BadInput("A kiosk rating names no counter or staff; send channel 'counter'.")


def rate(
    db: Session,
    data: RatingIn,
    *,
    key: str,
    terminal_id: int,
    now: datetime,
    working_days: int,
    keys: Keys | None = None,
) -> tuple[Rating, bool]:
    """The rating and whether it is new. A retry with the same key returns the first answer."""
    key = _checked_key(key)
    digest = fingerprint(data, keys)
    earlier = _by_key(db, key)
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
    item = _item(db, data.matter_code)
    if data.channel is RatingChannel.HOME_VISIT:
        raise BadInput("A terminal's rating is a kiosk or a counter channel rating.")
    _check_body(data, data.channel)
    rated = db.scalars(select(Rating).where(Rating.visit_id == visit.id)).first()
    if rated is not None:
        if rated.idempotency_key == key:  # the same rating, committed since we looked
            return _same_rating(rated, digest, terminal_id), False
        raise Conflict(f"Visit {visit.id} was rated already; one rating per visit.")
    terminal = db.get_one(Terminal, terminal_id)
    visit_id = visit.id

    # The same rating sent twice at the same moment: one insert wins, the other reads it; a
    # second rating of the visit under another key is refused as before.
    def existing() -> Rating | None:
        found = _by_key(db, key)
        if (
            found is None
            and db.scalars(select(Rating.id).where(Rating.visit_id == visit_id)).first()
        ):
            raise Conflict(f"Visit {visit_id} was rated already; one rating per visit.")
        return found

    rating, created = create_once(
        db,
        lambda: _create(
            db,
            data,
            item,
            Placed(data.channel, terminal, visit_id),
            key=key,
            digest=digest,
            now=now,
            working_days=working_days,
            keys=keys,
        ),
        existing,
    )
    if not created:
        return _same_rating(rating, digest, terminal_id), False
    return rating, True


def rate_home_visit(
    db: Session,
    data: RatingBody,
    *,
    key: str,
    now: datetime,
    working_days: int,
    keys: Keys,
) -> tuple[Rating, bool]:
    """A rating given after a home visit (no terminal, no kiosk visit), through the same loop: a
    bad one opens a rectification case for the matter's office. Idempotent on `key`."""
    key = _checked_key(key)
    digest = fingerprint(data, keys)
    earlier = _by_key(db, key)
    if earlier is not None:
        return _same_rating(earlier, digest, None), False
    item = _item(db, data.matter_code)
    _check_body(data, RatingChannel.HOME_VISIT)
    rating, created = create_once(
        db,
        lambda: _create(
            db,
            data,
            item,
            Placed(RatingChannel.HOME_VISIT, None, None),
            key=key,
            digest=digest,
            now=now,
            working_days=working_days,
            keys=keys,
        ),
        lambda: _by_key(db, key),
    )
    return (rating, True) if created else (_same_rating(rating, digest, None), False)


@dataclass(frozen=True)
class Placed:
    """Where a rating was given."""

    channel: RatingChannel
    terminal: Terminal | None
    visit_id: str | None


def _checked_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_KEY:
        raise BadInput(f"Send an Idempotency-Key header of 1-{MAX_KEY} characters.")
    return key


def _by_key(db: Session, key: str) -> Rating | None:
    return db.scalars(
        select(Rating)
        .where(Rating.idempotency_key == key)
        .execution_options(populate_existing=True)
    ).first()


def _item(db: Session, code: str) -> CatalogItem:
    item = db.scalars(select(CatalogItem).where(CatalogItem.code == code)).first()
    if item is None:
        raise BadInput(f"No catalog matter has the code '{code}'.")
    return item


def _create(
    db: Session,
    data: RatingBody,
    item: CatalogItem,
    placed: Placed,
    *,
    key: str,
    digest: str,
    now: datetime,
    working_days: int,
    keys: Keys | None,
) -> Rating:
    terminal = placed.terminal
    rating = Rating(
        channel=placed.channel,
        visit_id=placed.visit_id,
        terminal_id=terminal.id if terminal else None,
        terminal_kind=terminal.kind.value if terminal else None,
        counter=data.counter,
        staff_code=data.staff_code,
        staff_name=(data.staff_name or "").strip() or None,
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
    if data.level in BAD_LEVELS:
        rect = _open_rectification(db, rating, item, terminal, now, working_days)
        if data.callback_phone and data.callback_consent:
            contacts.store(
                db,
                _needed(keys),
                owner_kind=contacts.OwnerKind.RATING,
                owner_id=rating.id,
                phone=data.callback_phone,
                case_id=rect.case_id,
                consent_at=now,
                taken_by=f"terminal {terminal.code}" if terminal else placed.channel.value,
                now=now,
            )
    return rating


def _same_rating(earlier: Rating, digest: str, terminal_id: int | None) -> Rating:
    if earlier.fingerprint != digest or earlier.terminal_id != terminal_id:
        raise BadInput(
            "This Idempotency-Key was used for a different rating; use a new key for a new rating."
        )
    return earlier


def _where(rating: Rating, terminal: Terminal | None) -> tuple[str, str]:
    """The terminal code and place a rectification case names."""
    if terminal is None:
        return "—", "上门服务" if rating.channel is RatingChannel.HOME_VISIT else "—"
    place = terminal.place or terminal.name
    if rating.counter:
        place = f"{place} {rating.counter}"
    return terminal.code, place


def _open_rectification(
    db: Session,
    rating: Rating,
    item: CatalogItem,
    terminal: Terminal | None,
    now: datetime,
    working_days: int,
) -> Rectification:
    unit = db.scalars(
        select(ResponsibleUnit).where(ResponsibleUnit.code == item.office_code)
    ).first()
    if unit is None:
        raise BadInput(f"The office {item.office_code} named for {item.code} is not a known unit.")
    zh, en = LEVEL_NAMES[rating.level]
    terminal_code, place = _where(rating, terminal)
    fact = descriptions.fact(
        descriptions.BAD_RATING,
        level=rating.level,
        level_zh=zh,
        level_en=en,
        item=item.code,
        item_zh=item.name_zh,
        item_en=item.name_en,
        terminal=terminal_code,
        place=place,
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
            reporter=f"terminal {terminal_code}" if terminal else rating.channel.value,
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
    contact = contacts.contact_of(db, contacts.OwnerKind.RATING, rating.id)
    return RatingOut(
        id=rating.id,
        channel=rating.channel,
        visit_id=rating.visit_id,
        counter=rating.counter,
        staff_code=rating.staff_code,
        matter_code=rating.matter_code,
        level=rating.level,
        level_name=LEVEL_NAMES[rating.level][0],
        indicators=dict(rating.indicators),
        reasons=list(rating.reasons),
        comment=rating.comment,
        bad=rating.level in BAD_LEVELS,
        contact_masked=contacts.masked(contact) if contact else None,
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
               Rating.channel, Rating.staff_code, Rating.created_at)
        .outerjoin(Terminal, Terminal.id == Rating.terminal_id)
        .where(Rating.excluded.is_(False), Rating.created_at >= since, Rating.created_at < until)
    )  # fmt: skip
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for level, matter, terminal, kind, channel, staff, created in rows:
        key = {
            GroupBy.MATTER: matter,
            GroupBy.TERMINAL: terminal or "—",
            GroupBy.KIND: kind or channel,
            GroupBy.CHANNEL: channel,
            GroupBy.STAFF: staff or "—",
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

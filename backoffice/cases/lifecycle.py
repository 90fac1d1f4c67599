"""The case lifecycle: a table of allowed transitions, and one function per transition's side
effects. `apply_action` is the only way a case changes state; every change writes a timeline
row and tells the session's transition listeners (`cases.hooks`: the daily rollup, the notices
to the units) in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from backoffice import refcache
from backoffice.access import Role
from backoffice.cases import descriptions, rules, time_limits
from backoffice.cases.hooks import hooks_of
from backoffice.cases.models import Case, CaseCounter, CaseEvent, CasePhoto, CaseType
from backoffice.cases.photos import Photo, PhotoKind, store_photo
from backoffice.cases.states import RUNNING_STATES, CaseAction, CaseSource, CaseState
from backoffice.errors import BadInput, Conflict
from backoffice.places.geometry import Point
from backoffice.places.service import Location
from backoffice.units.models import ResponsibleUnit

A = CaseAction
S = CaseState
NUMBER_PREFIX = "JSL"
LOCAL_ZONE = ZoneInfo("Asia/Shanghai")
MAX_EXTENSION_H = 24 * 30


@dataclass(frozen=True)
class Transition:
    """Who may take an action, from which states, to which state (None: the state stays)."""

    sources: frozenset[CaseState]
    target: CaseState | None
    roles: frozenset[Role] = frozenset()
    by_unit: bool = False  # the responsible unit itself (its token or its staff)
    needs_reason: bool = False
    system: bool = False  # taken only by the back office itself, never through the API


_LEADERS = frozenset({Role.SHIFT_LEADER, Role.ADMIN})
_DESK = frozenset({Role.OPERATOR, Role.CALL_TAKER, Role.SHIFT_LEADER, Role.ADMIN})
_DISPATCH = frozenset({Role.DISPATCHER, Role.OPERATOR, Role.SHIFT_LEADER, Role.ADMIN})
_CHECKERS = frozenset({Role.INSPECTOR, Role.OPERATOR, Role.SHIFT_LEADER, Role.ADMIN})

TRANSITIONS: dict[CaseAction, Transition] = {
    A.FILE: Transition(frozenset({S.REPORTED}), S.FILED, _DESK),
    A.DISPATCH: Transition(frozenset({S.FILED}), S.DISPATCHED, _DISPATCH),
    A.ACCEPT: Transition(frozenset({S.DISPATCHED}), S.HANDLING, by_unit=True),
    A.SEND_BACK: Transition(RUNNING_STATES, S.FILED, by_unit=True, needs_reason=True),
    A.REPORT_HANDLED: Transition(frozenset({S.HANDLING}), S.HANDLED, by_unit=True),
    A.REQUEST_EXTENSION: Transition(frozenset({S.HANDLING}), None, by_unit=True, needs_reason=True),
    A.APPROVE_EXTENSION: Transition(frozenset({S.HANDLING}), None, _LEADERS),
    A.REJECT_EXTENSION: Transition(frozenset({S.HANDLING}), None, _LEADERS, needs_reason=True),
    A.VERIFY: Transition(frozenset({S.HANDLED}), S.VERIFIED, _CHECKERS),
    A.RETURN: Transition(frozenset({S.HANDLED}), S.HANDLING, _CHECKERS, needs_reason=True),
    A.CLOSE: Transition(frozenset({S.VERIFIED}), S.CLOSED, _CHECKERS),
    A.HOLD: Transition(
        frozenset({S.FILED, S.DISPATCHED, S.HANDLING}), S.HELD, _LEADERS, needs_reason=True
    ),
    A.RESUME: Transition(frozenset({S.HELD}), S.FILED, _LEADERS),
    A.VOID: Transition(
        frozenset({S.REPORTED, S.FILED, S.DISPATCHED, S.HELD}),
        S.VOIDED,
        _DESK,
        needs_reason=True,
    ),
    A.ESCALATE: Transition(
        frozenset({S.DISPATCHED, S.HANDLING, S.HANDLED}), None, _LEADERS, needs_reason=True
    ),
    A.REOPEN: Transition(frozenset({S.CLOSED, S.VOIDED}), S.FILED, _LEADERS, needs_reason=True),
    A.RESOLVE: Transition(
        frozenset(S) - {S.CLOSED, S.VOIDED}, S.CLOSED, needs_reason=True, system=True
    ),
}


def allowed_actions(state: CaseState) -> list[CaseAction]:
    """What a person or a unit may do in this state (the system's own actions are not listed)."""
    return [action for action, t in TRANSITIONS.items() if state in t.sources and not t.system]


@dataclass(frozen=True)
class ActionInput:
    """What an action may carry: a reason, a unit (dispatch), hours (extension), photos."""

    reason: str = ""
    unit: ResponsibleUnit | None = None
    hours: float | None = None
    photos: tuple[Photo, ...] = ()
    photo_dir: Path | None = None
    by_rule: rules.RuleSpec | None = None
    # The reason as a fact the pages render in their language (cases/descriptions).
    reason_fact: dict[str, Any] | None = None


# --- creating a case -------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _next_serial(dialect: str) -> Any:
    # One upsert: the year's first number and every later one, safe when filings race (on
    # PostgreSQL two "first of the year" inserts would collide). Built once per dialect and
    # run as Core on the connection, skipping the ORM's bulk-update machinery.
    maker = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = maker(CaseCounter).values(year=bindparam("counter_year"), last=1)
    return stmt.on_conflict_do_update(
        index_elements=["year"], set_={"last": CaseCounter.last + 1}
    ).returning(CaseCounter.last)


def next_case_number(db: Session, now: datetime) -> str:
    year = now.astimezone(LOCAL_ZONE).year
    connection = db.connection()
    serial = connection.execute(
        _next_serial(connection.dialect.name), {"counter_year": year}
    ).scalar_one()
    return f"{NUMBER_PREFIX}-{year}-{serial:06d}"


def open_case(
    db: Session,
    *,
    source: CaseSource,
    case_type: CaseType,
    description: str,
    point: Point | None,
    where: Location,
    description_fact: dict[str, Any] | None = None,
    dedupe_key: str | None,
    reporter: str,
    photos: Sequence[Photo],
    now: datetime,
    photo_dir: Path,
) -> Case:
    road, grid, community, site = where.road, where.grid, where.community, where.site
    case = Case(
        number=next_case_number(db, now),
        source=source,
        type=case_type,
        state=S.REPORTED,
        priority=case_type.priority,
        description=description,
        description_fact=description_fact,
        lon=point[0] if point else None,
        lat=point[1] if point else None,
        road=road,
        road_distance_m=where.road_distance_m,
        grid=grid,
        community=community,
        place=site,
        escalation_level=0,
        time_limit_h=case_type.time_limit_h,
        working_hours=case_type.working_hours,
        dedupe_key=dedupe_key,
        report_count=1,
        reporter=reporter[:100],
        reported_at=now,
        updated_at=now,
        # Empty collections up front: appending to them then needs no query.
        photos=[],
        events=[],
    )
    # The foreign keys as well as the objects: listeners (the rollup) read them before the
    # case is flushed, and the case, its photos and its timeline go out in one flush.
    case.type_id = case_type.id
    case.road_id = road.id if road else None
    case.grid_id = grid.id if grid else None
    case.community_id = community.id if community else None
    case.place_id = site.id if site else None
    db.add(case)
    store_photos(db, case, photos, reporter or source.value, now, photo_dir)
    _record(db, case, "report", None, S.REPORTED, reporter or source.value, now, "")
    return case


def file_and_dispatch(
    db: Session,
    case: Case,
    *,
    actor: str,
    now: datetime,
    unit: ResponsibleUnit | None = None,
    decided: tuple[rules.RuleSpec, ResponsibleUnit] | None = None,
) -> None:
    """File a trusted report, then dispatch it to `unit`, or by rule, or leave it queued.
    `decided`: the rule and its unit, when the caller matched the rules before (`decide`)."""
    apply_action(db, case, A.FILE, ActionInput(), actor=actor, now=now)
    if unit is not None:
        apply_action(db, case, A.DISPATCH, ActionInput(unit=unit), actor=actor, now=now)
    elif decided is not None:
        _dispatch_by(db, case, decided[0], decided[1], now)
    else:
        dispatch_by_rule(db, case, now)


_ALL_UNITS = select(ResponsibleUnit)


def decide(db: Session, facts: rules.CaseFacts) -> tuple[rules.RuleSpec, ResponsibleUnit] | None:
    """The rule for these facts and its unit (from memory, as the rules are), or None: the
    manual queue."""
    rule = rules.dispatch_decision(db, facts)
    if rule is None:
        return None
    units = refcache.detached(db, "units.all", "rules", _ALL_UNITS, lambda u: u.id)
    unit = units.get(rule.unit_id) if rule.unit_id is not None else None
    if unit is None:  # a rule given as data, not loaded from the table
        return rule, db.get_one(ResponsibleUnit, rule.unit_id)
    return rule, refcache.attach(db, unit)


def dispatch_by_rule(db: Session, case: Case, now: datetime) -> bool:
    """Dispatch a filed case by the first matching rule; False leaves it in the manual queue."""
    decided = decide(db, rules.facts_for(case, now))
    if decided is None:
        return False
    _dispatch_by(db, case, decided[0], decided[1], now)
    return True


def _dispatch_by(
    db: Session, case: Case, rule: rules.RuleSpec, unit: ResponsibleUnit, now: datetime
) -> None:
    apply_action(
        db,
        case,
        A.DISPATCH,
        ActionInput(
            unit=unit,
            by_rule=rule,
            reason=f"rule {rule.code}",
            reason_fact=descriptions.fact(descriptions.RULE_DISPATCH, rule=rule.code),
        ),
        actor=f"rule:{rule.code}",
        now=now,
    )


def attach_evidence(
    db: Session,
    case: Case,
    photos: Sequence[Photo],
    actor: str,
    now: datetime,
    *,
    photo_dir: Path,
    source: CaseSource,
) -> None:
    """A duplicate report: its photos become evidence on the open case; the state stays."""
    evidence = [Photo(PhotoKind.EVIDENCE, p.content, p.content_type) for p in photos]
    store_photos(db, case, evidence, actor, now, photo_dir)
    # In SQL, not Python: duplicates filed at the same moment must each count (PostgreSQL).
    case.report_count = Case.report_count + 1
    case.updated_at = now
    _record(
        db, case, "attach_evidence", case.state, case.state, actor, now, f"duplicate from {source}"
    )


# --- applying actions ------------------------------------------------------------------------


def check_allowed(case: Case, action: CaseAction) -> Transition:
    transition = TRANSITIONS[action]
    if case.state not in transition.sources:
        allowed = [a.value for a in allowed_actions(case.state)]
        raise Conflict(
            f"Case {case.number} is {case.state}; it cannot take '{action}'. "
            f"Allowed now: {', '.join(allowed) if allowed else 'none'}.",
            allowed_actions=allowed,
            state=case.state.value,
        )
    return transition


def apply_action(
    db: Session,
    case: Case,
    action: CaseAction,
    data: ActionInput,
    *,
    actor: str,
    now: datetime,
) -> CaseEvent:
    """Check the transition, run its side effects, write the timeline row; 409 or 422 first."""
    transition = check_allowed(case, action)
    reason = data.reason.strip()
    if transition.needs_reason and not reason:
        raise BadInput(f"Give a reason to {action.value.replace('_', ' ')}.", field="reason")
    before = case.state
    target = transition.target or before
    _SIDE_EFFECTS[action](db, case, data, actor, now)
    case.state = target
    case.updated_at = now
    return _record(db, case, action.value, before, target, actor, now, reason, data.reason_fact)


def _record(
    db: Session,
    case: Case,
    action: str,
    before: CaseState | None,
    after: CaseState,
    actor: str,
    now: datetime,
    reason: str,
    reason_fact: dict[str, Any] | None = None,
) -> CaseEvent:
    event = CaseEvent(
        action=action,
        from_state=before,
        to_state=after,
        actor=actor[:100],
        at=now,
        reason=reason,
        reason_fact=reason_fact,
        unit_id=case.unit_id,
    )
    # No flush here: the rows go out with the caller's next flush or query (autoflush), so a
    # filing writes its case, photos and timeline in a few statements.
    case.events.append(event)
    for listener in hooks_of(db).listeners:
        listener(db, case, event)
    return event


def store_photos(
    db: Session,
    case: Case,
    photos: Sequence[Photo],
    actor: str,
    now: datetime,
    photo_dir: Path | None,
) -> None:
    if not photos:
        return
    if photo_dir is None:
        raise ValueError("photos need a photo folder")
    for photo in photos:
        path = store_photo(photo_dir, photo)
        case.photos.append(
            CasePhoto(
                kind=photo.kind,
                path=path,
                content_type=photo.content_type,
                size=len(photo.content),
                sha256=photo.sha256,
                taken_by=actor[:100],
                at=now,
            )
        )


def has_after_photo(case: Case) -> bool:
    return any(p.kind is PhotoKind.AFTER for p in case.photos)


# --- one function per transition's side effects ----------------------------------------------

SideEffect = Callable[[Session, Case, ActionInput, str, datetime], None]


def _file(_db: Session, case: Case, _data: ActionInput, _actor: str, now: datetime) -> None:
    case.filed_at = now


def _dispatch(db: Session, case: Case, data: ActionInput, _actor: str, now: datetime) -> None:
    if data.unit is None:
        raise BadInput("Name the responsible unit to dispatch to (unit_code).", field="unit_code")
    case.unit = data.unit
    case.unit_id = data.unit.id
    case.dispatched_by_rule = data.by_rule is not None
    case.dispatch_rule_id = data.by_rule.rule_id if data.by_rule else None
    case.dispatched_at = now
    time_limits.start(db, case, now)


def _accept(_db: Session, _case: Case, _data: ActionInput, _actor: str, _now: datetime) -> None:
    """Accepting changes nothing but the state; the timeline row records who and when."""


def _clear_dispatch(case: Case) -> None:
    case.unit = None
    case.unit_id = None
    case.dispatched_by_rule = None
    case.dispatch_rule_id = None
    case.dispatched_at = None
    time_limits.stop(case)
    case.supervisor_unit_id = None
    case.escalation_level = 0
    case.extension_requested_h = None
    case.extension_reason = None


def _send_back(_db: Session, case: Case, _data: ActionInput, _actor: str, _now: datetime) -> None:
    # The unit says the case is not theirs: it goes to the manual dispatch queue, not back to
    # the rule that chose this unit.
    _clear_dispatch(case)


def _report_handled(db: Session, case: Case, data: ActionInput, actor: str, now: datetime) -> None:
    after = [p for p in data.photos if p.kind is PhotoKind.AFTER]
    if not after:
        raise BadInput(
            "Reporting a case handled needs an after photo (kind 'after') of the fixed place.",
            field="photos",
        )
    store_photos(db, case, data.photos, actor, now, data.photo_dir)
    case.handled_at = now


def _request_extension(
    _db: Session, case: Case, data: ActionInput, _actor: str, _now: datetime
) -> None:
    if case.extension_requested_h is not None:
        raise Conflict(
            f"Case {case.number} already has an extension request of "
            f"{case.extension_requested_h:g} h waiting for approval."
        )
    if data.hours is None or not 0 < data.hours <= MAX_EXTENSION_H:
        raise BadInput(
            f"Ask for between 1 and {MAX_EXTENSION_H} hours of extension (hours).", field="hours"
        )
    case.extension_requested_h = data.hours
    case.extension_reason = data.reason.strip()


def _pending_extension(case: Case) -> float:
    if case.extension_requested_h is None:
        raise Conflict(f"Case {case.number} has no extension request to decide on.")
    return case.extension_requested_h


def _approve_extension(
    _db: Session, case: Case, _data: ActionInput, _actor: str, now: datetime
) -> None:
    time_limits.extend(case, _pending_extension(case), now)
    case.extension_requested_h = None
    case.extension_reason = None


def _reject_extension(
    _db: Session, case: Case, _data: ActionInput, _actor: str, _now: datetime
) -> None:
    _pending_extension(case)
    case.extension_requested_h = None
    case.extension_reason = None


def _require_after_photo(case: Case, action: CaseAction) -> None:
    if not has_after_photo(case):
        raise Conflict(
            f"Case {case.number} has no after photo; it cannot be {action.value}d until the "
            "unit or the camera supplies one."
        )


def _verify(_db: Session, case: Case, _data: ActionInput, _actor: str, _now: datetime) -> None:
    _require_after_photo(case, A.VERIFY)


def _return(_db: Session, case: Case, _data: ActionInput, _actor: str, _now: datetime) -> None:
    case.handled_at = None


def _close(_db: Session, case: Case, _data: ActionInput, _actor: str, now: datetime) -> None:
    _require_after_photo(case, A.CLOSE)
    case.closed_at = now


def _hold(_db: Session, _case: Case, _data: ActionInput, _actor: str, _now: datetime) -> None:
    """A held case keeps its unit until it resumes; the clock owner (sla) skips held cases."""


def _resume(_db: Session, case: Case, _data: ActionInput, _actor: str, _now: datetime) -> None:
    # Resumed cases are dispatched afresh (by rule, else the manual queue).
    _clear_dispatch(case)


def _void(_db: Session, _case: Case, _data: ActionInput, _actor: str, _now: datetime) -> None:
    """Voiding keeps everything for the record; only the state changes."""


def _escalate(_db: Session, case: Case, _data: ActionInput, _actor: str, _now: datetime) -> None:
    # 督办: the unit one level above the last supervisor (or above the responsible unit)
    # supervises; the responsible unit keeps the case.
    base = case.supervisor_unit or case.unit
    if base is None:
        raise Conflict(f"Case {case.number} has no responsible unit to supervise.")
    if base.parent is None:
        raise Conflict(
            f"Case {case.number} is supervised by {base.code} already, the top of the hierarchy."
        )
    case.supervisor_unit = base.parent
    case.supervisor_unit_id = base.parent.id
    case.escalation_level += 1


def _reopen(_db: Session, case: Case, _data: ActionInput, _actor: str, _now: datetime) -> None:
    case.closed_at = None
    case.handled_at = None
    _clear_dispatch(case)


def _resolve(_db: Session, case: Case, _data: ActionInput, _actor: str, now: datetime) -> None:
    # The cause is gone (the reason says how the system knows): nothing is left to handle or
    # verify, and the time limit stops with the close.
    case.closed_at = now
    case.extension_requested_h = None
    case.extension_reason = None


_SIDE_EFFECTS: dict[CaseAction, SideEffect] = {
    A.FILE: _file,
    A.DISPATCH: _dispatch,
    A.ACCEPT: _accept,
    A.SEND_BACK: _send_back,
    A.REPORT_HANDLED: _report_handled,
    A.REQUEST_EXTENSION: _request_extension,
    A.APPROVE_EXTENSION: _approve_extension,
    A.REJECT_EXTENSION: _reject_extension,
    A.VERIFY: _verify,
    A.RETURN: _return,
    A.CLOSE: _close,
    A.HOLD: _hold,
    A.RESUME: _resume,
    A.VOID: _void,
    A.ESCALATE: _escalate,
    A.REOPEN: _reopen,
    A.RESOLVE: _resolve,
}

# Actions after which the case is dispatched afresh.
REDISPATCH_AFTER = frozenset({A.RESUME, A.REOPEN})

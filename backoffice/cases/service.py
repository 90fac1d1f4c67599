"""Case queries, staff and unit actions on a case, and the editable taxonomy and rules."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from backoffice.access import Principal, Role, TokenKind
from backoffice.cases import lifecycle, rules, verification
from backoffice.cases.lifecycle import TRANSITIONS, ActionInput
from backoffice.cases.models import Case, CaseCategory, CasePhoto, CaseType, DispatchRule
from backoffice.cases.photos import PhotoKind
from backoffice.cases.schemas import (
    ActionIn,
    CaseOut,
    CaseSummary,
    CaseTypeOut,
    CaseTypeUpdate,
    DispatchStats,
    EventOut,
    PhotoOut,
    RuleIn,
    RuleOut,
)
from backoffice.cases.seed import parse_minute
from backoffice.cases.states import CaseAction, CaseState
from backoffice.errors import BadInput, Conflict, Forbidden, NotFound
from backoffice.places.models import Place
from backoffice.units.models import ResponsibleUnit

UNIT_ACTIONS = [a for a, t in TRANSITIONS.items() if t.by_unit]
Query = TypeVar("Query", bound=Select[Any])


def get_case(db: Session, ref: str) -> Case:
    case = db.scalars(select(Case).where(Case.number == ref)).first()
    if case is None:
        raise NotFound(f"No case has the number '{ref}'.")
    return case


def actor_name(principal: Principal) -> str:
    prefix = "unit" if principal.kind is TokenKind.UNIT else str(principal.role or principal.kind)
    return f"{prefix}:{principal.name}"


def is_unit_principal(principal: Principal) -> bool:
    return principal.kind is TokenKind.UNIT or principal.role is Role.UNIT_STAFF


def check_may(principal: Principal, case: Case, action: CaseAction) -> None:
    """403 unless this caller may take this action on this case (state is checked after)."""
    transition = TRANSITIONS[action]
    if transition.system:
        raise Forbidden(f"Only the back office itself may '{action}' a case.")
    if is_unit_principal(principal):
        if not transition.by_unit:
            allowed = ", ".join(a.value for a in UNIT_ACTIONS)
            raise Forbidden(f"A responsible unit may not '{action}'; it may: {allowed}.")
        if principal.unit_id is None or case.unit_id != principal.unit_id:
            raise Forbidden(f"Case {case.number} is not dispatched to your unit.")
        return
    if principal.role not in transition.roles:
        roles = ", ".join(sorted(transition.roles)) or "the responsible unit only"
        raise Forbidden(f"Your role '{principal.role}' may not '{action}'; it needs: {roles}.")


def perform(
    db: Session,
    case: Case,
    action: CaseAction,
    body: ActionIn,
    principal: Principal,
    now: datetime,
    photo_dir: Path,
) -> Case:
    check_may(principal, case, action)
    lifecycle.check_allowed(case, action)
    unit = None
    if action is CaseAction.DISPATCH:
        if not body.unit_code:
            raise BadInput("Name the unit to dispatch to (unit_code).", field="unit_code")
        unit = db.scalars(
            select(ResponsibleUnit).where(ResponsibleUnit.code == body.unit_code)
        ).first()
        if unit is None:
            raise BadInput(
                f"No responsible unit has the code '{body.unit_code}'.", field="unit_code"
            )
    photos = tuple(p.to_photo() for p in body.photos)
    data = ActionInput(
        reason=body.reason, unit=unit, hours=body.hours, photos=photos, photo_dir=photo_dir
    )
    actor = actor_name(principal)
    lifecycle.apply_action(db, case, action, data, actor=actor, now=now)
    if action is CaseAction.REPORT_HANDLED:
        verification.run_verifiers(db, case, now, photo_dir)
    elif action in lifecycle.REDISPATCH_AFTER:
        lifecycle.dispatch_by_rule(db, case, now)
    db.flush()
    return case


def close_on_outcome(db: Session, case: Case, outcome: str, actor: str, now: datetime) -> None:
    """Close a case whose follow-up elsewhere recorded the outcome (a bad rating's
    rectification): the system's resolve, with the outcome as its reason, so the case stops
    running against its time limit. A case closed or voided already is left as it is."""
    if case.state in (CaseState.CLOSED, CaseState.VOIDED):
        return
    lifecycle.apply_action(
        db, case, CaseAction.RESOLVE, ActionInput(reason=outcome), actor=actor, now=now
    )
    db.flush()


def visible(query: Query, principal: Principal) -> Query:
    """The cases of `query` the caller may see (the one rule the API and the pages share):
    the subdistrict's staff see every case; a responsible unit, by its token or its staff, only
    the cases dispatched to it."""
    if principal.is_subdistrict_staff:
        return query
    return query.where(Case.unit_id == (principal.unit_id or -1))


def list_cases(
    db: Session,
    principal: Principal,
    *,
    state: CaseState | None = None,
    unit_code: str | None = None,
    type_code: str | None = None,
    manual_queue: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> list[Case]:
    query: Select[Case] = select(Case).options(
        selectinload(Case.type).selectinload(CaseType.category),
        selectinload(Case.unit),
        selectinload(Case.road),
        selectinload(Case.grid),
        selectinload(Case.place),
    )
    query = visible(query, principal)
    if state is not None:
        query = query.where(Case.state == state)
    if unit_code is not None:
        query = query.join(ResponsibleUnit, Case.unit_id == ResponsibleUnit.id).where(
            ResponsibleUnit.code == unit_code
        )
    if type_code is not None:
        query = query.join(CaseType, Case.type_id == CaseType.id).where(CaseType.code == type_code)
    if manual_queue:
        query = query.where(Case.state == CaseState.FILED, Case.unit_id.is_(None))
    return list(db.scalars(query.order_by(Case.id.desc()).limit(limit).offset(offset)))


def dispatch_stats(db: Session, since: datetime | None, until: datetime | None) -> DispatchStats:
    """Cases first dispatched in the window: how many by rule, how many by a person."""
    query = select(Case.dispatched_by_rule, func.count()).where(Case.dispatched_at.is_not(None))
    if since is not None:
        query = query.where(Case.dispatched_at >= since)
    if until is not None:
        query = query.where(Case.dispatched_at < until)
    counts: dict[bool | None, int] = {
        by_rule: n for by_rule, n in db.execute(query.group_by(Case.dispatched_by_rule))
    }
    by_rule = counts.get(True, 0)
    by_person = counts.get(False, 0)
    total = by_rule + by_person
    queue = db.scalar(
        select(func.count()).where(Case.state == CaseState.FILED, Case.unit_id.is_(None))
    )
    return DispatchStats(
        dispatched=total,
        by_rule=by_rule,
        by_person=by_person,
        auto_dispatch_rate=round(by_rule / total, 4) if total else None,
        manual_queue=queue or 0,
    )


def photo_url(case: Case, photo: CasePhoto) -> str:
    return f"/api/v1/cases/{case.number}/photos/{photo.id}"


def get_photo(case: Case, photo_id: int) -> CasePhoto:
    for photo in case.photos:
        if photo.id == photo_id:
            return photo
    raise NotFound(f"Case {case.number} has no photo {photo_id}.")


def _photo_out(case: Case, photo: CasePhoto) -> PhotoOut:
    return PhotoOut(
        id=photo.id,
        kind=photo.kind,
        content_type=photo.content_type,
        size=photo.size,
        taken_by=photo.taken_by,
        at=photo.at,
        url=photo_url(case, photo),
    )


def photos_of(case: Case, kind: PhotoKind) -> list[PhotoOut]:
    return [_photo_out(case, p) for p in case.photos if p.kind is kind]


def _code(place: Place | ResponsibleUnit | None) -> str | None:
    return place.code if place is not None else None


def summarize(case: Case) -> CaseSummary:
    return CaseSummary(**_summary_fields(case))


def _summary_fields(case: Case) -> dict[str, object]:
    return {
        "number": case.number,
        "source": case.source,
        "state": case.state,
        "type_code": case.type.code,
        "type_name_zh": case.type.name_zh,
        "type_name_en": case.type.name_en,
        "category_code": case.type.category.code,
        "priority": case.priority,
        "description": case.description,
        "road_code": _code(case.road),
        "grid_code": _code(case.grid),
        "place_code": _code(case.place),
        "unit_code": _code(case.unit),
        "dispatched_by_rule": case.dispatched_by_rule,
        "due_at": case.due_at,
        "reported_at": case.reported_at,
        "report_count": case.report_count,
    }


def describe(db: Session, case: Case) -> CaseOut:
    rule_code = rules.rule_code(db, case.dispatch_rule_id) if case.dispatch_rule_id else None
    return CaseOut(
        **_summary_fields(case),
        lon=case.lon,
        lat=case.lat,
        road_name_zh=case.road.name_zh if case.road else None,
        road_distance_m=round(case.road_distance_m, 1)
        if case.road_distance_m is not None
        else None,
        community_code=_code(case.community),
        supervisor_unit_code=_code(case.supervisor_unit),
        escalation_level=case.escalation_level,
        dispatch_rule_code=rule_code,
        time_limit_h=case.time_limit_h,
        working_hours=case.working_hours,
        overdue_at=case.overdue_at,
        extension_requested_h=case.extension_requested_h,
        extension_reason=case.extension_reason,
        filed_at=case.filed_at,
        dispatched_at=case.dispatched_at,
        handled_at=case.handled_at,
        closed_at=case.closed_at,
        allowed_actions=lifecycle.allowed_actions(case.state),
        photos=[_photo_out(case, p) for p in case.photos],
        timeline=[
            EventOut(
                action=e.action,
                from_state=e.from_state,
                to_state=e.to_state,
                actor=e.actor,
                at=e.at,
                reason=e.reason,
                unit_code=_code(e.unit),
            )
            for e in case.events
        ],
    )


# --- taxonomy and rules, editable by an administrator ---------------------------------------


def describe_type(case_type: CaseType) -> CaseTypeOut:
    return CaseTypeOut(
        code=case_type.code,
        category_code=case_type.category.code,
        category_kind=case_type.category.kind,
        name_zh=case_type.name_zh,
        name_en=case_type.name_en,
        time_limit_h=case_type.time_limit_h,
        working_hours=case_type.working_hours,
        priority=case_type.priority,
        default_unit_kind=case_type.default_unit_kind,
        dedupe_radius_m=case_type.dedupe_radius_m,
        filing_criteria=case_type.filing_criteria,
        active=case_type.active,
    )


def list_types(db: Session, category_code: str | None = None) -> list[CaseType]:
    query = select(CaseType).join(CaseCategory).options(selectinload(CaseType.category))
    if category_code is not None:
        query = query.where(CaseCategory.code == category_code)
    return list(db.scalars(query.order_by(CaseType.code)))


def get_type(db: Session, code: str) -> CaseType:
    case_type = db.scalars(select(CaseType).where(CaseType.code == code)).first()
    if case_type is None:
        raise NotFound(f"No case type has the code '{code}'.")
    return case_type


def update_type(db: Session, case_type: CaseType, data: CaseTypeUpdate) -> CaseType:
    for key, value in data.model_dump(exclude_unset=True).items():
        if value is None:
            raise BadInput(f"{key} cannot be empty.", field=key)
        setattr(case_type, key, value)
    db.flush()
    return case_type


def describe_rule(rule: DispatchRule) -> RuleOut:
    def hhmm(minute: int | None) -> str | None:
        return None if minute is None else f"{minute // 60:02d}:{minute % 60:02d}"

    return RuleOut(
        code=rule.code,
        priority=rule.priority,
        unit_code=rule.unit.code,
        type_code=rule.type_code,
        category_code=rule.category_code,
        road_code=rule.road_code,
        grid_code=rule.grid_code,
        community_code=rule.community_code,
        place_code=rule.place_code,
        start=hhmm(rule.start_minute),
        end=hhmm(rule.end_minute),
        active=rule.active,
        note=rule.note,
    )


def list_rules(db: Session) -> list[DispatchRule]:
    return list(db.scalars(select(DispatchRule).order_by(DispatchRule.priority, DispatchRule.code)))


def get_rule(db: Session, code: str) -> DispatchRule:
    rule = db.scalars(select(DispatchRule).where(DispatchRule.code == code)).first()
    if rule is None:
        raise NotFound(f"No dispatch rule has the code '{code}'.")
    return rule


def _check_rule_refs(db: Session, data: RuleIn) -> int:
    unit = db.scalars(select(ResponsibleUnit).where(ResponsibleUnit.code == data.unit_code)).first()
    if unit is None:
        raise BadInput(f"No responsible unit has the code '{data.unit_code}'.", field="unit_code")
    if (
        data.type_code
        and db.scalar(select(CaseType.id).where(CaseType.code == data.type_code)) is None
    ):
        raise BadInput(f"Unknown case type '{data.type_code}'.", field="type_code")
    if (
        data.category_code
        and db.scalar(select(CaseCategory.id).where(CaseCategory.code == data.category_code))
        is None
    ):
        raise BadInput(f"Unknown case category '{data.category_code}'.", field="category_code")
    for field in ("road_code", "grid_code", "community_code", "place_code"):
        code = getattr(data, field)
        if code and db.scalar(select(Place.id).where(Place.code == code)) is None:
            raise BadInput(f"Unknown place '{code}'.", field=field)
    if (data.start is None) != (data.end is None):
        raise BadInput("Give both start and end of the time window, or neither.", field="start")
    try:
        parse_minute(data.start)
        parse_minute(data.end)
    except ValueError as exc:
        raise BadInput(str(exc), field="start") from exc
    return unit.id


def save_rule(db: Session, data: RuleIn, rule: DispatchRule | None = None) -> DispatchRule:
    unit_id = _check_rule_refs(db, data)
    if rule is None:
        if db.scalar(select(DispatchRule.id).where(DispatchRule.code == data.code)) is not None:
            raise Conflict(f"A dispatch rule with the code '{data.code}' exists already.")
        rule = DispatchRule(code=data.code)
        db.add(rule)
    elif data.code != rule.code:
        raise BadInput("A rule's code cannot change; create a new rule instead.", field="code")
    rule.priority = data.priority
    rule.unit_id = unit_id
    rule.type_code = data.type_code
    rule.category_code = data.category_code
    rule.road_code = data.road_code
    rule.grid_code = data.grid_code
    rule.community_code = data.community_code
    rule.place_code = data.place_code
    rule.start_minute = parse_minute(data.start)
    rule.end_minute = parse_minute(data.end)
    rule.active = data.active
    rule.note = data.note
    db.flush()
    db.refresh(rule, ["unit"])
    return rule

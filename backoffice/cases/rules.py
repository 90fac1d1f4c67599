"""Rule-based dispatch: rules are DB rows; matching is a small pure function.

`dispatch_decision` takes the active rules (kept in memory, in priority order, until a rule
or unit is edited: see `refcache`) and picks the first that matches the case's facts, so it
can be called (and timed) on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice import refcache
from backoffice.cases.models import Case, DispatchRule
from backoffice.units.models import ResponsibleUnit

LOCAL_ZONE = ZoneInfo("Asia/Shanghai")
MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class RuleSpec:
    """A dispatch rule as plain data. None in a criterion means 'any'."""

    code: str
    priority: int
    unit_code: str
    type_code: str | None = None
    category_code: str | None = None
    road_code: str | None = None
    grid_code: str | None = None
    community_code: str | None = None
    place_code: str | None = None
    start_minute: int | None = None
    end_minute: int | None = None
    rule_id: int | None = None
    unit_id: int | None = None


@dataclass(frozen=True)
class CaseFacts:
    """What a rule can look at: the case's type and place, and the local minute of the day."""

    type_code: str
    category_code: str
    minute_of_day: int
    road_code: str | None = None
    grid_code: str | None = None
    community_code: str | None = None
    place_code: str | None = None


def in_window(minute: int, start: int | None, end: int | None) -> bool:
    """Start inclusive, end exclusive; a window with start > end wraps past midnight."""
    if start is None or end is None or start == end:
        return True
    if start < end:
        return start <= minute < end
    return minute >= start or minute < end


def rule_matches(rule: RuleSpec, facts: CaseFacts) -> bool:
    pairs = (
        (rule.type_code, facts.type_code),
        (rule.category_code, facts.category_code),
        (rule.road_code, facts.road_code),
        (rule.grid_code, facts.grid_code),
        (rule.community_code, facts.community_code),
        (rule.place_code, facts.place_code),
    )
    if any(wanted is not None and wanted != actual for wanted, actual in pairs):
        return False
    return in_window(facts.minute_of_day, rule.start_minute, rule.end_minute)


def _order(rule: RuleSpec) -> tuple[int, str]:
    return (rule.priority, rule.code)


def match_rule(rules: Iterable[RuleSpec], facts: CaseFacts) -> RuleSpec | None:
    """The first matching rule in priority order (ties broken by code), or None."""
    return _first_match(sorted(rules, key=_order), facts)


def _first_match(ordered: Sequence[RuleSpec], facts: CaseFacts) -> RuleSpec | None:
    for rule in ordered:
        if rule_matches(rule, facts):
            return rule
    return None


def minute_of_day(moment: datetime) -> int:
    local = moment.astimezone(LOCAL_ZONE)
    return local.hour * 60 + local.minute


def facts_for(case: Case, now: datetime) -> CaseFacts:
    return CaseFacts(
        type_code=case.type.code,
        category_code=case.type.category.code,
        minute_of_day=minute_of_day(now),
        road_code=case.road.code if case.road else None,
        grid_code=case.grid.code if case.grid else None,
        community_code=case.community.code if case.community else None,
        place_code=case.place.code if case.place else None,
    )


def load_rules(db: Session) -> list[RuleSpec]:
    """The active rules as plain data (a Core query: dispatch runs on every filing)."""
    rows = db.execute(
        select(
            DispatchRule.code,
            DispatchRule.priority,
            ResponsibleUnit.code,
            DispatchRule.type_code,
            DispatchRule.category_code,
            DispatchRule.road_code,
            DispatchRule.grid_code,
            DispatchRule.community_code,
            DispatchRule.place_code,
            DispatchRule.start_minute,
            DispatchRule.end_minute,
            DispatchRule.id,
            DispatchRule.unit_id,
        )
        .join(ResponsibleUnit, DispatchRule.unit_id == ResponsibleUnit.id)
        .where(DispatchRule.active.is_(True))
    ).all()
    return [RuleSpec(*row) for row in rows]


def _ordered_rules(db: Session) -> tuple[RuleSpec, ...]:
    return tuple(sorted(load_rules(db), key=_order))


def active_rules(db: Session) -> tuple[RuleSpec, ...]:
    """The active rules in priority order, from memory while no rule or unit has changed."""
    return refcache.cached(db, "rules.active", "rules", _ordered_rules)


def rule_code(db: Session, rule_id: int) -> str | None:
    """A rule's code (codes never change), from memory for the active rules."""
    for rule in active_rules(db):
        if rule.rule_id == rule_id:
            return rule.code
    return db.scalar(select(DispatchRule.code).where(DispatchRule.id == rule_id))


def dispatch_decision(
    db: Session, facts: CaseFacts, rules: Sequence[RuleSpec] | None = None
) -> RuleSpec | None:
    """The rule that dispatches a case with these facts, or None (manual dispatch queue)."""
    if rules is None:
        return _first_match(active_rules(db), facts)
    return match_rule(rules, facts)

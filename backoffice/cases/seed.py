"""Reference data from assets/: units, places, the case taxonomy and the dispatch rules."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases.models import DispatchRule
from backoffice.cases.taxonomy import CASES_DIR, seed_taxonomy
from backoffice.places.seed import seed_places
from backoffice.units.models import ResponsibleUnit
from backoffice.units.seed import seed_units

RULES_FILE = CASES_DIR / "dispatch_rules.json"


def parse_minute(value: str | None) -> int | None:
    """'22:30' -> 1350 minutes after midnight; None stays None."""
    if value is None:
        return None
    hours, _, minutes = value.partition(":")
    minute = int(hours) * 60 + int(minutes or 0)
    if not 0 <= minute < 24 * 60 or len(minutes) != 2:
        raise ValueError(f"a time of day is HH:MM between 00:00 and 23:59, not {value!r}")
    return minute


def seed_rules(db: Session, path: Path = RULES_FILE) -> int:
    rows: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    units = {u.code: u.id for u in db.scalars(select(ResponsibleUnit))}
    rules = {r.code: r for r in db.scalars(select(DispatchRule))}
    for row in rows:
        if row["unit_code"] not in units:
            raise ValueError(
                f"{path.name}: rule {row['code']} names unknown unit {row['unit_code']}"
            )
        rule = rules.get(row["code"])
        if rule is None:
            rule = DispatchRule(code=row["code"], active=True)
            db.add(rule)
            rules[rule.code] = rule
        rule.priority = int(row["priority"])
        rule.unit_id = units[row["unit_code"]]
        for key in (
            "type_code",
            "category_code",
            "road_code",
            "grid_code",
            "community_code",
            "place_code",
        ):
            setattr(rule, key, row.get(key))
        rule.start_minute = parse_minute(row.get("start"))
        rule.end_minute = parse_minute(row.get("end"))
        rule.note = row.get("note", "")
    db.flush()
    return len(rows)


@dataclass(frozen=True)
class SeedCounts:
    units: int
    places: int
    case_types: int
    dispatch_rules: int


def seed_reference_data(db: Session) -> SeedCounts:
    """Load everything from assets/, adding what is missing and updating what changed; safe
    to run again (rows the files do not mention are left alone)."""
    return SeedCounts(
        units=seed_units(db),
        places=seed_places(db),
        case_types=seed_taxonomy(db),
        dispatch_rules=seed_rules(db),
    )

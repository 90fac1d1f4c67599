"""Seed the responsible-unit hierarchy from assets/cases/units.json (add or update)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.units.models import HandlingLevel, ResponsibleUnit

UNITS_FILE = Path(__file__).resolve().parents[2] / "assets" / "cases" / "units.json"


def seed_units(db: Session, path: Path = UNITS_FILE) -> int:
    """Upsert every unit in the file, parents before children; returns how many it holds."""
    rows: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    by_code = {u.code: u for u in db.scalars(select(ResponsibleUnit))}
    for row in rows:
        unit = by_code.get(row["code"])
        if unit is None:
            unit = ResponsibleUnit(code=row["code"])
            db.add(unit)
            by_code[unit.code] = unit
        unit.name_zh = row["name_zh"]
        unit.name_en = row["name_en"]
        unit.kind = row["kind"]
        unit.level = HandlingLevel(row["level"])
        parent_code = row.get("parent_code")
        if parent_code is not None and parent_code not in by_code:
            raise ValueError(f"{path.name}: unit {row['code']} names unknown parent {parent_code}")
        unit.parent = by_code[parent_code] if parent_code else None
    db.flush()
    return len(rows)

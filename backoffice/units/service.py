"""Look up and create responsible units."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.errors import BadInput, Conflict, NotFound
from backoffice.units.models import ResponsibleUnit
from backoffice.units.schemas import UnitCreate, UnitOut, UnitUpdate


def get_unit(db: Session, code: str) -> ResponsibleUnit:
    unit = db.scalars(select(ResponsibleUnit).where(ResponsibleUnit.code == code)).first()
    if unit is None:
        raise NotFound(f"No responsible unit has the code '{code}'.")
    return unit


def create_unit(db: Session, data: UnitCreate) -> ResponsibleUnit:
    if db.scalars(select(ResponsibleUnit.id).where(ResponsibleUnit.code == data.code)).first():
        raise Conflict(f"A responsible unit with the code '{data.code}' exists already.")
    parent = get_unit(db, data.parent_code) if data.parent_code else None
    unit = ResponsibleUnit(
        code=data.code,
        name_zh=data.name_zh,
        name_en=data.name_en,
        kind=data.kind,
        level=data.level,
        parent_id=parent.id if parent else None,
    )
    db.add(unit)
    db.flush()
    return unit


def update_unit(db: Session, unit: ResponsibleUnit, data: UnitUpdate) -> ResponsibleUnit:
    given = data.model_fields_set
    for key in ("name_zh", "name_en", "kind", "level"):
        if key in given:
            value = getattr(data, key)
            if value is None:
                raise BadInput(f"{key} cannot be empty.", field=key)
            setattr(unit, key, value)
    if "parent_code" in given:
        parent = get_unit(db, data.parent_code) if data.parent_code else None
        ancestor = parent
        while ancestor is not None:
            if ancestor.id == unit.id:
                raise BadInput(
                    f"{data.parent_code} sits below {unit.code}; a unit cannot be its own "
                    "ancestor.",
                    field="parent_code",
                )
            ancestor = ancestor.parent
        unit.parent = parent
    db.flush()
    return unit


def ancestors(unit: ResponsibleUnit) -> list[ResponsibleUnit]:
    """The unit's parent, its parent's parent, ... up to the root ("one level up", repeated)."""
    chain = []
    current = unit.parent
    while current is not None:
        chain.append(current)
        current = current.parent
    return chain


def describe(unit: ResponsibleUnit) -> UnitOut:
    return UnitOut(
        code=unit.code,
        name_zh=unit.name_zh,
        name_en=unit.name_en,
        kind=unit.kind,
        level=unit.level,
        parent_code=unit.parent.code if unit.parent else None,
    )

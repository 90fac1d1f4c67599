"""Responsible units: list, read (a unit reaches only itself), create and change them. Their
bearer tokens are issued by the identity API (`POST /api/v1/units/{code}/tokens`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from sqlalchemy import select

from backoffice.access import SUBDISTRICT_ROLES, Principal, Role, authorize
from backoffice.deps import DbSession
from backoffice.units import service
from backoffice.units.models import ResponsibleUnit
from backoffice.units.schemas import UnitCreate, UnitOut, UnitUpdate

router = APIRouter(prefix="/api/v1/units", tags=["units"])

Admin = Annotated[Principal, authorize(Role.ADMIN)]
SubdistrictStaff = Annotated[Principal, authorize(*SUBDISTRICT_ROLES)]
UnitInScope = Annotated[
    ResponsibleUnit, authorize(*SUBDISTRICT_ROLES, units=True, load=service.get_unit)
]
AdminUnit = Annotated[ResponsibleUnit, authorize(Role.ADMIN, load=service.get_unit)]


@router.get("")
def list_units(db: DbSession, _staff: SubdistrictStaff) -> list[UnitOut]:
    units = db.scalars(select(ResponsibleUnit).order_by(ResponsibleUnit.code))
    return [service.describe(u) for u in units]


@router.get("/{ref}")
def get_unit(unit: UnitInScope) -> UnitOut:
    return service.describe(unit)


@router.post("", status_code=201)
def create_unit(body: UnitCreate, db: DbSession, _admin: Admin) -> UnitOut:
    return service.describe(service.create_unit(db, body))


@router.patch("/{ref}")
def update_unit(body: UnitUpdate, unit: AdminUnit, db: DbSession) -> UnitOut:
    """Rename a unit, change its kind or level, or move it under another parent."""
    return service.describe(service.update_unit(db, unit, body))

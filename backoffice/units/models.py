"""Responsible units form a tree over the handling levels, so 'one level up' is defined."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.access import Scope
from backoffice.db import Base, str_enum


class HandlingLevel(StrEnum):
    """From the city platform down to the building group (三级平台 五级应用 七级处置)."""

    CITY = "city"
    DISTRICT = "district"
    SUBDISTRICT = "subdistrict"
    COMMUNITY = "community"
    COMPOUND = "compound"
    BUILDING = "building"
    PARK = "park"
    BUILDING_GROUP = "building_group"


class ResponsibleUnit(Base):
    __tablename__ = "responsible_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(150))
    kind: Mapped[str] = mapped_column(String(40))
    level: Mapped[HandlingLevel] = mapped_column(str_enum(HandlingLevel))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("responsible_units.id"))

    parent: Mapped[ResponsibleUnit | None] = relationship(remote_side=[id])

    def access_scope(self) -> Scope:
        return Scope(unit_id=self.id)

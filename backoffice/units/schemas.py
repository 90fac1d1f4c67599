"""Request and response bodies of the responsible-units API."""

from __future__ import annotations

from pydantic import BaseModel, Field

from backoffice.units.models import HandlingLevel


class UnitCreate(BaseModel):
    code: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{1,39}$")
    name_zh: str = Field(min_length=1, max_length=100)
    name_en: str = Field(min_length=1, max_length=150)
    kind: str = Field(min_length=1, max_length=40)
    level: HandlingLevel
    parent_code: str | None = None


class UnitOut(BaseModel):
    code: str
    name_zh: str
    name_en: str
    kind: str
    level: HandlingLevel
    parent_code: str | None


class UnitUpdate(BaseModel):
    """Fields left out stay as they are; parent_code null makes the unit a root."""

    name_zh: str | None = Field(default=None, min_length=1, max_length=100)
    name_en: str | None = Field(default=None, min_length=1, max_length=150)
    kind: str | None = Field(default=None, min_length=1, max_length=40)
    level: HandlingLevel | None = None
    parent_code: str | None = None

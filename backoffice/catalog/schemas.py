"""Catalog bodies: guides in Chinese and English, items, categories, the whole catalog."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from backoffice.catalog.models import ItemKind
from backoffice.catalog.queries import Asks, Source
from backoffice.fleet.models import TerminalKind

CODE = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$"


class Text(BaseModel):
    model_config = ConfigDict(extra="forbid")

    zh: str = Field(min_length=1, max_length=2000)
    en: str = Field(min_length=1, max_length=2000)


class Material(BaseModel):
    """A required document, and the yes/no question the kiosk's pre-check asks about it."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=CODE)
    name: Text
    question: Text
    required: bool = True


class Guide(BaseModel):
    """办事指南: what a resident needs to know before going to the counter."""

    model_config = ConfigDict(extra="forbid")

    summary: Text
    steps: list[Text] = Field(min_length=1, max_length=20)
    materials: list[Material] = Field(default_factory=list, max_length=30)
    place: Text
    hours: Text
    fee: Text
    time_limit: Text
    legal_basis: Text


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category_code: str = Field(pattern=CODE)
    kind: ItemKind
    name: Text
    high_frequency: bool = False
    no_certificate: bool = False
    terminal_kinds: list[TerminalKind] = Field(min_length=1)
    office_code: str = Field(pattern=CODE)
    guide: Guide
    position: int = Field(default=0, ge=0, le=10_000)


class ItemOut(ItemIn):
    code: str


class CategoryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text
    position: int = Field(default=0, ge=0, le=10_000)


class CategoryOut(BaseModel):
    code: str
    name: Text
    items: list[ItemOut]


class QueryOut(BaseModel):
    """How a kiosk answers a query (assets/catalog/queries.json): who answers, what to ask."""

    source: Source
    asks: Asks


class CatalogOut(BaseModel):
    version: int
    terminal_kind: TerminalKind | None
    categories: list[CategoryOut]
    high_frequency: list[str]
    no_certificate: list[str]
    queries: dict[str, QueryOut] = Field(
        default_factory=dict,
        description="The shown queries that answer: GET /api/v1/queries/{code} (the catalog's "
        "own guides but)",
    )


class CategorySaved(BaseModel):
    code: str
    version: int = Field(description="The catalog's version after the change.")

"""Catalog rows: categories, matters (and queries) with guides, and the catalog's version."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.db import Base, UTCDateTime, str_enum


class ItemKind(StrEnum):
    MATTER = "matter"  # 事项: something a person applies for
    QUERY = "query"  # 查询: something a person looks up


class CatalogCategory(Base):
    __tablename__ = "catalog_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(150))
    position: Mapped[int] = mapped_column(default=0)


class CatalogItem(Base):
    """A matter or a query, with its guide (steps, materials, place, hours, fees, …)."""

    __tablename__ = "catalog_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("catalog_categories.id"), index=True)
    kind: Mapped[ItemKind] = mapped_column(str_enum(ItemKind))
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(200))
    high_frequency: Mapped[bool] = mapped_column(default=False)
    no_certificate: Mapped[bool] = mapped_column(default=False)
    terminal_kinds: Mapped[list[str]] = mapped_column(JSON)
    # The responsible unit (office) that handles the matter and answers for its ratings.
    office_code: Mapped[str] = mapped_column(String(40))
    guide: Mapped[dict[str, Any]] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    category: Mapped[CatalogCategory] = relationship()


class CatalogVersion(Base):
    """One row per change: the newest row's number is the catalog's version (and ETag)."""

    __tablename__ = "catalog_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    changed_by: Mapped[str] = mapped_column(String(100))
    what: Mapped[str] = mapped_column(String(200))

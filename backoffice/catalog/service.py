"""Read, edit and seed the catalog; every edit bumps the version that the ETag carries."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.catalog import queries
from backoffice.catalog.models import CatalogCategory, CatalogItem, CatalogVersion, ItemKind
from backoffice.catalog.schemas import (
    CatalogOut,
    CategoryIn,
    CategoryOut,
    Guide,
    ItemIn,
    ItemOut,
    QueryOut,
    Text,
)
from backoffice.errors import BadInput, DomainError, NotFound
from backoffice.fleet.models import TerminalKind
from backoffice.units.models import HandlingLevel, ResponsibleUnit

SEED_FILE = Path(__file__).resolve().parents[2] / "assets" / "catalog" / "catalog.json"
_ETAG = re.compile(r'^(?:W/)?"catalog-(\d+)-[a-z0-9_-]+"$')


class PreconditionFailed(DomainError):
    status_code = 412


def version(db: Session) -> int:
    return int(db.scalar(select(func.coalesce(func.max(CatalogVersion.id), 0))) or 0)


def etag(number: int, kind: TerminalKind | None) -> str:
    return f'"catalog-{number}-{kind.value if kind else "all"}"'


def check_if_match(db: Session, if_match: str | None) -> None:
    """An edit sent with If-Match must start from the current version (no lost updates)."""
    if if_match is None or if_match.strip() == "*":
        return
    current = version(db)
    tags = [t.strip() for t in if_match.split(",")]
    numbers = {int(m.group(1)) for t in tags if (m := _ETAG.match(t))}
    if current not in numbers:
        raise PreconditionFailed(
            f"The catalog changed since you loaded it (now version {current}); reload and "
            "apply your edit again.",
            version=current,
        )


def _bump(db: Session, by: str, what: str, now: datetime) -> int:
    row = CatalogVersion(changed_at=now, changed_by=by, what=what[:200])
    db.add(row)
    db.flush()
    return row.id


def get_item(db: Session, code: str) -> CatalogItem:
    item = db.scalars(select(CatalogItem).where(CatalogItem.code == code)).first()
    if item is None or not item.active:
        raise NotFound(f"No catalog matter or query has the code '{code}'.")
    return item


def item_out(item: CatalogItem) -> ItemOut:
    return ItemOut(
        code=item.code,
        category_code=item.category.code,
        kind=item.kind,
        name=Text(zh=item.name_zh, en=item.name_en),
        high_frequency=item.high_frequency,
        no_certificate=item.no_certificate,
        terminal_kinds=[TerminalKind(k) for k in item.terminal_kinds],
        office_code=item.office_code,
        guide=Guide.model_validate(item.guide),
        position=item.position,
    )


def services_tag(enabled: list[str]) -> str:
    """A short digest of a terminal's enabled services and of the query table (which ships
    with the back office, not in the database), part of its catalog's ETag."""
    mixed = ",".join(sorted(enabled)) + "|" + queries.digest()
    return hashlib.sha256(mixed.encode()).hexdigest()[:12]


def build(db: Session, kind: TerminalKind | None, enabled: list[str] | None = None) -> CatalogOut:
    """The catalog a terminal of `kind` shows (all of it when no kind is given), limited to
    `enabled` matter codes when the terminal names some."""
    categories = list(db.scalars(select(CatalogCategory).order_by(CatalogCategory.position)))
    items = db.scalars(
        select(CatalogItem)
        .where(CatalogItem.active.is_(True))
        .order_by(CatalogItem.position, CatalogItem.code)
    )
    by_category: dict[int, list[ItemOut]] = {c.id: [] for c in categories}
    for item in items:
        if (kind is None or kind.value in item.terminal_kinds) and (
            not enabled or item.code in enabled
        ):
            by_category[item.category_id].append(item_out(item))
    shown = [
        CategoryOut(code=c.code, name=Text(zh=c.name_zh, en=c.name_en), items=by_category[c.id])
        for c in categories
        if by_category[c.id]
    ]
    every = [i for c in shown for i in c.items]
    return CatalogOut(
        version=version(db),
        terminal_kind=kind,
        categories=shown,
        high_frequency=[i.code for i in every if i.high_frequency],
        no_certificate=[i.code for i in every if i.no_certificate],
        queries=queries_out(i.code for i in every),
    )


def queries_out(codes: Iterable[str]) -> dict[str, QueryOut]:
    """What the query table says of each of `codes` that is one of its queries."""
    out = {}
    for code in codes:
        query = queries.spec(code)
        if query is not None:
            out[code] = QueryOut(source=query.source, asks=query.asks)
    return out


def office_name(db: Session, code: str) -> ResponsibleUnit | None:
    return db.scalars(select(ResponsibleUnit).where(ResponsibleUnit.code == code)).first()


def put_item(db: Session, code: str, data: ItemIn, *, by: str, now: datetime) -> CatalogItem:
    """Create or replace a matter or query."""
    if not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$", code):
        raise BadInput("A catalog code has 1-40 letters, digits, '.', '_' or '-'.")
    category = db.scalars(
        select(CatalogCategory).where(CatalogCategory.code == data.category_code)
    ).first()
    if category is None:
        raise BadInput(f"No catalog category has the code '{data.category_code}'.")
    if office_name(db, data.office_code) is None:
        raise BadInput(
            f"No responsible unit has the code '{data.office_code}'; name the office that "
            "handles this matter."
        )
    if data.no_certificate and data.kind is not ItemKind.QUERY:
        raise BadInput("Only a query can be a no-certificate query.")
    item = db.scalars(select(CatalogItem).where(CatalogItem.code == code)).first()
    if item is None:
        item = CatalogItem(code=code)
        db.add(item)
    item.category_id = category.id
    item.kind = data.kind
    item.name_zh, item.name_en = data.name.zh, data.name.en
    item.high_frequency = data.high_frequency
    item.no_certificate = data.no_certificate
    item.terminal_kinds = [k.value for k in data.terminal_kinds]
    item.office_code = data.office_code
    item.guide = data.guide.model_dump(mode="json")
    item.position = data.position
    item.active = True
    db.flush()
    _bump(db, by, f"item {code}", now)
    db.refresh(item, ["category"])
    return item


def retire_item(db: Session, item: CatalogItem, *, by: str, now: datetime) -> None:
    item.active = False
    _bump(db, by, f"retired {item.code}", now)


def put_category(
    db: Session, code: str, data: CategoryIn, *, by: str, now: datetime
) -> CatalogCategory:
    if not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$", code):
        raise BadInput("A category code has 1-40 letters, digits, '.', '_' or '-'.")
    category = db.scalars(select(CatalogCategory).where(CatalogCategory.code == code)).first()
    if category is None:
        category = CatalogCategory(code=code)
        db.add(category)
    category.name_zh, category.name_en = data.name.zh, data.name.en
    category.position = data.position
    db.flush()
    _bump(db, by, f"category {code}", now)
    return category


# --- seed -------------------------------------------------------------------------------------


def _text(value: Any) -> dict[str, str]:
    return {"zh": value["zh"], "en": value["en"]}


def expand_seed(raw: dict[str, Any]) -> tuple[list[dict[str, Any]], list[tuple[str, ItemIn]]]:
    """Turn the compact seed file (category defaults, shared materials) into full items."""
    materials = raw["materials"]
    categories: list[dict[str, Any]] = []
    items: list[tuple[str, ItemIn]] = []
    position = 0
    for c_pos, category in enumerate(raw["categories"]):
        categories.append({"code": category["code"], "name": category["name"], "position": c_pos})
        defaults = category["defaults"]
        for entry in category["items"]:
            position += 1
            kind = ItemKind(entry.get("kind", "matter"))
            base = raw["query_defaults"] if kind is ItemKind.QUERY else defaults
            guide = {
                "summary": entry.get("summary", entry["name"]),
                "steps": entry.get("steps", base["steps"]),
                "materials": [
                    {"code": code, **materials[code]} for code in entry.get("materials", [])
                ],
                **{
                    name: entry.get(name, base.get(name, defaults.get(name)))
                    for name in ("place", "hours", "fee", "time_limit", "legal_basis")
                },
            }
            items.append(
                (
                    entry["code"],
                    ItemIn(
                        category_code=category["code"],
                        kind=kind,
                        name=Text(**_text(entry["name"])),
                        high_frequency=entry.get("high_frequency", False),
                        no_certificate=entry.get("no_certificate", False),
                        terminal_kinds=entry.get(
                            "terminal_kinds", category.get("terminal_kinds", list(TerminalKind))
                        ),
                        office_code=entry.get("office", defaults["office"]),
                        guide=Guide.model_validate(guide),
                        position=position,
                    ),
                )
            )
    return categories, items


def load_seed(db: Session, now: datetime, path: Path = SEED_FILE) -> int:
    """Add the seed offices, categories and items that are missing; returns items added."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    parent = office_name(db, raw.get("offices_parent", ""))
    for office in raw["offices"]:
        if office_name(db, office["code"]) is None:
            db.add(
                ResponsibleUnit(
                    code=office["code"],
                    name_zh=office["name"]["zh"],
                    name_en=office["name"]["en"],
                    kind="service_office",
                    level=HandlingLevel.SUBDISTRICT,
                    parent_id=parent.id if parent else None,
                )
            )
    db.flush()
    categories, items = expand_seed(raw)
    added = 0
    for category in categories:
        exists = db.scalars(
            select(CatalogCategory.id).where(CatalogCategory.code == category["code"])
        ).first()
        if exists is None:
            db.add(
                CatalogCategory(
                    code=category["code"],
                    name_zh=category["name"]["zh"],
                    name_en=category["name"]["en"],
                    position=category["position"],
                )
            )
    db.flush()
    ids = {c.code: c.id for c in db.scalars(select(CatalogCategory))}
    known = set(db.scalars(select(CatalogItem.code)))
    for code, data in items:
        if code in known:
            continue
        db.add(
            CatalogItem(
                code=code,
                category_id=ids[data.category_code],
                kind=data.kind,
                name_zh=data.name.zh,
                name_en=data.name.en,
                high_frequency=data.high_frequency,
                no_certificate=data.no_certificate,
                terminal_kinds=[k.value for k in data.terminal_kinds],
                office_code=data.office_code,
                guide=data.guide.model_dump(mode="json"),
                position=data.position,
                active=True,
            )
        )
        added += 1
    db.flush()
    if added:
        _bump(db, "seed", f"seed: {added} items", now)
    return added

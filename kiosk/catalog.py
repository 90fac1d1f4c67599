"""The service catalog as plain Python: fetched with its ETag, cached on disk, read offline; the
guide's pages and the material pre-check."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import requests

logger = logging.getLogger(__name__)

CATALOG_PATH = "/api/v1/catalog/mine"
# Home tiles that open lists from the catalog; the others lead to their own screens.
CATALOG_TILES = frozenset(
    {"tile.high_frequency", "tile.guides", "tile.no_certificate", "tile.one_tap_consult"}
)
Sender = Callable[[str, str, bytes, dict[str, str]], requests.Response]


class Refresh(StrEnum):
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    OFFLINE = "offline"


@dataclass(frozen=True)
class Material:
    code: str
    name: dict[str, str]
    question: dict[str, str]
    required: bool


@dataclass(frozen=True)
class Matter:
    """One matter or no-certificate query, with its guide (texts keyed by language)."""

    code: str
    category_code: str
    kind: str
    name: dict[str, str]
    steps: tuple[dict[str, str], ...]
    materials: tuple[Material, ...]
    place: dict[str, str]
    hours: dict[str, str]
    fee: dict[str, str]
    time_limit: dict[str, str]

    def missing(self, ticked: set[str]) -> list[Material]:
        """The required materials the person has not ticked, in the guide's order."""
        return [m for m in self.materials if m.required and m.code not in ticked]


@dataclass(frozen=True)
class QueryInfo:
    """How a query answers (the back office's query table): ``source`` upstream (asked through
    the back office), consult (a one-tap consult's answer) or catalog (the guides themselves);
    ``asks`` nothing, reference (a receipt number) or identification (a card or Suishen code)."""

    source: str
    asks: str


@dataclass(frozen=True)
class Category:
    code: str
    name: dict[str, str]
    items: tuple[str, ...]


@dataclass(frozen=True)
class Catalog:
    version: int
    categories: tuple[Category, ...]
    items: dict[str, Matter]
    high_frequency: tuple[str, ...]
    no_certificate: tuple[str, ...]
    queries: dict[str, QueryInfo]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Catalog:
        items: dict[str, Matter] = {}
        categories: list[Category] = []
        for category in data["categories"]:
            codes: list[str] = []
            for item in category["items"]:
                guide = item["guide"]
                items[item["code"]] = Matter(
                    code=item["code"],
                    category_code=category["code"],
                    kind=item["kind"],
                    name=dict(item["name"]),
                    steps=tuple(dict(s) for s in guide["steps"]),
                    materials=tuple(
                        Material(
                            code=m["code"],
                            name=dict(m["name"]),
                            question=dict(m["question"]),
                            required=bool(m.get("required", True)),
                        )
                        for m in guide.get("materials", [])
                    ),
                    place=dict(guide["place"]),
                    hours=dict(guide["hours"]),
                    fee=dict(guide["fee"]),
                    time_limit=dict(guide["time_limit"]),
                )
                codes.append(item["code"])
            categories.append(Category(category["code"], dict(category["name"]), tuple(codes)))
        return cls(
            version=int(data["version"]),
            categories=tuple(categories),
            items=items,
            high_frequency=tuple(c for c in data["high_frequency"] if c in items),
            no_certificate=tuple(c for c in data["no_certificate"] if c in items),
            # A catalog cached by an older kiosk has none: its queries open their guides.
            queries={
                code: QueryInfo(str(q["source"]), str(q["asks"]))
                for code, q in data.get("queries", {}).items()
                if code in items
            },
        )

    def category(self, code: str) -> Category:
        return next(c for c in self.categories if c.code == code)


class CatalogStore:
    """The last catalog the back office sent, with its ETag, in one JSON file."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "catalog.json"
        self.etag: str | None = None
        self.catalog: Catalog | None = None

    def load(self) -> Catalog | None:
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
            self.catalog = Catalog.from_json(saved["catalog"])
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError) as exc:
            logger.warning("catalog cache unreadable, ignored: %s", type(exc).__name__)
            return None
        self.etag = saved.get("etag")
        return self.catalog

    def save(self, data: dict[str, Any], etag: str | None) -> Catalog:
        catalog = Catalog.from_json(data)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".tmp")
        partial.write_text(json.dumps({"etag": etag, "catalog": data}, ensure_ascii=False))
        # A crash mid-write leaves the old cache whole.
        os.replace(partial, self.path)
        self.catalog, self.etag = catalog, etag
        return catalog

    def refresh(self, send: Sender) -> Refresh:
        """Ask the back office for the catalog if it changed; keep the cache when unreachable."""
        headers = {"If-None-Match": self.etag} if self.etag and self.catalog else {}
        try:
            response = send("GET", CATALOG_PATH, b"", headers)
        except requests.RequestException as exc:
            logger.info("catalog served from cache: %s", type(exc).__name__)
            return Refresh.OFFLINE
        if response.status_code == 304:
            return Refresh.UNCHANGED
        if response.status_code != 200:
            logger.warning("catalog refused: HTTP %s", response.status_code)
            return Refresh.OFFLINE
        self.save(response.json(), response.headers.get("ETag"))
        return Refresh.UPDATED


# --- the guide's pages ------------------------------------------------------------------------


class PageKind(StrEnum):
    STEPS = "steps"
    MATERIALS = "materials"
    PLACE = "place"
    NEXT = "next"


@dataclass(frozen=True)
class GuidePage:
    """One screenful of a guide: ``entries`` are steps, material codes, or place/hours/fee/time
    limit field names, depending on ``kind``."""

    kind: PageKind
    entries: tuple[str, ...]
    part: int
    parts: int


def guide_pages(matter: Matter, elder_mode: bool) -> list[GuidePage]:
    """Steps, materials (the pre-check), place and hours, then what to do next; elder mode puts
    fewer things on a page so each stays large."""
    per_page = 2 if elder_mode else 4
    pages: list[GuidePage] = []

    def add(kind: PageKind, entries: list[str]) -> None:
        chunks = [entries[i : i + per_page] for i in range(0, len(entries), per_page)]
        for number, chunk in enumerate(chunks, start=1):
            pages.append(GuidePage(kind, tuple(chunk), number, len(chunks)))

    add(PageKind.STEPS, [str(i) for i in range(len(matter.steps))])
    add(PageKind.MATERIALS, [m.code for m in matter.materials])
    add(PageKind.PLACE, ["place", "hours", "fee", "time_limit"])
    pages.append(GuidePage(PageKind.NEXT, (), 1, 1))
    return pages

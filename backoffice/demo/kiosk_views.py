"""What a kiosk receives from a back office loaded with the shipped seed files, built from those
files without a database: the kiosk's screen tests and its benchmark start from the cache a
real kiosk has after its first contact."""

from __future__ import annotations

from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]


def seed_catalog() -> dict[str, Any]:
    """The catalog a kiosk gets from GET /api/v1/catalog/mine, built from the seed file the
    back office loads (assets/catalog/catalog.json), without a database."""
    import json

    from backoffice.catalog.schemas import ItemOut
    from backoffice.catalog.service import SEED_FILE, expand_seed, queries_out

    categories, items = expand_seed(json.loads(SEED_FILE.read_text(encoding="utf-8")))
    shown = []
    for category in categories:
        mine = [
            ItemOut(code=code, **item.model_dump()).model_dump(mode="json")
            for code, item in items
            if item.category_code == category["code"] and "community_centre" in item.terminal_kinds
        ]
        if mine:
            shown.append({"code": category["code"], "name": category["name"], "items": mine})
    every = [i for c in shown for i in c["items"]]
    return {
        "version": 1,
        "terminal_kind": "community_centre",
        "categories": shown,
        "high_frequency": [i["code"] for i in every if i["high_frequency"]],
        "no_certificate": [i["code"] for i in every if i["no_certificate"]],
        "queries": {
            code: query.model_dump(mode="json")
            for code, query in queries_out(i["code"] for i in every).items()
        },
    }


def seed_report_choices() -> dict[str, Any]:
    """What GET /api/v1/kiosk-reports/choices answers for the seeded back office, from assets."""
    import csv
    import json

    from backoffice.cases.kiosk_reports import KIOSK_TYPES

    with (REPO_ROOT / "assets" / "cases" / "types.csv").open(encoding="utf-8") as f:
        types = {row["code"]: row for row in csv.DictReader(f)}
    roads = json.loads((REPO_ROOT / "assets" / "places" / "roads.geojson").read_text("utf-8"))
    return {
        "types": [
            {"code": c, "name_zh": types[c]["name_zh"], "name_en": types[c]["name_en"]}
            for c in KIOSK_TYPES
        ],
        "roads": sorted(
            (
                {k: f["properties"][k] for k in ("code", "name_zh", "name_en")}
                for f in roads["features"]
            ),
            key=lambda r: r["code"],
        ),
    }

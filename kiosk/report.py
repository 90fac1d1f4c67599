"""The choices a kiosk offers for a problem report (types, roads, each road's landmarks), cached
on disk like the catalog so a report can be made, and kept in the outbox, while the back office
is unreachable."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from kiosk.catalog import Sender

logger = logging.getLogger(__name__)

CHOICES_PATH = "/api/v1/kiosk-reports/choices"
REPORTS_PATH = "/api/v1/kiosk-reports"


@dataclass(frozen=True)
class ReportChoices:
    # code -> {"zh": name, "en": name}, in the order the kiosk shows them
    types: dict[str, dict[str, str]]
    roads: dict[str, dict[str, str]]
    # road code -> its landmarks (crossings, house numbers, collection points) from its start;
    # empty from a back office of an earlier version: the report then names the road alone.
    landmarks: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReportChoices:
        def names(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
            return {r["code"]: {"zh": r["name_zh"], "en": r["name_en"]} for r in rows}

        return cls(
            types=names(data["types"]),
            roads=names(data["roads"]),
            landmarks={road: names(rows) for road, rows in data.get("landmarks", {}).items()},
        )


class ChoicesStore:
    def __init__(self, directory: Path) -> None:
        self.path = directory / "report-choices.json"
        self.choices: ReportChoices | None = None

    def load(self) -> ReportChoices | None:
        try:
            self.choices = ReportChoices.from_json(json.loads(self.path.read_text("utf-8")))
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError) as exc:
            logger.warning("report choices cache unreadable, ignored: %s", type(exc).__name__)
        return self.choices

    def refresh(self, send: Sender) -> bool:
        """Fetch the choices; keep the cached ones when the back office cannot be reached."""
        try:
            response = send("GET", CHOICES_PATH, b"", {})
        except requests.RequestException:
            return False
        if response.status_code != 200:
            logger.warning("report choices refused: HTTP %s", response.status_code)
            return False
        data = response.json()
        choices = ReportChoices.from_json(data)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".tmp")
        partial.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(partial, self.path)
        self.choices = choices
        return True

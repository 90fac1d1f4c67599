"""The end of a problem report: what was reported and its case number (or that it waits)."""

from __future__ import annotations

from kivy.properties import ListProperty

from kiosk.kvload import load_kv_beside
from kiosk.screens.base import KioskScreen, pick


class ReportDoneScreen(KioskScreen):
    # (Chinese, English) of the outcome and of what was reported.
    outcome = ListProperty(["", ""])
    summary = ListProperty(["", ""])

    def summarise(self, summary: tuple[str, str], outcome: tuple[str, str]) -> None:
        self.summary = list(summary)
        self.outcome = list(outcome)

    def tell(self, outcome: tuple[str, str]) -> None:
        self.outcome = list(outcome)

    def pick(self, texts: list[str], language: str) -> str:
        return pick(texts, language)

    def wipe(self) -> None:
        self.outcome = ["", ""]
        self.summary = ["", ""]


load_kv_beside(__file__)

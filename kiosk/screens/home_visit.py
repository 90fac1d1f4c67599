"""The end of the home-visit flow: what was asked (or the booked time), the reference, and the
slip."""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, ListProperty

from kiosk.i18n import tr
from kiosk.kvload import load_kv_beside
from kiosk.screens.base import KioskScreen, pick


class HomeVisitScreen(KioskScreen):
    voice_key = "voice.home_visit.done"
    personal = True  # the resident's address
    # (Chinese, English) of what was asked, of the outcome, and of the slip's print.
    summary = ListProperty(["", ""])
    outcome = ListProperty(["", ""])
    printed = ListProperty(["", ""])
    printable = BooleanProperty(False)

    def present(self, summary: tuple[str, str], outcome: tuple[str, str], printable: bool) -> None:
        self.summary, self.outcome = list(summary), list(outcome)
        self.printed = ["", ""]
        self.printable = printable

    def tell(self, outcome: tuple[str, str]) -> None:
        self.outcome = list(outcome)

    def say(self, key: str, **values: Any) -> None:
        self.printed = [tr(key, lang).format(**values) for lang in ("zh", "en")]

    def pick(self, texts: list[str], language: str) -> str:
        return pick(texts, language)

    def wipe(self) -> None:
        self.summary = ["", ""]
        self.outcome = ["", ""]
        self.printed = ["", ""]
        self.printable = False


load_kv_beside(__file__)

"""The end of a problem report: what was reported and its case number (or that it waits)."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.properties import ListProperty
from kivy.uix.screenmanager import Screen

from kiosk.kvload import load_kv_beside


class ReportDoneScreen(Screen):
    # (Chinese, English) of the outcome and of what was reported.
    outcome = ListProperty(["", ""])
    summary = ListProperty(["", ""])
    voice_key = ""

    def pick(self, texts: list[str], language: str) -> str:
        return str(texts[1] if language == "en" else texts[0])

    def say(self, key: str, **values: str) -> None:
        app: Any = App.get_running_app()
        self.outcome = [
            str(app.tr(key, "zh")).format(**values),
            str(app.tr(key, "en")).format(**values),
        ]
        if self.manager is not None and self.manager.current == self.name:
            app.speak(self.pick(self.outcome, app.language))

    def wipe(self) -> None:
        self.outcome = ["", ""]
        self.summary = ["", ""]


load_kv_beside(__file__)

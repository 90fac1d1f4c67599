"""An optional photo for a problem report, from the kiosk camera: take it, see it, send it with
the report or without it."""

from __future__ import annotations

import io

from kivy.core.image import Image as CoreImage
from kivy.properties import BooleanProperty, ListProperty

from kiosk.i18n import tr
from kiosk.kvload import load_kv_beside
from kiosk.screens.base import KioskScreen, pick


class ReportPhotoScreen(KioskScreen):
    voice_key = "voice.report.photo"
    personal = True  # the camera's photo may show the person in front of the kiosk
    taken = BooleanProperty(False)
    # What went wrong with the last try, in Chinese and English ("" when nothing did).
    notice = ListProperty(["", ""])

    def show_photo(self, jpeg: bytes) -> None:
        self.ids.photo.texture = CoreImage(io.BytesIO(jpeg), ext="jpg").texture
        self.taken = True
        self.notice = ["", ""]

    def say(self, key: str) -> None:
        self.notice = [tr(key, "zh"), tr(key, "en")]

    def pick(self, texts: list[str], language: str) -> str:
        return pick(texts, language)

    def clear(self) -> None:
        """The photo may show the person who held it up: it leaves the screen with them."""
        self.ids.photo.texture = None
        self.taken = False
        self.notice = ["", ""]

    def wipe(self) -> None:
        self.clear()


load_kv_beside(__file__)

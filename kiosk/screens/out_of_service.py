"""Out of service: the whole kiosk, locked remotely with the operator's message (nothing can be
tapped), or one service whose device has failed (its reason in plain words, and the way home:
the other services still work)."""

from __future__ import annotations

from kivy.properties import ListProperty, StringProperty

from kiosk.kvload import load_kv_beside
from kiosk.screens.base import KioskScreen


class OutOfServiceScreen(KioskScreen):
    voice_key = StringProperty("voice.out_of_service")
    # The service that cannot run (an i18n key); "" while the whole kiosk is locked.
    service_key = StringProperty("")
    # Why, in Chinese and English (a device's own words).
    reason = ListProperty(["", ""])

    def for_service(self, service_key: str, reason_zh: str, reason_en: str) -> None:
        self.service_key = service_key
        self.reason = [reason_zh, reason_en]
        self.voice_key = "voice.service_out"

    def for_lock(self) -> None:
        self.service_key = ""
        self.reason = ["", ""]
        self.voice_key = "voice.out_of_service"

    def pick(self, texts: list[str], language: str) -> str:
        return str(texts[1] if language == "en" else texts[0])

    def wipe(self) -> None:
        if self.service_key:
            self.for_lock()


load_kv_beside(__file__)

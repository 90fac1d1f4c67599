"""Renovation sign-up, the typed part: building, room and a mobile number for callbacks, on a
big keypad (tap a box, then the digits)."""

from __future__ import annotations

from kivy.properties import ListProperty, StringProperty

from kiosk.i18n import tr
from kiosk.kvload import load_kv_beside
from kiosk.screens.base import KioskScreen, pick
from kiosk.widgets import KioskButton

KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "-", "0", "delete")


class RenovationScreen(KioskScreen):
    voice_key = "voice.renovation.form"
    personal = True  # the phone number as it is typed
    target = StringProperty("building")
    building = StringProperty("")
    room = StringProperty("")
    phone = StringProperty("")
    summary = ListProperty(["", ""])
    message = ListProperty(["", ""])

    def on_kv_post(self, base_widget: object) -> None:
        for key in KEYS:
            button = KioskButton(key=key, text=key)
            button.bind(on_release=lambda b: self.press(b.key))
            self.ids.renovation_keys.add_widget(button)
            if key == "delete":
                button.text = tr("keypad.delete", self.shell.language)
                self.shell.bind(
                    language=lambda _app, lang, b=button: setattr(
                        b, "text", tr("keypad.delete", lang)
                    )
                )

    def start(self, summary: tuple[str, str]) -> None:
        self.summary = list(summary)
        self.target = "building"

    def say(self, message: tuple[str, str]) -> None:
        self.message = list(message)

    def select(self, name: str) -> None:
        self.target = name

    def press(self, key: str) -> None:
        value = getattr(self, self.target)
        setattr(self, self.target, self.flows.renovation.type_into(self.target, value, key))

    def next(self) -> None:
        self.flows.renovation.to_sign(self.building, self.room, self.phone)

    def pick(self, texts: list[str], language: str) -> str:
        return pick(texts, language)

    def wipe(self) -> None:
        self.building = self.room = self.phone = ""
        self.summary = ["", ""]
        self.message = ["", ""]
        self.target = "building"


load_kv_beside(__file__)

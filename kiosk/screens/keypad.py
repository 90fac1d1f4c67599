"""A big keypad for typing an ID number, checked digit by digit (GB 11643) as it is typed."""

from __future__ import annotations

from kivy.properties import StringProperty

from kiosk.i18n import tr
from kiosk.kvload import load_kv_beside
from kiosk.screens.base import KioskScreen
from kiosk.typed_id import LENGTH, TypedIdState, accepts, feedback, grouped
from kiosk.widgets import KioskButton

KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "X", "0", "delete")


class KeypadScreen(KioskScreen):
    voice_key = "voice.keypad"
    personal = True  # the ID number as it is typed, in full
    typed = StringProperty("")
    state = StringProperty(TypedIdState.EMPTY.value)

    def on_kv_post(self, base_widget: object) -> None:
        shell = self.shell
        for key in KEYS:
            button = KioskButton(key=key, text=key)
            button.bind(on_release=lambda b: self.press(b.key))
            self.ids.keypad_keys.add_widget(button)
            if key == "delete":
                button.text = tr("keypad.delete", shell.language)
                shell.bind(
                    language=lambda _app, lang, b=button: setattr(
                        b, "text", tr("keypad.delete", lang)
                    )
                )

    def press(self, key: str) -> None:
        if key == "delete":
            self.typed = self.typed[:-1]
        elif accepts(self.typed, key):
            self.typed += key
        self.state = feedback(self.typed).value

    def feedback_text(self, state: str, typed: str, language: str) -> str:
        text = tr(f"keypad.feedback.{state}", language)
        return text.format(count=len(typed), left=LENGTH - len(typed))

    def display(self, typed: str) -> str:
        return grouped(typed)

    def done(self) -> None:
        if self.state != TypedIdState.VALID:
            return
        number, self.typed = self.typed, ""
        self.state = TypedIdState.EMPTY.value
        self.flows.identify.type_id_number(number)

    def wipe(self) -> None:
        self.typed = ""
        self.state = TypedIdState.EMPTY.value


load_kv_beside(__file__)

"""Reading a consult's answer by its reference number: a big keypad of the number's characters."""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, ListProperty, StringProperty

from kiosk.i18n import tr
from kiosk.kvload import load_kv_beside
from kiosk.screens.base import KioskScreen
from kiosk.widgets import KioskButton

PREFIX = "ZX"
# The back office's reference alphabet: no 0/O, 1/I/L or U, which people misread.
ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
LENGTH = 8


class AnswerScreen(KioskScreen):
    voice_key = "voice.answer"
    typed = StringProperty("")
    # The answer or why there is none, in both languages.
    result = ListProperty(["", ""])
    # An answer is shown (it can be printed), and how its print went.
    printable = BooleanProperty(False)
    printed = ListProperty(["", ""])

    def on_kv_post(self, base_widget: object) -> None:
        shell = self.shell
        for key in (*ALPHABET, "delete"):
            button = KioskButton(key=key, text=key)
            button.bind(on_release=lambda b: self.press(b.key))
            self.ids.answer_keys.add_widget(button)
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
        elif key in ALPHABET and len(self.typed) < LENGTH:
            self.typed += key
        self.result = ["", ""]
        self.printable = False
        self.printed = ["", ""]

    def display(self, typed: str) -> str:
        return PREFIX + " " + typed + "_" * (LENGTH - len(typed))

    def feedback(self, typed: str, result: list[str], language: str) -> str:
        if result[0]:
            return result[1] if language == "en" else result[0]
        return tr("answer.typing", language).format(count=len(typed), left=LENGTH - len(typed))

    def lookup(self) -> None:
        if len(self.typed) == LENGTH:
            self.flows.consult.read_answer(PREFIX + self.typed)

    def say(self, key: str, **values: Any) -> None:
        """The answer or why there is none; a print's outcome goes under the answer."""
        texts = [tr(key, lang).format(**values) for lang in ("zh", "en")]
        if key.startswith("print."):
            self.printed = texts
            return
        self.result = texts
        self.printable = key == "answer.text"
        self.printed = ["", ""]

    def wipe(self) -> None:
        self.typed = ""
        self.result = ["", ""]
        self.printable = False
        self.printed = ["", ""]


load_kv_beside(__file__)

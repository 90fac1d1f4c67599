"""A catalog query's answer: the receipt keypad first when the query asks a number, then the
answer in plain words, the person it is about (masked) and the print button."""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, ListProperty, StringProperty

from kiosk.config import Language
from kiosk.flows.queries import RECEIPT_DIGITS, QueryAnswer
from kiosk.i18n import tr
from kiosk.kvload import load_kv_beside
from kiosk.screens.base import KioskScreen
from kiosk.screens.guide import GuideText
from kiosk.widgets import KioskButton

KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "delete", "0")


class QueryHeading(GuideText):
    """A row's heading in the answer."""


class QueryScreen(KioskScreen):
    # The answer may name the person (masked) or an applicant: blanked in remote screenshots.
    personal = True
    code = StringProperty("")
    asks = StringProperty("nothing")
    typed = StringProperty("")
    answered = BooleanProperty(False)
    # A notice in both languages: looking it up, why there is no answer, how the print went.
    notice = ListProperty(["", ""])

    @property
    def voice_key(self) -> str:
        return "voice.query" if self.asks == "reference" and not self.answered else ""

    def on_kv_post(self, base_widget: object) -> None:
        shell = self.shell
        for key in KEYS:
            button = KioskButton(key=key, text=key)
            button.bind(on_release=lambda b: self.press(b.key))
            self.ids.query_keys.add_widget(button)
            if key == "delete":
                button.text = tr("keypad.delete", shell.language)
                shell.bind(
                    language=lambda _app, lang, b=button: setattr(
                        b, "text", tr("keypad.delete", lang)
                    )
                )
        shell.bind(language=lambda *_a: self.refresh())

    # --- what the flow tells the screen (kiosk.flows.queries.QueryView) ------------------------

    def open(self, code: str, asks: str) -> None:
        self.code, self.asks, self.typed = code, asks, ""
        self.answered = False
        self.notice = ["", ""]
        self.ids.query_answer.clear_widgets()

    def show_answer(self, answer: QueryAnswer) -> None:
        self.answered = True
        self.notice = ["", ""]
        self.refresh()

    def say(self, key: str, **values: Any) -> None:
        self.notice = [tr(key, lang).format(**values) for lang in ("zh", "en")]

    # --- the receipt keypad ------------------------------------------------------------------

    def press(self, key: str) -> None:
        if key == "delete":
            self.typed = self.typed[:-1]
        elif key.isdigit() and len(self.typed) < RECEIPT_DIGITS:
            self.typed += key
        self.notice = ["", ""]

    def display(self, typed: str) -> str:
        padded = typed + "_" * (RECEIPT_DIGITS - len(typed))
        return " ".join(padded[i : i + 4] for i in range(0, RECEIPT_DIGITS, 4))

    def feedback(
        self, typed: str, notice: list[str], asks: str, answered: bool, language: str
    ) -> str:
        """The notice when there is one; else, while a receipt number is typed, how far."""
        if notice[0]:
            return str(notice[1] if language == "en" else notice[0])
        if asks != "reference" or answered:
            return ""
        left = RECEIPT_DIGITS - len(typed)
        return tr("query.typing", language).format(count=len(typed), left=left)

    def lookup(self) -> None:
        if len(self.typed) == RECEIPT_DIGITS:
            self.flows.queries.lookup(self.typed)

    # --- the answer ----------------------------------------------------------------------------

    def title_text(self, code: str, language: str) -> str:
        matter = self.flows.browse.matter(code) if code else None
        return matter.name[language] if matter else ""

    def refresh(self, *_args: object) -> None:
        box = self.ids.query_answer
        box.clear_widgets()
        answer = self.flows.queries.answer
        if not self.answered or answer is None:
            return
        lang: Language = "en" if self.language() == "en" else "zh"
        if answer.person is not None:
            box.add_widget(GuideText(text=answer.person_text(lang)))
        for heading, row in zip(answer.headings(lang), answer.rows, strict=True):
            box.add_widget(QueryHeading(text=heading))
            for value in row:
                box.add_widget(GuideText(text=value.line(lang)))
        box.add_widget(GuideText(text=answer.as_of_text(lang)))

    def wipe(self) -> None:
        self.code, self.asks, self.typed = "", "nothing", ""
        self.answered = False
        self.notice = ["", ""]
        self.ids.query_answer.clear_widgets()


load_kv_beside(__file__)

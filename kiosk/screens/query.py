"""A catalog query's answer: the receipt keypad first when the query asks a number, then the
answer in plain words, the person it is about (masked) and the print button."""

from __future__ import annotations

from typing import Any

from kivy.core.window import Window
from kivy.metrics import dp
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.widget import Widget

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
    # The answer a page at a time, as much as the screen holds (no scrolling: elder mode).
    page_index = NumericProperty(0)
    page_count = NumericProperty(1)

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
        self.page_index = 0
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
        if not typed:
            return tr("query.reference", language)
        left = RECEIPT_DIGITS - len(typed)
        return tr("query.typing", language).format(count=len(typed), left=left)

    def lookup(self) -> None:
        if len(self.typed) == RECEIPT_DIGITS:
            self.flows.queries.lookup(self.typed)

    # --- the answer ----------------------------------------------------------------------------

    def title_text(self, code: str, language: str) -> str:
        matter = self.flows.browse.matter(code) if code else None
        return matter.name[language] if matter else ""

    def turn(self, step: int) -> None:
        self.page_index = min(max(0, self.page_index + step), self.page_count - 1)
        self.refresh()

    def lines(self, answer: QueryAnswer, language: Language) -> list[tuple[str, bool]]:
        """The answer's lines in order, each with whether it is a heading."""
        out: list[tuple[str, bool]] = []
        if answer.person is not None:
            out.append((answer.person_text(language), False))
        for heading, row in zip(answer.headings(language), answer.rows, strict=True):
            out.append((heading, True))
            out.extend((value.line(language), False) for value in row)
        out.append((answer.as_of_text(language), False))
        return out

    def refresh(self, *_args: object) -> None:
        box = self.ids.query_answer
        box.clear_widgets()
        answer = self.flows.queries.answer
        if not self.answered or answer is None:
            self.page_count, self.page_index = 1, 0
            return
        lang: Language = "en" if self.language() == "en" else "zh"
        pages = self._pages(self.lines(answer, lang))
        self.page_count = len(pages)
        self.page_index = min(self.page_index, self.page_count - 1)
        for label in pages[self.page_index]:
            box.add_widget(label)
        box.add_widget(Widget())  # the page's lines from the top, the room left below them

    def _pages(self, lines: list[tuple[str, bool]]) -> list[list[GuideText]]:
        """The lines as laid out, packed into pages of the answer area's height (a heading is
        never left alone at the foot of a page)."""
        box = self.ids.query_answer
        width = box.width if box.width > 100 else Window.width - dp(64)
        room = box.height if box.height > 100 else Window.height * 0.5
        labels: list[GuideText] = []
        for text, heading in lines:
            label = QueryHeading(text=text) if heading else GuideText(text=text)
            label.width = width
            label.texture_update()
            label.height = label.texture_size[1] + dp(8)
            labels.append(label)
        pages: list[list[GuideText]] = [[]]
        used = 0.0
        for label in labels:
            need = label.height + box.spacing
            if pages[-1] and used + need > room:
                last = pages[-1][-1]
                moved = [last] if isinstance(last, QueryHeading) and len(pages[-1]) > 1 else []
                if moved:
                    pages[-1].pop()
                pages.append(moved)
                used = sum(w.height + box.spacing for w in moved)
            pages[-1].append(label)
            used += need
        return pages

    def wipe(self) -> None:
        self.code, self.asks, self.typed = "", "nothing", ""
        self.answered = False
        self.page_index, self.page_count = 0, 1
        self.notice = ["", ""]
        self.ids.query_answer.clear_widgets()


load_kv_beside(__file__)

"""The medical record booklet: the waiting records previewed as booklet pages, printed with
progress, and, when the printer stops, what happened in plain words and a button to go on."""

from __future__ import annotations

from typing import Any

from kivy.properties import ListProperty, NumericProperty, OptionProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

from kiosk import theme
from kiosk.booklet import BookletLine, BookletPrint
from kiosk.i18n import tr
from kiosk.kvload import load_kv_beside
from kiosk.screens.base import KioskScreen

# Preview rows per screen: fewer and larger in elder mode.
ROWS = 7
ELDER_ROWS = 4
# How wide each preview column is, relative to the others.
COLUMN_WEIGHTS = (0.08, 0.2, 0.1, 0.36, 0.13, 0.13)
PHASES = (
    "loading",  # asking the back office
    "preview",  # the waiting records as booklet pages
    "printing",
    "stopped",  # the printer stopped; the reason and a button to go on
    "done",
    "ended",  # nothing to print, booklet full, offline, refused: a message and the way out
)


class BookletRow(BoxLayout):
    """One row of the preview: line number, date, kind, institution, total, self-paid."""

    def __init__(
        self, cells: tuple[str, ...], font_size: float, heading: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(orientation="horizontal", size_hint_y=None, **kwargs)
        self.height = font_size * 1.5
        for text, weight in zip(cells, COLUMN_WEIGHTS, strict=True):
            label = Label(
                text=text,
                font_size=font_size,
                color=theme.INK_MUTED if heading else theme.INK,
                bold=heading,
                size_hint_x=weight,
                halign="left",
                valign="middle",
                shorten=True,
                shorten_from="right",
            )
            label.bind(size=lambda lbl, size: setattr(lbl, "text_size", (size[0], None)))
            self.add_widget(label)


class BookletScreen(KioskScreen):
    voice_key = "voice.booklet"
    personal = True  # the medical records, previewed as booklet pages
    phase = OptionProperty("loading", options=PHASES)
    # What the screen says, in Chinese and English.
    message = ListProperty(["", ""])
    view_index = NumericProperty(0)
    view_count = NumericProperty(0)
    # The current preview part's heading, in Chinese and English.
    view_title = ListProperty(["", ""])

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.booklet: BookletPrint | None = None

    # --- what the booklet flow tells the screen (kiosk.flows.booklet.BookletView) --------------

    def loading(self, message: tuple[str, str]) -> None:
        self.booklet = None
        self.view_index = 0
        self.tell("loading", message)

    def preview(self, booklet: BookletPrint, message: tuple[str, str]) -> None:
        self.booklet = booklet
        self.view_index = 0
        self.tell("preview", message)

    def tell(self, phase: str, message: tuple[str, str]) -> None:
        self.phase = phase
        self.message = list(message)
        self.refresh()

    # --- the preview ----------------------------------------------------------------------------

    def rows(self) -> int:
        return ELDER_ROWS if self.shell.elder_mode else ROWS

    def turn(self, step: int) -> None:
        self.view_index = max(0, min(self.view_count - 1, self.view_index + step))
        self.refresh()

    def refresh(self, *_args: object) -> None:
        paper = self.ids.paper
        paper.clear_widgets()
        booklet = self.booklet
        if booklet is None or self.phase != "preview":
            self.view_count = 0
            self.view_title = ["", ""]
            return
        views = booklet.views(self.rows())
        self.view_count = len(views)
        self.view_index = min(self.view_index, max(0, len(views) - 1))
        if not views:
            return
        page, part, parts, lines = views[self.view_index]
        self.view_title = [
            tr("booklet.view", lang).format(page=page, part=part, parts=parts)
            for lang in ("zh", "en")
        ]
        language, size = self.language(), self.shell.font_small
        heads = ("行" if language == "zh" else "Line", *_heads(language))
        paper.add_widget(BookletRow(heads, size, heading=True))
        for line in lines:
            paper.add_widget(BookletRow(_cells(line), size))

    def in_language(self, pair: list[str], language: str) -> str:
        return pair[1] if language == "en" else pair[0]

    def wipe(self) -> None:
        """Nothing of the person stays: records, preview and messages go."""
        self.booklet = None
        self.phase = "loading"
        self.message = ["", ""]
        self.view_title = ["", ""]
        self.view_index = 0
        self.view_count = 0
        self.ids.paper.clear_widgets()


def _heads(language: str) -> tuple[str, ...]:
    if language == "en":
        return ("Date", "Kind", "Institution", "Total", "Self")
    return ("日期", "类别", "医疗机构", "合计", "自付")


def _cells(line: BookletLine) -> tuple[str, ...]:
    return (str(line.position.line), *line.cells)


load_kv_beside(__file__)

"""Lists of choices (categories, matters, a report's types and roads), one page at a time (a tap,
never a swipe); what a tap does is the list's own (``kiosk.flows.lists.ListPage``)."""

from __future__ import annotations

from typing import Any

from kivy.properties import ListProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from kiosk.config import Language
from kiosk.flows.lists import ListPage
from kiosk.i18n import tr
from kiosk.kvload import load_kv_beside
from kiosk.screens.base import KioskScreen

STANDARD_PER_PAGE = 6
# Elder mode: one column, so long English names wrap to two lines at most.
ELDER_PER_PAGE = 3


class ChoiceTile(ButtonBehavior, BoxLayout):
    """One entry: its name in large words, wrapped to the tile."""

    title = StringProperty("")
    # "category", "matter", "answer" (the keypad for reading a consult's answer), or a report's
    # "report_type" / "report_road" / "report_landmark".
    kind = StringProperty("matter")
    code = StringProperty("")


class MatterListScreen(KioskScreen):
    # i18n key of the list's title (a home tile's name), or "" when ``title`` is set directly.
    title_key = StringProperty("tile.high_frequency")
    # The category's own name, keyed by language, when listing one category.
    title_names = ListProperty(["", ""])
    # (kind, code) pairs.
    entries = ListProperty([])
    page = NumericProperty(0)
    page_count = NumericProperty(1)
    # What the list says when it has nothing to show.
    empty_key = StringProperty("catalog.none")
    voice_key = "voice.matters"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._tiles: list[ChoiceTile] = []
        self._list: ListPage | None = None

    def show_list(self, page: ListPage) -> None:
        """kiosk.flows.lists.ListView: show ``page`` from its first screenful."""
        self._list = page
        self.entries = [list(e) for e in page.entries]
        self.title_key = page.title_key
        self.title_names = list(page.title_names)
        self.page = 0
        self.empty_key = page.empty_key
        self.voice_key = page.voice
        self.refresh()

    def title_text(self, language: str, *_bound: object) -> str:
        """The list's title; kv passes the properties it depends on so it re-renders."""
        if self.title_key:
            return tr(self.title_key, language)
        return str(self.title_names[1] if language == "en" else self.title_names[0])

    def per_page(self) -> int:
        return ELDER_PER_PAGE if self.shell.elder_mode else STANDARD_PER_PAGE

    def pages(self) -> int:
        return max(1, -(-len(self.entries) // self.per_page()))

    def turn(self, step: int) -> None:
        self.page = min(max(0, self.page + step), self.pages() - 1)
        self.refresh()

    def refresh(self, *_args: object) -> None:
        """Show the current page. Tiles are kept and refilled, not made anew: building widgets
        is most of what a tap costs."""
        grid = self.ids.choices
        grid.cols = 1 if self.shell.elder_mode else 2
        self.page_count = self.pages()
        self.page = min(self.page, self.page_count - 1)
        size = self.per_page()
        shown = self.entries[self.page * size : (self.page + 1) * size]
        while len(self._tiles) < len(shown):
            tile = ChoiceTile()
            tile.bind(on_release=self._chosen)
            self._tiles.append(tile)
        language: Language = "en" if self.shell.language == "en" else "zh"
        listing = self._list
        for tile, (kind, code) in zip(self._tiles, shown, strict=False):
            tile.kind, tile.code = kind, code
            tile.title = listing.name(kind, code, language) if listing else code
            tile.state = "normal"
        wanted = self._tiles[: len(shown)]
        if list(reversed(grid.children)) != wanted:
            grid.clear_widgets()
            for tile in wanted:
                grid.add_widget(tile)

    def _chosen(self, tile: ChoiceTile) -> None:
        self.shell.prompts.speak_action(tile.title)
        if self._list is not None:
            self._list.choose(tile.kind, tile.code)

    def page_text(self, page: int, pages: int, language: str) -> str:
        return tr("list.page", language).format(page=page + 1, pages=pages)

    def wipe(self) -> None:
        self.page = 0


load_kv_beside(__file__)

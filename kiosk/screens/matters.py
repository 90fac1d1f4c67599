"""Lists of categories and matters from the catalog, one page at a time (a tap, never a swipe)."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.properties import ListProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

from kiosk.kvload import load_kv_beside

STANDARD_PER_PAGE = 6
# Elder mode: one column, so long English names wrap to two lines at most.
ELDER_PER_PAGE = 3


class ChoiceTile(ButtonBehavior, BoxLayout):
    """One category or matter: its name in large words, wrapped to the tile."""

    title = StringProperty("")
    # "category" opens that category's list; "matter" opens the matter's guide; "answer" the
    # keypad for reading a consult's answer by its reference number.
    kind = StringProperty("matter")
    code = StringProperty("")

    def on_release(self) -> None:
        app: Any = App.get_running_app()
        app.speak_action(self.title)
        if self.kind == "category":
            app.open_category(self.code)
        elif self.kind == "answer":
            app.show("answer")
        elif self.kind in ("report_type", "report_road"):
            app.choose_report(self.kind, self.code)
        else:
            app.open_matter(self.code)


class MatterListScreen(Screen):
    # i18n key of the list's title (a home tile's name), or "" when ``title`` is set directly.
    title_key = StringProperty("tile.high_frequency")
    # The category's own name, keyed by language, when listing one category.
    title_names = ListProperty(["", ""])
    # (kind, code) pairs; kind is "category" or "matter".
    entries = ListProperty([])
    page = NumericProperty(0)
    page_count = NumericProperty(1)
    # What the list says when it has nothing to show.
    empty_key = StringProperty("catalog.none")
    voice_key = "voice.matters"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._tiles: list[ChoiceTile] = []

    def show(
        self,
        entries: list[tuple[str, str]],
        title_key: str = "",
        title_names: tuple[str, str] = ("", ""),
        *,
        empty_key: str = "catalog.none",
        voice_key: str = "",
    ) -> None:
        self.entries = [list(e) for e in entries]
        self.title_key = title_key
        self.title_names = list(title_names)
        self.page = 0
        self.empty_key = empty_key
        self.voice_key = voice_key or (
            "voice.categories" if entries and entries[-1][0] == "category" else "voice.matters"
        )
        self.refresh()

    def title_text(self, language: str, *_bound: object) -> str:
        """The list's title; kv passes the properties it depends on so it re-renders."""
        if self.title_key:
            app: Any = App.get_running_app()
            return str(app.tr(self.title_key, language))
        return str(self.title_names[1] if language == "en" else self.title_names[0])

    def per_page(self) -> int:
        app: Any = App.get_running_app()
        return ELDER_PER_PAGE if app.elder_mode else STANDARD_PER_PAGE

    def pages(self) -> int:
        return max(1, -(-len(self.entries) // self.per_page()))

    def turn(self, step: int) -> None:
        self.page = min(max(0, self.page + step), self.pages() - 1)
        self.refresh()

    def refresh(self, *_args: object) -> None:
        """Show the current page. Tiles are kept and refilled, not made anew: building widgets
        is most of what a tap costs."""
        app: Any = App.get_running_app()
        grid = self.ids.choices
        grid.cols = 1 if app.elder_mode else 2
        self.page_count = self.pages()
        self.page = min(self.page, self.page_count - 1)
        size = self.per_page()
        shown = self.entries[self.page * size : (self.page + 1) * size]
        while len(self._tiles) < len(shown):
            self._tiles.append(ChoiceTile())
        for tile, (kind, code) in zip(self._tiles, shown, strict=False):
            tile.kind, tile.code, tile.title = kind, code, app.entry_name(kind, code)
            tile.state = "normal"
        wanted = self._tiles[: len(shown)]
        if list(reversed(grid.children)) != wanted:
            grid.clear_widgets()
            for tile in wanted:
                grid.add_widget(tile)

    def page_text(self, page: int, pages: int, language: str) -> str:
        app: Any = App.get_running_app()
        return str(app.tr("list.page", language)).format(page=page + 1, pages=pages)

    def wipe(self) -> None:
        self.page = 0


load_kv_beside(__file__)

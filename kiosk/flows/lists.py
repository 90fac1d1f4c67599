"""Lists of choices on the list screen (categories, matters, a report's types and roads) and the
way back through them, one list at a time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from kiosk.config import Language
from kiosk.flows.ports import Screens

LIST_SCREEN = "matters"
# Screens reached from a list: Back returns to that list.
FROM_A_LIST = frozenset({"guide", "answer", "report_photo", "home_visit"})


@dataclass(frozen=True)
class ListPage:
    """One list: its (kind, code) entries, how an entry is named and what a tap on it does."""

    entries: tuple[tuple[str, str], ...]
    choose: Callable[[str, str], None]
    name: Callable[[str, str, Language], str]
    # An i18n key for the title, or "" to use ``title_names`` (a category's own name).
    title_key: str = ""
    title_names: tuple[str, str] = ("", "")
    empty_key: str = "catalog.none"
    voice_key: str = ""

    @property
    def voice(self) -> str:
        if self.voice_key:
            return self.voice_key
        last = self.entries[-1][0] if self.entries else ""
        return "voice.categories" if last == "category" else "voice.matters"


class ListView(Protocol):
    def show_list(self, page: ListPage) -> None: ...


class Lists:
    """The lists the person went through, for Back."""

    def __init__(self, screens: Screens, view: ListView) -> None:
        self._screens = screens
        self._view = view
        self._stack: list[ListPage] = []

    def start(self, page: ListPage) -> None:
        """A list opened from the home screen: Back from it goes home."""
        self._stack = []
        self.open(page)

    def open(self, page: ListPage) -> None:
        self._stack.append(page)
        self._view.show_list(page)
        if self._screens.showing() == LIST_SCREEN:
            self._screens.announce(page.voice)  # no screen change to announce it
        self._screens.show(LIST_SCREEN)

    def back(self) -> None:
        showing = self._screens.showing()
        if showing in FROM_A_LIST and self._stack:
            self._screens.show(LIST_SCREEN)
            return
        if showing == LIST_SCREEN and len(self._stack) > 1:
            self._stack.pop()
            self.open(self._stack.pop())
            return
        self._stack = []
        self._screens.show("home")

    def clear(self) -> None:
        self._stack = []

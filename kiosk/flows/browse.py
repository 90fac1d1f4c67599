"""Browsing the catalog: the home tiles' lists, a category's matters, a matter's guide and its
printed slip; and keeping the catalog (and a report's choices) fresh from the back office."""

from __future__ import annotations

import logging
from collections.abc import Callable

from kiosk.catalog import CatalogStore, Matter, Sender
from kiosk.config import Language
from kiosk.flows.guides import GuideView, SlipPrinter, guide_slip
from kiosk.flows.lists import ListPage, Lists
from kiosk.flows.ports import Runner, Screens
from kiosk.i18n import tr
from kiosk.report import ChoicesStore
from kiosk.visit import Visits

logger = logging.getLogger(__name__)

ANSWER_SCREEN = "answer"


class BrowseFlow:
    def __init__(
        self,
        catalog: CatalogStore,
        visits: Visits,
        screens: Screens,
        lists: Lists,
        guide: GuideView,
        slips: SlipPrinter,
        open_query: Callable[[str], bool] = lambda _code: False,
    ) -> None:
        self._catalog = catalog
        self._visits = visits
        self._screens = screens
        self._lists = lists
        self._guide = guide
        self._slips = slips
        # Asks a query the back office answers; False for anything else (kiosk.flows.queries).
        self._open_query = open_query

    def open_tile(self, key: str) -> None:
        """The list behind a home tile: high-frequency matters, categories, no-certificate
        queries (reading a consult's answer first: it needs no catalog and always works)."""
        catalog = self._catalog.catalog
        entries: list[tuple[str, str]] = []
        if key == "tile.no_certificate":
            codes = catalog.no_certificate if catalog else ()
            entries = [("answer", ""), *(("matter", c) for c in codes)]
        elif catalog is not None and key == "tile.high_frequency":
            entries = [("matter", c) for c in catalog.high_frequency]
        elif catalog is not None:
            entries = [("category", c.code) for c in catalog.categories]
        self._lists.start(self._page(entries, title_key=key))

    def choose(self, kind: str, code: str) -> None:
        """A tap on a list entry."""
        if kind == "category":
            self.open_category(code)
        elif kind == "answer":
            self._screens.show(ANSWER_SCREEN)
        else:
            self.open_matter(code)

    def open_category(self, code: str) -> None:
        catalog = self._catalog.catalog
        if catalog is None:
            return
        category = catalog.category(code)
        entries = [("matter", c) for c in category.items]
        names = (category.name["zh"], category.name["en"])
        self._lists.open(self._page(entries, title_names=names))

    def open_matter(self, code: str) -> None:
        """A query that answers asks its question; the guides query lists the categories, a
        consult's answer is read on its keypad; anything else opens its guide. The visit
        records the catalog code the rating will name."""
        catalog = self._catalog.catalog
        info = catalog.queries.get(code) if catalog else None
        if catalog is not None and info is not None and info.source == "catalog":
            entries = [("category", c.code) for c in catalog.categories]
            self._lists.open(self._page(entries, title_key="tile.guides"))
            return
        if info is not None and info.source == "consult":
            self._screens.show(ANSWER_SCREEN)
            return
        if self._open_query(code):
            return
        self._visits.ensure().choose_matter(code)
        self._guide.open(code)
        self._screens.show("guide")

    def matter(self, code: str) -> Matter | None:
        catalog = self._catalog.catalog
        return catalog.items.get(code) if catalog else None

    def name(self, kind: str, code: str, language: Language) -> str:
        """A list entry's name in ``language``."""
        if kind == "answer":
            return tr("noncert.read_answer", language)
        catalog = self._catalog.catalog
        if catalog is None:
            return code
        names = catalog.category(code).name if kind == "category" else catalog.items[code].name
        return names[language]

    def print_guide(self, code: str, ticked: set[str]) -> None:
        matter = self.matter(code)
        if matter is not None:
            self._slips.print(guide_slip(matter, ticked, self._screens.language()))

    def _page(
        self,
        entries: list[tuple[str, str]],
        title_key: str = "",
        title_names: tuple[str, str] = ("", ""),
    ) -> ListPage:
        return ListPage(
            tuple(entries), self.choose, self.name, title_key=title_key, title_names=title_names
        )


class CatalogSync:
    """Asks the back office for a newer catalog (ETag) and a report's choices off the UI thread;
    the cached ones stay in use while it cannot be reached."""

    def __init__(
        self,
        catalog: CatalogStore,
        choices: ChoicesStore,
        sender: Callable[[], Sender | None],
        runner: Runner,
        refreshed: Callable[[], None],
    ) -> None:
        self._catalog = catalog
        self._choices = choices
        self._sender = sender
        self._runner = runner
        self._refreshed = refreshed
        self.running = False

    def refresh(self) -> None:
        send = self._sender()
        if send is None or self.running:
            return
        self.running = True

        def work() -> None:
            try:
                self._catalog.refresh(send)
                self._choices.refresh(send)
            except (ValueError, KeyError, TypeError) as exc:  # a malformed answer
                logger.warning("catalog not refreshed: %s", type(exc).__name__)

        self._runner.run("catalog-refresh", work, self._done)

    def _done(self, _result: None) -> None:
        self.running = False
        self._refreshed()

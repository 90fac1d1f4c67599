"""All the flows of one kiosk, wired together in one place from the window's views."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.catalog import CATALOG_TILES, CatalogStore, Sender
from kiosk.config import CounterDesk
from kiosk.flows.booklet import SERVICE as BOOKLET_SERVICE
from kiosk.flows.booklet import BookletFlow, BookletView
from kiosk.flows.browse import BrowseFlow, CatalogSync
from kiosk.flows.consult import AnswerView, ConsultFlow
from kiosk.flows.guides import GuideView, SlipPrinter
from kiosk.flows.home import HomeMenu
from kiosk.flows.homevisit import SERVICE as HOME_VISIT_SERVICE
from kiosk.flows.homevisit import HomeVisitFlow, HomeVisitView
from kiosk.flows.identify import IdentifyFlow, IdentifyView
from kiosk.flows.lists import Lists, ListView
from kiosk.flows.ports import BackOffice, KioskDevices, Runner, Screens
from kiosk.flows.queries import PERSONAL, QueryFlow, QueryView
from kiosk.flows.rating import RatingFlow
from kiosk.flows.report import ReportDoneView, ReportFlow, ReportPhotoView
from kiosk.outbox import Outbox
from kiosk.report import ChoicesStore
from kiosk.visit import Visits

REPORT_SERVICE = "tile.report_problem"
# Services that open personal records: only a card or a verified Suishen code unlocks them.
PROOF_NEEDED = frozenset({BOOKLET_SERVICE, HOME_VISIT_SERVICE})


@dataclass(frozen=True)
class Views:
    """The screens the flows fill, each seen through its flow's protocol."""

    screens: Screens
    identify: IdentifyView
    lists: ListView
    guide: GuideView
    answer: AnswerView
    booklet: BookletView
    report_photo: ReportPhotoView
    report_done: ReportDoneView
    query: QueryView
    home_visit: HomeVisitView


@dataclass(frozen=True)
class Flows:
    home: HomeMenu
    identify: IdentifyFlow
    lists: Lists
    browse: BrowseFlow
    consult: ConsultFlow
    queries: QueryFlow
    booklet: BookletFlow
    report: ReportFlow
    rating: RatingFlow
    catalog: CatalogSync
    home_visit: HomeVisitFlow


def build_flows(
    *,
    views: Views,
    backoffice: BackOffice,
    devices: KioskDevices,
    outbox: Outbox,
    visits: Visits,
    catalog: CatalogStore,
    choices: ChoicesStore,
    sender: Callable[[], Sender | None],
    runner: Runner,
    catalog_refreshed: Callable[[], None],
    elder_offer_age: int = 0,
    counter: CounterDesk | None = None,
) -> Flows:
    """``elder_offer_age``: a card holder this old or older is offered elder mode (0: never);
    ``counter``: the counter a rating pad serves (counter mode), else None."""
    screens = views.screens
    lists = Lists(screens, views.lists)
    slips = SlipPrinter(devices, visits, screens, views.guide, runner)
    # The identify flow reopens the service that asked for proof through the home menu.
    identify = IdentifyFlow(
        backoffice,
        devices,
        visits,
        screens,
        views.identify,
        lambda key: home.open(key),
        elder_offer_age=elder_offer_age,
    )
    query_slips = SlipPrinter(devices, visits, screens, views.query, runner)
    queries = QueryFlow(
        catalog, backoffice, devices, visits, screens, views.query, identify, query_slips
    )
    browse = BrowseFlow(catalog, visits, screens, lists, views.guide, slips, queries.open)
    answer_slips = SlipPrinter(devices, visits, screens, views.answer, runner)
    consult = ConsultFlow(
        backoffice, visits, screens, browse, views.guide, views.answer, slips, answer_slips
    )
    booklet = BookletFlow(
        backoffice, devices, outbox, visits, screens, views.booklet, identify, runner
    )
    report = ReportFlow(
        choices,
        backoffice,
        devices,
        outbox,
        visits,
        screens,
        lists,
        views.report_photo,
        views.report_done,
    )
    routes: dict[str, Callable[[], None]] = {
        tile: functools.partial(browse.open_tile, tile) for tile in CATALOG_TILES
    }
    routes[REPORT_SERVICE] = report.open
    routes[BOOKLET_SERVICE] = booklet.open
    routes[PERSONAL] = queries.resume
    home_visit = HomeVisitFlow(
        backoffice,
        identify,
        visits,
        screens,
        lists,
        choices,
        views.home_visit,
        SlipPrinter(devices, visits, screens, views.home_visit, runner),
    )
    routes[HOME_VISIT_SERVICE] = home_visit.open
    home = HomeMenu(screens, devices, identify, routes, PROOF_NEEDED)
    return Flows(
        home=home,
        identify=identify,
        lists=lists,
        browse=browse,
        consult=consult,
        queries=queries,
        booklet=booklet,
        report=report,
        rating=RatingFlow(visits, outbox, screens, counter),
        catalog=CatalogSync(catalog, choices, sender, runner, catalog_refreshed),
        home_visit=home_visit,
    )

"""Flows without a window: every flow wired as the app wires it (``build_flows``), with the
screens replaced by recorders of what a person would see and hear, slow work run inline, and,
where a flow talks to the back office, one real back office process shared by these tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from backoffice.catalog.service import load_seed
from backoffice.clock import SystemClock
from backoffice.db import create_db_engine, make_session_factory, session_scope
from kiosk.agent import FleetAgent, KioskStatus
from kiosk.backoffice_client import BackOfficeClient
from kiosk.booklet import BookletPrint
from kiosk.catalog import CatalogStore, Sender
from kiosk.config import KioskConfig, Language
from kiosk.flows.kit import Flows, Views, build_flows
from kiosk.flows.lists import ListPage
from kiosk.flows.ports import KioskDevices
from kiosk.flows.queries import QueryAnswer
from kiosk.i18n import tr
from kiosk.outbox import Outbox
from kiosk.report import ChoicesStore
from kiosk.visit import Visits, VisitSummary
from tests.conftest import Databases, LiveServer, free_port, listens_on
from tests.e2e.test_kiosk_enrollment import _seed
from tests.kiosk.conftest import ManualTicker, seed_catalog, seed_report_choices

T = TypeVar("T")
Texts = tuple[str, str]


class InlineRunner:
    """Runs slow work at once, on the test's thread: a flow's outcome is there when it returns."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def run(self, name: str, work: Callable[[], T], done: Callable[[T], None]) -> None:
        self.names.append(name)
        done(work())

    def post(self, function: Callable[[], None]) -> None:
        function()


@dataclass
class Window:
    """The window as flows see it: the screen in front, what is said, the bars."""

    lang: Language = "zh"
    screen: str = "home"
    said: list[str] = field(default_factory=list)
    out_of_service: tuple[str, str, str] | None = None
    asking: str = ""
    greeting: str = ""
    card_held: bool = False
    elder_offers: int = 0
    notice_texts: Texts = ("", "")

    def show(self, name: str) -> None:
        self.screen = name

    def showing(self) -> str:
        return self.screen

    def language(self) -> Language:
        return self.lang

    def speak(self, text: str) -> None:
        self.said.append(text)

    def announce(self, key: str) -> None:
        self.said.append(tr(key, self.lang))

    def service_out(self, service_key: str, reason_zh: str, reason_en: str) -> None:
        self.out_of_service = (service_key, reason_zh, reason_en)
        self.screen = "out_of_service"

    def ask_for(self, service_key: str) -> None:
        self.asking = service_key

    def asking_for(self) -> str:
        return self.asking

    def greet(self, masked_name: str, card_held: bool = False) -> None:
        self.greeting, self.card_held = masked_name, card_held

    def offer_elder_mode(self) -> None:
        self.elder_offers += 1

    def notice(self, chinese: str, english: str) -> None:
        self.notice_texts = (chinese, english)


@dataclass
class ListShown:
    page: ListPage | None = None

    def show_list(self, page: ListPage) -> None:
        self.page = page

    def titles(self, language: Language = "zh") -> list[str]:
        assert self.page is not None
        return [self.page.name(kind, code, language) for kind, code in self.page.entries]


@dataclass
class GuideShown:
    code: str = ""
    notice: Texts = ("", "")
    reference: str = ""

    def open(self, code: str) -> None:
        self.code, self.notice, self.reference = code, ("", ""), ""

    def say(self, key: str, **values: str) -> None:
        self.notice = (tr(key, "zh").format(**values), tr(key, "en").format(**values))

    def show_reference(self, reference: str) -> None:
        self.reference = reference


@dataclass
class AnswerShown:
    result: Texts = ("", "")

    def say(self, key: str, **values: str) -> None:
        self.result = (tr(key, "zh").format(**values), tr(key, "en").format(**values))


@dataclass
class BookletShown:
    phase: str = ""
    message: Texts = ("", "")
    booklet: BookletPrint | None = None

    def loading(self, message: Texts) -> None:
        self.phase, self.message, self.booklet = "loading", message, None

    def preview(self, booklet: BookletPrint, message: Texts) -> None:
        self.phase, self.message, self.booklet = "preview", message, booklet

    def tell(self, phase: str, message: Texts) -> None:
        self.phase, self.message = phase, message


@dataclass
class PhotoShown:
    photo: bytes | None = None
    notice: Texts = ("", "")

    def clear(self) -> None:
        self.photo, self.notice = None, ("", "")

    def show_photo(self, jpeg: bytes) -> None:
        self.photo = jpeg

    def say(self, key: str) -> None:
        self.notice = (tr(key, "zh"), tr(key, "en"))


@dataclass
class DoneShown:
    summary: Texts = ("", "")
    outcome: Texts = ("", "")

    def summarise(self, summary: Texts, outcome: Texts) -> None:
        self.summary, self.outcome = summary, outcome

    def tell(self, outcome: Texts) -> None:
        self.outcome = outcome


@dataclass
class QueryShown:
    code: str = ""
    asks: str = ""
    answer: QueryAnswer | None = None
    notice: Texts = ("", "")

    def open(self, code: str, asks: str) -> None:
        self.code, self.asks, self.answer, self.notice = code, asks, None, ("", "")

    def show_answer(self, answer: QueryAnswer) -> None:
        self.answer, self.notice = answer, ("", "")

    def say(self, key: str, **values: str) -> None:
        self.notice = (tr(key, "zh").format(**values), tr(key, "en").format(**values))


@dataclass
class HomeVisitShown:
    summary: Texts = ("", "")
    outcome: Texts = ("", "")
    printable: bool = False
    printed: Texts = ("", "")

    def present(self, summary: Texts, outcome: Texts, printable: bool) -> None:
        self.summary, self.outcome, self.printable = summary, outcome, printable

    def tell(self, outcome: Texts) -> None:
        self.outcome = outcome

    def say(self, key: str, **values: str) -> None:
        self.printed = (tr(key, "zh").format(**values), tr(key, "en").format(**values))


@dataclass
class RenovationFormShown:
    summary: Texts = ("", "")
    message: Texts = ("", "")

    def start(self, summary: Texts) -> None:
        self.summary = summary

    def say(self, message: Texts) -> None:
        self.message = message


@dataclass
class RenovationSignShown:
    summary: Texts = ("", "")
    phase: str = ""
    message: Texts = ("", "")

    def start(self, summary: Texts) -> None:
        self.summary = summary

    def tell(self, phase: str, message: Texts) -> None:
        self.phase, self.message = phase, message


@dataclass
class Kiosk:
    """One kiosk's flows and everything a test looks at."""

    flows: Flows
    window: Window
    lists: ListShown
    guide: GuideShown
    answer: AnswerShown
    booklet: BookletShown
    photo: PhotoShown
    done: DoneShown
    query: QueryShown
    home_visit: HomeVisitShown
    devices: KioskDevices
    outbox: Outbox
    visits: Visits
    ticker: ManualTicker
    runner: InlineRunner
    ended: list[VisitSummary]
    renovation_form: RenovationFormShown
    renovation_sign: RenovationSignShown


@pytest.fixture
def make_kiosk(tmp_path: Path) -> Iterator[Callable[..., Kiosk]]:
    """make_kiosk(send=None, language="zh", cached=True, elder_offer_age=0): flows over
    recorders; ``send`` is the fleet agent's sender (None: no back office)."""
    outboxes: list[Outbox] = []

    def make(
        send: Sender | None = None,
        language: Language = "zh",
        cached: bool = True,
        elder_offer_age: int = 0,
    ) -> Kiosk:
        folder = tmp_path / f"kiosk-{len(outboxes)}"
        catalog, choices = CatalogStore(folder), ChoicesStore(folder)
        if cached:  # as after an earlier run: the catalog and choices come from the cache
            catalog.save(seed_catalog(), '"catalog-1-seed"')
            choices.path.write_text(json.dumps(seed_report_choices()), "utf-8")
            choices.load()
        outbox = Outbox(folder / "outbox.sqlite3")
        outboxes.append(outbox)
        window, ticker, runner = Window(lang=language), ManualTicker(), InlineRunner()
        ended: list[VisitSummary] = []
        visits = Visits(ticker, lambda: (window.lang, False), lambda _v: None, ended.append)
        views = Views(
            screens=window,
            identify=window,
            lists=ListShown(),
            guide=GuideShown(),
            answer=AnswerShown(),
            booklet=BookletShown(),
            report_photo=PhotoShown(),
            report_done=DoneShown(),
            query=QueryShown(),
            home_visit=HomeVisitShown(),
            renovation_form=RenovationFormShown(),
            renovation_sign=RenovationSignShown(),
        )
        devices = KioskDevices()
        flows = build_flows(
            views=views,
            backoffice=BackOfficeClient(lambda: send, runner),
            devices=devices,
            outbox=outbox,
            visits=visits,
            catalog=catalog,
            choices=choices,
            sender=lambda: send,
            runner=runner,
            catalog_refreshed=lambda: None,
            elder_offer_age=elder_offer_age,
        )
        return Kiosk(
            flows,
            window,
            views.lists,  # type: ignore[arg-type]
            views.guide,  # type: ignore[arg-type]
            views.answer,  # type: ignore[arg-type]
            views.booklet,  # type: ignore[arg-type]
            views.report_photo,  # type: ignore[arg-type]
            views.report_done,  # type: ignore[arg-type]
            views.query,  # type: ignore[arg-type]
            views.home_visit,  # type: ignore[arg-type]
            devices,
            outbox,
            visits,
            ticker,
            runner,
            ended,
            views.renovation_form,  # type: ignore[arg-type]
            views.renovation_sign,  # type: ignore[arg-type]
        )

    yield make
    for outbox in outboxes:
        outbox.close()


@pytest.fixture(scope="session")
def office(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One real back office for the flow tests (demo data and the catalog seeded): each test
    makes its own visits, reports and consults, so none depends on another's."""
    folder = tmp_path_factory.mktemp("office")
    database_url = databases.clone()
    env = {**os.environ, "ZHILI_DATABASE_URL": database_url, "ZHILI_DATA_DIR": str(folder)}
    for _attempt in range(3):  # another port when another test's server took this one first
        port = free_port()
        with (folder / "server.log").open("w") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "backoffice.cli", "serve", "--port", str(port)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=folder,
            )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while proc.poll() is None:
            try:
                # Answered by this server itself, not by one that took the port first.
                if httpx.get(f"{url}/healthz", timeout=5).status_code == 200 and listens_on(
                    proc.pid, port
                ):
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError((folder / "server.log").read_text())
            time.sleep(0.1)
        if proc.poll() is None:
            break
    else:
        raise RuntimeError((folder / "server.log").read_text())
    engine = create_db_engine(database_url)
    with session_scope(make_session_factory(engine)) as db:
        load_seed(db, SystemClock().now())
    engine.dispose()
    try:
        yield LiveServer(url, database_url, folder)
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="session")
def office_sender(office: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Sender:
    """The fleet agent's authenticated sender of an enrolled kiosk."""
    code = _seed(office.database_url)
    token = tmp_path_factory.mktemp("kiosk") / "token.json"
    config = KioskConfig(server_url=office.url, token_path=token, enrollment_code=code)
    agent = FleetAgent(config, lambda: KioskStatus("home", "zh", False))
    assert agent.enroll_once() is True
    return agent.send

"""KioskApp: the thin Kivy shell wiring screens, the visit, the bars, the agent and the voice."""

from __future__ import annotations

import base64
import functools
import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from kivy.app import App
from kivy.clock import Clock, ClockEvent
from kivy.core.window import Window
from kivy.metrics import dp, sp
from kivy.properties import BooleanProperty, NumericProperty, OptionProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.screenmanager import NoTransition, Screen, ScreenManager
from kivy.uix.widget import Widget

from kiosk import api, textcache
from kiosk.agent import AgentState, KioskStatus
from kiosk.backoffice_client import Answer, BackOfficeClient, CallFailed, Identification
from kiosk.booklet import MATTER_CODE as BOOKLET_MATTER
from kiosk.booklet import BookletAnswerError, BookletPrint
from kiosk.catalog import CATALOG_TILES, CatalogStore, Matter
from kiosk.config import KioskConfig, Language
from kiosk.devices.base import (
    PRINTER_ERRORS,
    CameraFault,
    CardError,
    CardEvent,
    CardInserted,
    CardReader,
    CardRemoved,
    PaperOut,
    Printer,
    PrinterError,
    PrinterStatus,
    PrintJob,
    PrintProgress,
    QrEvent,
    QrRejected,
    QrScanned,
    QrScanner,
)
from kiosk.devices.health import DeviceHealth, DeviceState
from kiosk.devices.idnumber import mask_id_number
from kiosk.devices.layouts import guide_slip_job
from kiosk.fleet_commands import CommandRunner
from kiosk.fonts import register_default_font
from kiosk.i18n import tr
from kiosk.kvload import load_kv_beside
from kiosk.outbox import Kind, Outbox
from kiosk.report import REPORTS_PATH, ChoicesStore
from kiosk.theme import ELDER_SIZES, STANDARD_SIZES
from kiosk.visit import EndReason, Identity, IdlePhase, Proof, Ticker, Visit, VisitSummary
from kiosk.voice import Voice
from kiosk.watchdog import Notifier

logger = logging.getLogger(__name__)

AGENT_POLL_S = 0.5
# Card and QR events wait on their queues at most this long before the UI reacts.
DEVICE_POLL_S = 0.05
VISIT_TICK_S = 0.25
# Services that open personal records: only a card or a verified Suishen code unlocks them.
PROOF_NEEDED = frozenset({"tile.medical_booklet"})
STATUS_KEYS = {state: f"status.{state.value}" for state in AgentState}
# Screens a locked kiosk may show; every other screen is out of reach until unlocked.
LOCKED_SCREEN = "out_of_service"


class AgentView(Protocol):
    """What the UI reads from the fleet agent (FleetAgent, or a stand-in in screen tests)."""

    state: AgentState
    terminal_code: str | None
    commands: queue.Queue[dict[str, Any]]


class KioskButton(Button):
    """A plain, large, high-contrast button; its look lives in app.kv. In elder mode a tap
    reads the button's words aloud."""

    # What a keypad key stands for ("0".."9", "X", "delete"); its text is what it shows.
    key = StringProperty("")

    def on_release(self) -> None:
        app = App.get_running_app()
        if isinstance(app, KioskApp):
            app.speak_action(self.text)


class PrimaryButton(KioskButton):
    """The one main action of a screen: filled brand blue with white words."""


class KioskApp(App):
    language = OptionProperty("zh", options=["zh", "en"])
    elder_mode = BooleanProperty(False)
    agent_state = StringProperty(AgentState.NOT_ENROLLED.value)
    terminal_code = StringProperty("")
    clock_text = StringProperty("")
    locked = BooleanProperty(False)
    lock_message = StringProperty("")
    # The masked name of the person identified in this visit; "" when nobody is.
    greeting_name = StringProperty("")
    # A short message for the person (a card that cannot be read, what a typed number is for).
    notice_zh = StringProperty("")
    notice_en = StringProperty("")
    idle_seconds_left = NumericProperty(0)
    pending_outbox = NumericProperty(0)
    # Sizes in pixels, from kiosk.theme's sp/dp figures for the current mode.
    font_title = NumericProperty(0.0)
    font_tile_title = NumericProperty(0.0)
    font_body = NumericProperty(0.0)
    font_small = NumericProperty(0.0)
    tile_height = NumericProperty(0.0)
    button_height = NumericProperty(0.0)
    bar_height = NumericProperty(0.0)
    status_height = NumericProperty(0.0)

    __events__ = ("on_fleet_command", "on_visit_end")

    def __init__(
        self,
        config: KioskConfig,
        agent: AgentView | None = None,
        *,
        ticker: Ticker = time.monotonic,
        outbox: Outbox | None = None,
        notifier: Notifier | None = None,
        voice: Voice | None = None,
        config_path: Path | None = None,
        restart: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self.kiosk_config = config
        self.config_path = config_path
        self.agent = agent
        self.ticker = ticker
        self.data_dir = config.token_path.parent
        self.outbox = outbox or Outbox(self.data_dir / "outbox.sqlite3")
        self.notifier = notifier or Notifier()
        self.voice = voice
        self.printer: Printer | None = None
        self.card_reader: CardReader | None = None
        # Devices' health for the heartbeat, read on the UI thread (the drivers' own locks).
        self.device_health: Callable[[], dict[str, DeviceHealth]] | None = None
        self.qr_scanner: QrScanner | None = None
        send = getattr(agent, "send", None)
        self.client: BackOfficeClient | None = (
            BackOfficeClient(send, _on_ui_thread) if callable(send) else None
        )
        self.visit: Visit | None = None
        # The last catalog the back office sent, from disk until a fresher one arrives.
        self.catalog_store = CatalogStore(self.data_dir)
        self.catalog_store.load()
        self.report_choices = ChoicesStore(self.data_dir)
        self.report_choices.load()
        self._catalog_refreshing = False
        # The lists the person went through (categories, then a category's matters), for Back.
        self._lists: list[tuple[list[tuple[str, str]], str, tuple[str, str]]] = []
        self.title = tr("app.title", config.language)
        self.language = config.language
        self.elder_mode = config.elder_mode
        self._apply_sizes()
        self._status = KioskStatus(screen="home", language=config.language, elder_mode=False)
        self._clock_events: list[ClockEvent] = []
        self._idle_overlay: Any = None
        self.commands = CommandRunner(self, restart=restart or self.stop)

    # --- building ------------------------------------------------------------------------------

    def build(self) -> Widget:
        register_default_font()
        textcache.install()
        load_kv_beside(__file__)
        # Imported here so their .kv rules load after the font and the shared rules.
        from kiosk.screens.answer import AnswerScreen
        from kiosk.screens.booklet import BookletScreen
        from kiosk.screens.guide import GuideScreen
        from kiosk.screens.home import HomeScreen
        from kiosk.screens.identify import IdentifyScreen
        from kiosk.screens.idle import IdleOverlay
        from kiosk.screens.keypad import KeypadScreen
        from kiosk.screens.matters import MatterListScreen
        from kiosk.screens.out_of_service import OutOfServiceScreen
        from kiosk.screens.rating import RatingScreen
        from kiosk.screens.report_done import ReportDoneScreen
        from kiosk.screens.report_photo import ReportPhotoScreen

        if self.voice is None:
            self.voice = Voice(self.data_dir / "voice", _on_ui_thread)
        root = KioskRoot()
        manager: ScreenManager = root.ids.screens
        manager.transition = NoTransition()
        for screen in (
            HomeScreen(),
            IdentifyScreen(),
            KeypadScreen(),
            MatterListScreen(),
            GuideScreen(),
            AnswerScreen(),
            BookletScreen(),
            ReportPhotoScreen(),
            ReportDoneScreen(),
            RatingScreen(),
            OutOfServiceScreen(),
        ):
            manager.add_widget(screen)
        manager.current = "home"
        manager.bind(current=self._on_screen_change)
        self._idle_overlay = IdleOverlay()
        self._tick_clock(0)
        self._poll_agent(0)
        self._clock_events = [
            Clock.schedule_interval(self._poll_agent, AGENT_POLL_S),
            Clock.schedule_interval(self._tick_clock, 1.0),
            Clock.schedule_interval(self._tick_visit, VISIT_TICK_S),
            Clock.schedule_interval(self._drain_devices, DEVICE_POLL_S),
            # Ready once the first frame is drawn; pings come from the UI thread so a frozen
            # UI stops them and systemd restarts the kiosk.
            Clock.schedule_once(lambda _dt: self.notifier.ready(), 0),
            Clock.schedule_interval(
                lambda _dt: self.notifier.ping(), self.notifier.ping_interval_s
            ),
        ]
        Window.bind(on_request_close=self._refuse_close, on_keyboard=self._swallow_escape)
        self.root = root
        self.refresh_catalog()
        return root

    def shutdown(self) -> None:
        """Cancel the UI timers; the caller owns the agent and stops it."""
        for event in self._clock_events:
            event.cancel()
        self._clock_events = []
        Window.unbind(on_request_close=self._refuse_close, on_keyboard=self._swallow_escape)
        if self._idle_overlay is not None:
            self._idle_overlay.dismiss(animation=False)
        if self.voice is not None:
            self.voice.stop()

    def on_stop(self) -> None:
        self.shutdown()

    # --- hardening -------------------------------------------------------------------------------

    def _refuse_close(self, *_args: Any, **_kwargs: Any) -> bool:
        logger.info("window close refused: the kiosk runs until systemd stops it")
        return True

    def _swallow_escape(self, _window: Any, key: int, *_args: Any) -> bool:
        # 27 is Escape, 1001 the Android back key: neither may leave the kiosk.
        return key in (27, 1001)

    # --- what kv calls ---------------------------------------------------------------------------

    def tr(self, key: str, language: str | None = None) -> str:
        """Text for ``key``. kv passes ``app.language`` so the binding re-renders on a switch."""
        return tr(key, language or self.language)

    @property
    def screens(self) -> ScreenManager:
        manager: ScreenManager = self.root.ids.screens
        return manager

    def show(self, name: str) -> None:
        if self.locked and name != LOCKED_SCREEN:
            return
        self.screens.current = name

    def open_service(self, key: str) -> None:
        if key in PROOF_NEEDED and not self._has_proof():
            if not self._can_identify():
                self.service_out(
                    key,
                    tr("service_out.no_identification", "zh"),
                    tr("service_out.no_identification", "en"),
                )
                return
            self.ask_identity(key)
            return
        if key in CATALOG_TILES:
            self._lists = []
            self._open_list(*self._tile_list(key))
            return
        if key == "tile.report_problem":
            self._lists = []
            self._open_report_types()
            return
        if key == "tile.medical_booklet":
            self.open_booklet()
            return
        logger.warning("no service behind tile %s", key)

    # --- the catalog: lists, guides, consults ----------------------------------------------------

    def refresh_catalog(self) -> None:
        """Ask the back office for a newer catalog (ETag) off the UI thread; the cache stays in
        use when it cannot be reached."""
        send = getattr(self.agent, "send", None)
        if not callable(send) or self._catalog_refreshing:
            return
        self._catalog_refreshing = True

        def run() -> None:
            try:
                self.catalog_store.refresh(send)
                self.report_choices.refresh(send)
            finally:
                _on_ui_thread(self._catalog_refreshed)

        threading.Thread(target=run, name="catalog-refresh", daemon=True).start()

    def _catalog_refreshed(self) -> None:
        self._catalog_refreshing = False
        self._refresh_catalog_screens()

    def _refresh_catalog_screens(self) -> None:
        if self.root is None:
            return
        for name in ("matters", "guide", "booklet"):
            self.screens.get_screen(name).refresh()

    def _tile_list(self, key: str) -> tuple[list[tuple[str, str]], str, tuple[str, str]]:
        catalog = self.catalog_store.catalog
        if key == "tile.no_certificate":
            # Reading a consult's answer needs no catalog, so it comes first and always works.
            codes = catalog.no_certificate if catalog else ()
            return [("answer", ""), *(("matter", c) for c in codes)], key, ("", "")
        if catalog is None:
            return [], key, ("", "")
        if key == "tile.high_frequency":
            return [("matter", c) for c in catalog.high_frequency], key, ("", "")
        return [("category", c.code) for c in catalog.categories], key, ("", "")

    def _open_list(
        self,
        entries: list[tuple[str, str]],
        title_key: str,
        title_names: tuple[str, str],
    ) -> None:
        self._lists.append((entries, title_key, title_names))
        if entries and entries[0][0] in ("report_type", "report_road"):
            voice = "voice.report" if entries[0][0] == "report_type" else "voice.report.road"
            self.screens.get_screen("matters").show(
                entries, title_key, title_names, empty_key="report.unavailable", voice_key=voice
            )
        else:
            self.screens.get_screen("matters").show(entries, title_key, title_names)
        if self.screens.current == "matters":
            self._announce_screen()
        self.show("matters")

    def open_category(self, code: str) -> None:
        catalog = self.catalog_store.catalog
        if catalog is None:
            return
        category = catalog.category(code)
        entries = [("matter", c) for c in category.items]
        self._open_list(entries, "", (category.name["zh"], category.name["en"]))

    def entry_name(self, kind: str, code: str) -> str:
        """A category's or matter's name in the current language."""
        if kind == "answer":
            return tr("noncert.read_answer", self.language)
        choices = self.report_choices.choices
        if kind in ("report_type", "report_road") and choices is not None:
            table = choices.types if kind == "report_type" else choices.roads
            return table[code][self._language()]
        catalog = self.catalog_store.catalog
        if catalog is None:
            return code
        names = catalog.category(code).name if kind == "category" else catalog.items[code].name
        return names[self._language()]

    def open_matter(self, code: str) -> None:
        """A matter's guide; the visit records the catalog code the rating will name."""
        visit = self.visit or self.begin_visit()
        visit.choose_matter(code)
        self.screens.get_screen("guide").open(code)
        self.show("guide")

    def go_back(self) -> None:
        current = self.screens.current
        if current in ("guide", "answer", "report_photo") and self._lists:
            self.show("matters")
            return
        if current == "matters" and len(self._lists) > 1:
            self._lists.pop()
            self._open_list(*self._lists.pop())
            return
        self._lists = []
        self.go_home()

    # --- reporting a problem ----------------------------------------------------------------------

    def _open_report_types(self) -> None:
        choices = self.report_choices.choices
        entries = [("report_type", code) for code in (choices.types if choices else {})]
        if entries:
            self._open_list(entries, "report.pick_type", ("", ""))
            return
        # Nothing cached and nothing fetched yet: the list says so plainly.
        self._lists.append(([], "report.pick_type", ("", "")))
        screen = self.screens.get_screen("matters")
        screen.show(
            [], "report.pick_type", empty_key="report.unavailable", voice_key="voice.report"
        )
        self.show("matters")

    def choose_report(self, kind: str, code: str) -> None:
        visit = self.visit or self.begin_visit()
        choices = self.report_choices.choices
        if choices is None:
            return
        if kind == "report_type":
            visit.scratch["report_type"] = code
            self._open_list(
                [("report_road", c) for c in choices.roads], "report.pick_road", ("", "")
            )
            return
        type_code = str(visit.scratch.get("report_type", ""))
        if type_code not in choices.types:
            return
        visit.scratch["report_road"] = code
        if self._camera_ready():
            # A photo is offered, never required: the next screen sends with or without one.
            self.screens.get_screen("report_photo").wipe()
            visit.scratch.pop("report_photo", None)
            self.show("report_photo")
            return
        self._file_report(visit, type_code, code)

    def _camera_ready(self) -> bool:
        scanner = self.qr_scanner
        return scanner is not None and scanner.health().state == DeviceState.READY

    def take_report_photo(self) -> None:
        visit = self.visit or self.begin_visit()
        screen = self.screens.get_screen("report_photo")
        jpeg = self.qr_scanner.snapshot() if self.qr_scanner is not None else None
        if jpeg is None:
            screen.say("report.photo.failed")
            self.announce("report.photo.failed")
            return
        visit.scratch["report_photo"] = jpeg
        screen.show_photo(jpeg)

    def send_report(self, with_photo: bool) -> None:
        visit = self.visit
        if visit is None or visit.ended is not None:
            return
        type_code = str(visit.scratch.get("report_type", ""))
        road_code = str(visit.scratch.get("report_road", ""))
        photo = visit.scratch.get("report_photo") if with_photo else None
        choices = self.report_choices.choices
        if choices is None or type_code not in choices.types or road_code not in choices.roads:
            return
        self._file_report(visit, type_code, road_code, photo)

    def _file_report(
        self, visit: Visit, type_code: str, road_code: str, photo: bytes | None = None
    ) -> None:
        """Send the report now to show its case number; when the back office cannot be reached
        it waits in the outbox, and the same report_id makes a resend file once."""
        choices = self.report_choices.choices
        assert choices is not None
        report_id = f"report-{uuid.uuid4()}"
        body = {"type_code": type_code, "road_code": road_code, "report_id": report_id}
        if photo is not None:
            body["photo_jpeg_base64"] = base64.b64encode(photo).decode("ascii")
        screen = self.screens.get_screen("report_done")
        types, roads = choices.types[type_code], choices.roads[road_code]
        screen.summary = [
            tr("report.summary", lang).format(type=types[lang], road=roads[lang])
            for lang in ("zh", "en")
        ]
        screen.outcome = [tr("report.sending", "zh"), tr("report.sending", "en")]
        self.show("report_done")
        if self.client is None or self.agent_state != AgentState.ONLINE.value:
            self._queue_report(visit, body)
            return
        self.client.call(
            "POST", REPORTS_PATH, body, functools.partial(self._report_answered, visit, body)
        )

    def _queue_report(self, visit: Visit, body: dict[str, Any]) -> None:
        # Kept even if the person has left: a report is about a place, and its photo is one
        # the person chose to send.
        self.outbox.add(Kind.REPORT, REPORTS_PATH, body, idempotency_key=str(body["report_id"]))
        self._count_pending()
        if visit is self.visit and visit.ended is None:
            self.screens.get_screen("report_done").say("report.queued")

    def _report_answered(
        self, visit: Visit, body: dict[str, Any], result: Answer | CallFailed
    ) -> None:
        if isinstance(result, CallFailed) and result.offline:
            self._queue_report(visit, body)
            return
        if visit is not self.visit or visit.ended is not None:
            return
        screen = self.screens.get_screen("report_done")
        if isinstance(result, CallFailed):
            logger.warning("report refused: %s", result.detail)
            screen.say("report.failed")
        else:
            screen.say("report.filed", number=str(result.body["case_number"]))

    # --- the medical record booklet --------------------------------------------------------------

    def open_booklet(self) -> None:
        """The records not yet in the booklet, once the printer answers ready and the card's or
        code's identification is back."""
        visit = self.visit or self.begin_visit()
        visit.choose_matter(BOOKLET_MATTER)
        printer = self.printer
        if printer is None:
            self.service_out(
                "tile.medical_booklet",
                tr("service_out.no_printer", "zh"),
                tr("service_out.no_printer", "en"),
            )
            return
        screen = self.screens.get_screen("booklet")
        screen.begin()
        self.show("booklet")
        if self.client is None or self.agent_state != AgentState.ONLINE.value:
            self._booklet_ended("booklet.offline")
            return

        def check() -> None:
            status = printer.status()
            _on_ui_thread(functools.partial(self._booklet_printer_checked, visit, status))

        threading.Thread(target=check, name="printer-status", daemon=True).start()

    def _booklet_printer_checked(self, visit: Visit, status: PrinterStatus) -> None:
        if visit is not self.visit or visit.ended is not None:
            return
        if self.screens.current != "booklet":
            return  # the person went elsewhere meanwhile
        error = PRINTER_ERRORS.get(status)
        if error is not None:
            self.service_out("tile.medical_booklet", error.message_zh, error.message_en)
        elif visit.scratch.get("identification_token"):
            self._fetch_booklet(visit)
        else:
            visit.scratch["booklet_waiting"] = True  # the card's identification is on its way

    def _fetch_booklet(self, visit: Visit) -> None:
        assert self.client is not None
        headers = {api.IDENTIFICATION_HEADER: str(visit.scratch["identification_token"])}
        self.client.call(
            "GET",
            api.MEDICAL_RECORDS,
            None,
            functools.partial(self._booklet_answered, visit),
            headers=headers,
        )

    def _booklet_answered(self, visit: Visit, result: Answer | CallFailed) -> None:
        if visit is not self.visit or visit.ended is not None:
            return
        if isinstance(result, CallFailed):
            logger.warning("booklet records not fetched: HTTP %s", result.status or "unreachable")
            self._booklet_ended("booklet.offline" if result.offline else "booklet.failed")
            return
        try:
            booklet = BookletPrint.from_answer(result.body)
        except BookletAnswerError as exc:
            logger.warning("booklet records not usable: %s", exc)
            self._booklet_ended("booklet.failed")
            return
        if booklet.finished:
            self._booklet_ended("booklet.full" if booklet.booklet_full else "booklet.nothing")
            return
        screen = self.screens.get_screen("booklet")
        screen.preview(booklet)
        self.speak(screen.in_language(screen.message, self.language))
        self.announce("voice.booklet")

    def _booklet_ended(self, key: str) -> None:
        self.screens.get_screen("booklet").say("ended", key)
        self.announce(key)

    def print_booklet(self) -> None:
        """Print what is left, page by page; after each page the lines printed for sure are
        confirmed through the outbox, so a stop or a crash neither reprints nor skips."""
        screen = self.screens.get_screen("booklet")
        booklet: BookletPrint | None = screen.booklet
        printer, visit = self.printer, self.visit
        job = booklet.job() if booklet else None
        if booklet is None or job is None:
            return
        if printer is None:
            return  # open_booklet showed the service out of service
        pages = len(job.pages)
        screen.say("printing", "booklet.printing", done="1", pages=str(pages))
        self.speak(screen.in_language(screen.message, self.language))

        def run() -> None:
            for number, page in enumerate(job.pages, 1):
                try:
                    result = printer.print_job(PrintJob(job.kind, (page,)))
                except PrinterError as exc:
                    _on_ui_thread(functools.partial(self._booklet_stopped, visit, booklet, exc))
                    return
                _on_ui_thread(
                    functools.partial(
                        self._booklet_page_printed, visit, booklet, result.progress, number, pages
                    )
                )

        threading.Thread(target=run, name="print-booklet", daemon=True).start()

    def _confirm_printed(self, booklet: BookletPrint, progress: PrintProgress) -> None:
        # Kept even if the person has left: the paper is printed and must count.
        if booklet.advance(progress):
            body = booklet.confirmation()
            assert body is not None
            self.outbox.add(
                Kind.PRINT_CONFIRMATION,
                api.MEDICAL_PRINTS,
                body,
                idempotency_key=booklet.confirmation_key(),
            )
            self._count_pending()

    def _booklet_page_printed(
        self,
        visit: Visit | None,
        booklet: BookletPrint,
        progress: PrintProgress,
        number: int,
        pages: int,
    ) -> None:
        self._confirm_printed(booklet, progress)
        if visit is not self.visit or (visit is not None and visit.ended is not None):
            return
        screen = self.screens.get_screen("booklet")
        if number < pages:
            screen.say("printing", "booklet.printing", done=str(number + 1), pages=str(pages))
            return
        first = booklet.lines[0].position.page
        screen.say("done", "booklet.done", count=str(len(booklet.lines)), page=str(first))
        self.speak(screen.in_language(screen.message, self.language))

    def _booklet_stopped(
        self, visit: Visit | None, booklet: BookletPrint, error: PrinterError
    ) -> None:
        self._confirm_printed(booklet, error.progress)
        logger.warning("booklet print stopped: %s", error.reason_code)
        if visit is not self.visit or (visit is not None and visit.ended is not None):
            return
        screen = self.screens.get_screen("booklet")
        printed, left = str(booklet.printed_count), str(len(booklet.remaining))
        screen.say_text(
            "stopped",
            tr("booklet.stopped", "zh").format(printed=printed, left=left, reason=error.message_zh),
            tr("booklet.stopped", "en").format(printed=printed, left=left, reason=error.message_en),
        )
        self.speak(screen.in_language(screen.message, self.language))

    def _matter(self, code: str) -> Matter | None:
        catalog = self.catalog_store.catalog
        return catalog.items.get(code) if catalog else None

    def print_guide(self, code: str) -> None:
        matter = self._matter(code)
        if matter is None:
            return
        language = self._language()
        fields = [
            tr(f"guide.field.{name}", language).format(value=getattr(matter, name)[language])
            for name in ("place", "hours", "fee", "time_limit")
        ]
        sections: list[tuple[str, list[str]]] = [
            (
                tr("guide.steps", language),
                [f"{i}. {s[language]}" for i, s in enumerate(matter.steps, 1)],
            )
        ]
        if matter.materials:
            # The materials, then what this person said they still lack.
            names = [m.name[language] for m in matter.materials]
            missing = self.screens.get_screen("guide").missing_text(language)
            sections.append((tr("guide.slip.materials", language), [*names, missing]))
        sections.append((tr("guide.place", language), fields))
        self._print(guide_slip_job(matter.name[language], sections))

    def print_reference(self, reference: str) -> None:
        language = self._language()
        title = tr("consult.slip.title", language)
        detail = tr("consult.sent", language).format(reference=reference)
        self._print(
            guide_slip_job(title, [(tr("consult.slip.reference", language), [reference, detail])])
        )

    def _print(self, job: PrintJob) -> None:
        guide = self.screens.get_screen("guide")
        printer, visit = self.printer, self.visit
        if printer is None:
            guide.say("print.no_printer")
            return
        guide.say("print.printing")

        def run() -> None:
            key = "print.done"
            try:
                printer.print_job(job)
            except PaperOut:
                key = "print.paper_out"
            except PrinterError as exc:
                logger.warning("guide slip not printed: %s", type(exc).__name__)
                key = "print.failed"
            _on_ui_thread(lambda: self._printed(visit, key))

        threading.Thread(target=run, name="print-slip", daemon=True).start()

    def _printed(self, visit: Visit | None, key: str) -> None:
        if visit is not self.visit:
            return  # the person left; the next one must not see it
        self.screens.get_screen("guide").say(key)
        self.speak(tr(key, self.language))

    def send_consult(self, code: str, ticked: list[str]) -> None:
        """One tap: the pre-check (or, for a matter without materials, a question about it)
        goes to the staff; the reference number comes back."""
        matter = self._matter(code)
        guide = self.screens.get_screen("guide")
        if matter is None:
            return
        if self.client is None or self.agent_state != AgentState.ONLINE.value:
            guide.say("consult.offline")
            return
        visit = self.visit or self.begin_visit()
        language = self._language()
        body: dict[str, Any] = {
            "matter_code": code,
            "language": language,
            "visit_id": visit.visit_id,
        }
        if matter.materials:
            body["kind"] = "precheck"
            body["precheck"] = {m.code: m.code in ticked for m in matter.materials}
        else:
            body["kind"] = "question"
            body["question"] = tr("consult.question", language).format(name=matter.name[language])
        self.client.call("POST", api.CONSULTS, body, functools.partial(self._consulted, visit))

    def _consulted(self, visit: Visit, result: Answer | CallFailed) -> None:
        if visit is not self.visit or visit.ended is not None:
            return
        guide = self.screens.get_screen("guide")
        if isinstance(result, CallFailed):
            logger.warning("consult not sent: %s", result.detail)
            guide.say("consult.offline" if result.offline else "consult.failed")
            return
        reference = str(result.body["reference"])
        guide.show_reference(reference)
        self.speak(tr("consult.sent", self.language).format(reference=" ".join(reference)))

    def read_answer(self, reference: str) -> None:
        screen = self.screens.get_screen("answer")
        if self.client is None or self.agent_state != AgentState.ONLINE.value:
            screen.say("answer.offline")
            return
        visit = self.visit or self.begin_visit()
        self.client.call(
            "GET", api.consult(reference), None, functools.partial(self._answer_read, visit)
        )

    def _answer_read(self, visit: Visit, result: Answer | CallFailed) -> None:
        if visit is not self.visit or visit.ended is not None:
            return
        screen = self.screens.get_screen("answer")
        if isinstance(result, CallFailed):
            key = "answer.offline" if result.offline else "answer.not_found"
            screen.say(key)
        elif result.body.get("answer"):
            screen.say("answer.text", answer=str(result.body["answer"]))
        else:
            screen.say("answer.waiting")
        self.speak(screen.result[1 if self.language == "en" else 0])

    def go_home(self) -> None:
        self.show("home")

    def ask_identity(self, service_key: str) -> None:
        """The identify screen, saying which service needs the card or the Suishen code."""
        if self.visit is None:
            self.begin_visit()
        self.screens.get_screen("identify").service_key = service_key
        self.show("identify")

    def _can_identify(self) -> bool:
        """A card reader or a QR camera is there and not failed."""
        devices: list[CardReader | QrScanner | None] = [self.card_reader, self.qr_scanner]
        return any(d is not None and d.health().state != DeviceState.FAULT for d in devices)

    def service_out(self, service_key: str, reason_zh: str, reason_en: str) -> None:
        """One service cannot run here (a device it needs has failed): say why, and offer the
        way home, where the other services still work."""
        screen = self.screens.get_screen(LOCKED_SCREEN)
        screen.for_service(service_key, reason_zh, reason_en)
        if self.screens.current == LOCKED_SCREEN:
            self._announce_screen()
        self.show(LOCKED_SCREEN)
        self.speak(reason_en if self.language == "en" else reason_zh)

    def _has_proof(self) -> bool:
        identity = self.visit.identity if self.visit else None
        return identity is not None and identity.unlocks_personal_records

    # --- identification --------------------------------------------------------------------------

    def _drain_devices(self, _dt: float) -> None:
        if self.card_reader is not None:
            while not self.card_reader.events.empty():
                self.on_card_event(self.card_reader.events.get_nowait())
        if self.qr_scanner is not None:
            while not self.qr_scanner.events.empty():
                self.on_qr_event(self.qr_scanner.events.get_nowait())

    def on_card_event(self, event: CardEvent) -> None:
        if self.locked:
            return
        if isinstance(event, CardInserted):
            visit = self.visit or self.begin_visit()
            card = event.identity
            visit.identify(Identity(Proof.CARD, masked_name=card.masked_name, secret=""))
            self._greet(card.masked_name)
            if self.client is not None:
                self.client.identify_card(
                    card.id_number, card.name, functools.partial(self._identified, visit)
                )
            self._after_identification()
        elif isinstance(event, CardRemoved):
            identity = self.visit.identity if self.visit else None
            if identity is not None and identity.proof == Proof.CARD:
                self.end_visit(EndReason.CARD_REMOVED)
        elif isinstance(event, CardError):
            self.say_notice(event.message_zh, event.message_en)

    def on_qr_event(self, event: QrEvent) -> None:
        if self.locked:
            return
        if isinstance(event, QrScanned):
            visit = self.visit or self.begin_visit()
            if self.client is None or self.agent_state != AgentState.ONLINE.value:
                self.say_notice(tr("suishen.offline", "zh"), tr("suishen.offline", "en"))
                return
            self.client.identify_suishen(
                event.payload, functools.partial(self._suishen_checked, visit)
            )
        elif isinstance(event, QrRejected | CameraFault):
            self.say_notice(event.message_zh, event.message_en)

    def type_id_number(self, number: str) -> None:
        """A typed number serves only matters that need no proof; it never opens records."""
        visit = self.visit or self.begin_visit()
        visit.identify(Identity(Proof.TYPED, masked_name="", secret=number))
        masked = mask_id_number(number)
        self.say_notice(
            tr("typed.noted", "zh").format(masked=masked),
            tr("typed.noted", "en").format(masked=masked),
        )
        self.show("identify")

    def _identified(self, visit: Visit, result: Identification | CallFailed) -> None:
        if visit is not self.visit or visit.ended is not None:
            return  # the person left before the answer came
        if isinstance(result, Identification):
            visit.scratch["identification_token"] = result.token
        if visit.scratch.pop("booklet_waiting", False):
            if isinstance(result, CallFailed):
                self._booklet_ended("booklet.offline" if result.offline else "booklet.failed")
            else:
                self._fetch_booklet(visit)

    def _suishen_checked(self, visit: Visit, result: Identification | CallFailed) -> None:
        if visit is not self.visit or visit.ended is not None:
            return
        if isinstance(result, CallFailed):
            key = "suishen.offline" if result.offline else "suishen.refused"
            self.say_notice(tr(key, "zh"), tr(key, "en"))
            return
        visit.identify(Identity(Proof.SUISHEN, masked_name=result.masked_name, secret=""))
        visit.scratch["identification_token"] = result.token
        self._greet(result.masked_name)
        self._after_identification()

    def _greet(self, masked_name: str) -> None:
        self.greeting_name = masked_name
        self.clear_notice()
        self.speak(tr("greeting.voice", self.language).format(name=masked_name))

    def _after_identification(self) -> None:
        """Back to what the person was doing when the identify screen asked for proof."""
        if self.screens.current == "identify" or self.screens.current == "keypad":
            self.open_service(self.screens.get_screen("identify").service_key)

    def say_notice(self, chinese: str, english: str) -> None:
        self.notice_zh, self.notice_en = chinese, english
        self.speak(english if self.language == "en" else chinese)

    def clear_notice(self) -> None:
        self.notice_zh = self.notice_en = ""

    def toggle_language(self) -> None:
        self.language = "en" if self.language == "zh" else "zh"

    def toggle_elder_mode(self) -> None:
        self.elder_mode = not self.elder_mode

    def finish(self) -> None:
        """The person says they are done: ask for the rating that ends every visit."""
        self.show("rating")

    def finish_without_rating(self) -> None:
        self.end_visit(EndReason.FINISHED)

    # --- the visit -------------------------------------------------------------------------------

    def note_activity(self) -> None:
        """Every touch: begin a visit if none is running, else keep it alive."""
        if self.locked:
            return
        if self.visit is None:
            self.begin_visit()
        elif self.visit.ended is None:
            self.visit.touch()

    def begin_visit(self) -> Visit:
        visit = Visit(self.ticker, language=self._language(), elder_mode=self.elder_mode)
        visit.on_end(self._visit_ended)
        self.visit = visit
        self.refresh_catalog()
        if self.voice is not None:
            self.voice.set_volume(visit.volume)
        # The first touch of someone in elder mode: tell them what this screen is for.
        self._announce_screen()
        return visit

    def end_visit(self, reason: EndReason) -> VisitSummary | None:
        if self.visit is None or self.visit.ended is not None:
            return None
        return self.visit.end(reason)

    def submit_rating(self, level: int, reasons: list[str]) -> None:
        """Send the rating through the outbox after the visit it belongs to, then end it."""
        visit = self.visit or self.begin_visit()
        visit_id, matter = visit.visit_id, visit.matter
        self.end_visit(EndReason.FINISHED)
        if matter is None:
            # The back office rates a matter of a visit; a visit that chose none has nothing
            # to rate (the rating screen is reached from a matter's screens).
            logger.info("rating %s not sent: the visit chose no matter", level)
            return
        self.outbox.add(
            Kind.RATING,
            api.RATINGS,
            {"visit_id": visit_id, "matter_code": matter, "level": level, "reasons": reasons},
            idempotency_key=f"rating-{visit_id}",
        )
        self._count_pending()

    def _visit_ended(self, summary: VisitSummary) -> None:
        self.outbox.add(
            Kind.VISIT, api.VISITS, summary.as_json(), idempotency_key=f"visit-{summary.visit_id}"
        )
        self._count_pending()
        self.visit = None
        self._wipe_screen()
        self.dispatch("on_visit_end", summary)

    def on_visit_end(self, summary: VisitSummary) -> None:
        logger.info("visit ended: %s after %.0f s", summary.reason.value, summary.duration_s)

    def _wipe_screen(self) -> None:
        """Nothing of the last person stays on screen or in a widget: the next person starts
        on the home screen in the terminal's own language and mode."""
        if self._idle_overlay is not None:
            self._idle_overlay.dismiss(animation=False)
        if self.voice is not None:
            self.voice.stop()
        self.greeting_name = ""
        self.clear_notice()
        self._lists = []
        for screen in self.screens.screens:
            wipe = getattr(screen, "wipe", None)
            if callable(wipe):
                wipe()
        self.language = self.kiosk_config.language
        self.elder_mode = self.kiosk_config.elder_mode
        if not self.locked:
            self.screens.current = "home"

    def _tick_visit(self, _dt: float) -> None:
        visit = self.visit
        if visit is None:
            return
        phase = visit.tick()
        if phase == IdlePhase.WARNING:
            self.idle_seconds_left = visit.seconds_left()
            if not self._idle_overlay.is_open:
                self._idle_overlay.open(animation=False)
                self.announce("idle.voice")
        elif phase == IdlePhase.ACTIVE and self._idle_overlay.is_open:
            self._idle_overlay.dismiss(animation=False)

    def keep_visit(self) -> None:
        """The one large "continue" button of the idle warning."""
        if self.visit is not None and self.visit.ended is None:
            self.visit.touch()
        self._idle_overlay.dismiss(animation=False)

    # --- voice -----------------------------------------------------------------------------------

    def announce(self, key: str) -> None:
        """Speak the prompt ``key`` in elder mode."""
        self.speak(tr(key, self.language))

    def speak(self, text: str) -> None:
        if self.elder_mode and self.voice is not None:
            self.voice.say(text, self._language())

    def speak_action(self, label: str) -> None:
        """Read a tapped button's words aloud, unless the tap led to a new screen or prompt,
        whose own prompt says more."""
        if not (self.elder_mode and self.voice is not None):
            return
        voice = self.voice
        screen, asked = self.screens.current, voice.requested

        def say_if_nothing_else(_dt: float) -> None:
            if self.screens.current == screen and voice.requested == asked:
                self.speak(label)

        Clock.schedule_once(say_if_nothing_else, 0)

    # --- remote lock -----------------------------------------------------------------------------

    def lock(self, message: str) -> None:
        self.end_visit(EndReason.CANCELLED)
        self.lock_message = message
        self.locked = True
        self.screens.get_screen(LOCKED_SCREEN).for_lock()
        self.screens.current = LOCKED_SCREEN

    def unlock(self) -> None:
        self.locked = False
        self.lock_message = ""
        self.screens.current = "home"

    # --- state ----------------------------------------------------------------------------------

    def on_language(self, _app: KioskApp, language: str) -> None:
        self.title = tr("app.title", language)
        if self.visit is not None:
            self.visit.language = self._language()
        self._refresh_status()
        self._refresh_catalog_screens()

    def on_elder_mode(self, _app: KioskApp, elder_mode: bool) -> None:
        self._apply_sizes()
        if self.visit is not None:
            self.visit.elder_mode = elder_mode
        self._refresh_status()
        # Elder mode puts fewer things on a page.
        self._refresh_catalog_screens()
        if self.root is not None:
            if elder_mode:
                self._announce_screen()
            elif self.voice is not None:
                self.voice.stop()

    def kiosk_status(self) -> KioskStatus:
        """Called from the agent's thread: returns a snapshot made on the UI thread."""
        return self._status

    def on_fleet_command(self, command: dict[str, Any]) -> None:
        self.commands.run(command)
        self._count_pending()

    def _on_screen_change(self, _manager: ScreenManager, _name: str) -> None:
        if _name not in ("identify", "keypad"):
            self.clear_notice()
        self._refresh_status()
        self._announce_screen()

    def _announce_screen(self) -> None:
        screen: Screen = self.screens.current_screen
        key = getattr(screen, "voice_key", "")
        if key:
            self.announce(key)

    def _language(self) -> Language:
        return "en" if self.language == "en" else "zh"

    def _refresh_status(self) -> None:
        screen = self.root.ids.screens.current if self.root is not None else "home"
        if self.device_health is None:
            self._status = KioskStatus(
                screen=screen, language=self._language(), elder_mode=self.elder_mode
            )
        else:
            self._status = KioskStatus(
                screen=screen,
                language=self._language(),
                elder_mode=self.elder_mode,
                devices=self.device_health(),
            )

    def _apply_sizes(self) -> None:
        sizes = ELDER_SIZES if self.elder_mode else STANDARD_SIZES
        self.font_title = sp(sizes.title)
        self.font_tile_title = sp(sizes.tile_title)
        self.font_body = sp(sizes.body)
        self.font_small = sp(sizes.small)
        self.tile_height = dp(sizes.tile_height)
        self.button_height = dp(sizes.button_height)
        self.bar_height = dp(sizes.bar_height)
        self.status_height = dp(sizes.status_height)

    def _poll_agent(self, _dt: float) -> None:
        self._count_pending()
        if self.device_health is not None:
            self._refresh_status()
        if self.agent is None:
            return
        self.agent_state = self.agent.state.value
        self.terminal_code = self.agent.terminal_code or ""
        while True:
            try:
                command = self.agent.commands.get_nowait()
            except queue.Empty:
                break
            self.dispatch("on_fleet_command", command)

    def _count_pending(self) -> None:
        self.pending_outbox = self.outbox.pending_count()

    def _tick_clock(self, _dt: float) -> None:
        self.clock_text = datetime.now().strftime("%Y-%m-%d %H:%M")

    def status_text(self, state: str, language: str) -> str:
        return tr(STATUS_KEYS[AgentState(state)], language)


def _on_ui_thread(function: Callable[[], None]) -> None:
    Clock.schedule_once(lambda _dt: function())


class KioskRoot(BoxLayout):
    """Title bar, the screens, and the status bar; laid out in app.kv."""

    def on_touch_down(self, touch: Any) -> bool:
        app = App.get_running_app()
        if isinstance(app, KioskApp):
            app.note_activity()
            if app.locked:
                return True  # a locked kiosk answers no touch at all
        return bool(super().on_touch_down(touch))

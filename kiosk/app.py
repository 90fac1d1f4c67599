"""KioskApp: the Kivy shell. It builds the window and its timers, keeps the visit and its idle
timer, the voice, the remote lock and the status bar, and wires the flows (``kiosk.flows``) to
the screens; what a person does lives in the flows."""

from __future__ import annotations

import dataclasses
import logging
import queue
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock, ClockEvent
from kivy.core.window import Window
from kivy.properties import BooleanProperty, NumericProperty, OptionProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import NoTransition, ScreenManager
from kivy.uix.widget import Widget

from kiosk import api, textcache
from kiosk.agent import AgentState, AgentView, KioskStatus
from kiosk.background import Background
from kiosk.backoffice_client import BackOfficeClient
from kiosk.catalog import CatalogStore, Sender
from kiosk.config import KioskConfig, Language
from kiosk.devices.health import DeviceHealth
from kiosk.fleet_commands import CommandRunner
from kiosk.flows.kit import Flows, Views, build_flows
from kiosk.flows.ports import KioskDevices
from kiosk.fonts import register_default_font
from kiosk.i18n import tr
from kiosk.kvload import load_kv_beside
from kiosk.outbox import Kind, Outbox
from kiosk.report import ChoicesStore
from kiosk.screens.base import Prompts, apply_sizes
from kiosk.screens.manager import KioskScreens, ScreenRef
from kiosk.visit import EndReason, Ticker, Visit, Visits, VisitSummary
from kiosk.voice import Voice
from kiosk.watchdog import Notifier

logger = logging.getLogger(__name__)

AGENT_POLL_S = 0.5
# Card and QR events wait on their queues at most this long before the UI reacts.
DEVICE_POLL_S = 0.05
VISIT_TICK_S = 0.25
# The one screen a locked kiosk shows; every other screen is out of reach until unlocked.
LOCKED_SCREEN = "out_of_service"
# Screens that keep the notice line (what the identify screen says about a card or a number).
NOTICE_SCREENS = frozenset({"identify", "keypad"})


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
    # The card that identified them stays in its slot, and taking it ends the visit.
    card_held = BooleanProperty(False)
    # Elder mode offered for this visit (a card showed an older person); one large button.
    elder_offer = BooleanProperty(False)
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
        devices: KioskDevices | None = None,
    ) -> None:
        super().__init__()
        self.kiosk_config = config
        self.config_path = config_path
        self.agent = agent
        self.data_dir = config.token_path.parent
        self.outbox = outbox or Outbox(self.data_dir / "outbox.sqlite3")
        self.notifier = notifier or Notifier()
        self.voice = voice
        self.devices = devices or KioskDevices()
        # Devices' health for the heartbeat, read on the UI thread (the drivers' own locks).
        self.device_health: Callable[[], dict[str, DeviceHealth]] | None = None
        self.runner = Background(_on_ui_thread)
        self._sender = lambda: _sender_of(self.agent)
        self.backoffice = BackOfficeClient(
            self._sender, self.runner, lambda: self.agent_state == AgentState.ONLINE.value
        )
        settings = lambda: (_language(self.language), bool(self.elder_mode))  # noqa: E731
        self.visits = Visits(ticker, settings, self._visit_began, self._visit_ended)
        # The last catalog and report choices the back office sent, from disk until fresher.
        self.catalog_store = CatalogStore(self.data_dir)
        self.catalog_store.load()
        self.report_choices = ChoicesStore(self.data_dir)
        self.report_choices.load()
        self.prompts = Prompts(self, lambda: self.voice, lambda: self.root and self.screens)
        self.title = tr("app.title", config.language)
        self.language = config.language
        self.elder_mode = config.elder_mode
        apply_sizes(self, self.elder_mode)
        self._status = KioskStatus(screen="home", language=config.language, elder_mode=False)
        self._clock_events: list[ClockEvent] = []
        self.commands = CommandRunner(self, restart=restart or self.stop)

    # --- building ------------------------------------------------------------------------------

    def build(self) -> Widget:
        register_default_font()
        textcache.install()
        # Imported here so their .kv rules load after the font; the buttons come first.
        from kiosk import widgets  # noqa: F401
        from kiosk.screens.idle import IdleWatch

        load_kv_beside(__file__)

        if self.voice is None:
            self.voice = Voice(self.data_dir / "voice", _on_ui_thread)
        root = KioskRoot(self)
        manager: KioskScreens = root.ids.screens
        manager.transition = NoTransition()
        self.root = root
        self.flows = self._build_flows(manager)
        manager.current = self.home_screen
        manager.bind(current=self._on_screen_change)
        self.idle = IdleWatch(
            self.visits, lambda left: setattr(self, "idle_seconds_left", left), self.prompts
        )
        self._poll_agent(0)
        self._clock_events = [
            Clock.schedule_interval(self._poll_agent, AGENT_POLL_S),
            Clock.schedule_interval(lambda _dt: _tick_clock(self), 1.0),
            Clock.schedule_interval(lambda _dt: self.idle.tick(), VISIT_TICK_S),
            Clock.schedule_interval(
                lambda _dt: self.flows.identify.drain(accept=not self.locked), DEVICE_POLL_S
            ),
            # Ready once the first frame is drawn; pings come from the UI thread so a frozen
            # UI stops them and systemd restarts the kiosk.
            Clock.schedule_once(lambda _dt: self.notifier.ready(), 0),
            Clock.schedule_interval(
                lambda _dt: self.notifier.ping(), self.notifier.ping_interval_s
            ),
        ]
        _tick_clock(self)
        Window.bind(on_request_close=_refuse_close, on_keyboard=_swallow_escape)
        self.flows.catalog.refresh()
        return root

    def _build_flows(self, manager: KioskScreens) -> Flows:
        """The flows, holding the screens they fill as references; each screen is built (and
        told its flows) when first shown or used."""
        from kiosk.screens.registry import SCREEN_CLASSES
        from kiosk.screens.window import WindowScreens

        def maker(screen_class: type[Any]) -> Callable[[], Any]:
            def make() -> Any:
                screen = screen_class(shell=self)
                screen.attach(self.flows)
                return screen

            return make

        for name, screen_class in SCREEN_CLASSES.items():
            manager.register(name, maker(screen_class))
        window = WindowScreens(self, manager, self.prompts)
        names = (
            "matters",
            "guide",
            "answer",
            "booklet",
            "report_photo",
            "report_done",
            "query",
            "home_visit",
            "renovation",
            "renovation_sign",
        )
        refs: list[Any] = [ScreenRef(manager, name) for name in names]
        views = Views(window, window, *refs)
        return build_flows(
            views=views,
            backoffice=self.backoffice,
            devices=self.devices,
            outbox=self.outbox,
            visits=self.visits,
            catalog=self.catalog_store,
            choices=self.report_choices,
            sender=self._sender,
            runner=self.runner,
            catalog_refreshed=self._refresh_catalog_screens,
            elder_offer_age=self.kiosk_config.elder_mode_offer_age,
            counter=self.kiosk_config.counter,
        )

    def shutdown(self) -> None:
        """Cancel the UI timers; the caller owns the agent and stops it."""
        for event in self._clock_events:
            event.cancel()
        self._clock_events = []
        Window.unbind(on_request_close=_refuse_close, on_keyboard=_swallow_escape)
        if self.root is not None:
            self.idle.close()
        if self.voice is not None:
            self.voice.stop()

    def on_stop(self) -> None:
        self.shutdown()

    # --- what kv and the screens call ------------------------------------------------------

    def tr(self, key: str, language: str | None = None) -> str:
        """Text for ``key``. kv passes ``app.language`` so the binding re-renders on a switch."""
        return tr(key, language or self.language)

    @property
    def home_screen(self) -> str:
        """Where each person starts: the home tiles, or the five faces on a counter's pad."""
        return "rating" if self.kiosk_config.counter is not None else "home"

    @property
    def screens(self) -> KioskScreens:
        manager: KioskScreens = self.root.ids.screens
        return manager

    @property
    def visit(self) -> Visit | None:
        return self.visits.current

    def show(self, name: str) -> None:
        if self.locked and name != LOCKED_SCREEN:
            return
        self.screens.current = name

    def showing(self) -> str:
        return str(self.screens.current)

    def personal_data_shown(self) -> str:
        """Why the window may show personal data now ("" when it does not): a screen marked
        personal is in front, or the visit is identified (its masked name, its records)."""
        screen = self.screens.current_screen
        if getattr(screen, "personal", False):
            return f"screen {self.showing()} shows personal data"
        visit = self.visits.current
        if visit is not None and visit.identity is not None:
            return "a visit is identified"
        return ""

    def public_top_px(self) -> int:
        """Rows of the window, from the top, that never show personal data: the title bar
        (the app's name and the language and elder-mode buttons)."""
        from kivy.core.window import Window

        return max(0, int(Window.height - self.root.ids.title_bar.y))

    # --- the visit -------------------------------------------------------------------------

    def _visit_began(self, visit: Visit) -> None:
        if self.root is None:
            return
        self.flows.catalog.refresh()
        if self.voice is not None:
            self.voice.set_volume(visit.volume)
        # The first touch of someone in elder mode: tell them what this screen is for.
        self.prompts.announce_screen()

    def _visit_ended(self, summary: VisitSummary) -> None:
        """Send the summary through the outbox, and wipe the window: nothing of the last person
        stays on screen or in a widget; the next starts at home in the terminal's language."""
        idempotency_key = f"visit-{summary.visit_id}"
        self.outbox.add(Kind.VISIT, api.VISITS, summary.as_json(), idempotency_key=idempotency_key)
        self.pending_outbox = self.outbox.pending_count()
        if self.root is not None:
            self.idle.close()
            self.flows.lists.clear()
            for screen in self.screens.screens:
                wipe = getattr(screen, "wipe", None)
                if callable(wipe):
                    wipe()
        if self.voice is not None:
            self.voice.stop()
        self.greeting_name = self.notice_zh = self.notice_en = ""
        self.card_held = self.elder_offer = False
        # Elder mode chosen (or offered) for one visit is forgotten: the next person starts in
        # the terminal's own mode.
        self.language = self.kiosk_config.language
        self.elder_mode = self.kiosk_config.elder_mode
        if not self.locked and self.root is not None:
            self.screens.current = self.home_screen
        self.dispatch("on_visit_end", summary)

    def on_visit_end(self, summary: VisitSummary) -> None:
        logger.info("visit ended: %s after %.0f s", summary.reason.value, summary.duration_s)

    # --- remote lock -----------------------------------------------------------------------

    def lock(self, message: str) -> None:
        self.visits.end(EndReason.CANCELLED)
        self.lock_message = message
        self.locked = True
        self.screens.get_screen(LOCKED_SCREEN).for_lock()
        self.screens.current = LOCKED_SCREEN

    def unlock(self) -> None:
        self.locked = False
        self.lock_message = ""
        self.screens.current = self.home_screen

    # --- state -----------------------------------------------------------------------------

    def on_language(self, _app: KioskApp, language: str) -> None:
        self.title = tr("app.title", language)
        if self.visits.current is not None:
            self.visits.current.language = _language(language)
        self._refresh_status()
        self._refresh_catalog_screens()

    def accept_elder_mode(self) -> None:
        """The offer's one large button: elder mode for the rest of this visit."""
        self.elder_mode = True

    def on_elder_mode(self, _app: KioskApp, elder_mode: bool) -> None:
        if elder_mode:
            self.elder_offer = False
        apply_sizes(self, self.elder_mode)
        if self.visits.current is not None:
            self.visits.current.elder_mode = elder_mode
        self._refresh_status()
        # Elder mode puts fewer things on a page.
        self._refresh_catalog_screens()
        if self.root is not None:
            if elder_mode:
                self.prompts.announce_screen()
            elif self.voice is not None:
                self.voice.stop()

    def kiosk_status(self) -> KioskStatus:
        """Called from the agent's thread: returns a snapshot made on the UI thread."""
        return self._status

    def on_fleet_command(self, command: dict[str, Any]) -> None:
        self.commands.run(command)
        self.pending_outbox = self.outbox.pending_count()

    def _on_screen_change(self, _manager: ScreenManager, name: str) -> None:
        if name not in NOTICE_SCREENS:
            self.notice_zh = self.notice_en = ""
        self._refresh_status()
        self.prompts.announce_screen()

    def _refresh_catalog_screens(self) -> None:
        if self.root is None:
            return
        for name in ("matters", "guide", "booklet"):
            if self.screens.built(name):  # one not built yet shows the catalog when it is
                self.screens.get_screen(name).refresh()

    def _refresh_status(self) -> None:
        screen = self.root.ids.screens.current if self.root is not None else "home"
        status = KioskStatus(screen, _language(self.language), bool(self.elder_mode))
        if self.device_health is not None:
            status = dataclasses.replace(status, devices=self.device_health())
        self._status = status

    # --- timers ----------------------------------------------------------------------------

    def _poll_agent(self, _dt: float) -> None:
        self.pending_outbox = self.outbox.pending_count()
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


def _sender_of(agent: AgentView | None) -> Sender | None:
    send = getattr(agent, "send", None)
    return send if callable(send) else None


def _tick_clock(app: KioskApp) -> None:
    app.clock_text = datetime.now().strftime("%Y-%m-%d %H:%M")


def _language(value: str) -> Language:
    return "en" if value == "en" else "zh"


def _refuse_close(*_args: Any, **_kwargs: Any) -> bool:
    logger.info("window close refused: the kiosk runs until systemd stops it")
    return True


def _swallow_escape(_window: Any, key: int, *_args: Any) -> bool:
    # 27 is Escape, 1001 the Android back key: neither may leave the kiosk.
    return key in (27, 1001)


def _on_ui_thread(function: Callable[[], None]) -> None:
    Clock.schedule_once(lambda _dt: function())


class KioskRoot(BoxLayout):
    """Title bar, the screens, and the status bar; laid out in app.kv."""

    def __init__(self, app: KioskApp, **kwargs: Any) -> None:
        self._app = app
        super().__init__(**kwargs)

    def on_touch_down(self, touch: Any) -> bool:
        if self._app.locked:
            return True  # a locked kiosk answers no touch at all
        self._app.visits.touch()
        return bool(super().on_touch_down(touch))

"""KioskApp: the thin Kivy shell that wires screens, the title and status bars, and the agent."""

from __future__ import annotations

import logging
import queue
from datetime import datetime
from typing import Any, Protocol

from kivy.app import App
from kivy.clock import Clock, ClockEvent
from kivy.metrics import dp, sp
from kivy.properties import BooleanProperty, NumericProperty, OptionProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.screenmanager import NoTransition, ScreenManager
from kivy.uix.widget import Widget

from kiosk.agent import AgentState, KioskStatus
from kiosk.config import KioskConfig, Language
from kiosk.fonts import register_default_font
from kiosk.i18n import tr
from kiosk.kvload import load_kv_beside
from kiosk.theme import ELDER_SIZES, STANDARD_SIZES

logger = logging.getLogger(__name__)

AGENT_POLL_S = 0.5
STATUS_KEYS = {state: f"status.{state.value}" for state in AgentState}


class AgentView(Protocol):
    """What the UI reads from the fleet agent (FleetAgent, or a stand-in in screen tests)."""

    state: AgentState
    terminal_code: str | None
    commands: queue.Queue[dict[str, Any]]


class KioskButton(Button):
    """A plain, large, high-contrast button; its look lives in app.kv."""


class KioskApp(App):
    language = OptionProperty("zh", options=["zh", "en"])
    elder_mode = BooleanProperty(False)
    agent_state = StringProperty(AgentState.NOT_ENROLLED.value)
    terminal_code = StringProperty("")
    clock_text = StringProperty("")
    # Sizes in pixels, from kiosk.theme's sp/dp figures for the current mode.
    font_title = NumericProperty(0.0)
    font_tile_title = NumericProperty(0.0)
    font_body = NumericProperty(0.0)
    font_small = NumericProperty(0.0)
    tile_height = NumericProperty(0.0)
    button_height = NumericProperty(0.0)
    bar_height = NumericProperty(0.0)
    status_height = NumericProperty(0.0)

    __events__ = ("on_fleet_command",)

    def __init__(self, config: KioskConfig, agent: AgentView | None = None) -> None:
        super().__init__()
        self.kiosk_config = config
        self.agent = agent
        self.title = tr("app.title", config.language)
        self.language = config.language
        self.elder_mode = config.elder_mode
        self._apply_sizes()
        self._status = KioskStatus(screen="home", language=config.language, elder_mode=False)
        self._clock_events: list[ClockEvent] = []

    # --- building ------------------------------------------------------------------------------

    def build(self) -> Widget:
        register_default_font()
        load_kv_beside(__file__)
        # Imported here so their .kv rules load after the font and the shared rules.
        from kiosk.screens.coming_soon import ComingSoonScreen
        from kiosk.screens.home import HomeScreen

        root = KioskRoot()
        manager: ScreenManager = root.ids.screens
        manager.transition = NoTransition()
        manager.add_widget(HomeScreen())
        manager.add_widget(ComingSoonScreen())
        manager.current = "home"
        manager.bind(current=lambda *_: self._refresh_status())
        self._tick_clock(0)
        self._poll_agent(0)
        self._clock_events = [
            Clock.schedule_interval(self._poll_agent, AGENT_POLL_S),
            Clock.schedule_interval(self._tick_clock, 1.0),
        ]
        self.root = root
        return root

    def shutdown(self) -> None:
        """Cancel the UI timers; the caller owns the agent and stops it."""
        for event in self._clock_events:
            event.cancel()
        self._clock_events = []

    def on_stop(self) -> None:
        self.shutdown()

    # --- what kv calls ---------------------------------------------------------------------------

    def tr(self, key: str, language: str | None = None) -> str:
        """Text for ``key``. kv passes ``app.language`` so the binding re-renders on a switch."""
        return tr(key, language or self.language)

    @property
    def screens(self) -> ScreenManager:
        manager: ScreenManager = self.root.ids.screens
        return manager

    def open_service(self, key: str) -> None:
        coming_soon = self.screens.get_screen("coming_soon")
        coming_soon.service_key = key
        self.screens.current = "coming_soon"

    def go_home(self) -> None:
        self.screens.current = "home"

    def toggle_language(self) -> None:
        self.language = "en" if self.language == "zh" else "zh"

    def toggle_elder_mode(self) -> None:
        self.elder_mode = not self.elder_mode

    # --- state ----------------------------------------------------------------------------------

    def on_language(self, _app: KioskApp, language: str) -> None:
        self.title = tr("app.title", language)
        self._refresh_status()

    def on_elder_mode(self, _app: KioskApp, _elder_mode: bool) -> None:
        self._apply_sizes()
        self._refresh_status()

    def kiosk_status(self) -> KioskStatus:
        """Called from the agent's thread: returns a snapshot made on the UI thread."""
        return self._status

    def on_fleet_command(self, command: dict[str, Any]) -> None:
        # Remote commands are handled by a later issue; until then say so in the log.
        logger.info("fleet command %r received; no handler yet", command.get("type"))

    def _refresh_status(self) -> None:
        screen = self.root.ids.screens.current if self.root is not None else "home"
        language: Language = "en" if self.language == "en" else "zh"
        self._status = KioskStatus(screen=screen, language=language, elder_mode=self.elder_mode)

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

    def _tick_clock(self, _dt: float) -> None:
        self.clock_text = datetime.now().strftime("%Y-%m-%d %H:%M")

    def status_text(self, state: str, language: str) -> str:
        return tr(STATUS_KEYS[AgentState(state)], language)


class KioskRoot(BoxLayout):
    """Title bar, the screens, and the status bar; laid out in app.kv."""

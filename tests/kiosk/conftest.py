"""Kivy harness: one real SDL2 window per session (offscreen with no display), simulated taps.

Kivy allows one window per process, and reads its settings from the environment when it is first
imported, so the environment is set here, before any test module imports kivy.
"""

from __future__ import annotations

import json
import os
import queue
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from backoffice.demo.kiosk_views import seed_catalog, seed_report_choices

__all__ = ["seed_catalog", "seed_report_choices"]

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts" / "kiosk"
WINDOW_SIZE = (1280, 800)


def _set_kivy_environment() -> None:
    kivy_home = REPO_ROOT / "var" / "test-kivy"
    kivy_home.mkdir(parents=True, exist_ok=True)
    os.environ["KIVY_WINDOW"] = "sdl2"
    os.environ["KIVY_NO_ARGS"] = "1"
    os.environ["KIVY_HOME"] = str(kivy_home)
    os.environ["KIVY_LOG_MODE"] = "PYTHON"
    os.environ["KIVY_AUDIO"] = "sdl2"
    # SDL's disk audio driver writes everything played to a file, so tests can hear the kiosk.
    os.environ["SDL_AUDIODRIVER"] = "disk"
    os.environ["SDL_DISKAUDIOFILE"] = str(AUDIO_CAPTURE)


# One capture file per process: SDL truncates the file when it opens it, so two test processes
# sharing one file would erase what the other is listening for.
AUDIO_CAPTURE = REPO_ROOT / "var" / "test-kivy" / f"audio-out-{os.getpid()}.raw"
VOICE_CACHE = REPO_ROOT / "var" / "test-kivy" / "voice"
_set_kivy_environment()


class ManualTicker:
    """Monotonic seconds that move only when a test says so."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        assert seconds >= 0
        self.now += seconds


@pytest.fixture(scope="session")
def kivy_window() -> Any:
    _set_kivy_environment()
    from kivy.config import Config

    # The size must be set before the window exists: resizing the offscreen EGL window later
    # changes Window.size but not the surface, and screenshots come out garbled.
    Config.set("graphics", "width", str(WINDOW_SIZE[0]))
    Config.set("graphics", "height", str(WINDOW_SIZE[1]))
    from kivy.base import EventLoop

    EventLoop.ensure_window()
    window = EventLoop.window
    assert tuple(window.size) == WINDOW_SIZE, window.size
    return window


@dataclass
class FakeAgent:
    """Stands in for FleetAgent in screen tests: only reports a state, a code and commands."""

    state: Any
    terminal_code: str | None = None
    commands: queue.Queue[dict[str, Any]] = field(default_factory=queue.Queue)


@dataclass
class KioskUI:
    app: Any
    window: Any
    agent: FakeAgent
    ticker: ManualTicker
    restarts: int = 0

    def count_restart(self) -> None:
        self.restarts += 1

    def pump(self, frames: int = 5) -> None:
        from kivy.base import EventLoop

        for _ in range(frames):
            EventLoop.idle()

    def visible_widgets(self) -> list[Any]:
        """Widgets now shown: the current screen of the ScreenManager and any overlay, without
        the subtrees a screen hides (opacity 0)."""
        shown: list[Any] = []

        def walk(widget: Any) -> None:
            if widget.opacity == 0:
                return
            shown.append(widget)
            for child in reversed(widget.children):
                walk(child)

        for top in reversed(self.window.children):
            if top is self.app.root or top in self.overlays():
                walk(top)
        return shown

    def overlays(self) -> list[Any]:
        from kivy.uix.modalview import ModalView

        return [w for w in self.window.children if isinstance(w, ModalView)]

    def tick(self, seconds: float) -> None:
        """Let ``seconds`` pass on the visit clock and run the app's visit timer once."""
        self.ticker.advance(seconds)
        self.app.idle.tick()
        self.pump()

    def find(self, text_or_id: str) -> Any:
        """The one visible widget with this kv id or this exact text."""
        by_id: dict[str, Any] = {}
        visible = self.visible_widgets()
        visible_ids = {id(w) for w in visible}
        for widget in visible:
            for name, proxy in widget.ids.items():
                target = proxy.__self__  # kv ids are weak proxies; __self__ is the widget
                if id(target) in visible_ids:
                    by_id[name] = target
        if text_or_id in by_id:
            return by_id[text_or_id]
        matches = [w for w in visible if getattr(w, "text", None) == text_or_id]
        if len(matches) != 1:
            raise LookupError(f"{len(matches)} visible widgets with id or text {text_or_id!r}")
        return matches[0]

    def texts(self) -> list[str]:
        return [w.text for w in self.visible_widgets() if getattr(w, "text", "")]

    def tap(self, widget: Any) -> None:
        from kivy.tests.common import UnitTestTouch

        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        touch.touch_up()
        self.pump()

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        target = ARTIFACTS / f"{name}.png"
        self.pump(2)
        # Window.screenshot inserts a counter ("0001") before the extension; rename it away.
        saved = self.window.screenshot(name=str(ARTIFACTS / f".{name}-shot.png"))
        assert saved, "Window.screenshot saved nothing"
        Path(saved).replace(target)
        return target


@pytest.fixture
def make_kiosk_ui(kivy_window: Any, tmp_path: Path) -> Iterator[Callable[..., KioskUI]]:
    from kiosk.agent import AgentState
    from kiosk.app import KioskApp
    from kiosk.config import KioskConfig

    built: list[KioskUI] = []

    def make(
        *,
        notify_socket: str | None = None,
        agent: Any = None,
        cached_catalog: bool = True,
        **config: Any,
    ) -> KioskUI:
        from kivy.clock import Clock

        from kiosk.catalog import CatalogStore
        from kiosk.voice import Voice
        from kiosk.watchdog import Notifier

        agent = agent or FakeAgent(state=AgentState.ONLINE, terminal_code="T-0001")
        ticker = ManualTicker()
        config.setdefault("token_path", tmp_path / f"kiosk-{len(built)}" / "token.json")
        if cached_catalog:
            # As if an earlier run had fetched it: the kiosk starts from its disk cache.
            CatalogStore(config["token_path"].parent).save(seed_catalog(), '"catalog-1-seed"')
            choices = config["token_path"].parent / "report-choices.json"
            choices.write_text(json.dumps(seed_report_choices(), ensure_ascii=False), "utf-8")
        voice = Voice(VOICE_CACHE, lambda fn: Clock.schedule_once(lambda _dt: fn()))
        app = KioskApp(
            KioskConfig(**config),
            agent=agent,
            ticker=ticker,
            voice=voice,
            notifier=Notifier({"NOTIFY_SOCKET": notify_socket} if notify_socket else {}),
        )
        root = app.build()
        kivy_window.add_widget(root)
        ui = KioskUI(app=app, window=kivy_window, agent=agent, ticker=ticker)
        # Restarting means stopping the process for systemd to start again; here it is counted.
        app.commands.restart = ui.count_restart
        built.append(ui)
        ui.pump()
        return ui

    yield make
    for ui in built:
        # kv's `app` is a proxy that caches the first app it sees until that app dispatches
        # on_stop; without this, the next test's widgets would call the old app.
        ui.app.dispatch("on_stop")
        for overlay in ui.overlays():
            overlay.dismiss(animation=False)
        kivy_window.remove_widget(ui.app.root)
        ui.app.voice.close()
        ui.app.outbox.close()


@pytest.fixture
def kiosk_ui(make_kiosk_ui: Callable[..., KioskUI]) -> KioskUI:
    return make_kiosk_ui()

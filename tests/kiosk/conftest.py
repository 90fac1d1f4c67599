"""Kivy harness: one real SDL2 window per session (offscreen with no display), simulated taps.

Kivy allows one window per process, and reads its settings from the environment when it is first
imported, so the environment is set here, before any test module imports kivy.
"""

from __future__ import annotations

import os
import queue
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

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


_set_kivy_environment()


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

    def pump(self, frames: int = 5) -> None:
        from kivy.base import EventLoop

        for _ in range(frames):
            EventLoop.idle()

    def visible_widgets(self) -> list[Any]:
        """Widgets now in the window's tree (only the current screen of the ScreenManager)."""
        return list(self.app.root.walk(restrict=True))

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
def make_kiosk_ui(kivy_window: Any) -> Iterator[Callable[..., KioskUI]]:
    from kiosk.agent import AgentState
    from kiosk.app import KioskApp
    from kiosk.config import KioskConfig

    built: list[KioskUI] = []

    def make(**config: Any) -> KioskUI:
        agent = FakeAgent(state=AgentState.ONLINE, terminal_code="T-0001")
        app = KioskApp(KioskConfig(**config), agent=agent)
        root = app.build()
        kivy_window.add_widget(root)
        ui = KioskUI(app=app, window=kivy_window, agent=agent)
        built.append(ui)
        ui.pump()
        return ui

    yield make
    for ui in built:
        # kv's `app` is a proxy that caches the first app it sees until that app dispatches
        # on_stop; without this, the next test's widgets would call the old app.
        ui.app.dispatch("on_stop")
        kivy_window.remove_widget(ui.app.root)


@pytest.fixture
def kiosk_ui(make_kiosk_ui: Callable[..., KioskUI]) -> KioskUI:
    return make_kiosk_ui()

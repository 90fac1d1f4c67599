"""``zhili-kiosk``: run the kiosk app and its fleet agent; optionally screenshot and exit."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.config import ConfigError, KioskConfig

if TYPE_CHECKING:
    from kiosk.app import KioskApp

logger = logging.getLogger(__name__)

SCREENSHOT_MIN_FRAMES = 3
SCREENSHOT_MAX_WAIT_S = 10.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="zhili-kiosk", description="Zhili self-service kiosk")
    parser.add_argument("--config", type=Path, help="kiosk TOML file (see kiosk.example.toml)")
    parser.add_argument("--screenshot", type=Path, help="save a PNG of the home screen here")
    parser.add_argument(
        "--exit-after-screenshot", action="store_true", help="quit once the screenshot is saved"
    )
    return parser.parse_args(argv)


def set_kivy_environment(cwd: Path) -> None:
    """Kivy reads these at import time, so this must run before anything imports kivy."""
    kivy_home = (cwd / "var" / "kivy").resolve()
    kivy_home.mkdir(parents=True, exist_ok=True)
    os.environ["KIVY_WINDOW"] = "sdl2"
    os.environ["KIVY_NO_ARGS"] = "1"
    os.environ["KIVY_HOME"] = str(kivy_home)
    os.environ["KIVY_LOG_MODE"] = "PYTHON"
    # Without DISPLAY or WAYLAND_DISPLAY, SDL2 falls back to its offscreen EGL driver by itself.


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    try:
        config = KioskConfig.load(args.config) if args.config else KioskConfig()
    except ConfigError as exc:
        logger.error("%s", exc)
        return 2
    set_kivy_environment(Path.cwd())

    from kivy.config import Config

    Config.set("graphics", "fullscreen", "auto" if config.fullscreen else "0")
    Config.set("graphics", "width", str(config.window_size[0]))
    Config.set("graphics", "height", str(config.window_size[1]))
    Config.set("kivy", "exit_on_escape", "0")

    from kiosk.agent import FleetAgent
    from kiosk.app import KioskApp

    app = KioskApp(config)
    agent = FleetAgent(config, app.kiosk_status)
    app.agent = agent
    if args.screenshot is not None:
        _schedule_screenshot(app, args.screenshot.resolve(), args.exit_after_screenshot)
    agent.start()
    try:
        app.run()
    finally:
        agent.stop()
    return 0


def _schedule_screenshot(app: KioskApp, target: Path, exit_after: bool) -> None:
    from kivy.clock import Clock
    from kivy.core.window import Window

    from kiosk.agent import AgentState

    started = time.monotonic()
    frames = 0

    def check(_dt: float) -> bool:
        nonlocal frames
        frames += 1
        online = app.agent is not None and app.agent.state == AgentState.ONLINE
        waited = time.monotonic() - started
        if frames < SCREENSHOT_MIN_FRAMES or (not online and waited < SCREENSHOT_MAX_WAIT_S):
            return True
        # Let the status bar pick up the agent's state before drawing the picture.
        Clock.schedule_once(lambda _dt: _save(), 0.6)
        return False

    def _save() -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        # Window.screenshot adds a counter ("0001") before the extension; rename it away.
        saved = Window.screenshot(name=str(target.with_name(f".{target.stem}-shot.png")))
        if saved:
            Path(saved).replace(target)
            logger.info("screenshot saved to %s", target)
        else:
            logger.error("screenshot failed")
        if exit_after:
            app.stop()

    Clock.schedule_interval(check, 0.1)

"""``zhili-kiosk``: run the kiosk app and its fleet agent; optionally screenshot and exit."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
    parser.add_argument(
        "command",
        nargs="?",
        choices=("run", "selftest"),
        default="run",
        help="run the kiosk (default), or check each configured device and exit (selftest)",
    )
    parser.add_argument(
        "--wait", type=float, default=60.0, help="selftest: seconds to wait for a card and a code"
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
    if args.command == "selftest":
        from kiosk.selftest import run_selftest

        return run_selftest(config, args.wait, sys.stdout)
    set_kivy_environment(Path.cwd())

    from kivy.config import Config

    Config.set("graphics", "fullscreen", "auto" if config.fullscreen else "0")
    Config.set("graphics", "width", str(config.window_size[0]))
    Config.set("graphics", "height", str(config.window_size[1]))
    Config.set("kivy", "exit_on_escape", "0")

    # Before anything creates the window: see _stop_on_signals.
    stopping: list[KioskApp] = []
    _stop_on_signals(stopping)
    from kiosk.agent import FleetAgent
    from kiosk.app import KioskApp
    from kiosk.outbox import Outbox

    # One outbox: the UI adds visits, ratings and command results; the agent delivers them.
    outbox = Outbox(config.token_path.parent / "outbox.sqlite3")
    app = KioskApp(config, config_path=args.config, outbox=outbox)
    agent = FleetAgent(config, app.kiosk_status, outbox=outbox)
    app.agent = agent
    if args.screenshot is not None:
        _schedule_screenshot(app, args.screenshot.resolve(), args.exit_after_screenshot)
    stopping.append(app)
    devices = _start_devices(app, config)
    agent.start()
    try:
        app.run()
    finally:
        agent.stop()
        for device in devices:
            device.stop()
        app.notifier.stopping()
        outbox.close()
    return 0


def _start_devices(app: KioskApp, config: KioskConfig) -> list[Any]:
    """Build the devices the config names and hand them to the app; their health goes into
    the heartbeat. Imported only when configured: the drivers pull in their own libraries."""
    if not config.devices:
        return []
    try:
        from kiosk.devices.base import AnswersChallenges
        from kiosk.devices.factory import DeviceConfigError, build_devices
    except ImportError as exc:
        logger.error("device drivers are not part of this build (%s); running without devices", exc)
        return []
    try:
        built = build_devices(config.devices)
    except DeviceConfigError as exc:
        logger.error("devices not started: %s", exc)
        return []
    app.devices.printer = built.printer
    # Either card identifies the person; the same flows follow.
    readers = [r for r in (built.card_reader, built.id_card_reader) if r is not None]
    app.devices.card_readers = readers
    if isinstance(built.card_reader, AnswersChallenges):
        # Each card answers a fresh challenge of the back office while it is in the reader.
        built.card_reader.challenges = app.backoffice.card_challenge
    app.devices.qr_scanner = built.qr_camera
    app.device_health = built.health
    started: list[Any] = []
    for device in (*readers, built.qr_camera):
        if device is not None:
            device.start()
            started.append(device)
    return started


def _stop_on_signals(apps: list[KioskApp]) -> None:
    """SIGTERM (systemd stopping the unit) and SIGINT end the app cleanly. Installed before the
    window exists, so SDL keeps these handlers instead of turning the signals into a window
    close request, which the kiosk refuses."""

    def stop(signum: int, _frame: object) -> None:
        logger.info("signal %s: stopping", signal.Signals(signum).name)
        if not apps:
            raise SystemExit(128 + signum)
        from kivy.clock import Clock

        Clock.schedule_once(lambda _dt: apps[0].stop())

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


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

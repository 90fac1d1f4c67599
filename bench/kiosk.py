"""Kiosk speed: cold start to a touchable home screen, tap to the next screen's first frame, and
card inserted to greeting. ``python -m bench.kiosk [--starts N] [--taps N]``; the last line is
one JSON object with ``cold_start_s``, ``tap_to_screen_p95_ms`` and ``card_to_greeting_s``."""

from __future__ import annotations

import argparse
import json
import os
import queue
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def cold_start(runs: int) -> list[float]:
    """Seconds from spawning ``python -m kiosk`` to its READY=1 on the systemd notify socket,
    which it sends once the home screen's first frame is drawn and takes touches."""
    times: list[float] = []
    with tempfile.TemporaryDirectory(prefix="zhili-bench-") as folder:
        work = Path(folder)
        (work / "kiosk.toml").write_text(
            'server_url = "http://127.0.0.1:9"\nheartbeat_interval_s = 30\n', encoding="utf-8"
        )
        for run in range(runs):
            address = f"/tmp/zhili-bench-{os.getpid()}-{run}.sock"
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            sock.bind(address)
            sock.settimeout(60)
            env = {**os.environ, "NOTIFY_SOCKET": address, "PYTHONPATH": str(ROOT)}
            started = time.perf_counter()
            proc = subprocess.Popen(
                [sys.executable, "-m", "kiosk", "--config", str(work / "kiosk.toml")],
                cwd=work,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                while True:
                    message = sock.recv(4096).decode()
                    if message.startswith("READY=1"):
                        times.append(time.perf_counter() - started)
                        break
            finally:
                proc.terminate()
                proc.wait(10)
                sock.close()
                Path(address).unlink(missing_ok=True)
    return times


def _in_process_app(work: Path) -> tuple[Any, Any, Any]:
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    os.environ["KIVY_HOME"] = str(work / "kivy")
    os.environ["KIVY_WINDOW"] = "sdl2"
    from kivy.base import EventLoop
    from kivy.config import Config

    Config.set("graphics", "width", "1280")
    Config.set("graphics", "height", "800")
    EventLoop.ensure_window()
    window = EventLoop.window

    from kiosk.agent import AgentState
    from kiosk.app import KioskApp
    from kiosk.config import KioskConfig

    class Agent:
        state = AgentState.ONLINE
        terminal_code: str | None = "BENCH"
        commands: queue.Queue[dict[str, Any]] = queue.Queue()

    from backoffice.demo.kiosk_views import seed_catalog, seed_report_choices
    from kiosk.catalog import CatalogStore

    # As a kiosk is after its first contact: the catalog and the report choices in its cache.
    state = work / "state"
    CatalogStore(state).save(seed_catalog(), '"catalog-1-seed"')
    choices = json.dumps(seed_report_choices(), ensure_ascii=False)
    (state / "report-choices.json").write_text(choices, encoding="utf-8")
    app = KioskApp(KioskConfig(token_path=state / "token.json"), agent=Agent())
    root = app.build()
    window.add_widget(root)
    for _ in range(5):
        EventLoop.idle()
    return app, window, EventLoop


def tap_to_screen(app: Any, window: Any, loop: Any, taps: int) -> list[float]:
    """Milliseconds from a tap's touch-up to the end of the first frame (buffer flip) that
    shows the screen it leads to."""
    from kivy.tests.common import UnitTestTouch

    flips: list[float] = []
    window.bind(on_flip=lambda *_: flips.append(time.perf_counter()))
    times: list[float] = []
    by_target: dict[str, list[float]] = {}
    targets = ["tile.guides", "nav.back", "tile.report_problem", "nav.back"]
    for i in range(taps):
        key = targets[i % len(targets)]
        text = app.tr(key)
        widget = next(w for w in app.root.walk(restrict=True) if getattr(w, "text", "") == text)
        if key.startswith("tile."):
            widget = widget.parent  # the tile, not its title label
        before = app.screens.current
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        tapped = time.perf_counter()
        touch.touch_up()
        flips.clear()
        while not flips:
            loop.idle()
        assert app.screens.current != before, (key, before)
        times.append((flips[0] - tapped) * 1000)
        by_target.setdefault(f"{before} -> {app.screens.current}", []).append(times[-1])
        # Let the idle timer and clocks run as they would between real taps.
        for _ in range(2):
            loop.idle()
    for target, ms in by_target.items():
        print(f"  {target}: median {statistics.median(ms):.1f} ms, max {max(ms):.1f} ms")
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--starts", type=int, default=5, help="cold starts to time")
    parser.add_argument("--taps", type=int, default=100, help="taps to time")
    parser.add_argument("--cards", type=int, default=5, help="card insertions to time")
    args = parser.parse_args(argv)

    starts = cold_start(args.starts)
    print(
        f"cold start to READY=1 (home drawn, touchable), {len(starts)} runs:"
        f" median {statistics.median(starts):.2f} s, all {', '.join(f'{s:.2f}' for s in starts)}"
    )
    with tempfile.TemporaryDirectory(prefix="zhili-bench-") as folder:
        app, window, loop = _in_process_app(Path(folder))
        taps = tap_to_screen(app, window, loop, args.taps)
        p95 = statistics.quantiles(taps, n=20)[-1]
        print(
            f"tap to next screen's first frame, {len(taps)} taps: median"
            f" {statistics.median(taps):.1f} ms, p95 {p95:.1f} ms, max {max(taps):.1f} ms"
        )
        cards = card_to_greeting(app, loop, args.cards)
    card_s = round(statistics.median(cards), 3) if cards else None
    if cards is None:
        print("card to greeting: not measured (pcscd with the virtual readers is not running;")
        print("  run the benchmark inside scripts/with-services.sh)")
    else:
        print(
            f"card inserted to greeting frame, {len(cards)} cards: median {card_s:.2f} s,"
            f" max {max(cards):.2f} s"
        )
    print(
        json.dumps(
            {
                "cold_start_s": round(statistics.median(starts), 3),
                "tap_to_screen_p95_ms": round(p95, 1),
                "card_to_greeting_s": card_s,
            }
        )
    )
    return 0


def card_to_greeting(app: Any, loop: Any, runs: int) -> list[float] | None:
    """Seconds from the virtual card entering reader 0 of pcscd to the end of the first frame
    that shows the greeting: the PC/SC driver reads the card on its thread, the app drains
    its queue and draws. The card simulator runs in its own process, as a real card is not in
    the kiosk's process. None when pcscd with the virtual readers is not running."""
    listening = subprocess.run(["ss", "-ltnH", "sport = :35963"], capture_output=True, text=True)
    if "LISTEN" not in listening.stdout:
        return None
    import datetime as dt

    from kiosk.devices.pcsc import PcscCardReader
    from kiosk.devices.sscard import SocialSecurityCard
    from simulators.control import send

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    simulator = subprocess.Popen(
        [sys.executable, "-m", "simulators", "card", "--reader", "0", "--control-port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert simulator.stdout is not None
    simulator.stdout.readline()  # "virtual card for reader 0, control on ..."
    reader = PcscCardReader("Virtual PCD 00 00", SocialSecurityCard(today=dt.date.today()))
    reader.start()
    app.devices.card_readers = [reader]
    # A kiosk's reader is watching long before anyone walks up: wait until it is.
    waited = time.perf_counter()
    while reader.health().state.value != "ready" and time.perf_counter() - waited < 10:
        loop.idle()
    for _ in range(30):
        loop.idle()
    greeting = app.root.ids.greeting
    # Frames drawn with the greeting on screen (its text set and its texture rendered). The
    # frame that first shows it is often drawn in the same loop turn that set the name.
    shown: list[float] = []

    def flipped(*_args: Any) -> None:
        if greeting.text and greeting.texture_size[0] > 0 and greeting.opacity == 1:
            shown.append(time.perf_counter())

    app.root.get_root_window().bind(on_flip=flipped)
    times: list[float] = []
    try:
        for _ in range(runs):
            shown.clear()
            inserted = time.perf_counter()
            send(port, {"fault": "insert"})
            try:
                while not shown:
                    loop.idle()
                    if time.perf_counter() - inserted > 60:
                        raise RuntimeError("no greeting 60 s after the card went in")
                times.append(shown[0] - inserted)
            finally:
                send(port, {"fault": "pull"})
            while app.visit is not None:
                loop.idle()
            for _ in range(5):
                loop.idle()  # the wiped screen is drawn before the next card
    finally:
        reader.stop()
        simulator.terminate()
        simulator.wait(10)
    return times


if __name__ == "__main__":
    raise SystemExit(main())

"""`make demo`: seed a SQLite database under var/demo with a week of history, start the upstream
peers (Suishen code verification, medical insurance, the card issuer: the back office's real
HTTP adapters talk to them), the back office on :8000 with its AI patrol, the device peers
(printer on TCP, virtual social-security card behind pcscd, the resident ID card reader module
on TCP, a video file as the QR camera), one kiosk enrolled to the back office and
driving those peers through its real drivers, and the camera feed that files and closes cases.
Without a display the kiosk runs offscreen and writes a screenshot. Ctrl-C stops everything."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import select

from backoffice.cases.models import Case
from backoffice.clock import SystemClock
from backoffice.db import create_db_engine, session_scope
from backoffice.demo.history import seed_ops_data
from backoffice.demo.seed import DEMO_TERMINAL, DemoLogin, demo_enrollment_code, seed_demo
from backoffice.keys import Keys
from backoffice.medical.demo import residents_upstream
from backoffice.migrate import upgrade
from backoffice.settings import Settings
from backoffice.wiring import session_factory
from simulators.upstream_peers import DEMO_PORTS

ROOT = Path(__file__).resolve().parents[1]
DEMO_DIR = ROOT / "var" / "demo"
PORT = 8000
PRINTER_PORT, PRINTER_CONTROL, CARD_CONTROL = 9100, 9190, 9191
ID_CARD_PORT, ID_CARD_CONTROL = 9192, 9193
UPSTREAM_CONTROL = 9194
BASE_URL = f"http://127.0.0.1:{PORT}"
PY = sys.executable
BIN = Path(PY).parent


def port_taken(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_healthy(proc: subprocess.Popen[bytes], timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the back office stopped; see {DEMO_DIR / 'backoffice.log'}")
        try:
            if httpx.get(f"{BASE_URL}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("the back office did not answer within 90 s")


def seed(database_url: str) -> tuple[list[DemoLogin], str | None]:
    """Demo rows, a week and a day of history on first run, and an enrollment code."""
    upgrade(database_url)
    token_file = DEMO_DIR / "kiosk-token.json"
    with session_scope(session_factory(create_db_engine(database_url))) as db:
        now = SystemClock().now()
        if db.scalars(select(Case.id).limit(1)).first() is None:
            history = seed_ops_data(db, now, DEMO_DIR / "photos")
            logins = [*history.logins.values(), history.meituan]
        else:
            logins = seed_demo(db, now)
        code = None if token_file.exists() else demo_enrollment_code(db, now)
    return logins, code


def wait_upstreams(proc: subprocess.Popen[bytes], timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while any(not port_taken(p) for p in DEMO_PORTS.values()):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the upstream peers did not start; see {DEMO_DIR / 'upstreams.log'}")
        time.sleep(0.1)


def first_suishen_code() -> str:
    """A Suishen code of a demo resident, for the QR camera's video."""
    lines = (DEMO_DIR / "demo-suishen-codes.txt").read_text(encoding="utf-8").splitlines()
    return next(line for line in lines[2:] if line and " " not in line)


def write_kiosk_config(code: str | None) -> Path:
    config = DEMO_DIR / "kiosk.toml"
    lines = [
        f'server_url = "{BASE_URL}"',
        'token_path = "kiosk-token.json"',
        "heartbeat_interval_s = 10",
        *([f'enrollment_code = "{code}"'] if code else []),
        "",
        "[devices.card_reader]",
        'driver = "pcsc"',
        'reader = "Virtual PCD 00 00"',
        'layout = "social_security_card"',
        "",
        "[devices.id_card_reader]",
        'driver = "serial"',
        f'port = "socket://127.0.0.1:{ID_CARD_PORT}"',
        "",
        "[devices.printer]",
        'driver = "escpos"',
        'backend = "network"',
        'host = "127.0.0.1"',
        f"port = {PRINTER_PORT}",
        'chinese = "text"',
        "",
        "[devices.qr_camera]",
        'driver = "opencv"',
        f'source = "{DEMO_DIR / "camera.avi"}"',
        "realtime = true",
    ]
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def _stop_on_term(_signum: int, _frame: object) -> None:
    # `kill`, systemd and with-services.sh send SIGTERM: stop the children as Ctrl-C does.
    raise KeyboardInterrupt


def main() -> int:
    signal.signal(signal.SIGTERM, _stop_on_term)
    # Started in the background by a shell, SIGINT may arrive ignored: take it back.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    ports = (PORT, PRINTER_PORT, PRINTER_CONTROL, CARD_CONTROL, ID_CARD_PORT, ID_CARD_CONTROL,
             UPSTREAM_CONTROL, *DEMO_PORTS.values())  # fmt: skip
    busy = [p for p in ports if port_taken(p)]
    if busy:
        print(f"Port(s) {busy} in use: stop whatever runs there and try again.", file=sys.stderr)
        return 1
    DEMO_DIR.mkdir(parents=True, exist_ok=True)
    database_url = f"sqlite:///{DEMO_DIR / 'zhili.sqlite3'}"
    env = {
        **os.environ,
        "ZHILI_DATA_DIR": str(DEMO_DIR),
        "ZHILI_DATABASE_URL": database_url,
        "ZHILI_HEARTBEAT_INTERVAL_S": "10",
        # Demo mode: the development secret and the upstream adapters left unset (the HTTP
        # adapters talk to the demo peers on 9201-9203) are allowed, plain http on 127.0.0.1
        # (cookies without Secure), API docs on; the log and every page say so.
        "ZHILI_DEMO": "1",
        # The demo's own peers: the camera feed's pictures are files under the data folder.
        "ZHILI_CAMERA_FILE_DIRS": str(DEMO_DIR / "vision" / "demo"),
        "YOLO_OFFLINE": "true",
        "YOLO_AUTOINSTALL": "false",
        "YOLO_CONFIG_DIR": str(ROOT / "var" / "ultralytics"),
    }
    os.environ.update(env)
    logins, code = seed(database_url)
    procs: list[subprocess.Popen[bytes]] = []

    def start(name: str, *args: object, cwd: Path = ROOT) -> subprocess.Popen[bytes]:
        with (DEMO_DIR / f"{name}.log").open("ab") as log:
            proc = subprocess.Popen(
                [str(a) for a in args], env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT
            )
        procs.append(proc)
        return proc

    try:
        upstreams = start("upstreams", PY, "-m", "simulators", "upstreams",
                          "--control-port", UPSTREAM_CONTROL)  # fmt: skip
        wait_upstreams(upstreams)
        settings = Settings()
        residents_upstream(
            Keys.of(settings), SystemClock().now(), DEMO_DIR,
            suishen_url=f"http://127.0.0.1:{DEMO_PORTS['suishen']}",
            medical_url=f"http://127.0.0.1:{DEMO_PORTS['medical']}",
            code_ttl=timedelta(seconds=settings.suishen_code_ttl_s),
        )  # fmt: skip
        server = start("backoffice", BIN / "zhili-backoffice", "serve", "--port", PORT)
        wait_healthy(server)
        start("printer", PY, "-m", "simulators", "printer", "--port", PRINTER_PORT,
              "--control-port", PRINTER_CONTROL, "--previews", DEMO_DIR / "printer")  # fmt: skip
        subprocess.run(
            [PY, "-m", "simulators", "camera", "--folder", DEMO_DIR / "camera",
             "--link", DEMO_DIR / "camera.avi", "--payload", first_suishen_code()],
            env=env, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        start("card", PY, "-m", "simulators", "card", "--control-port", CARD_CONTROL)
        start("idcard", PY, "-m", "simulators", "idcard", "--port", ID_CARD_PORT,
              "--control-port", ID_CARD_CONTROL)  # fmt: skip
        start("camera-feed", PY, "-m", "backoffice.vision.training.demo_feed")
        screenshot = DEMO_DIR / "kiosk-home.png"
        screenshot.unlink(missing_ok=True)
        kiosk_config = write_kiosk_config(code)
        start("kiosk", BIN / "zhili-kiosk", "--config", kiosk_config, "--screenshot", screenshot,
              cwd=DEMO_DIR)  # fmt: skip
        headless = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))

        print("\nZhili demo is running.")
        print(f"  ops-centre pages    {BASE_URL}/ops/  (sign in with a login below)")
        print(f"  API documentation   {BASE_URL}/docs")
        print(f"  kiosk {DEMO_TERMINAL}    {'offscreen' if headless else 'in a window'};", end=" ")
        print(f"home-screen screenshot at {screenshot}")
        print(f"  printer previews    {DEMO_DIR / 'printer'}")
        print(f"  demo Suishen codes  {DEMO_DIR / 'demo-suishen-codes.txt'}")
        print(f"  logs                {DEMO_DIR}/*.log")
        print("  insert/pull the demo card:  .venv/bin/python -m simulators fault "
              f"--control-port {CARD_CONTROL} insert|pull")  # fmt: skip
        print("  place/lift the ID card:     .venv/bin/python -m simulators fault "
              f"--control-port {ID_CARD_CONTROL} place|remove|expired|none")  # fmt: skip
        print("  printer out of paper:       .venv/bin/python -m simulators fault "
              f"--control-port {PRINTER_CONTROL} paper_out|ready")  # fmt: skip
        print("  an upstream down:           .venv/bin/python -m simulators fault "
              f"--control-port {UPSTREAM_CONTROL} --peer suishen|medical|card_issuer|queries "
              "down|slow|error|malformed|none")  # fmt: skip
        print("Staff logins (username / password / role):")
        for login in logins:
            print(f"  {login.username:24} {login.password:30} {login.role}")
        print("Ctrl-C stops everything.\n")
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
        for p in procs:
            if p.returncode not in (None, 0):
                print(f"{p.args[0]} stopped with exit code {p.returncode}; see {DEMO_DIR}/*.log")
        return 1
    except KeyboardInterrupt:
        print("\nstopping the demo")
        return 0
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


if __name__ == "__main__":
    sys.exit(main())

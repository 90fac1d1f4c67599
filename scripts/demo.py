"""`make demo`: seed a SQLite database under var/demo, start the back office on :8000 and one
kiosk enrolled to it. Without a display the kiosk runs offscreen and writes a screenshot.
Ctrl-C stops everything."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from backoffice.clock import SystemClock
from backoffice.db import create_db_engine, make_session_factory, session_scope
from backoffice.demo import DEMO_TERMINAL, demo_enrollment_code, seed_demo
from backoffice.migrate import upgrade

ROOT = Path(__file__).resolve().parents[1]
DEMO_DIR = ROOT / "var" / "demo"
PORT = 8000
BASE_URL = f"http://127.0.0.1:{PORT}"
BIN = Path(sys.executable).parent


def port_taken(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_healthy(proc: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
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
    raise SystemExit("the back office did not answer within a minute")


def main() -> int:
    if port_taken(PORT):
        print(f"Port {PORT} is in use: stop whatever runs there and try again.", file=sys.stderr)
        return 1
    DEMO_DIR.mkdir(parents=True, exist_ok=True)
    database_url = f"sqlite:///{DEMO_DIR / 'zhili.sqlite3'}"
    upgrade(database_url)
    token_file = DEMO_DIR / "kiosk-token.json"
    with session_scope(make_session_factory(create_db_engine(database_url))) as db:
        now = SystemClock().now()
        logins = seed_demo(db, now)
        code = None if token_file.exists() else demo_enrollment_code(db, now)

    kiosk_config = DEMO_DIR / "kiosk.toml"
    lines = [f'server_url = "{BASE_URL}"', 'token_path = "kiosk-token.json"']
    lines += ["heartbeat_interval_s = 10"] + ([f'enrollment_code = "{code}"'] if code else [])
    kiosk_config.write_text("\n".join(lines) + "\n", encoding="utf-8")

    env = {**os.environ, "ZHILI_DATA_DIR": str(DEMO_DIR), "ZHILI_DATABASE_URL": database_url}
    env["ZHILI_HEARTBEAT_INTERVAL_S"] = "10"
    procs: list[subprocess.Popen[bytes]] = []
    try:
        with (DEMO_DIR / "backoffice.log").open("ab") as log:
            server = subprocess.Popen(
                [BIN / "zhili-backoffice", "serve", "--port", str(PORT)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        procs.append(server)
        wait_healthy(server)
        screenshot = DEMO_DIR / "kiosk-home.png"
        screenshot.unlink(missing_ok=True)
        headless = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
        with (DEMO_DIR / "kiosk.log").open("ab") as log:
            kiosk = subprocess.Popen(
                [BIN / "zhili-kiosk", "--config", kiosk_config, "--screenshot", screenshot],
                cwd=DEMO_DIR,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        procs.append(kiosk)

        print("\nZhili demo is running. Open:")
        print(f"  API documentation   {BASE_URL}/docs")
        print(f"  health              {BASE_URL}/healthz")
        print(f"  kiosk {DEMO_TERMINAL}    {'offscreen' if headless else 'in a window'};", end=" ")
        print(f"home-screen screenshot at {screenshot}")
        print(f"  logs                {DEMO_DIR}/backoffice.log, {DEMO_DIR}/kiosk.log")
        print("Staff logins (POST /api/v1/auth/token with username and password):")
        for login in logins:
            print(f"  {login.username:24} {login.password:30} {login.role}")
        print("Ctrl-C stops everything.\n")
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
        for p in procs:
            if p.returncode not in (None, 0):
                print(
                    f"{p.args[0]} stopped with exit code {p.returncode}; see its log in {DEMO_DIR}"
                )
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

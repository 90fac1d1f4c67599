"""End to end: a real back office process, a real kiosk process enrolling and beating."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy.orm import Session

from backoffice.clock import SystemClock
from backoffice.db import create_db_engine, session_scope, writing_engine
from backoffice.demo.seed import DEMO_TERMINAL, demo_enrollment_code, seed_demo
from backoffice.wiring import session_factory
from tests.conftest import ARTIFACTS, LiveServer, bearer


def _seed(database_url: str) -> str:
    engine = create_db_engine(database_url)
    with session_scope(session_factory(writing_engine(engine))) as db:  # beside the live server
        db_session: Session = db
        seed_demo(db_session, SystemClock().now())
        code = demo_enrollment_code(db_session, SystemClock().now())
    engine.dispose()
    return code


def test_kiosk_enrolls_sends_heartbeats_and_shows_its_home_screen(
    live_server: LiveServer, tmp_path: Path
) -> None:
    code = _seed(live_server.database_url)
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'server_url = "{live_server.url}"\nenrollment_code = "{code}"\nheartbeat_interval_s = 5\n',
        encoding="utf-8",
    )
    screenshot = tmp_path / "home.png"
    kiosk = subprocess.run(
        [
            sys.executable,
            "-m",
            "kiosk",
            "--config",
            str(config),
            "--screenshot",
            str(screenshot),
            "--exit-after-screenshot",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert kiosk.returncode == 0, kiosk.stderr[-3000:]
    assert screenshot.stat().st_size > 10_000
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(screenshot, ARTIFACTS / "e2e-kiosk-home.png")

    token_file = tmp_path / "var" / "kiosk" / "token.json"
    assert token_file.stat().st_mode & 0o777 == 0o600
    assert code not in kiosk.stderr  # the enrollment code is never logged

    login = httpx.post(
        f"{live_server.url}/api/v1/auth/token",
        json={"username": "demo-terminal-manager", "password": "terminal-manager-demo-2026"},
    )
    headers = bearer(login.json()["token"])
    deadline = time.monotonic() + 10
    terminal = httpx.get(
        f"{live_server.url}/api/v1/fleet/terminals/{DEMO_TERMINAL}", headers=headers
    )
    while terminal.json()["last_seen_at"] is None and time.monotonic() < deadline:
        time.sleep(0.2)
        terminal = httpx.get(
            f"{live_server.url}/api/v1/fleet/terminals/{DEMO_TERMINAL}", headers=headers
        )
    body = terminal.json()
    assert body["enrolled"] is True
    assert body["online"] is True
    assert body["screen"] == "home"
    assert body["app_version"] == "0.1.0"
    assert set(body["devices"]) == {"printer", "card_reader", "id_card_reader", "qr_camera"}


def test_a_kiosk_with_a_corrupt_outbox_starts_moves_it_aside_and_reports_it(
    live_server: LiveServer, tmp_path: Path
) -> None:
    """It used to exit with rc 1 within a second, and systemd restarted it for ever."""
    code = _seed(live_server.database_url)
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'server_url = "{live_server.url}"\nenrollment_code = "{code}"\nheartbeat_interval_s = 5\n',
        encoding="utf-8",
    )
    outbox = tmp_path / "var" / "kiosk" / "outbox.sqlite3"
    outbox.parent.mkdir(parents=True)
    outbox.write_bytes(b"\x00" * 8192)  # zeroed by a power cut
    kiosk = subprocess.run(
        [
            sys.executable,
            "-m",
            "kiosk",
            "--config",
            str(config),
            "--screenshot",
            str(tmp_path / "home.png"),
            "--exit-after-screenshot",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert kiosk.returncode == 0, kiosk.stderr[-3000:]
    [aside] = outbox.parent.glob("outbox.sqlite3.corrupt-*")
    assert aside.read_bytes() == b"\x00" * 8192  # kept for inspection
    login = httpx.post(
        f"{live_server.url}/api/v1/auth/token",
        json={"username": "demo-terminal-manager", "password": "terminal-manager-demo-2026"},
    )
    headers = bearer(login.json()["token"])
    deadline = time.monotonic() + 10
    alerts: list[dict[str, str]] = []
    while not alerts and time.monotonic() < deadline:
        answer = httpx.get(f"{live_server.url}/api/v1/fleet/alerts", headers=headers)
        alerts = [a for a in answer.json() if a["kind"] == "outbox"]
        time.sleep(0.2)
    [alert] = alerts
    assert alert["terminal_code"] == DEMO_TERMINAL
    assert aside.name in alert["message"]

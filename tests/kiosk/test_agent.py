"""FleetAgent against a real HTTP server playing the back office's enroll and heartbeat."""

from __future__ import annotations

import json
import socket
import stat
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

import kiosk
from kiosk.agent import AgentState, FleetAgent, KioskStatus
from kiosk.config import KioskConfig
from kiosk.devices import DeviceHealth, DeviceState

ENROLL_PATH = "/api/v1/fleet/enroll"
HEARTBEAT_PATH = "/api/v1/fleet/heartbeat"


@dataclass
class BackOffice:
    """What the fake back office answers, and what it received."""

    url: str = ""
    valid_code: str = "GOOD-CODE"
    token: str = "tok-secret-123"
    revoked: bool = False
    commands: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, dict[str, str], Any]] = field(default_factory=list)


def make_handler(office: BackOffice) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def reply(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"null")
            office.requests.append((self.path, dict(self.headers.items()), body))
            if self.path == ENROLL_PATH:
                if body.get("code") != office.valid_code:
                    self.reply(403, {"detail": "登记码无效或已使用 (enrollment code not valid)"})
                    return
                self.reply(
                    201,
                    {"terminal_code": "SQ-001", "token": office.token, "heartbeat_interval_s": 15},
                )
            elif self.path == HEARTBEAT_PATH:
                if office.revoked or self.headers.get("Authorization") != f"Bearer {office.token}":
                    self.reply(401, {"detail": "token revoked"})
                    return
                self.reply(
                    200,
                    {
                        "server_time": "2026-11-28T10:00:00+08:00",
                        "heartbeat_interval_s": 20,
                        "commands": office.commands,
                    },
                )
            else:
                self.reply(404, {"detail": "not found"})

    return Handler


@pytest.fixture
def office() -> Iterator[BackOffice]:
    state = BackOffice()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join()


STATUS = KioskStatus(
    screen="home",
    language="en",
    elder_mode=True,
    devices={
        "printer": DeviceHealth(DeviceState.FAULT, "paper out"),
        "card_reader": DeviceHealth(DeviceState.READY),
    },
)


def make_agent(tmp_path: Path, url: str, code: str | None = "GOOD-CODE") -> FleetAgent:
    config = KioskConfig(
        server_url=url, token_path=tmp_path / "state" / "token.json", enrollment_code=code
    )
    return FleetAgent(config, status_provider=lambda: STATUS)


def test_enrollment_saves_a_private_token_file(tmp_path: Path, office: BackOffice) -> None:
    agent = make_agent(tmp_path, office.url)
    assert agent.state == AgentState.NOT_ENROLLED

    assert agent.enroll_once() is True

    path, _headers, body = office.requests[0]
    assert path == ENROLL_PATH
    assert body == {"code": "GOOD-CODE", "app_version": kiosk.__version__}
    token_file = tmp_path / "state" / "token.json"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(token_file.parent.stat().st_mode) == 0o700
    assert json.loads(token_file.read_text()) == {
        "terminal_code": "SQ-001",
        "token": "tok-secret-123",
        "server_url": office.url,
    }
    assert agent.terminal_code == "SQ-001"
    assert agent.heartbeat_interval_s == 15
    assert agent.last_error is None


def test_heartbeat_sends_bearer_token_and_status_and_queues_commands(
    tmp_path: Path, office: BackOffice
) -> None:
    office.commands = [{"id": 7, "type": "reload_catalog"}, {"id": 8, "type": "restart"}]
    make_agent(tmp_path, office.url).enroll_once()
    # A fresh agent reads the saved token and needs no code.
    agent = make_agent(tmp_path, office.url, code=None)
    assert agent.state == AgentState.OFFLINE
    assert agent.terminal_code == "SQ-001"

    assert agent.heartbeat_once() is True

    path, headers, body = office.requests[-1]
    assert path == HEARTBEAT_PATH
    assert headers["Authorization"] == "Bearer tok-secret-123"
    assert isinstance(body.pop("disk_free_mb"), int)
    assert body == {
        "app_version": kiosk.__version__,
        "screen": "home",
        "language": "en",
        "elder_mode": True,
        "devices": {
            "printer": {"state": "fault", "reason": "paper out"},
            "card_reader": {"state": "ready", "reason": None},
            "id_card_reader": {"state": "absent", "reason": "not reported"},
            "qr_camera": {"state": "absent", "reason": "not reported"},
        },
    }
    assert agent.state == AgentState.ONLINE
    assert agent.heartbeat_interval_s == 20
    assert [agent.commands.get_nowait(), agent.commands.get_nowait()] == office.commands
    assert agent.commands.empty()


def test_refused_code_puts_agent_in_rejected_with_the_servers_message(
    tmp_path: Path, office: BackOffice
) -> None:
    agent = make_agent(tmp_path, office.url, code="USED-CODE")

    assert agent.enroll_once() is False

    assert agent.state == AgentState.REJECTED
    assert agent.last_error == "登记码无效或已使用 (enrollment code not valid)"
    assert not (tmp_path / "state" / "token.json").exists()


def test_revoked_token_puts_agent_in_rejected(tmp_path: Path, office: BackOffice) -> None:
    agent = make_agent(tmp_path, office.url)
    agent.enroll_once()
    office.revoked = True

    assert agent.heartbeat_once() is False

    assert agent.state == AgentState.REJECTED
    assert agent.last_error == "token revoked"


def _unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_unreachable_server_puts_agent_offline(tmp_path: Path, office: BackOffice) -> None:
    gone = f"http://127.0.0.1:{_unused_port()}"
    agent = make_agent(tmp_path, gone)

    assert agent.enroll_once() is False
    assert agent.state == AgentState.OFFLINE
    assert agent.last_error is not None and "unreachable" in agent.last_error

    make_agent(tmp_path, office.url).enroll_once()
    enrolled = make_agent(tmp_path, gone)
    assert enrolled.heartbeat_once() is False
    assert enrolled.state == AgentState.OFFLINE


def test_no_code_and_no_token_stays_not_enrolled(tmp_path: Path, office: BackOffice) -> None:
    agent = make_agent(tmp_path, office.url, code=None)

    assert agent.enroll_once() is False
    assert agent.heartbeat_once() is False
    assert agent.state == AgentState.NOT_ENROLLED
    assert office.requests == []


def test_thread_enrolls_and_goes_online_then_stops_promptly(
    tmp_path: Path, office: BackOffice
) -> None:
    agent = make_agent(tmp_path, office.url)
    online = threading.Event()
    original = agent.heartbeat_once

    def heartbeat_and_signal() -> bool:
        answered = original()
        online.set()
        return answered

    agent.heartbeat_once = heartbeat_and_signal  # type: ignore[method-assign]
    agent.start()
    try:
        assert online.wait(10)
        assert agent.state == AgentState.ONLINE
    finally:
        agent.stop()
    assert agent._thread is None

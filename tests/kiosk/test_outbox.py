"""The SQLite outbox against a real HTTP server that goes down and comes back."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from kiosk.agent import FleetAgent, KioskStatus
from kiosk.config import KioskConfig
from kiosk.outbox import IDEMPOTENCY_HEADER, ItemState, Kind, Outbox


@dataclass
class Receiver:
    """A back office that counts each idempotency key once, as the real one must."""

    port: int
    counted: dict[str, dict[str, Any]] = field(default_factory=dict)
    received: int = 0
    authorizations: list[str | None] = field(default_factory=list)
    refuse_paths: set[str] = field(default_factory=set)
    busy: bool = False
    force_status: int | None = None  # answer this to every request (a revoked token: 401)
    server: ThreadingHTTPServer | None = None
    thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length))
                receiver.received += 1
                receiver.authorizations.append(self.headers.get("Authorization"))
                if receiver.force_status is not None:
                    status, answer = receiver.force_status, {"detail": "forced"}
                elif receiver.busy:
                    status, answer = 503, {"detail": "busy"}
                elif self.path in receiver.refuse_paths:
                    status, answer = 422, {"detail": "level must be 1..5"}
                else:
                    key = self.headers[IDEMPOTENCY_HEADER]
                    receiver.counted.setdefault(key, {"path": self.path, **body})
                    status, answer = 201, {"ok": True}
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,))
        self.thread.start()

    def stop(self) -> None:
        if self.server is not None and self.thread is not None:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join()
            self.server = None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    office = Receiver(port=_free_port())
    office.start()
    yield office
    office.stop()


def poster(url: str) -> Any:
    session = requests.Session()

    def send(method: str, path: str, data: bytes, headers: dict[str, str]) -> requests.Response:
        return session.request(method, url + path, data=data, headers=headers, timeout=2)

    return send


def test_items_wait_while_the_server_is_down_and_arrive_once_when_it_returns(
    tmp_path: Path, receiver: Receiver
) -> None:
    outbox = Outbox(tmp_path / "outbox.sqlite3")
    post = poster(receiver.url)
    receiver.stop()
    outbox.add(Kind.VISIT, "/api/v1/visits", {"visit_id": "v1", "outcome": "finished"})
    outbox.add(Kind.RATING, "/api/v1/ratings", {"visit_id": "v1", "level": 5})

    report = outbox.deliver(post)

    assert (report.sent, report.pending, report.reachable) == (0, 2, False)
    assert outbox.items()[0].last_error == "unreachable: ConnectionError"

    receiver.start()
    report = outbox.deliver(post)

    assert (report.sent, report.pending, report.reachable) == (2, 0, True)
    assert [item["path"] for item in receiver.counted.values()] == [
        "/api/v1/visits",
        "/api/v1/ratings",
    ]
    assert [i.state for i in outbox.items()] == [ItemState.SENT, ItemState.SENT]
    assert outbox.deliver(post).sent == 0
    assert receiver.received == 2


def test_a_resend_after_a_lost_answer_is_counted_once(tmp_path: Path, receiver: Receiver) -> None:
    """The server got the item but the kiosk never heard back: the kiosk sends it again with
    the same key, and the server counts it once."""
    outbox = Outbox(tmp_path / "outbox.sqlite3")
    outbox.add(Kind.RATING, "/api/v1/ratings", {"visit_id": "v2", "level": 4})
    answered = poster(receiver.url)
    calls = 0

    def answer_lost(method: str, path: str, data: bytes, headers: dict[str, str]) -> Any:
        nonlocal calls
        calls += 1
        answered(method, path, data, headers)
        raise requests.ConnectionError("connection reset before the answer")

    assert outbox.deliver(answer_lost).pending == 1
    assert outbox.deliver(answered).sent == 1

    assert calls == 1
    assert receiver.received == 2
    assert len(receiver.counted) == 1


def test_items_survive_a_restart_of_the_kiosk(tmp_path: Path, receiver: Receiver) -> None:
    first = Outbox(tmp_path / "outbox.sqlite3")
    key = first.add(Kind.PRINT_CONFIRMATION, "/api/v1/print", {"through": [3, 12]})
    first.close()

    again = Outbox(tmp_path / "outbox.sqlite3")
    assert again.pending_count() == 1
    assert again.deliver(poster(receiver.url)).sent == 1
    assert list(receiver.counted) == [key]


def test_adding_the_same_key_twice_keeps_one_item(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox.sqlite3")
    outbox.add(Kind.RATING, "/api/v1/ratings", {"level": 5}, idempotency_key="rating-v3")
    outbox.add(Kind.RATING, "/api/v1/ratings", {"level": 1}, idempotency_key="rating-v3")
    assert [(i.idempotency_key, i.body) for i in outbox.items()] == [("rating-v3", {"level": 5})]


def test_a_refused_item_is_set_aside_and_the_rest_go_on(tmp_path: Path, receiver: Receiver) -> None:
    receiver.refuse_paths = {"/api/v1/ratings"}
    outbox = Outbox(tmp_path / "outbox.sqlite3")
    outbox.add(Kind.RATING, "/api/v1/ratings", {"level": 9})
    outbox.add(Kind.VISIT, "/api/v1/visits", {"visit_id": "v4"})

    report = outbox.deliver(poster(receiver.url))

    assert (report.sent, report.refused, report.pending) == (1, 1, 0)
    refused = outbox.items(ItemState.REFUSED)
    assert [i.last_error for i in refused] == ["HTTP 422: level must be 1..5"]


def test_a_busy_server_keeps_items_pending_in_order(tmp_path: Path, receiver: Receiver) -> None:
    receiver.busy = True
    outbox = Outbox(tmp_path / "outbox.sqlite3")
    outbox.add(Kind.VISIT, "/api/v1/visits", {"n": 1})
    outbox.add(Kind.VISIT, "/api/v1/visits", {"n": 2})

    report = outbox.deliver(poster(receiver.url))

    assert (report.sent, report.pending, report.reachable) == (0, 2, True)
    assert receiver.received == 1  # it stopped at the first busy answer
    receiver.busy = False
    assert outbox.deliver(poster(receiver.url)).sent == 2
    assert [v["n"] for v in receiver.counted.values()] == [1, 2]


def test_the_agent_delivers_the_outbox_with_its_bearer_token(
    tmp_path: Path, receiver: Receiver
) -> None:
    token_path = tmp_path / "state" / "token.json"
    token_path.parent.mkdir()
    token_path.write_text(
        json.dumps({"terminal_code": "SQ-9", "token": "tok-9", "server_url": receiver.url})
    )
    outbox = Outbox(tmp_path / "outbox.sqlite3")
    outbox.add(Kind.VISIT, "/api/v1/visits", {"visit_id": "v5"})
    agent = FleetAgent(
        KioskConfig(server_url=receiver.url, token_path=token_path),
        status_provider=lambda: KioskStatus(screen="home", language="zh", elder_mode=False),
        outbox=outbox,
    )

    report = agent.deliver_outbox()

    assert report is not None and report.sent == 1
    assert list(receiver.counted.values()) == [{"path": "/api/v1/visits", "visit_id": "v5"}]
    assert receiver.authorizations == ["Bearer tok-9"]

"""A real webhook receiver on 127.0.0.1: verifies signatures and timestamps (Standard Webhooks)
against its own clock, de-duplicates on the webhook-id,
and can be taken down, brought back, or made to lose its answer after applying a delivery."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from backoffice.clock import Clock, SystemClock
from backoffice.notify.formats import ID_HEADER, verify


@dataclass
class Receiver:
    secret: str = ""
    clock: Clock = field(default_factory=SystemClock)  # the receiver's clock, for timestamps
    wecom: bool = False  # answer like a WeCom group robot
    wecom_errcode: int = 0
    fail_after_applying: int = 0  # answer 500 this many times after applying (lost answers)
    port: int = 0
    received: list[dict[str, Any]] = field(default_factory=list)  # every request that came
    applied: list[dict[str, Any]] = field(default_factory=list)  # effects, once per delivery
    rejected: int = 0
    _seen: set[str] = field(default_factory=set)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status, answer = receiver.handle(
                    {k.lower(): v for k, v in self.headers.items()}, raw
                )
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Go down: the port refuses connections until start() is called again."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def handle(self, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, Any]]:
        with self._lock:
            body = json.loads(raw)
            self.received.append({"headers": headers, "body": body})
            if self.wecom:
                if self.wecom_errcode:
                    return 200, {"errcode": self.wecom_errcode, "errmsg": "invalid"}
                self.applied.append(body)
                return 200, {"errcode": 0, "errmsg": "ok"}
            if not verify(self.secret, raw, headers, self.clock.now()):
                self.rejected += 1
                return 401, {"error": "bad signature"}
            delivery_id = headers[ID_HEADER]
            if delivery_id not in self._seen:
                self._seen.add(delivery_id)
                self.applied.append(body)
            if self.fail_after_applying:
                self.fail_after_applying -= 1
                return 500, {"error": "crashed before answering"}
            return 200, {"ok": True}

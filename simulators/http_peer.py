"""The common part of the upstream peers (Suishen, medical insurance, the card issuer, ...): a
small threaded JSON HTTP server whose routes a peer declares, with the faults every upstream
can have: ``slow`` (answers after `delay_s`), ``error`` (HTTP 500), ``malformed`` (a body its
contract does not allow), ``down`` (the port refuses connections) and ``none``.

A peer runs in a test process (``start()``/``stop()``, faults by ``set_fault``) or as
``python -m simulators <peer> --port P --control-port C`` with faults from
``python -m simulators fault --control-port C slow|error|malformed|down|none``. It imports
nothing from the back office: it speaks the contract in ``contracts/``.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

FAULTS = ("none", "slow", "error", "malformed", "down")


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any


Handler = Callable[[dict[str, str], Any, dict[str, str]], Reply]
"""(path parameters, JSON body or None, query parameters) -> the answer."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timed out on a slow answer) is no error of the peer."""


class HttpPeer:
    """Routes ``(method, "/v1/things/{id}")`` to handlers; faults apply to every route but
    the peer's own ``/_peer/...`` set-up routes (what a test or the demo puts upstream)."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1") -> None:
        self.host = host
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._lock = threading.Lock()
        self.fault = "none"
        self.delay_s = 3.0
        self.calls = 0  # requests answered (faults included), for tests
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.port = port

    # --- declaring -----------------------------------------------------------------------

    def route(self, method: str, template: str, handler: Handler) -> None:
        pattern = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "$")
        self._routes.append((method, pattern, handler))

    def malformed(self, status: int, body: Any) -> Reply:
        """The `malformed` fault's answer to a request that would have got (status, body):
        the same status with fields of the wrong type. A peer may override it."""
        if isinstance(body, dict):
            return Reply(status, {k: [v] for k, v in body.items()})
        return Reply(status, {"unexpected": True})

    # --- running --------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> HttpPeer:
        peer = self

        class _Request(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _answer(self, method: str) -> None:
                if peer.fault == "down" and not self.path.startswith("/_peer/"):
                    # A connection kept alive from before the port closed: drop it unanswered.
                    self.close_connection = True
                    return
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                status, payload = peer.handle(method, self.path, raw)
                data = (
                    payload
                    if isinstance(payload, bytes)
                    else json.dumps(payload, ensure_ascii=False).encode()
                )
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._answer("GET")

            def do_POST(self) -> None:
                self._answer("POST")

            def do_PUT(self) -> None:
                self._answer("PUT")

            def do_DELETE(self) -> None:
                self._answer("DELETE")

        self._handler = _Request
        self._listen()
        return self

    def _listen(self) -> None:
        self._server = _Server((self.host, self.port), self._handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"peer-{self.port}", daemon=True
        )
        self._thread.start()

    def _close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()

    def stop(self) -> None:
        self._close()

    def set_fault(self, fault: str, delay_s: float | None = None) -> dict[str, Any]:
        """Fail from now on (or recover with 'none'); 'down' closes the port, any other fault
        opens it again on the same port."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; one of {', '.join(FAULTS)}")
        with self._lock:
            if delay_s is not None:
                self.delay_s = delay_s
            was_down, self.fault = self.fault == "down", fault
        if fault == "down" and not was_down:
            self._close()
        elif fault != "down" and was_down:
            self._listen()
        return self.state()

    def state(self) -> dict[str, Any]:
        return {"fault": self.fault, "delay_s": self.delay_s, "url": self.url}

    # --- answering ------------------------------------------------------------------------

    def handle(self, method: str, target: str, raw: bytes) -> tuple[int, Any]:
        path, _, query_string = target.partition("?")
        query = dict(parse_qsl(query_string))
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            return 400, {"error": "bad_request", "message": "the body is not JSON"}
        for route_method, pattern, handler in self._routes:
            match = pattern.match(path)
            if match is None or route_method != method:
                continue
            if path.startswith("/_peer/"):
                reply = handler(match.groupdict(), body, query)
                return reply.status, reply.body
            with self._lock:
                self.calls += 1
                fault, delay = self.fault, self.delay_s
            if fault == "slow":
                time.sleep(delay)
            if fault == "error":
                return 500, b"<html>Internal Server Error</html>"
            reply = handler(match.groupdict(), body, query)
            if fault == "malformed":
                reply = self.malformed(reply.status, reply.body)
            return reply.status, reply.body
        return 404, {"error": "not_found", "message": f"no route {method} {path}"}


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((host, port)) != 0

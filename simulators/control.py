"""A tiny control channel for running simulators: one JSON object per line over local TCP.

Request ``{"fault": "paper_out", "count": 3}``, answer ``{"ok": true, "state": {...}}`` or
``{"ok": false, "error": "..."}``.
"""

from __future__ import annotations

import json
import socket
import socketserver
import threading
from collections.abc import Callable
from typing import Any

Handler = Callable[[dict[str, Any]], dict[str, Any]]


class ControlServer:
    def __init__(self, handler: Handler, port: int = 0, host: str = "127.0.0.1") -> None:
        outer = self

        class _Request(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                for line in self.rfile:
                    try:
                        answer = {"ok": True, "state": outer.handler(json.loads(line))}
                    except (ValueError, KeyError, TypeError) as exc:
                        answer = {"ok": False, "error": str(exc)}
                    self.wfile.write(json.dumps(answer, ensure_ascii=False).encode() + b"\n")

        self.handler = handler
        self._server = socketserver.ThreadingTCPServer((host, port), _Request)
        self._server.daemon_threads = True
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> ControlServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def send(port: int, request: dict[str, Any], host: str = "127.0.0.1") -> dict[str, Any]:
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(json.dumps(request).encode() + b"\n")
        reply = sock.makefile("rb").readline()
    answer: dict[str, Any] = json.loads(reply)
    return answer

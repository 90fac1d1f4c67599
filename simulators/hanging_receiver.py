"""A webhook receiver that accepts connections and never answers: the peer a delivery job's
timeouts and time budget are tested against (tests and bench.faults)."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field


@dataclass
class Hanging:
    """A receiver that accepts connections and never answers (until stopped)."""

    port: int = 0
    connections: int = 0
    _sock: socket.socket | None = None
    _open: list[socket.socket] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> Hanging:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(256)
        sock.settimeout(0.1)
        self.port, self._sock = sock.getsockname()[1], sock

        def accept() -> None:
            while not self._stop.is_set():
                try:
                    conn, _ = sock.accept()
                except OSError:
                    continue
                self.connections += 1
                self._open.append(conn)

        threading.Thread(target=accept, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for conn in self._open:
            conn.close()
        if self._sock is not None:
            self._sock.close()

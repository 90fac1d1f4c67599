"""systemd notifications (sd_notify protocol) over ``NOTIFY_SOCKET``: READY=1 and WATCHDOG=1.

The pings are sent from the UI thread's clock, so a frozen UI stops them and systemd restarts
the kiosk."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping

logger = logging.getLogger(__name__)

DEFAULT_PING_S = 10.0


class Notifier:
    """Sends datagrams to the socket systemd names; does nothing when there is none."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        address = env.get("NOTIFY_SOCKET", "")
        # A leading "@" names a socket in the abstract namespace.
        self.address = "\0" + address[1:] if address.startswith("@") else address
        watchdog_usec = env.get("WATCHDOG_USEC", "")
        # systemd's advice: ping at half the watchdog interval.
        self.ping_interval_s = (
            int(watchdog_usec) / 2_000_000 if watchdog_usec.isdigit() else DEFAULT_PING_S
        )
        self.sent = 0

    @property
    def enabled(self) -> bool:
        return bool(self.address)

    def notify(self, message: str) -> bool:
        if not self.enabled:
            return False
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.connect(self.address)
                sock.sendall(message.encode())
        except OSError as exc:
            logger.warning("watchdog: cannot notify systemd: %s", exc)
            return False
        self.sent += 1
        return True

    def ready(self) -> bool:
        return self.notify("READY=1\nSTATUS=home screen shown")

    def ping(self) -> bool:
        return self.notify("WATCHDOG=1")

    def stopping(self) -> bool:
        return self.notify("STOPPING=1")

"""systemd notifications, heard on a real unix datagram socket as systemd would listen."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.watchdog import Notifier


@pytest.fixture
def notify_socket() -> Iterator[tuple[str, socket.socket]]:
    # AF_UNIX paths are limited to 107 bytes; pytest's tmp_path can be longer.
    path = f"/tmp/zhili-notify-{os.getpid()}-{id(object())}.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(5)
    yield path, sock
    sock.close()
    Path(path).unlink(missing_ok=True)


def received(sock: socket.socket) -> list[str]:
    messages = []
    sock.setblocking(False)
    try:
        while True:
            messages.append(sock.recv(4096).decode())
    except BlockingIOError:
        pass
    finally:
        sock.settimeout(5)
    return messages


def test_the_app_says_ready_after_its_first_frame_then_pings_the_watchdog(
    notify_socket: tuple[str, socket.socket], make_kiosk_ui: Any
) -> None:
    path, sock = notify_socket
    ui = make_kiosk_ui(notify_socket=path)
    ui.pump(3)

    messages = received(sock)
    assert messages[0] == "READY=1\nSTATUS=home screen shown"

    ui.app.notifier.ping()
    assert received(sock) == ["WATCHDOG=1"]


def test_ping_interval_is_half_the_watchdog_interval() -> None:
    notifier = Notifier({"NOTIFY_SOCKET": "/run/x", "WATCHDOG_USEC": "30000000"})
    assert notifier.ping_interval_s == 15.0
    assert Notifier({"NOTIFY_SOCKET": "/run/x"}).ping_interval_s == 10.0


def test_abstract_socket_names_are_understood() -> None:
    name = f"zhili-test-{os.getpid()}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + name)
    sock.settimeout(5)
    try:
        notifier = Notifier({"NOTIFY_SOCKET": "@" + name})
        assert notifier.ping() is True
        assert sock.recv(100) == b"WATCHDOG=1"
    finally:
        sock.close()


def test_without_systemd_nothing_is_sent() -> None:
    notifier = Notifier({})
    assert notifier.enabled is False
    assert notifier.ready() is False
    assert notifier.sent == 0


def test_a_vanished_socket_is_logged_not_fatal(caplog: pytest.LogCaptureFixture) -> None:
    notifier = Notifier({"NOTIFY_SOCKET": "/tmp/zhili-no-such-socket"})
    assert notifier.ping() is False
    assert "cannot notify systemd" in caplog.text

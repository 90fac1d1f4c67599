"""The one way the kiosk runs slow work (a printer, the back office, a catalog download) off the
UI thread: ``run`` does the work on a daemon thread and hands its result to the UI thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol, TypeVar

T = TypeVar("T")

OnUiThread = Callable[[Callable[[], None]], None]
"""Schedules a function on the UI thread (Kivy's Clock in the app)."""


class Runner(Protocol):
    """What runs slow work: ``Background`` in the app; an inline runner in window-free tests."""

    def run(self, name: str, work: Callable[[], T], done: Callable[[T], None]) -> None: ...

    def post(self, function: Callable[[], None]) -> None: ...


class Background:
    def __init__(self, on_ui_thread: OnUiThread) -> None:
        self._on_ui_thread = on_ui_thread

    def run(self, name: str, work: Callable[[], T], done: Callable[[T], None]) -> None:
        """``work()`` on its own thread named ``name``, then ``done(result)`` on the UI thread.
        ``work`` catches what it expects; a device thread never touches a widget."""

        def body() -> None:
            result = work()
            self._on_ui_thread(lambda: done(result))

        threading.Thread(target=body, name=name, daemon=True).start()

    def post(self, function: Callable[[], None]) -> None:
        """Hand ``function`` to the UI thread (progress from inside ``work``)."""
        self._on_ui_thread(function)

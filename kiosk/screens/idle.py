"""The idle warning: a countdown of at least 20 s with one large "continue" button (WCAG 2.2.1),
and the watch that runs the visit's idle timer from the app's clock."""

from __future__ import annotations

from collections.abc import Callable

from kivy.uix.modalview import ModalView

from kiosk.kvload import load_kv_beside
from kiosk.screens.base import Prompts
from kiosk.visit import IdlePhase, Visits


class IdleOverlay(ModalView):
    """Covers the whole window while the visit is quiet; "continue" or the end closes it."""

    @property
    def is_open(self) -> bool:
        return self._window is not None


class IdleWatch:
    """Opens the warning when the visit goes quiet (with its countdown and prompt), closes it
    on a touch; the visit itself ends when the warning runs out (``Visit.tick``)."""

    def __init__(self, visits: Visits, countdown: Callable[[int], None], prompts: Prompts) -> None:
        self._visits = visits
        self._countdown = countdown
        self._prompts = prompts
        self.overlay = IdleOverlay()

    def tick(self) -> None:
        visit = self._visits.current
        if visit is None:
            return
        phase = visit.tick()
        if phase == IdlePhase.WARNING:
            self._countdown(visit.seconds_left())
            if not self.overlay.is_open:
                self.overlay.open(animation=False)
                self._prompts.announce("idle.voice")
        elif phase == IdlePhase.ACTIVE and self.overlay.is_open:
            self.close()

    def keep(self) -> None:
        """The one large "continue" button."""
        visit = self._visits.current
        if visit is not None and visit.ended is None:
            visit.touch()
        self.close()

    def close(self) -> None:
        self.overlay.dismiss(animation=False)


load_kv_beside(__file__)

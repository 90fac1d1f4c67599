"""The idle warning: a countdown of at least 20 s with one large "continue" button (WCAG 2.2.1)."""

from __future__ import annotations

from kivy.uix.modalview import ModalView

from kiosk.kvload import load_kv_beside


class IdleOverlay(ModalView):
    """Covers the whole window; the app opens it when the visit goes quiet and closes it when
    the person taps "continue" or the visit ends."""

    @property
    def is_open(self) -> bool:
        return self._window is not None


load_kv_beside(__file__)

"""Renovation sign-up, the commitment: its words, a white pad the owner signs with a finger,
and the back office's answer (the registration's reference, active or waiting)."""

from __future__ import annotations

import io
from typing import Any

from kivy.graphics import Color, Line, Rectangle
from kivy.properties import ListProperty, NumericProperty, StringProperty
from kivy.uix.widget import Widget
from PIL import Image

from kiosk.i18n import tr
from kiosk.kvload import load_kv_beside
from kiosk.screens.base import KioskScreen, pick


class SignaturePad(Widget):
    """White paper for a finger: each touch draws one stroke in ink; ``png()`` gives what was
    drawn as a PNG (None while nothing is)."""

    strokes = NumericProperty(0)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bind(pos=self._redraw, size=self._redraw)
        self._lines: list[Line] = []
        self._redraw()

    def _redraw(self, *_args: object) -> None:
        self.canvas.clear()
        with self.canvas:
            Color(1, 1, 1, 1)
            Rectangle(pos=self.pos, size=self.size)
        self._lines = []
        self.strokes = 0

    def clear(self) -> None:
        self._redraw()

    def on_touch_down(self, touch: Any) -> bool:
        if not self.collide_point(*touch.pos):
            return False
        touch.grab(self)
        with self.canvas:
            Color(0.06, 0.14, 0.24, 1)
            line = Line(points=[touch.x, touch.y], width=2.5)
        self._lines.append(line)
        touch.ud["signature_line"] = line
        return True

    def on_touch_move(self, touch: Any) -> bool:
        line = touch.ud.get("signature_line")
        if touch.grab_current is not self or line is None:
            return False
        x = min(max(touch.x, self.x), self.right)
        y = min(max(touch.y, self.y), self.top)
        line.points += [x, y]
        return True

    def on_touch_up(self, touch: Any) -> bool:
        if touch.grab_current is not self:
            return False
        touch.ungrab(self)
        if len(touch.ud.get("signature_line", Line()).points) >= 4:
            self.strokes += 1
        return True

    def png(self) -> bytes | None:
        if not self.strokes:
            return None
        texture = self.export_as_image().texture
        image = Image.frombytes("RGBA", texture.size, bytes(texture.pixels))
        out = io.BytesIO()
        image.transpose(Image.Transpose.FLIP_TOP_BOTTOM).convert("RGB").save(out, "PNG")
        return out.getvalue()


class RenovationSignScreen(KioskScreen):
    voice_key = "voice.renovation.sign"
    personal = True  # the signature
    phase = StringProperty("signing")
    summary = ListProperty(["", ""])
    message = ListProperty(["", ""])

    def start(self, summary: tuple[str, str]) -> None:
        self.summary = list(summary)
        self.phase = "signing"
        self.ids.pad.clear()

    def tell(self, phase: str, message: tuple[str, str]) -> None:
        self.phase = phase
        self.message = list(message)

    def clear(self) -> None:
        self.ids.pad.clear()

    def stroked(self) -> None:
        """A first stroke answers a 'sign first' prompt."""
        if self.phase == "signing" and self.ids.pad.strokes:
            self.message = [tr("renovation.sign_here", "zh"), tr("renovation.sign_here", "en")]

    def submit(self) -> None:
        self.flows.renovation.submit(self.ids.pad.png())

    def pick(self, texts: list[str], language: str) -> str:
        return pick(texts, language)

    def wipe(self) -> None:
        self.ids.pad.clear()
        self.summary = ["", ""]
        self.message = ["", ""]
        self.phase = "signing"


load_kv_beside(__file__)

"""The rating (好差评) that ends every visit: five big faces with words; reasons if it is low,
then whether the person wants a callback, and only with their yes a number pad for the phone.
On a counter's rating pad (counter mode) the screen is the whole app: the counter, its matter
and its staff above the faces."""

from __future__ import annotations

import time
from typing import Any

from kivy.clock import Clock
from kivy.graphics import Color, Ellipse, Line
from kivy.metrics import dp
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    OptionProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.togglebutton import ToggleButton
from kivy.uix.widget import Widget

from kiosk import theme
from kiosk.flows.rating import callable_number
from kiosk.kvload import load_kv_beside
from kiosk.screens.base import KioskScreen

LEVELS = (5, 4, 3, 2, 1)
THANKS_S = 8.0
# A rating of 1 or 2 is a bad rating (差评): ask what went wrong before sending it.
BAD_LEVELS = frozenset({1, 2})
# The back office's reason codes (ratings.schemas.BadReason) a kiosk user can pick.
REASONS = (
    "guide_inaccurate",
    "materials_unclear",
    "hard_to_use",
    "too_slow",
    "device_fault",
    "not_handled",
)
# How much each level's mouth curves, from a wide smile (5) to a deep frown (1).
MOUTH_CURVE = {5: 0.30, 4: 0.16, 3: 0.0, 2: -0.16, 1: -0.30}
PHASES = ["faces", "reasons", "callback", "phone", "thanks"]
# The number pad: digits, then "delete the last digit".
PAD_KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "0")
MAX_PHONE_DIGITS = 12


def face_colour(level: int) -> tuple[float, float, float, float]:
    if level >= 4:
        return theme.FACE_GOOD
    if level == 3:
        return theme.FACE_MIDDLE
    return theme.FACE_BAD


def mouth_points(cx: float, cy: float, r: float, curve: float, steps: int = 16) -> list[float]:
    """A parabola under the eyes; ``curve`` > 0 smiles, < 0 frowns (fraction of the radius)."""
    points: list[float] = []
    half = r * 0.5
    for i in range(steps + 1):
        t = -1 + 2 * i / steps
        points += [cx + t * half, cy - r * 0.38 + curve * r * (t * t - 0.5)]
    return points


class FaceDrawing(Widget):
    """A round face drawn with the canvas (no emoji font needed): eyes and a curved mouth."""

    level = NumericProperty(3)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bind(pos=self._draw, size=self._draw, level=self._draw)

    def _draw(self, *_args: Any) -> None:
        self.canvas.clear()
        r = min(self.width, self.height) / 2 * 0.92
        cx, cy = self.center
        ink = face_colour(int(self.level))
        with self.canvas:
            Color(*ink)
            Line(circle=(cx, cy, r), width=dp(4))
            eye = r * 0.11
            for dx in (-0.35, 0.35):
                Ellipse(pos=(cx + dx * r - eye, cy + r * 0.22 - eye), size=(eye * 2, eye * 2))
            Line(
                points=mouth_points(cx, cy, r, MOUTH_CURVE[int(self.level)]),
                width=dp(4),
                cap="round",
            )


class RatingFace(ButtonBehavior, BoxLayout):
    level = NumericProperty(5)


class ReasonButton(ToggleButton):
    reason = OptionProperty(REASONS[0], options=list(REASONS))


class PadKey(ButtonBehavior, BoxLayout):
    key = StringProperty("0")


class RatingScreen(KioskScreen):
    phase = OptionProperty("faces", options=PHASES)
    level = NumericProperty(0)
    chosen = ListProperty([])
    sent = BooleanProperty(False)
    # The digits typed for the callback; on screen only in the phone phase.
    phone = StringProperty("")
    phone_ok = BooleanProperty(False)
    # "窗口 W03 · 社保卡补办 · 工号 A012 王芳" on a counter's pad; "" on a kiosk.
    counter_line = StringProperty("")

    @property
    def personal(self) -> bool:  # type: ignore[override]
        # The phone number as it is typed: a remote screenshot then is blanked.
        return self.phase == "phone"

    @property
    def voice_key(self) -> str:
        return {
            "faces": "voice.rating",
            "reasons": "voice.rating.reasons",
            "callback": "voice.rating.callback",
            "phone": "voice.rating.phone",
            "thanks": "voice.rating.thanks",
        }[self.phase]

    def attach(self, flows: Any) -> None:
        super().attach(flows)
        self.refresh_counter()

    def refresh_counter(self) -> None:
        counter = self.flows.rating.counter
        if counter is None:
            self.counter_line = ""
            return
        language = self.shell.language
        catalog = self.shell.catalog_store.catalog
        matter = catalog.items.get(counter.matter) if catalog is not None else None
        matter_name = matter.name.get(language, counter.matter) if matter else counter.matter
        parts = [self.shell.tr("counter.window", language).format(code=counter.code), matter_name]
        if counter.staff_code:
            staff = self.shell.tr("counter.staff", language).format(code=counter.staff_code)
            parts.append(f"{staff} {counter.staff_name or ''}".strip())
        self.counter_line = " · ".join(parts)

    def on_phone(self, _screen: Any, phone: str) -> None:
        self.phone_ok = callable_number(phone)

    def on_kv_post(self, base_widget: object) -> None:
        for level in LEVELS:
            face = RatingFace(level=level)
            face.bind(on_release=lambda f: self.choose(int(f.level)))
            self.ids.faces.add_widget(face)
        for reason in REASONS:
            button = ReasonButton(reason=reason)
            button.bind(
                on_release=lambda b: self.shell.prompts.speak_action(b.text),
                state=lambda b, state: self.toggle_reason(b.reason, state == "down"),
            )
            self.ids.reasons.add_widget(button)
        for key in PAD_KEYS:
            pad_key = PadKey(key=key)
            pad_key.bind(on_release=lambda k: self.type_digit(k.key))
            self.ids.pad.add_widget(pad_key)

    def type_digit(self, digit: str) -> None:
        if len(self.phone) < MAX_PHONE_DIGITS:
            self.phone += digit

    def delete_digit(self) -> None:
        self.phone = self.phone[:-1]

    def choose(self, level: int) -> None:
        self.level = level
        if level in BAD_LEVELS:
            self.phase = "reasons"
            self._announce()
        else:
            self._send()

    def toggle_reason(self, reason: str, down: bool) -> None:
        chosen = [r for r in self.chosen if r != reason]
        if down:
            chosen.append(reason)
        self.chosen = [r for r in REASONS if r in chosen]

    def submit(self) -> None:
        """The reasons are chosen: ask whether the person wants a callback."""
        self.phase = "callback"
        self._announce()

    def no_callback(self) -> None:
        self._send()

    def want_callback(self) -> None:
        """They said yes: now, and only now, the number pad."""
        self.phase = "phone"
        self._announce()

    def send_with_phone(self) -> None:
        if self.phone_ok:
            self._send(self.phone)

    def skip(self) -> None:
        self.flows.rating.skip()

    def _send(self, callback_phone: str | None = None) -> None:
        level, reasons = self.level, list(self.chosen)
        self.phone = ""
        self.flows.rating.submit(level, reasons, callback_phone)
        # The visit has ended and wiped this screen; show thanks (nothing personal in it).
        self.phase = "thanks"
        self.sent = True
        self.shell.show("rating")
        # Back to the home screen for the next person unless someone taps first.
        self._thanks_until = time.monotonic() + THANKS_S
        Clock.schedule_once(self._leave_thanks, THANKS_S)

    def _leave_thanks(self, _dt: float) -> None:
        # Kivy counts the delay from its last frame: after a long stall (a busy machine) the
        # event comes early, so the thanks would flash by; wait out what is left.
        left = getattr(self, "_thanks_until", 0.0) - time.monotonic()
        if left > 0.1:
            Clock.schedule_once(self._leave_thanks, left)
            return
        if self.phase == "thanks" and self.manager is not None:
            self.phase = "faces"
            if self.manager.current == self.name and self.flows.rating.counter is None:
                self.flows.home.go_home()

    def go_on(self) -> None:
        """The thanks screen's button: home, or the faces again on a counter's pad."""
        if self.flows.rating.counter is None:
            self.flows.home.go_home()
        else:
            self.phase = "faces"

    def _announce(self) -> None:
        if self.manager is not None and self.manager.current == self.name:
            self.shell.prompts.announce(self.voice_key)

    def wipe(self) -> None:
        self.phase = "faces"
        self.level = 0
        self.chosen = []
        self.sent = False
        self.phone = ""
        if getattr(self, "flows", None) is not None:
            self.refresh_counter()
        for button in self.ids.reasons.children:
            button.state = "normal"


load_kv_beside(__file__)

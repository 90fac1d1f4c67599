"""The kiosk's own buttons, shared by every screen; their look lives in widgets.kv. In elder
mode a tap reads the button's words aloud (the rule in widgets.kv asks the app)."""

from __future__ import annotations

from kivy.properties import StringProperty
from kivy.uix.button import Button

from kiosk.kvload import load_kv_beside


class KioskButton(Button):
    """A plain, large, high-contrast button."""

    # What a keypad key stands for ("0".."9", "X", "delete"); its text is what it shows.
    key = StringProperty("")


class PrimaryButton(KioskButton):
    """The one main action of a screen: filled brand blue with white words."""


load_kv_beside(__file__)

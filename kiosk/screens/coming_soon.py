"""Where a tile leads until its service is built: names the service and offers the way home."""

from __future__ import annotations

from kivy.properties import StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.kvload import load_kv_beside


class ComingSoonScreen(Screen):
    # The i18n key of the service the resident chose; its title is shown in the current language.
    service_key = StringProperty("tile.high_frequency")
    voice_key = "voice.coming_soon"


load_kv_beside(__file__)

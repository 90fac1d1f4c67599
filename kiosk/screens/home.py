"""The home screen: six large tiles for the services the terminal offers."""

from __future__ import annotations

from kivy.properties import ListProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from kiosk.i18n import tr
from kiosk.kvload import load_kv_beside
from kiosk.screens.base import KioskScreen

# The home tiles in their order; a tile's key is its i18n key.
HOME_TILES: tuple[str, ...] = (
    "tile.medical_booklet",
    "tile.high_frequency",
    "tile.guides",
    "tile.no_certificate",
    "tile.one_tap_consult",
    "tile.report_problem",
    "tile.home_visit",
)


class HomeTile(ButtonBehavior, BoxLayout):
    """A large two-line button: the service's name and one line on what it does."""

    key = StringProperty("")
    background = ListProperty([1.0, 1.0, 1.0, 1.0])


class HomeScreen(KioskScreen):
    voice_key = "voice.home"

    def on_kv_post(self, base_widget: object) -> None:
        grid = self.ids.tiles
        for key in HOME_TILES:
            tile = HomeTile(key=key)
            tile.bind(on_release=self._tapped)
            grid.add_widget(tile)

    def _tapped(self, tile: HomeTile) -> None:
        self.shell.prompts.speak_action(tr(tile.key, self.shell.language))
        self.flows.home.open(tile.key)


load_kv_beside(__file__)

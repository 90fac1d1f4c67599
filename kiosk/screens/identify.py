"""Identify: insert a card or show a Suishen code; or type an ID number, which proves nothing."""

from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty

from kiosk.kvload import load_kv_beside
from kiosk.screens.base import KioskScreen


class IdentifyScreen(KioskScreen):
    voice_key = "voice.identify"
    # The service that asked for proof (an i18n key); reopened once the person is identified.
    service_key = StringProperty("tile.medical_booklet")
    # This kiosk has a resident ID card reader: say how to show the card.
    reads_id_cards = BooleanProperty(False)

    def on_pre_enter(self, *_args: object) -> None:
        self.reads_id_cards = self.flows.identify.reads_id_cards()


load_kv_beside(__file__)

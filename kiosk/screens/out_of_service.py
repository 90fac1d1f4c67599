"""Out of service: the kiosk was locked remotely (with the operator's message) or a device it
needs has failed; nothing here can be tapped."""

from __future__ import annotations

from kivy.uix.screenmanager import Screen

from kiosk.kvload import load_kv_beside


class OutOfServiceScreen(Screen):
    voice_key = "voice.out_of_service"


load_kv_beside(__file__)

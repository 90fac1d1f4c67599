"""The window as the flows see it (``kiosk.flows.ports.Screens`` and the identify flow's view):
which screen is in front, the greeting bar and notice line, the out-of-service screen for one
service, and the voice."""

from __future__ import annotations

from typing import Protocol

from kivy.uix.screenmanager import ScreenManager

from kiosk.config import Language
from kiosk.screens.base import Prompts

OUT_OF_SERVICE = "out_of_service"


class Bars(Protocol):
    """The app's title-bar texts and its screen switch."""

    language: str
    greeting_name: str
    card_held: bool
    elder_mode: bool
    elder_offer: bool
    notice_zh: str
    notice_en: str

    def show(self, name: str) -> None: ...


class WindowScreens:
    def __init__(self, bars: Bars, manager: ScreenManager, prompts: Prompts) -> None:
        self._bars = bars
        self._manager = manager
        self._prompts = prompts

    # --- kiosk.flows.ports.Screens ----------------------------------------------------------

    def show(self, name: str) -> None:
        self._bars.show(name)

    def showing(self) -> str:
        return str(self._manager.current)

    def language(self) -> Language:
        return "en" if self._bars.language == "en" else "zh"

    def speak(self, text: str) -> None:
        self._prompts.speak(text)

    def announce(self, key: str) -> None:
        self._prompts.announce(key)

    def service_out(self, service_key: str, reason_zh: str, reason_en: str) -> None:
        """One service cannot run here (a device it needs has failed): say why, and offer the
        way home, where the other services still work."""
        self._manager.get_screen(OUT_OF_SERVICE).for_service(service_key, reason_zh, reason_en)
        if self._manager.current == OUT_OF_SERVICE:
            self._prompts.announce_screen()
        self.show(OUT_OF_SERVICE)
        self.speak(reason_en if self.language() == "en" else reason_zh)

    # --- kiosk.flows.identify.IdentifyView --------------------------------------------------

    def ask_for(self, service_key: str) -> None:
        self._manager.get_screen("identify").service_key = service_key

    def asking_for(self) -> str:
        return str(self._manager.get_screen("identify").service_key)

    def greet(self, masked_name: str, card_held: bool = False) -> None:
        self._bars.greeting_name = masked_name
        self._bars.card_held = card_held

    def offer_elder_mode(self) -> None:
        if not self._bars.elder_mode:
            self._bars.elder_offer = True

    def notice(self, chinese: str, english: str) -> None:
        self._bars.notice_zh, self._bars.notice_en = chinese, english

"""The app's screen manager: each screen is built the first time it is shown or asked for, so
the kiosk starts without building the fifteen screens a visit mostly never opens (each costs
its kv rules, tens of milliseconds on a kiosk PC), and what the flows hold is a reference that
builds its screen when first used."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.uix.screenmanager import Screen, ScreenManager


class KioskScreens(ScreenManager):
    def __init__(self, **kwargs: Any) -> None:
        self._makers: dict[str, Callable[[], Screen]] = {}
        super().__init__(**kwargs)

    def register(self, name: str, make: Callable[[], Screen]) -> None:
        """A screen to build when `name` is first asked for."""
        self._makers[name] = make

    def built(self, name: str) -> bool:
        return any(s.name == name for s in self.screens)

    def get_screen(self, name: str) -> Any:
        for screen in self.screens:
            if screen.name == name:
                return screen
        make = self._makers.pop(name, None)
        if make is None:
            return super().get_screen(name)  # Kivy's error: no such screen
        screen = make()
        if screen.name != name:
            raise ValueError(f"the screen registered as {name!r} names itself {screen.name!r}")
        self.add_widget(screen)
        return screen

    def has_screen(self, name: str) -> bool:
        return name in self._makers or bool(super().has_screen(name))


class ScreenRef:
    """A screen as a flow holds it: built on first use, then every attribute is the screen's."""

    def __init__(self, manager: KioskScreens, name: str) -> None:
        self._manager = manager
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self._manager.get_screen(self._name), attribute)

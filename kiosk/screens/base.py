"""What every screen is given: the app's look (language, mode, sizes) and its voice prompts
through the typed ``Shell``, and the flows it hands taps to (``attach``). No screen asks Kivy for
the running app."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from kivy.clock import Clock
from kivy.metrics import dp, sp
from kivy.uix.screenmanager import Screen, ScreenManager

from kiosk.i18n import tr
from kiosk.theme import ELDER_SIZES, STANDARD_SIZES
from kiosk.voice import Voice

if TYPE_CHECKING:
    from kiosk.catalog import CatalogStore
    from kiosk.flows.kit import Flows


class Look(Protocol):
    language: str
    elder_mode: bool


class Prompts:
    """What the kiosk says aloud, in elder mode only: a screen's prompt when it comes forward,
    results, and a tapped button's words."""

    def __init__(
        self,
        look: Look,
        voice: Callable[[], Voice | None],
        manager: Callable[[], ScreenManager | None],
    ) -> None:
        self._look = look
        self._voice = voice
        self._manager = manager

    def speak(self, text: str) -> None:
        voice = self._voice()
        if self._look.elder_mode and voice is not None:
            voice.say(text, "en" if self._look.language == "en" else "zh")

    def announce(self, key: str) -> None:
        """Speak the prompt ``key``."""
        self.speak(tr(key, self._look.language))

    def announce_screen(self) -> None:
        """Speak the prompt of the screen in front, if it has one."""
        manager = self._manager()
        key = getattr(manager.current_screen, "voice_key", "") if manager else ""
        if key:
            self.announce(key)

    def speak_action(self, label: str) -> None:
        """Read a tapped button's words aloud, unless the tap led to a new screen or prompt,
        whose own prompt says more."""
        voice, manager = self._voice(), self._manager()
        if not (self._look.elder_mode and voice is not None and manager is not None):
            return
        screen, asked = manager.current, voice.requested

        def say_if_nothing_else(_dt: float) -> None:
            if manager.current == screen and voice.requested == asked:
                self.speak(label)

        Clock.schedule_once(say_if_nothing_else, 0)


class Shell(Look, Protocol):
    """The app as screens see it (KioskApp; its Kivy properties re-render kv on change)."""

    font_small: float
    font_body: float
    button_height: float
    prompts: Prompts
    catalog_store: CatalogStore

    def show(self, name: str) -> None: ...

    def tr(self, key: str, language: str | None = None) -> str: ...

    def bind(self, **kwargs: Any) -> Any: ...


class KioskScreen(Screen):
    """A screen of the kiosk. Its ``voice_key``, where it has one, is the prompt spoken when it
    comes forward in elder mode. A screen that shows personal data (a typed ID number, medical
    records) says so with ``personal``: a remote screenshot taken while it is shown is blanked."""

    flows: Flows
    personal = False

    def __init__(self, shell: Shell, **kwargs: Any) -> None:
        # Set before Kivy applies the kv rules, which may build widgets that need the shell.
        self.shell = shell
        super().__init__(**kwargs)

    def attach(self, flows: Flows) -> None:
        self.flows = flows

    def language(self) -> str:
        return "en" if self.shell.language == "en" else "zh"


def pick(texts: list[str] | tuple[str, str], language: str) -> str:
    """The English or the Chinese of a (Chinese, English) pair."""
    return str(texts[1] if language == "en" else texts[0])


def apply_sizes(shell: Any, elder_mode: bool) -> None:
    """Set the shell's sizes in pixels from kiosk.theme's sp/dp figures for the mode."""
    sizes = ELDER_SIZES if elder_mode else STANDARD_SIZES
    shell.font_title = sp(sizes.title)
    shell.font_tile_title = sp(sizes.tile_title)
    shell.font_body = sp(sizes.body)
    shell.font_small = sp(sizes.small)
    shell.tile_height = dp(sizes.tile_height)
    shell.button_height = dp(sizes.button_height)
    shell.bar_height = dp(sizes.bar_height)
    shell.status_height = dp(sizes.status_height)

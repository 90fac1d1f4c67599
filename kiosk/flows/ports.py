"""What flows are given: the window as typed protocols, the back office, the devices, a runner
for slow work. The app implements these with Kivy; window-free tests with plain recorders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from kiosk.background import Runner
from kiosk.backoffice_client import Answer, CallFailed, Identification
from kiosk.config import Language
from kiosk.devices.base import (
    RESIDENT_ID_CARD,
    CardAnswer,
    CardIdentity,
    CardReader,
    Printer,
    QrScanner,
)
from kiosk.devices.health import DeviceState
from kiosk.i18n import tr

__all__ = ["BackOffice", "KioskDevices", "Runner", "Screens", "both", "speak_pair"]


class Screens(Protocol):
    """What any flow may do to the window."""

    def show(self, name: str) -> None:
        """Bring screen ``name`` forward (a locked kiosk stays on its out-of-service screen)."""
        ...

    def showing(self) -> str:
        """The screen in front now."""
        ...

    def language(self) -> Language: ...

    def speak(self, text: str) -> None:
        """Say ``text`` aloud in elder mode; silent otherwise."""
        ...

    def announce(self, key: str) -> None:
        """Say the prompt ``key`` aloud in elder mode."""
        ...

    def service_out(self, service_key: str, reason_zh: str, reason_en: str) -> None:
        """One service cannot run here: say why, with the way home."""
        ...


def speak_pair(screens: Screens, chinese: str, english: str) -> None:
    """Speak the text of a (Chinese, English) pair in the person's language."""
    screens.speak(english if screens.language() == "en" else chinese)


def both(key: str, **values: str) -> tuple[str, str]:
    """The (Chinese, English) texts of i18n ``key``."""
    return tr(key, "zh").format(**values), tr(key, "en").format(**values)


class BackOffice(Protocol):
    """Calls made while a person waits; each answer comes back on the UI thread."""

    def online(self) -> bool:
        """The back office answered the last heartbeat (a call now would likely work)."""
        ...

    def identify_card(
        self,
        card: CardIdentity,
        answer: CardAnswer | None,
        done: Callable[[Identification | CallFailed], None],
    ) -> None:
        """The card's records with its answer to the back office's challenge."""
        ...

    def identify_id_card(
        self,
        id_number: str,
        name: str,
        valid_to: dt.date | None,
        done: Callable[[Identification | CallFailed], None],
    ) -> None: ...

    def identify_suishen(
        self, payload: str, done: Callable[[Identification | CallFailed], None]
    ) -> None: ...

    def call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        done: Callable[[Answer | CallFailed], None],
        headers: dict[str, str] | None = None,
    ) -> None: ...


@dataclass
class KioskDevices:
    """The devices this kiosk has; any may be missing. Each card reader (the social security
    card's, the resident ID card's) is one entry in ``card_readers``: every reader's events reach
    identification, and the same flows follow."""

    printer: Printer | None = None
    card_readers: list[CardReader] = field(default_factory=list)
    qr_scanner: QrScanner | None = None

    def camera_ready(self) -> bool:
        scanner = self.qr_scanner
        return scanner is not None and scanner.health().state == DeviceState.READY

    def reads_id_cards(self) -> bool:
        """A resident ID card reader is among the card readers (its driver says its kind)."""
        return any(getattr(r, "card_kind", None) == RESIDENT_ID_CARD for r in self.card_readers)

    def can_identify(self) -> bool:
        """A card reader or a QR camera is there and not failed."""
        sources: list[CardReader | QrScanner] = [*self.card_readers]
        if self.qr_scanner is not None:
            sources.append(self.qr_scanner)
        return any(s.health().state != DeviceState.FAULT for s in sources)

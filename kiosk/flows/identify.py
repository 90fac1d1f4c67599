"""Who is at the screen: a card from any card reader (the social security card or the resident ID
card: the same flows follow), a Suishen code from the camera, or a typed ID number (which proves
nothing and never opens records). Services that need proof ask ``token_for``, and get the back
office's identification token as soon as it is there. A card showing an older person (by age)
offers elder mode for the visit."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from kiosk.backoffice_client import CallFailed, Identification
from kiosk.devices.base import (
    CameraFault,
    CardError,
    CardEvent,
    CardInserted,
    CardRemoved,
    QrEvent,
    QrRejected,
    QrScanned,
    ResidentIdentity,
    age_on,
)
from kiosk.devices.idnumber import mask_id_number
from kiosk.flows.ports import BackOffice, KioskDevices, Screens, both
from kiosk.i18n import tr
from kiosk.visit import EndReason, Identity, Proof, Visit, Visits

# Answers of the back office that refuse a card read (offline is said by the waiting service).
REFUSALS = frozenset({400, 401, 403, 422})
logger = logging.getLogger(__name__)

IDENTIFY_SCREEN = "identify"
KEYPAD_SCREEN = "keypad"
TokenResult = str | CallFailed
NOT_ASKED = CallFailed(True, "the identification was not sent to the back office")


class IdentifyView(Protocol):
    """The identify screen, the greeting bar and the notice line."""

    def ask_for(self, service_key: str) -> None:
        """The identify screen says which service needs proof."""
        ...

    def asking_for(self) -> str: ...

    def greet(self, masked_name: str, card_held: bool = False) -> None:
        """The greeting bar shows the masked name ("" hides it); ``card_held``: the card stays
        in its slot and taking it ends the visit (the social security card)."""
        ...

    def offer_elder_mode(self) -> None:
        """Offer elder mode with one large button, for this visit."""
        ...

    def notice(self, chinese: str, english: str) -> None:
        """A short message: a card that cannot be read, what a typed number is for."""
        ...


@dataclass
class _Asked:
    """A card's identification sent to the back office, and the services waiting for it."""

    visit: Visit
    result: TokenResult | None = None
    waiting: list[Callable[[TokenResult], None]] = field(default_factory=list)


class IdentifyFlow:
    def __init__(
        self,
        backoffice: BackOffice,
        devices: KioskDevices,
        visits: Visits,
        screens: Screens,
        view: IdentifyView,
        reopen: Callable[[str], None],
        *,
        elder_offer_age: int = 0,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self._backoffice = backoffice
        self._devices = devices
        self._visits = visits
        self._screens = screens
        self._view = view
        # Opens the service that asked for proof, once the person is identified.
        self._reopen = reopen
        # A card holder this old or older is offered elder mode; 0: never.
        self._elder_offer_age = elder_offer_age
        self._today = today
        self._asked: _Asked | None = None

    # --- what the person does --------------------------------------------------------------

    def ask(self, service_key: str) -> None:
        """The identify screen, saying which service needs the card or the Suishen code."""
        self._visits.ensure()
        self._view.ask_for(service_key)
        self._screens.show(IDENTIFY_SCREEN)

    def reads_id_cards(self) -> bool:
        """Whether the identify screen should say how to show a resident ID card."""
        return self._devices.reads_id_cards()

    def has_proof(self) -> bool:
        visit = self._visits.current
        identity = visit.identity if visit else None
        return identity is not None and identity.unlocks_personal_records

    def drain(self, accept: bool = True) -> None:
        """Hand every device event waiting on the readers' queues to the flow (on the UI
        thread); a locked kiosk (``accept`` False) drops them."""
        for reader in self._devices.card_readers:
            while not reader.events.empty():
                card_event = reader.events.get_nowait()
                if accept:
                    self.on_card_event(card_event)
        scanner = self._devices.qr_scanner
        while scanner is not None and not scanner.events.empty():
            qr_event = scanner.events.get_nowait()
            if accept:
                self.on_qr_event(qr_event)

    def on_card_event(self, event: CardEvent) -> None:
        if isinstance(event, CardInserted):
            visit = self._visits.ensure()
            card = event.identity
            resident = isinstance(card, ResidentIdentity)
            proof = Proof.ID_CARD if resident else Proof.CARD
            visit.identify(Identity(proof, masked_name=card.masked_name, secret=""))
            # The ID card is shown once and taken back; only the social security card stays.
            self._greet(card.masked_name, card_held=not resident)
            asked = self._asked = _Asked(visit)
            done = functools.partial(self._card_identified, asked)
            if isinstance(card, ResidentIdentity):
                self._backoffice.identify_id_card(card.id_number, card.name, card.valid_to, done)
            else:
                self._backoffice.identify_card(card, event.answer, done)
            self._offer_elder_mode(visit, card.birth_date)
            self._after_identification()
        elif isinstance(event, CardRemoved):
            current = self._visits.current
            identity = current.identity if current else None
            if identity is not None and identity.proof == Proof.CARD:
                self._visits.end(EndReason.CARD_REMOVED)
        elif isinstance(event, CardError):
            self._notice(event.message_zh, event.message_en)

    def on_qr_event(self, event: QrEvent) -> None:
        if isinstance(event, QrScanned):
            visit = self._visits.ensure()
            if not self._backoffice.online():
                self._notice(*both("suishen.offline"))
                return
            done = functools.partial(self._suishen_checked, visit)
            self._backoffice.identify_suishen(event.payload, done)
        elif isinstance(event, QrRejected | CameraFault):
            self._notice(event.message_zh, event.message_en)

    def type_id_number(self, number: str) -> None:
        """A typed number serves only matters that need no proof; it never opens records."""
        visit = self._visits.ensure()
        visit.identify(Identity(Proof.TYPED, masked_name="", secret=number))
        self._notice(*both("typed.noted", masked=mask_id_number(number)))
        self._screens.show(IDENTIFY_SCREEN)

    # --- for services that need proof ------------------------------------------------------

    def token_for(self, visit: Visit, then: Callable[[TokenResult], None]) -> None:
        """``then(token)`` once the back office has identified the person (now, if it has),
        or ``then(CallFailed)`` if it could not."""
        if visit.identification_token:
            then(visit.identification_token)
            return
        asked = self._asked
        if asked is None or asked.visit is not visit:
            then(NOT_ASKED)
        elif asked.result is not None:
            then(asked.result)
        else:
            asked.waiting.append(then)

    # --- answers ---------------------------------------------------------------------------

    def _card_identified(self, asked: _Asked, result: Identification | CallFailed) -> None:
        if not self._visits.is_current(asked.visit):
            return  # the person left before the answer came
        if isinstance(result, Identification):
            asked.visit.identification_token = result.token
            asked.result = result.token
        else:
            logger.warning("card not identified: %s", result.detail)
            asked.result = result
            if result.status == 429:  # the terminal's limit on people identified an hour
                self._notice(*both("card.limit"))
            elif result.status == 503:  # the card issuer's service did not answer
                self._notice(*both("card.upstream_down"))
            elif result.status in REFUSALS:  # the card did not prove itself
                self._notice(*both("card.refused"))
        waiting, asked.waiting = asked.waiting, []
        for then in waiting:
            then(asked.result)

    def _suishen_checked(self, visit: Visit, result: Identification | CallFailed) -> None:
        if not self._visits.is_current(visit):
            return
        if isinstance(result, CallFailed):
            if result.offline:
                self._notice(*both("suishen.offline"))
            elif result.status == 503:  # the Suishen service did not answer: nothing was done
                self._notice(*both("suishen.upstream_down"))
            else:
                self._notice(*both("suishen.refused"))
            return
        visit.identify(Identity(Proof.SUISHEN, masked_name=result.masked_name, secret=""))
        visit.identification_token = result.token
        self._greet(result.masked_name)
        self._after_identification()

    def _offer_elder_mode(self, visit: Visit, birth_date: dt.date) -> None:
        """Once a visit, to someone old enough who is not in elder mode already."""
        limit = self._elder_offer_age
        if not limit or visit.elder_mode or visit.elder_mode_offered:
            return
        if age_on(birth_date, self._today()) >= limit:
            visit.elder_mode_offered = True
            self._view.offer_elder_mode()

    def _greet(self, masked_name: str, card_held: bool = False) -> None:
        self._view.greet(masked_name, card_held)
        self._view.notice("", "")
        greeting = tr("greeting.voice", self._screens.language())
        self._screens.speak(greeting.format(name=masked_name))

    def _notice(self, chinese: str, english: str) -> None:
        self._view.notice(chinese, english)
        self._screens.speak(english if self._screens.language() == "en" else chinese)

    def _after_identification(self) -> None:
        """Back to what the person was doing when the identify screen asked for proof."""
        if self._screens.showing() in (IDENTIFY_SCREEN, KEYPAD_SCREEN):
            self._reopen(self._view.asking_for())

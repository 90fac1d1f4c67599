"""Card reader driver over PC/SC (pyscard and the pcscd daemon): watches one reader on a thread
and reads each inserted card with a card layout."""

from __future__ import annotations

import logging
import queue
import threading
import time

from smartcard import scard

from kiosk.devices.apdu import ApduChannel, MalformedResponse
from kiosk.devices.base import (
    CardAnswer,
    CardError,
    CardEvent,
    CardInserted,
    CardPulledOut,
    CardReadError,
    CardRemoved,
    ChallengeSource,
    DeviceError,
    ReaderUnavailable,
)
from kiosk.devices.health import DeviceHealth, DeviceState
from kiosk.devices.sscard import CardLayout

logger = logging.getLogger(__name__)

POLL_MS = 200  # how long one wait for a reader change lasts; bounds how long stop() takes
REMOVAL_GRACE_MS = 600
RETRY_S = 2.0  # after the daemon or the reader goes away
# Answers of SCardTransmit that mean the card left (or lost power) under our feet.
_CARD_GONE = {
    scard.SCARD_W_REMOVED_CARD,
    scard.SCARD_E_NO_SMARTCARD,
    scard.SCARD_W_RESET_CARD,
    scard.SCARD_W_UNPOWERED_CARD,
    scard.SCARD_W_UNRESPONSIVE_CARD,
}


def _code(hresult: int) -> int:
    return hresult & 0xFFFFFFFF


class PcscCardReader:
    """The real card reader: ``reader_name`` as pcscd lists it (``smartcard.System.readers()``)."""

    def __init__(
        self, reader_name: str, layout: CardLayout, challenges: ChallengeSource | None = None
    ) -> None:
        self.reader_name = reader_name
        self.layout = layout
        # Where a challenge for the card comes from (the back office, set by the kiosk once it
        # has a connection); asked on this reader's thread while the card is in.
        self.challenges = challenges
        self.events: queue.Queue[CardEvent] = queue.Queue()
        self.last_trace: list[tuple[bytes, bytes]] = []
        self._health = DeviceHealth(DeviceState.ABSENT, "not started")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="card-reader", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(POLL_MS / 1000 * 5 + 1)
            self._thread = None
        self._health = DeviceHealth(DeviceState.ABSENT, "stopped")

    def health(self) -> DeviceHealth:
        return self._health

    # --- thread -------------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._watch()
            except ReaderUnavailable as exc:
                self._health = DeviceHealth(DeviceState.FAULT, f"{exc.reason_code}: {exc.detail}")
                logger.warning("card reader: %s", exc.detail)
                self._stop.wait(RETRY_S)

    def _watch(self) -> None:
        hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if hresult != scard.SCARD_S_SUCCESS:
            raise ReaderUnavailable(f"PC/SC daemon: {scard.SCardGetErrorMessage(hresult)}")
        try:
            known_state = scard.SCARD_STATE_UNAWARE
            card_present = False
            self._health = DeviceHealth(DeviceState.READY)
            while not self._stop.is_set():
                hresult, states = scard.SCardGetStatusChange(
                    context, POLL_MS, [(self.reader_name, known_state)]
                )
                if _code(hresult) == _code(scard.SCARD_E_TIMEOUT):
                    continue
                if hresult != scard.SCARD_S_SUCCESS:
                    raise ReaderUnavailable(
                        f"reader {self.reader_name!r}: {scard.SCardGetErrorMessage(hresult)}"
                    )
                _, event_state, _atr = states[0]
                known_state = event_state & ~scard.SCARD_STATE_CHANGED
                if event_state & scard.SCARD_STATE_UNKNOWN:
                    raise ReaderUnavailable(f"reader {self.reader_name!r} is not connected")
                present = bool(event_state & scard.SCARD_STATE_PRESENT)
                if present and not card_present:
                    card_present = True
                    self.events.put(self._read_card(context))
                elif not present and card_present:
                    card_present = False
                    self.events.put(CardRemoved())
        finally:
            scard.SCardReleaseContext(context)

    def _read_card(self, context: int) -> CardEvent:
        self._health = DeviceHealth(DeviceState.BUSY, "reading a card")
        channel: ApduChannel | None = None
        try:
            hresult, card, protocol = scard.SCardConnect(
                context,
                self.reader_name,
                scard.SCARD_SHARE_SHARED,
                scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
            )
            if hresult != scard.SCARD_S_SUCCESS:
                raise _transmit_error(hresult)
            try:

                def transmit(apdu: bytes) -> bytes:
                    result, response = scard.SCardTransmit(card, protocol, list(apdu))
                    if result != scard.SCARD_S_SUCCESS:
                        raise _transmit_error(result)
                    return bytes(response)

                channel = ApduChannel(transmit)
                identity = self.layout.read_identity(channel)
                answer = self._answer(channel)
            finally:
                scard.SCardDisconnect(card, scard.SCARD_LEAVE_CARD)
            logger.info(
                "card read: %s %s%s",
                identity.card_kind,
                identity.masked_id_number,
                "" if answer else " (no challenge answered)",
            )
            return CardInserted(identity, answer)
        except DeviceError as exc:
            # A card that answers with proper APDUs is still there; an empty answer or a failed
            # transmit may mean it left, which a virtual reader reports a moment later.
            suspect = isinstance(exc, MalformedResponse) or type(exc) is CardReadError
            if suspect and not self._still_present(context):
                exc = CardPulledOut(exc.detail)
            logger.warning("card not read: %s (%s)", exc.reason_code, exc.detail)
            return CardError.from_error(exc)
        finally:
            if channel is not None:
                self.last_trace = list(channel.trace)
            self._health = DeviceHealth(DeviceState.READY)

    def _answer(self, channel: ApduChannel) -> CardAnswer | None:
        """Have the card answer a fresh challenge, the same session it was read in."""
        challenge = self.challenges() if self.challenges is not None else None
        if challenge is None:
            return None
        answer = self.layout.answer_challenge(channel, challenge)
        return CardAnswer(challenge.hex(), answer.hex())

    def _still_present(self, context: int) -> bool:
        """After a failed read: is the card still there after a short grace period? When the
        daemon cannot say, assume it is (never blame the user for a card fault)."""
        deadline = time.monotonic() + REMOVAL_GRACE_MS / 1000
        state = scard.SCARD_STATE_UNAWARE
        while True:
            remaining_ms = int((deadline - time.monotonic()) * 1000)
            if remaining_ms <= 0:
                return True
            hresult, states = scard.SCardGetStatusChange(
                context, remaining_ms, [(self.reader_name, state)]
            )
            if hresult != scard.SCARD_S_SUCCESS:
                return True
            state = states[0][1] & ~scard.SCARD_STATE_CHANGED
            if not state & scard.SCARD_STATE_PRESENT:
                return False


def _transmit_error(hresult: int) -> CardReadError:
    message = scard.SCardGetErrorMessage(hresult)
    if _code(hresult) in {_code(c) for c in _CARD_GONE}:
        return CardPulledOut(message)
    return CardReadError(message)

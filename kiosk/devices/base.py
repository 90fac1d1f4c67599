"""The device interfaces the kiosk uses, their events and their typed errors.

Every driver runs its I/O on its own thread and never touches widgets: the card reader and the QR
scanner put events on ``events`` (a ``queue.Queue``) and a Kivy ``Clock`` callback drains it on the
UI thread. Every error carries a stable ``reason_code`` and a message in plain Chinese and English
that a screen can show as it is.
"""

from __future__ import annotations

import datetime as dt
import queue
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, runtime_checkable

from kiosk.devices.health import DeviceHealth
from kiosk.devices.idnumber import mask_id_number, mask_name


class DeviceError(Exception):
    """A device fault the kiosk can explain: a stable code and a message in both languages."""

    reason_code = "device_error"
    message_zh = "设备故障，请联系工作人员"
    message_en = "The device has a fault. Please ask a member of staff."

    def __init__(
        self, detail: str = "", *, message_zh: str | None = None, message_en: str | None = None
    ) -> None:
        super().__init__(detail or self.message_en)
        self.detail = detail
        if message_zh is not None:
            self.message_zh = message_zh
        if message_en is not None:
            self.message_en = message_en


# --- card reader ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardIdentity:
    """Who the card belongs to. ``repr`` is masked: never log the raw fields."""

    card_kind: str
    card_number: str
    id_number: str = field(repr=False)
    name: str = field(repr=False)
    birth_date: dt.date = field(repr=False)
    card_identification_code: str = field(default="", repr=False)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)


RESIDENT_ID_CARD = "resident_id_card"
SEX_CODES = {"1": "male", "2": "female"}


@dataclass(frozen=True, kw_only=True)
class ResidentIdentity(CardIdentity):
    """What a resident ID card (居民身份证) says, beyond ``CardIdentity``; every field is masked
    in ``repr``. ``card_number`` is empty: the ID card has no number of its own."""

    sex_code: str = field(repr=False)
    nation_code: str = field(repr=False)
    address: str = field(repr=False)
    issuing_authority: str = field(repr=False)
    valid_from: dt.date = field(repr=False)
    valid_to: dt.date | None = field(repr=False)  # None: 长期 (no end)
    photo_wlt: bytes = field(repr=False)  # the vendor's WLT format, carried opaque

    @property
    def sex(self) -> str:
        return SEX_CODES[self.sex_code]

    def expired(self, today: dt.date) -> bool:
        return self.valid_to is not None and self.valid_to < today


def age_on(birth_date: dt.date, today: dt.date) -> int:
    """Whole years of age on ``today`` (someone born on 29 February ages on 1 March)."""
    return (
        today.year
        - birth_date.year
        - ((today.month, today.day) < (birth_date.month, birth_date.day))
    )


@dataclass(frozen=True)
class CardAnswer:
    """The card's answer to the back office's one-time challenge (internal authentication):
    its MAC over the challenge and the records read. Both in hex."""

    challenge: str
    answer: str = field(repr=False)


# Asked by a card reader while the card is in it: a fresh challenge (8 bytes) from the back
# office, or None when there is none to be had (offline, not enrolled).
ChallengeSource = Callable[[], bytes | None]


@dataclass(frozen=True)
class CardInserted:
    identity: CardIdentity
    # None when the card was read without answering a challenge (no back office reachable, or
    # a reader that cannot ask the card): such a read proves nothing to the back office.
    answer: CardAnswer | None = None


@dataclass(frozen=True)
class CardRemoved:
    pass


@dataclass(frozen=True)
class CardError:
    """A card was inserted but could not be read; the kiosk shows ``message_*`` as it is."""

    reason_code: str
    message_zh: str
    message_en: str

    @classmethod
    def from_error(cls, error: DeviceError) -> CardError:
        return cls(error.reason_code, error.message_zh, error.message_en)


CardEvent = CardInserted | CardRemoved | CardError


class CardReadError(DeviceError):
    reason_code = "card_unreadable"
    message_zh = "无法读取此卡，请换一张卡或联系工作人员"
    message_en = "This card cannot be read. Please try another card or ask a member of staff."


class CardPulledOut(CardReadError):
    reason_code = "card_removed"
    message_zh = "读卡时卡片被拔出，请重新插卡并等待提示"
    message_en = "The card was taken out while it was being read. Please insert it again and wait."


class UnsupportedCard(CardReadError):
    reason_code = "unsupported_card"
    message_zh = "这不是社会保障卡，请插入社保卡"
    message_en = "This is not a social security card. Please insert your social security card."


class CorruptCardData(CardReadError):
    reason_code = "card_data_corrupt"
    message_zh = "卡内信息有误，无法读取，请到柜台办理"
    message_en = "The information on this card is damaged. Please go to a service counter."


class InvalidCardIdNumber(CorruptCardData):
    reason_code = "card_id_invalid"
    message_zh = "卡内身份证号码校验不通过，请到柜台办理"
    message_en = "The ID number on this card fails its check. Please go to a service counter."


class ReaderUnavailable(DeviceError):
    reason_code = "reader_unavailable"
    message_zh = "读卡器不可用，请联系工作人员"
    message_en = "The card reader is not available. Please ask a member of staff."


@runtime_checkable
class CardReader(Protocol):
    """Watches one reader; each insertion gives CardInserted or CardError, each removal
    CardRemoved, on ``events``."""

    events: queue.Queue[CardEvent]

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def health(self) -> DeviceHealth: ...


@runtime_checkable
class AnswersChallenges(Protocol):
    """A card reader that has each card answer a back-office challenge while it is in."""

    challenges: ChallengeSource | None


# --- QR scanner -------------------------------------------------------------------------------


@dataclass(frozen=True)
class QrScanned:
    """A QR code in view. The content is checked for shape only; the back office verifies it."""

    payload: str


@dataclass(frozen=True)
class QrRejected:
    """A QR code was seen but its content cannot be what the kiosk expects (garbage)."""

    reason_code: str
    message_zh: str
    message_en: str


@dataclass(frozen=True)
class CameraFault:
    reason_code: str
    message_zh: str
    message_en: str


QrEvent = QrScanned | QrRejected | CameraFault


@runtime_checkable
class QrScanner(Protocol):
    """Grabs frames on its own thread; puts QrScanned once per code shown, QrRejected for
    garbage, CameraFault when the camera goes missing."""

    events: queue.Queue[QrEvent]

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def health(self) -> DeviceHealth: ...

    def snapshot(self) -> bytes | None:
        """The latest frame as a JPEG (a photo for a problem report); None without a frame."""
        ...


# --- printer ----------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class LinePosition:
    """A line of the medical record booklet: page and line, both from 1."""

    page: int
    line: int


class LineStyle(StrEnum):
    NORMAL = "normal"
    TITLE = "title"  # double height and width
    BOLD = "bold"


@dataclass(frozen=True)
class PrintLine:
    """One printed line; ``position`` is set for the booklet lines the kiosk must confirm."""

    text: str
    style: LineStyle = LineStyle.NORMAL
    position: LinePosition | None = None


@dataclass(frozen=True)
class PrintPage:
    """A piece of paper: its lines, then a cut."""

    lines: tuple[PrintLine, ...]


@dataclass(frozen=True)
class PrintJob:
    kind: str  # "booklet", "guide_slip"
    pages: tuple[PrintPage, ...]

    @property
    def positions(self) -> tuple[LinePosition, ...]:
        return tuple(ln.position for p in self.pages for ln in p.lines if ln.position is not None)


class PrinterStatus(StrEnum):
    """What ``DLE EOT`` said, mapped to one state."""

    READY = "ready"
    PAPER_NEAR_END = "paper_near_end"
    PAPER_OUT = "paper_out"
    OFFLINE = "offline"  # a mechanical error, or the printer says it is offline
    COVER_OPEN = "cover_open"  # offline because its cover is open (DLE EOT 2 says so)
    UNREACHABLE = "unreachable"  # no answer at all


@dataclass(frozen=True)
class PrintProgress:
    """How far a job got: the booklet lines printed for sure and the whole pages finished."""

    printed: tuple[LinePosition, ...] = ()
    pages_done: int = 0

    @property
    def last_printed(self) -> LinePosition | None:
        return self.printed[-1] if self.printed else None


@dataclass(frozen=True)
class PrintResult:
    progress: PrintProgress
    status_after: PrinterStatus  # READY or PAPER_NEAR_END


class PrinterError(DeviceError):
    """A job stopped; ``progress`` says which booklet lines are printed for sure. Confirm only
    those, and resume with the first line after ``progress.last_printed``."""

    reason_code = "printer_error"
    message_zh = "打印机故障，请联系工作人员"
    message_en = "The printer has a fault. Please ask a member of staff."

    def __init__(self, detail: str = "", progress: PrintProgress | None = None) -> None:
        super().__init__(detail)
        self.progress = progress or PrintProgress()


class PaperOut(PrinterError):
    reason_code = "paper_out"
    message_zh = "打印机缺纸，请联系工作人员加纸"
    message_en = "The printer is out of paper. Please ask a member of staff to refill it."


class PrinterOffline(PrinterError):
    reason_code = "printer_offline"
    message_zh = "打印机未就绪（可能盖子未合上），请联系工作人员"
    message_en = "The printer is not ready (its cover may be open). Please ask a member of staff."


class PrinterUnreachable(PrinterError):
    reason_code = "printer_unreachable"
    message_zh = "无法连接打印机，请联系工作人员"
    message_en = "The kiosk cannot reach the printer. Please ask a member of staff."


# What each bad status means as an error, with its words for the person at the screen.
PRINTER_ERRORS: dict[PrinterStatus, type[PrinterError]] = {
    PrinterStatus.PAPER_OUT: PaperOut,
    PrinterStatus.OFFLINE: PrinterOffline,
    PrinterStatus.COVER_OPEN: PrinterOffline,
    PrinterStatus.UNREACHABLE: PrinterUnreachable,
}


class LayoutError(ValueError):
    """The text does not fit the layout (a line too wide, a position off the page)."""


@runtime_checkable
class Printer(Protocol):
    """Prints jobs page by page, checking ``DLE EOT`` status before the job and after each line."""

    def status(self) -> PrinterStatus: ...

    def print_job(self, job: PrintJob) -> PrintResult: ...

    def health(self) -> DeviceHealth: ...

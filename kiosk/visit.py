"""One person's visit at the kiosk as plain Python: who, which matter, idle timer, and the wipe."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from kiosk.config import Language

Ticker = Callable[[], float]
"""Monotonic seconds; ``time.monotonic`` in the app, a hand-moved value in tests."""

# Standard mode: 60 s without a touch, then a 30 s warning. Elder mode doubles the quiet time.
# WCAG 2.2.1 asks for at least 20 s to extend with one simple action; both give 30 s.
IDLE_AFTER_S = 60.0
ELDER_IDLE_AFTER_S = 120.0
WARNING_S = 30.0
MIN_WARNING_S = 20.0
DEFAULT_VOLUME = 0.8


class Proof(StrEnum):
    """How the person was identified. Only a card or a verified Suishen code is proof."""

    CARD = "card"  # the social security card, held in the reader's slot for the visit
    ID_CARD = "id_card"  # the resident ID card, shown to its reader once (no removal event)
    SUISHEN = "suishen"
    TYPED = "typed"


class EndReason(StrEnum):
    FINISHED = "finished"
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"
    CARD_REMOVED = "card_removed"


class IdlePhase(StrEnum):
    ACTIVE = "active"
    WARNING = "warning"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Identity:
    """Who is at the screen. ``masked_name`` is all the screen may show; ``secret`` (an
    identification token or a typed ID number) is kept for requests and never shown or logged."""

    proof: Proof
    masked_name: str
    secret: str = field(repr=False)

    @property
    def unlocks_personal_records(self) -> bool:
        return self.proof in (Proof.CARD, Proof.ID_CARD, Proof.SUISHEN)


@dataclass(frozen=True)
class VisitSummary:
    """What the back office learns about a finished visit: nothing personal."""

    visit_id: str
    started_at: float
    ended_at: float
    reason: EndReason
    matters: tuple[str, ...]
    language: Language
    elder_mode: bool
    proof: Proof | None

    @property
    def duration_s(self) -> float:
        return self.ended_at - self.started_at

    def as_json(self) -> dict[str, Any]:
        return {
            "visit_id": self.visit_id,
            "outcome": self.reason.value,
            "matters": list(self.matters),
            "duration_s": round(self.duration_s, 1),
            "language": self.language,
            "elder_mode": self.elder_mode,
            "identified_by": self.proof.value if self.proof else None,
        }


@dataclass
class ReportDraft:
    """A problem report being put together: the type, the road and a landmark on it, then
    perhaps a photo."""

    type_code: str
    road_code: str = ""
    landmark_code: str = ""
    photo: bytes | None = field(default=None, repr=False)


class VisitEnded(RuntimeError):
    """The visit is over; a new one must begin before anything else is recorded."""


class Visit:
    """State of one visit. Screens read and write it; ``end`` wipes everything personal."""

    def __init__(
        self,
        ticker: Ticker = time.monotonic,
        *,
        language: Language = "zh",
        elder_mode: bool = False,
        idle_after_s: float = IDLE_AFTER_S,
        elder_idle_after_s: float = ELDER_IDLE_AFTER_S,
        warning_s: float = WARNING_S,
    ) -> None:
        if warning_s < MIN_WARNING_S:
            raise ValueError(f"the idle warning must last at least {MIN_WARNING_S:.0f} s")
        self._ticker = ticker
        self.visit_id = str(uuid.uuid4())
        self.started_at = ticker()
        self.language: Language = language
        self.elder_mode = elder_mode
        self.volume = DEFAULT_VOLUME
        self.idle_after_s = idle_after_s
        self.elder_idle_after_s = elder_idle_after_s
        self.warning_s = warning_s
        self.identity: Identity | None = None
        self.matter: str | None = None
        self._matters: list[str] = []
        # The back office's short-lived token for personal records (a card's or a Suishen
        # code's identification); secret, never shown or logged.
        self.identification_token: str | None = None
        self.report: ReportDraft | None = None
        # Elder mode offered because the identification showed an older person (by age).
        self.elder_mode_offered = False
        self.ended: EndReason | None = None
        self._last_activity = self.started_at
        self._end_listeners: list[Callable[[VisitSummary], None]] = []

    # --- what happens during the visit --------------------------------------------------------

    def touch(self) -> None:
        """Any tap, key or card event: the person is still there."""
        self._check_open()
        self._last_activity = self._ticker()

    def identify(self, identity: Identity) -> None:
        self._check_open()
        self.identity = identity
        self.touch()

    def choose_matter(self, code: str) -> None:
        self._check_open()
        self.matter = code
        if code not in self._matters:
            self._matters.append(code)
        self.touch()

    def on_end(self, listener: Callable[[VisitSummary], None]) -> None:
        self._end_listeners.append(listener)

    @property
    def greeting_name(self) -> str:
        return self.identity.masked_name if self.identity else ""

    # --- idle timer -------------------------------------------------------------------------------

    @property
    def quiet_allowed_s(self) -> float:
        return self.elder_idle_after_s if self.elder_mode else self.idle_after_s

    def idle_phase(self) -> IdlePhase:
        quiet = self._ticker() - self._last_activity
        if quiet < self.quiet_allowed_s:
            return IdlePhase.ACTIVE
        if quiet < self.quiet_allowed_s + self.warning_s:
            return IdlePhase.WARNING
        return IdlePhase.EXPIRED

    def seconds_left(self) -> int:
        """Whole seconds until the visit ends by itself (what the countdown shows)."""
        left = self._last_activity + self.quiet_allowed_s + self.warning_s - self._ticker()
        return max(0, int(left + 0.999))

    def tick(self) -> IdlePhase:
        """Called often by the app; ends the visit once the warning has run out."""
        if self.ended is not None:
            return IdlePhase.EXPIRED
        phase = self.idle_phase()
        if phase == IdlePhase.EXPIRED:
            self.end(EndReason.TIMED_OUT)
        return phase

    # --- the end ----------------------------------------------------------------------------------

    def end(self, reason: EndReason) -> VisitSummary:
        """End the visit, wipe everything personal, and tell the listeners (once)."""
        self._check_open()
        summary = VisitSummary(
            visit_id=self.visit_id,
            started_at=self.started_at,
            ended_at=self._ticker(),
            reason=reason,
            matters=tuple(self._matters),
            language=self.language,
            elder_mode=self.elder_mode,
            proof=self.identity.proof if self.identity else None,
        )
        self.ended = reason
        self.identity = None
        self.matter = None
        self.identification_token = None
        self.report = None
        self.elder_mode_offered = False
        self.volume = DEFAULT_VOLUME
        listeners, self._end_listeners = self._end_listeners, []
        for listener in listeners:
            listener(summary)
        return summary

    def _check_open(self) -> None:
        if self.ended is not None:
            raise VisitEnded(f"visit {self.visit_id} already ended ({self.ended.value})")


class Visits:
    """The kiosk's current visit, if any. A touch, a card or a code begins one; it ends once
    (finished, timed out, card pulled, cancelled), and answers that arrive for a visit that is no
    longer current are dropped: ``is_current`` is that one guard."""

    def __init__(
        self,
        ticker: Ticker,
        settings: Callable[[], tuple[Language, bool]],
        on_begin: Callable[[Visit], None],
        on_end: Callable[[VisitSummary], None],
    ) -> None:
        self._ticker = ticker
        self._settings = settings
        self._on_begin = on_begin
        self._on_end = on_end
        self.current: Visit | None = None

    def begin(self) -> Visit:
        language, elder_mode = self._settings()
        visit = Visit(self._ticker, language=language, elder_mode=elder_mode)
        visit.on_end(self._ended)
        self.current = visit
        self._on_begin(visit)
        return visit

    def ensure(self) -> Visit:
        """The visit going on, or a new one."""
        visit = self.current
        return visit if visit is not None and visit.ended is None else self.begin()

    def touch(self) -> None:
        """Any touch: begin a visit if none is going on, else keep it alive."""
        visit = self.current
        if visit is None or visit.ended is not None:
            self.begin()
        else:
            visit.touch()

    def is_current(self, visit: Visit | None) -> bool:
        """Whether ``visit`` is still the person at the screen (an answer for anyone else is
        dropped: the next person must not see it)."""
        return visit is not None and visit is self.current and visit.ended is None

    def end(self, reason: EndReason) -> VisitSummary | None:
        visit = self.current
        if visit is None or visit.ended is not None:
            return None
        return visit.end(reason)

    def _ended(self, summary: VisitSummary) -> None:
        self.current = None
        self._on_end(summary)

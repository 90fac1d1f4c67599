"""What runs beside the case lifecycle, chosen per app: transition listeners (called after every
timeline row, in the same transaction) and verifiers (which may close a handled case on
evidence, e.g. the camera's re-check).

The assembly point (`backoffice.wiring`) makes one `CaseHooks` per app and puts it on every
session the app makes (`Session.info`), so two apps in one process never share them and a test
changes only its own. A session made without it (a bare `sessionmaker`) runs none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from backoffice.cases.models import Case, CaseEvent
from backoffice.cases.photos import Photo

TransitionListener = Callable[[Session, Case, CaseEvent], None]
_SESSION_KEY = "zhili.case_hooks"


@dataclass(frozen=True)
class Verdict:
    """Whether the fix holds, why, who or what decided, and the photo that shows it (a
    camera's re-check frame is stored as the case's after photo)."""

    passed: bool
    reason: str
    decided_by: str
    photo: Photo | None = None


class Verifier(Protocol):
    name: str

    def applies_to(self, case: Case) -> bool: ...

    def verify(self, db: Session, case: Case, now: datetime) -> Verdict | None:
        """A verdict, or None when it cannot decide now (the case waits for a person)."""
        ...


@dataclass
class CaseHooks:
    """Listeners run in order after each timeline row; verifiers are asked in order, and the
    first that applies and decides wins."""

    listeners: list[TransitionListener] = field(default_factory=list)
    verifiers: list[Verifier] = field(default_factory=list)

    def session_info(self) -> dict[str, Any]:
        """What a session factory carries so that its sessions run these hooks."""
        return {_SESSION_KEY: self}


def hooks_of(db: Session) -> CaseHooks:
    """The hooks of the app that made this session (none for a session made without them)."""
    hooks = db.info.get(_SESSION_KEY)
    return hooks if isinstance(hooks, CaseHooks) else CaseHooks()

"""Closing on evidence: pluggable verifiers decide whether a handled case is fixed.

The AI patrol registers a camera verifier (it compares the camera's re-check frame with the
before photo); every other case waits for the manual path, where an inspector or operator
compares the before and after photos side by side and verifies or returns the case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy.orm import Session

from backoffice.cases import lifecycle
from backoffice.cases.lifecycle import ActionInput
from backoffice.cases.models import Case
from backoffice.cases.photos import Photo, PhotoKind
from backoffice.cases.states import CaseAction, CaseState
from backoffice.errors import BadInput


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


_registry: dict[str, Verifier] = {}


def register_verifier(verifier: Verifier) -> None:
    """Add a verifier (or replace the one with the same name). Verifiers run in the order
    they were registered; the first that applies and decides wins."""
    _registry[verifier.name] = verifier


def unregister_verifier(name: str) -> None:
    _registry.pop(name, None)


def registered_verifiers() -> list[Verifier]:
    return list(_registry.values())


def run_verifiers(db: Session, case: Case, now: datetime, photo_dir: Path) -> Verdict | None:
    """Let the first applicable verifier decide a handled case; None leaves it to a person."""
    if case.state is not CaseState.HANDLED:
        return None
    for verifier in registered_verifiers():
        if not verifier.applies_to(case):
            continue
        verdict = verifier.verify(db, case, now)
        if verdict is None:
            continue
        apply_verdict(db, case, verdict, now, photo_dir)
        return verdict
    return None


def apply_verdict(
    db: Session, case: Case, verdict: Verdict, now: datetime, photo_dir: Path | None
) -> None:
    """Verify and close a passed case (closing needs an after photo), or return a failed one
    to the unit. The timeline records who or what decided and why."""
    reason = verdict.reason.strip()
    if not reason:
        raise BadInput("A verdict needs a reason: say what the photos show.", field="reason")
    photos = (verdict.photo,) if verdict.photo is not None else ()
    if photos:
        frame = Photo(PhotoKind.AFTER, photos[0].content, photos[0].content_type)
        lifecycle.store_photos(db, case, (frame,), verdict.decided_by, now, photo_dir)
    if not verdict.passed:
        lifecycle.apply_action(
            db,
            case,
            CaseAction.RETURN,
            ActionInput(reason=reason),
            actor=verdict.decided_by,
            now=now,
        )
        return
    lifecycle.apply_action(
        db, case, CaseAction.VERIFY, ActionInput(reason=reason), actor=verdict.decided_by, now=now
    )
    lifecycle.apply_action(
        db, case, CaseAction.CLOSE, ActionInput(reason=reason), actor=verdict.decided_by, now=now
    )


def verify_manually(
    db: Session,
    case: Case,
    *,
    passed: bool,
    reason: str,
    decided_by: str,
    now: datetime,
) -> None:
    """The manual path: a person who compared the before and after photos verifies the case
    (it then waits for closing) or returns it to the unit with the reason."""
    action = CaseAction.VERIFY if passed else CaseAction.RETURN
    if not reason.strip() and passed:
        reason = "before and after photos compared: fixed"
    lifecycle.apply_action(db, case, action, ActionInput(reason=reason), actor=decided_by, now=now)

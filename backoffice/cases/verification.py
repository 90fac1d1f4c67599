"""Closing on evidence: verifiers decide whether a handled case is fixed.

The app's verifiers (`cases.hooks`, chosen by `backoffice.wiring`: the AI patrol's camera
verifier compares the camera's re-check frame with the before photo) are asked first; every
other case waits for the manual path, where an inspector or operator compares the before and
after photos side by side and verifies or returns the case.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from backoffice.cases import lifecycle
from backoffice.cases.hooks import Verdict, hooks_of
from backoffice.cases.lifecycle import ActionInput
from backoffice.cases.models import Case
from backoffice.cases.photos import Photo, PhotoKind
from backoffice.cases.states import CaseAction, CaseState
from backoffice.errors import BadInput


def run_verifiers(db: Session, case: Case, now: datetime, photo_dir: Path) -> Verdict | None:
    """Let the first applicable verifier decide a handled case; None leaves it to a person."""
    if case.state is not CaseState.HANDLED:
        return None
    for verifier in hooks_of(db).verifiers:
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

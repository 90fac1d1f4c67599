"""Running a form's service call in a savepoint, so a refused action leaves nothing behind and
its message reaches the person on the next page."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session

from backoffice.errors import DomainError
from backoffice.web.auth import PageUser, flash

T = TypeVar("T")


def attempt(db: Session, user: PageUser, call: Callable[[], T], done: str) -> T | None:
    """Run `call`; on a DomainError roll its writes back and show its message instead."""
    try:
        with db.begin_nested():
            result = call()
    except DomainError as error:
        flash(user, error.message, ok=False)
        return None
    flash(user, done)
    return result

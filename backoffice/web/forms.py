"""Running a form's service call in a savepoint, so a refused action leaves nothing behind and
its message reaches the person on the next page."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from pydantic import ValidationError
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


def problems(error: ValueError) -> str:
    """What a form's model refused, one "field: message" per problem, joined by "; " (each
    translated on the page, see web/messages_zh.py), without pydantic's echo of the input and
    its links; any other ValueError as its text."""
    if not isinstance(error, ValidationError):
        return str(error)
    said = []
    for problem in error.errors(include_url=False, include_input=False):
        field = ".".join(str(part) for part in problem["loc"])
        # A problem of the whole form (a model validator) names no field.
        said.append(f"{field}: {problem['msg']}" if field else problem["msg"])
    return "; ".join(said)

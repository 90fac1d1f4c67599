"""FastAPI dependencies shared by every router, as Annotated aliases.

Who-is-calling dependencies (`CurrentPrincipal`, `authorize`) live in `identity.access`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from backoffice.clock import Clock
from backoffice.settings import Settings


def get_db(request: Request) -> Iterator[Session]:
    """One transaction per request: services flush, this commits before the response is sent."""
    session: Session = request.app.state.session_factory()
    request.state.db = session
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


def get_now(request: Request) -> datetime:
    return get_clock(request).now()


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


DbSession = Annotated[Session, Depends(get_db, scope="function")]
AppClock = Annotated[Clock, Depends(get_clock)]
Now = Annotated[datetime, Depends(get_now)]
AppSettings = Annotated[Settings, Depends(get_settings_dep)]

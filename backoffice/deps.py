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


# The getters are async: they only read the app state, and FastAPI runs a plain `def`
# dependency on a worker thread, a hand-off that costs more than the work.
async def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


async def get_now(request: Request) -> datetime:
    clock: Clock = request.app.state.clock
    return clock.now()


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


DbSession = Annotated[Session, Depends(get_db, scope="function")]
AppClock = Annotated[Clock, Depends(get_clock)]
Now = Annotated[datetime, Depends(get_now)]
AppSettings = Annotated[Settings, Depends(get_settings_dep)]

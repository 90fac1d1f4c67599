"""FastAPI dependencies shared by every router, as Annotated aliases.

Who-is-calling dependencies (`CurrentPrincipal`, `CurrentTerminal`, `authorize`) live in
`access`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import Annotated, Any, TypeVar

import anyio
import anyio.to_thread
from fastapi import Depends, FastAPI, Request
from sqlalchemy.orm import Session, sessionmaker

from backoffice.clock import Clock
from backoffice.db import session_scope
from backoffice.keys import Keys
from backoffice.settings import Settings

SessionSource = Callable[[], AbstractContextManager[Session]]
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_WRITES = "zhili_writes"
E = TypeVar("E", bound=Callable[..., Any])


def writes(endpoint: E) -> E:
    """Marks a GET endpoint that may write (the first look at a booklet records where it
    starts): its session begins as a writer, as every other method's does (`get_db`). On SQLite
    a transaction that read may not write once another connection has committed since."""
    setattr(endpoint, _WRITES, True)
    return endpoint


def _finish(session: Session, commit: bool) -> None:
    try:
        if commit:
            session.commit()
    finally:
        session.close()  # rolls back whatever was not committed


async def get_db(request: Request) -> AsyncIterator[Session]:
    """One transaction per request: services flush, this commits before the response is sent.

    Async: opening a session does no I/O (it connects on first use), so it costs no
    worker-thread hop; only the commit, which waits on the database, runs on a worker thread.
    """
    state = request.app.state
    writer = request.method not in SAFE_METHODS or getattr(
        request.scope.get("endpoint"), _WRITES, False
    )
    factory = getattr(state, "writer_session_factory", None) if writer else None
    session: Session = (factory or state.session_factory)()
    request.state.db = session
    limiter = _finishing_limiter(request.app)
    try:
        yield session
    except BaseException:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(_finish, session, False, limiter=limiter)
        raise
    if session.in_transaction():
        await anyio.to_thread.run_sync(_finish, session, True, limiter=limiter)
    else:
        session.close()  # the endpoint committed already (filing does): no I/O is left


def _finishing_limiter(app: FastAPI) -> anyio.CapacityLimiter:
    # Commits get worker threads of their own (`wiring.COMMIT_THREADS`): requests waiting for
    # SQLite's write lock (`db.begin_writing`) may hold every thread of the shared pool, and
    # the writer they wait for must still be able to commit.
    limiter: anyio.CapacityLimiter = app.state.commit_limiter
    return limiter


def session_source(app: FastAPI) -> tuple[SessionSource, bool]:
    """Where work outside a request's own session (token lookups, background writers) gets
    its sessions, and whether they are its own.

    When a dependency override supplies the request session (tests sharing one transaction
    with the app), a session of its own could neither see nor lock that data, so the
    override's session is used then.
    """
    override = app.dependency_overrides.get(get_db)
    if override is not None:
        return contextmanager(override), False
    factory: sessionmaker[Session] = app.state.session_factory
    return (lambda: session_scope(factory)), True


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


async def get_keys(request: Request) -> Keys:
    keys: Keys = request.app.state.keys
    return keys


DbSession = Annotated[Session, Depends(get_db, scope="function")]
AppClock = Annotated[Clock, Depends(get_clock)]
Now = Annotated[datetime, Depends(get_now)]
AppSettings = Annotated[Settings, Depends(get_settings_dep)]
AppKeys = Annotated[Keys, Depends(get_keys)]

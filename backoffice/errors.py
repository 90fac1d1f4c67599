"""Domain errors that carry their HTTP status, and the handlers that answer every error in JSON:
a full disk or database is 503 with what to do, anything unexpected a JSON 500 that leaves the
keep-alive connection usable."""

from __future__ import annotations

import errno
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

# errno values that mean "no room": no space, over quota, past the file-size limit.
STORAGE_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
STORAGE_FULL_MESSAGE = (
    "The back office could not write to its storage (the disk is full or failing), so nothing "
    "was saved; send it again later. Operators: free disk space on the data folder or the "
    "database."
)


class DomainError(Exception):
    """A problem the caller can act on. The message is shown to a person."""

    status_code = 400

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra


class BadInput(DomainError):
    status_code = 422


class NotAuthenticated(DomainError):
    status_code = 401


class Forbidden(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


class Gone(DomainError):
    status_code = 410


class TooManyRequests(DomainError):
    status_code = 429


class Unavailable(DomainError):
    status_code = 503


class StorageFull(Unavailable):
    """A write failed for want of room (disk, quota, file-size limit): retry later."""

    status_code = 503

    def __init__(self, message: str = STORAGE_FULL_MESSAGE, **extra: Any) -> None:
        super().__init__(message, **extra)


def is_storage_full(exc: BaseException) -> bool:
    """A full disk, quota or file-size limit, from the file system or the database. SQLite
    says 'database or disk is full' for ENOSPC but 'disk I/O error' for EFBIG (a file-size
    limit); PostgreSQL gives SQLSTATE 53100 (disk_full). The chain of causes counts too: a
    failed write may surface as the rollback that followed it ('no such savepoint')."""
    seen = 0
    cause: BaseException | None = exc
    while cause is not None and seen < 10:
        if _storage_full_here(cause):
            return True
        cause = cause.__cause__ or cause.__context__
        seen += 1
    return False


def _storage_full_here(exc: BaseException) -> bool:
    if isinstance(exc, OSError):
        return exc.errno in STORAGE_FULL_ERRNOS
    if isinstance(exc, OperationalError):
        text = str(exc.orig).lower()
        code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        return code == "53100" or any(
            words in text for words in ("disk is full", "disk i/o error", "could not extend file")
        )
    return False


def install_error_handler(app: FastAPI) -> None:
    async def handle(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DomainError)
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        return JSONResponse(
            {"detail": exc.message, **exc.extra}, status_code=exc.status_code, headers=headers
        )

    async def handle_storage(_request: Request, exc: Exception) -> JSONResponse:
        if is_storage_full(exc):
            log.error("storage full: %s", exc)
            return JSONResponse({"detail": STORAGE_FULL_MESSAGE}, status_code=503)
        log.exception("unexpected %s", type(exc).__name__, exc_info=exc)
        if isinstance(exc, OperationalError):
            return JSONResponse(
                {"detail": "The database is not answering; send it again later."},
                status_code=503,
            )
        return JSONResponse({"detail": INTERNAL_ERROR}, status_code=500)

    app.add_exception_handler(DomainError, handle)
    app.add_exception_handler(OSError, handle_storage)
    app.add_exception_handler(OperationalError, handle_storage)
    app.add_middleware(JsonErrors)


INTERNAL_ERROR = "Something went wrong in the back office; it was logged. Try again later."


class JsonErrors:
    """Answers an unhandled error with a JSON 500 and does not re-raise it, so the server keeps
    the keep-alive connection open (Starlette's outermost handler re-raises, and uvicorn then
    closes the connection)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            storage = is_storage_full(exc)
            response = JSONResponse(
                {"detail": STORAGE_FULL_MESSAGE if storage else INTERNAL_ERROR},
                status_code=503 if storage else 500,
            )
            await response(scope, receive, send)

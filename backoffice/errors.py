"""Domain errors that carry their HTTP status, the one error model every answer uses, and the
handlers that answer them: domain errors, validation errors, HTTP errors, a full disk or database
(503 with what to do) and, as a last resort, anything unhandled (a JSON 500 that leaves the
keep-alive connection usable), always as JSON that serialises whatever the input held."""

from __future__ import annotations

import errno
import json
import logging
import math
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

# errno values that mean "no room": no space, over quota, past the file-size limit.
STORAGE_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
STORAGE_FULL_MESSAGE = (
    "The back office could not write to its storage (the disk is full or failing), so nothing "
    "was saved; send it again later. Operators: free disk space on the data folder or the "
    "database."
)
INTERNAL_ERROR = "Something went wrong in the back office; it was logged. Try again later."


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


class TooLarge(DomainError):
    status_code = 413


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


# --- the one error model ---------------------------------------------------------------------


class ValidationIssue(BaseModel):
    """One thing wrong with the request, where it is (`loc`) and why (`msg`)."""

    loc: list[str | int] = Field(description="Where: body, query, path or header, then names.")
    msg: str
    type: str = Field(description="A machine-readable kind, e.g. missing, int_parsing.")


class ErrorOut(BaseModel):
    """Every error answer of the API (4xx): a text for people, or for a request that failed
    validation the list of what is wrong; `field` names the input a domain check refused."""

    detail: str | list[ValidationIssue]
    field: str | None = Field(default=None, description="The input at fault, when one is.")


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorOut, "description": "The request was refused; `detail` says why."},
    503: {
        "model": ErrorOut,
        "description": "The storage is full or the database does not answer; nothing was saved.",
    },
}


# --- answers that always serialise -------------------------------------------------------------


def clean_text(text: str) -> str:
    """`text` with lone surrogates (which UTF-8 cannot carry) replaced by U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, bool | int) or value is None:
        return value
    if isinstance(value, dict):
        return {clean_text(str(k)): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return clean_text(str(value))


class SafeJSONResponse(Response):
    """JSON that renders whatever it is given: lone surrogates and non-finite numbers are made
    representable instead of failing the answer."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json.dumps(
            _clean(content), ensure_ascii=False, allow_nan=False, separators=(",", ":")
        ).encode("utf-8")


def error_body(detail: str | list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"detail": detail, **{k: v for k, v in extra.items() if v is not None}}


def _issues(exc: RequestValidationError) -> list[dict[str, Any]]:
    # The input itself is not echoed back: it may hold anything (and need not serialise).
    return [
        {
            "loc": [p if isinstance(p, int) else str(p) for p in err.get("loc", ())],
            "msg": str(err.get("msg", "")),
            "type": str(err.get("type", "value_error")),
        }
        for err in exc.errors()
    ]


# Path prefixes whose errors take another form (Open311 answers GeoReport error lists), on
# `app.state.error_renderers` (the app factory puts the domain's renderer there, so this module
# knows no domain).
ErrorRenderer = Callable[[Request, int, str], Response]


def _renderer_for(request: Request) -> ErrorRenderer | None:
    app = request.scope.get("app")
    renderers: dict[str, ErrorRenderer] = getattr(
        getattr(app, "state", None), "error_renderers", {}
    )
    path = request.url.path
    return next((r for prefix, r in renderers.items() if path.startswith(prefix)), None)


def _text_of(issues: list[dict[str, Any]]) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in i['loc'][1:]) or i['loc'][0]}: {i['msg']}" for i in issues
    )


def answer_error(
    request: Request,
    status_code: int,
    detail: str | list[dict[str, Any]],
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    renderer = _renderer_for(request)
    if renderer is not None:
        text = detail if isinstance(detail, str) else _text_of(detail)
        response = renderer(request, status_code, clean_text(text))
        if headers:
            response.headers.update(headers)
        return response
    return SafeJSONResponse(error_body(detail, **extra), status_code=status_code, headers=headers)


def http_error_answer(request: Request, exc: StarletteHTTPException) -> Response:
    """An HTTP error (no route, wrong method, ...) in the one error form (or the path's own)."""
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=exc.headers)
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    return answer_error(request, exc.status_code, detail, exc.headers)


def install_error_handler(app: FastAPI) -> None:
    async def domain(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, DomainError)
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        return answer_error(request, exc.status_code, exc.message, headers, **exc.extra)

    async def validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return answer_error(request, 422, _issues(exc))

    async def http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        return http_error_answer(request, exc)

    async def storage(request: Request, exc: Exception) -> Response:
        if is_storage_full(exc):
            log.error("storage full: %s", exc)
            return SafeJSONResponse({"detail": STORAGE_FULL_MESSAGE}, status_code=503)
        log.exception("unexpected %s", type(exc).__name__, exc_info=exc)
        if isinstance(exc, OperationalError):
            detail = "The database is not answering; send it again later."
            return SafeJSONResponse({"detail": detail}, status_code=503)
        return SafeJSONResponse({"detail": INTERNAL_ERROR}, status_code=500)

    app.add_exception_handler(DomainError, domain)
    app.add_exception_handler(RequestValidationError, validation)
    app.add_exception_handler(StarletteHTTPException, http)
    app.add_exception_handler(OSError, storage)
    app.add_exception_handler(OperationalError, storage)
    app.add_middleware(JsonErrors)


class JsonErrors:
    """The last resort: an exception nothing handled is logged and answered as a JSON 500 (503
    for a full disk), and not raised further, so the server keeps the client's keep-alive
    connection open (uvicorn closes it when an exception reaches it)."""

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
                raise  # half an answer is out; only closing the connection can end it
            storage = is_storage_full(exc)
            response = SafeJSONResponse(
                {"detail": STORAGE_FULL_MESSAGE if storage else INTERNAL_ERROR},
                status_code=503 if storage else 500,
            )
            await response(scope, receive, send)

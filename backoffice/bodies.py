"""The request-body guard in front of every route: a size limit (small for JSON, per endpoint for
uploads) read as the body streams in and cut off at the limit, and JSON checked to be plain
interoperable JSON (UTF-8, not nested past a depth, finite numbers, safe integers, text without
lone surrogates or NUL) before any route, authentication included, does any work.

Also refuses NUL in the path and the query string, which PostgreSQL cannot compare with."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backoffice.errors import answer_error

MAX_DEPTH = 32
# RFC 7493 (I-JSON): integers beyond ±(2**53 - 1) do not survive most JSON parsers, and they
# overflow the database's integer columns.
MAX_SAFE_INT = 2**53 - 1


@dataclass(frozen=True)
class UploadLimit:
    """A larger body limit for one endpoint: `method` and a regular expression of the path."""

    method: str
    path: str
    max_bytes: int

    def matches(self, method: str, path: str) -> bool:
        return method == self.method and re.fullmatch(self.path, path) is not None


class BadBody(ValueError):
    """The JSON body is not plain interoperable JSON; the message says why."""


def _refuse_constant(name: str) -> Any:
    raise BadBody(f"The JSON body holds {name}, which JSON does not allow; send a number.")


def _check_text(text: str, where: str) -> None:
    if "\x00" in text:
        raise BadBody(f"A text in the JSON body ({where}) holds a NUL character.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise BadBody(
            f"A text in the JSON body ({where}) holds a lone surrogate (an unpaired \\ud800-"
            "\\udfff escape); send valid Unicode."
        ) from None


class NotJson(BadBody):
    """The body is not JSON at all (not UTF-8, or not JSON syntax)."""


def check_json(body: bytes, max_depth: int = MAX_DEPTH) -> None:
    """Raise BadBody unless `body` is UTF-8 JSON within the limits above (NotJson when it is
    not JSON at all)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise NotJson("The JSON body is not UTF-8.") from None
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise BadBody(f"The JSON body is nested deeper than {max_depth} levels.") from None
    except ValueError as exc:  # JSONDecodeError, and int() of a number with too many digits
        if isinstance(exc, BadBody):
            raise
        raise NotJson(f"The body is not valid JSON: {exc}.") from None
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > max_depth:
                raise BadBody(f"The JSON body is nested deeper than {max_depth} levels.")
            if isinstance(item, dict):
                for key, child in item.items():
                    _check_text(key, "a name")
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, str):
            _check_text(item, "a value")
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if abs(item) > MAX_SAFE_INT:
                raise BadBody(f"The JSON body holds an integer beyond ±{MAX_SAFE_INT}.")
        elif isinstance(item, float) and not math.isfinite(item):
            raise BadBody("The JSON body holds a number too large to represent.")


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


class BodyGuard:
    """ASGI middleware: see the module docstring. Bodies within the limit are handed to the app
    whole (they were read anyway); a body over it is answered 413 without reading further."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        uploads: Sequence[UploadLimit] = (),
        max_depth: int = MAX_DEPTH,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.uploads = tuple(uploads)
        self.max_depth = max_depth

    def limit_for(self, method: str, path: str) -> int:
        for upload in self.uploads:
            if upload.matches(method, path):
                return upload.max_bytes
        return self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if "\x00" in scope["path"] or b"%00" in scope.get("query_string", b""):
            await answer_error(request, 400, "The address holds a NUL character.")(
                scope, receive, send
            )
            return
        limit = self.limit_for(scope["method"], scope["path"])
        declared = request.headers.get("content-length")
        if declared is not None:
            if not (declared.isascii() and declared.isdigit()):
                await answer_error(request, 400, "Content-Length is not a number of bytes.")(
                    scope, receive, send
                )
                return
            if int(declared) > limit:
                await self._too_large(request, limit, receive, send)
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._too_large(request, limit, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        content_type = request.headers.get("content-type", "").lower()
        if content_type.startswith("application/x-www-form-urlencoded") and b"%00" in body:
            await answer_error(request, 400, "The form holds a NUL character.")(
                scope, receive, send
            )
            return
        # FastAPI reads a body without a Content-Type as JSON, so one that parses as JSON is
        # held to the same rules (an endpoint reading raw bytes gets what is not JSON).
        if body and (not content_type or _is_json(content_type)):
            try:
                check_json(body, self.max_depth)
            except NotJson as exc:
                if content_type:
                    await answer_error(request, 400, str(exc))(scope, receive, send)
                    return
            except BadBody as exc:
                await answer_error(request, 400, str(exc))(scope, receive, send)
                return
        await self.app(scope, _replay(body, receive), send)

    async def _too_large(self, request: Request, limit: int, receive: Receive, send: Send) -> None:
        text = f"The request body is over the limit of {limit} bytes for this address."
        # The rest of the body is not read, so the connection cannot carry another request.
        response = answer_error(request, 413, text, {"Connection": "close"})
        await response(request.scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # http.disconnect, when it comes

    return replay

"""HTTP guards in front of every route: a URL that carries an ID number is refused before any
handler (or log line) sees its value, and every response gets the browser's security headers."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backoffice.logs import query_name

# An ID number in a URL ends up in access logs, proxies and browser history.
REFUSED_QUERY_NAMES = frozenset({"id_number", "idnumber", "id_card", "idcard", "sfz", "sfzh"})
REFUSAL = (
    "An ID number may not be sent in the URL (it would be kept in logs and browser history); "
    "send it in the JSON body of a POST, as the identification endpoints take it."
)

# The ops-centre pages load scripts, styles and images from the back office only; style
# attributes in the templates need 'unsafe-inline' for styles (never for scripts).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)
# The API documentation (when enabled) loads Swagger UI's scripts from its CDN.
_DOCS_PATHS = ("/docs", "/redoc")


def carries_id_number(query_string: bytes) -> bool:
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    return any(query_name(name) in REFUSED_QUERY_NAMES for name, _value in pairs)


class Guard:
    """Pure ASGI middleware: the refusal, then the headers on whatever the app answers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _value in headers}
                extra = [h for h in SECURITY_HEADERS if h[0] not in present]
                content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
                is_page = content_type.startswith(b"text/html")
                if is_page and not path.startswith(_DOCS_PATHS):
                    extra.append((b"content-security-policy", CONTENT_SECURITY_POLICY.encode()))
                message["headers"] = headers + extra
            await send(message)

        if scope.get("query_string") and carries_id_number(scope["query_string"]):
            await JSONResponse({"detail": REFUSAL}, status_code=400)(scope, receive, with_headers)
            return
        await self.app(scope, receive, with_headers)

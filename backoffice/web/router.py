"""Wires the ops-centre pages into the app: routers, static files, and the page error handlers."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from backoffice.errors import http_error_answer
from backoffice.web import (
    pages_cases,
    pages_core,
    pages_fleet,
    pages_homeservice,
    pages_map,
    pages_notify,
    pages_renovations,
    pages_services,
    pages_vision,
)
from backoffice.web.auth import CsrfRejected, LoginRequired, PageForbidden
from backoffice.web.i18n import translate, translate_message
from backoffice.web.render import language_of, page

STATIC_DIR = Path(__file__).with_name("static")


async def _login_required(request: Request, _exc: Exception) -> Response:
    if request.url.path.startswith("/ops/api/"):
        return Response(status_code=401)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/ops/login?next={quote(target)}", status_code=303)


def _error_page(request: Request, status_code: int, message: str) -> Response:
    lang = language_of(request)
    user = getattr(request.state, "page_user", None)
    heading = "Not found" if status_code == 404 else "Not allowed"
    return page(
        request,
        "error.html",
        user,
        title=translate(heading, lang),
        heading=translate(heading, lang),
        message=translate_message(message, lang),
        status_code=status_code,
    )


async def _forbidden(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageForbidden)
    return _error_page(request, exc.status_code, exc.message)


# Machine clients get JSON from these; a person's browser gets a page from everything else.
API_PREFIXES = ("/api/", "/ops/api/", "/ops/static/", "/open311/", "/docs", "/redoc", "/openapi")


def wants_page(request: Request) -> bool:
    path = request.url.path
    if path.startswith(API_PREFIXES):
        return False
    return path.startswith("/ops") or "text/html" in request.headers.get("accept", "")


async def _http_error(request: Request, exc: Exception) -> Response:
    """A mistyped page address (404) or a refused one (403) answers a page in the reader's
    language; the API keeps FastAPI's JSON answer."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code in (403, 404) and wants_page(request):
        message = (
            "There is no page at this address; check it or start from the dashboard."
            if exc.status_code == 404
            else "You may not open this page."
        )
        return _error_page(request, exc.status_code, message)
    return http_error_answer(request, exc)


async def _csrf(request: Request, _exc: Exception) -> Response:
    lang = language_of(request)
    user = getattr(request.state, "page_user", None)
    return page(
        request,
        "error.html",
        user,
        title=translate("The form expired", lang),
        heading=translate("The form expired", lang),
        message=translate("Reload the page and send the form again.", lang),
        status_code=403,
    )


def install(app: FastAPI) -> None:
    for router in (
        pages_core.router,
        pages_cases.router,
        pages_map.router,
        pages_fleet.router,
        pages_vision.router,
        pages_vision.case_router,
        pages_services.router,
        pages_homeservice.router,
        pages_notify.router,
        pages_renovations.router,
    ):
        app.include_router(router)
    app.mount("/ops/static", StaticFiles(directory=STATIC_DIR), name="ops-static")
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(PageForbidden, _forbidden)
    app.add_exception_handler(CsrfRejected, _csrf)
    app.add_exception_handler(StarletteHTTPException, _http_error)

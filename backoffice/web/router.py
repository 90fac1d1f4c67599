"""Wires the ops-centre pages into the app: routers, static files, and the page error handlers."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from backoffice.web import (
    pages_cases,
    pages_core,
    pages_fleet,
    pages_notify,
    pages_services,
    pages_vision,
)
from backoffice.web.auth import CsrfRejected, LoginRequired, PageForbidden
from backoffice.web.i18n import translate
from backoffice.web.render import language_of, page

STATIC_DIR = Path(__file__).with_name("static")


async def _login_required(request: Request, _exc: Exception) -> Response:
    if request.url.path.startswith("/ops/api/"):
        return Response(status_code=401)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/ops/login?next={quote(target)}", status_code=303)


async def _forbidden(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageForbidden)
    lang = language_of(request)
    user = getattr(request.state, "page_user", None)
    heading = "Not found" if exc.status_code == 404 else "Not allowed"
    return page(
        request,
        "error.html",
        user,
        title=translate(heading, lang),
        heading=translate(heading, lang),
        message=exc.message,
        status_code=exc.status_code,
    )


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
        pages_fleet.router,
        pages_vision.router,
        pages_services.router,
        pages_notify.router,
    ):
        app.include_router(router)
    app.mount("/ops/static", StaticFiles(directory=STATIC_DIR), name="ops-static")
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(PageForbidden, _forbidden)
    app.add_exception_handler(CsrfRejected, _csrf)

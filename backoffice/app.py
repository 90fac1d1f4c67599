"""The FastAPI application factory: the assembled back office (`wiring`) behind its routers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine

from backoffice import __version__, wiring
from backoffice.bodies import BodyGuard, UploadLimit
from backoffice.cases.kiosk_reports import router as kiosk_reports_router
from backoffice.cases.photos import MAX_PHOTO_REQUEST_BYTES
from backoffice.cases.reports.router import router as reports_router
from backoffice.cases.router import router as cases_router
from backoffice.cases.sla.router import router as time_limits_router
from backoffice.catalog.router import router as catalog_router
from backoffice.clock import Clock, SystemClock
from backoffice.consult.router import router as consult_router
from backoffice.db import create_db_engine
from backoffice.errors import ERROR_RESPONSES, install_error_handler
from backoffice.fleet.commands import MAX_SCREENSHOT_BYTES
from backoffice.fleet.router import router as fleet_router
from backoffice.health.router import router as health_router
from backoffice.homeservice.router import router as homeservice_router
from backoffice.identity.router import router as identity_router
from backoffice.medical.router import router as medical_router
from backoffice.migrate import upgrade
from backoffice.notify.router import router as notify_router
from backoffice.open311.router import PREFIX as OPEN311_PREFIX
from backoffice.open311.router import error_answer as open311_errors
from backoffice.open311.router import router as open311_router
from backoffice.places.router import router as places_router
from backoffice.protect import Guard
from backoffice.queries.router import router as queries_router
from backoffice.ratings.router import router as ratings_router
from backoffice.settings import Settings, get_settings
from backoffice.suishen.router import router as identification_router
from backoffice.units.router import router as units_router
from backoffice.vision.config import get_vision_settings
from backoffice.vision.router import router as vision_router
from backoffice.visits.router import router as visits_router
from backoffice.web.router import install as install_web_pages

log = logging.getLogger(__name__)

ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorOut"}

ROUTERS = (
    fleet_router,
    cases_router,
    health_router,
    identity_router,
    units_router,
    notify_router,
    reports_router,
    time_limits_router,
    open311_router,
    catalog_router,
    identification_router,
    medical_router,
    visits_router,
    consult_router,
    queries_router,
    ratings_router,
    kiosk_reports_router,
    places_router,
    vision_router,
    homeservice_router,
)


def upload_limits() -> list[UploadLimit]:
    """The addresses that take more than a small JSON body, and how much."""
    segment = "[^/]+"
    return [
        UploadLimit("POST", "/api/v1/cases", MAX_PHOTO_REQUEST_BYTES),
        UploadLimit("POST", f"/api/v1/cases/{segment}/actions/{segment}", MAX_PHOTO_REQUEST_BYTES),
        UploadLimit("POST", "/api/v1/kiosk-reports", MAX_PHOTO_REQUEST_BYTES),
        UploadLimit("POST", f"/ops/cases/{segment}/actions/{segment}", MAX_PHOTO_REQUEST_BYTES),
        UploadLimit(
            "POST",
            f"/api/v1/vision/cameras/{segment}/frames",
            get_vision_settings().max_frame_bytes,
        ),
        UploadLimit(
            "PUT", f"/api/v1/fleet/commands/{segment}/screenshot", MAX_SCREENSHOT_BYTES + 1
        ),
    ]


def document_errors_as_json(app: FastAPI) -> None:
    """Error answers are JSON whatever the operation's success answer is (CSV, images): FastAPI
    files the error model under the success media type, so the document is corrected once."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = build()
            for operations in document["paths"].values():
                for operation in operations.values():
                    refused = operation.get("responses", {}).get("4XX")
                    content = (refused or {}).get("content", {})
                    if "application/json" not in content and any(
                        v.get("schema", {}).get("$ref", "").endswith("/ErrorOut")
                        for v in content.values()
                    ):
                        refused["content"] = {"application/json": {"schema": ERROR_SCHEMA}}
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(
    settings: Settings | None = None, *, clock: Clock | None = None, engine: Engine | None = None
) -> FastAPI:
    """The HTTP app: the back office assembled by `wiring` (on `app.state`), its routers in
    routing order, and a lifespan that migrates, then runs the background work."""
    settings = settings or get_settings()
    settings.check_safe_to_serve()
    if settings.demo:
        log.warning(
            "DEMO MODE (ZHILI_DEMO=1): development secret and demo adapters allowed; "
            "never serve real residents like this"
        )
    url = settings.resolved_database_url()
    engine = engine or create_db_engine(url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.migrate_on_start:
            upgrade(url)
        log.info(
            "back office %s ready on %s%s",
            __version__,
            engine.url.render_as_string(),
            " (DEMO MODE)" if settings.demo else "",
        )
        async with wiring.background(app):
            yield
        engine.dispose()

    docs = settings.docs_enabled
    app = FastAPI(
        title="Zhili back office",
        version=__version__,
        lifespan=lifespan,
        responses=ERROR_RESPONSES,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    wiring.install(app, settings, clock or SystemClock(), engine)
    install_error_handler(app)
    app.state.error_renderers = {f"{OPEN311_PREFIX}/": open311_errors}
    # Added last, so it runs first: a body is measured before anything else reads it.
    app.add_middleware(BodyGuard, max_body_bytes=settings.max_body_bytes, uploads=upload_limits())
    # Fleet first: routing walks the routers in order, and kiosk heartbeats are the most
    # frequent request by far (see bench/heartbeat.py); filings next (bench/cases.py).
    for router in ROUTERS:
        app.include_router(router)
    install_web_pages(app)
    app.add_middleware(Guard)
    document_errors_as_json(app)
    return app

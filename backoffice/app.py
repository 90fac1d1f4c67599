"""The FastAPI application factory: the assembled back office (`wiring`) behind its routers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import Engine

from backoffice import __version__, wiring
from backoffice.cases.kiosk_reports import router as kiosk_reports_router
from backoffice.cases.reports.router import router as reports_router
from backoffice.cases.router import router as cases_router
from backoffice.cases.sla.router import router as time_limits_router
from backoffice.catalog.router import router as catalog_router
from backoffice.clock import Clock, SystemClock
from backoffice.consult.router import router as consult_router
from backoffice.db import create_db_engine
from backoffice.errors import install_error_handler
from backoffice.fleet.router import router as fleet_router
from backoffice.health.router import router as health_router
from backoffice.identity.router import router as identity_router
from backoffice.medical.router import router as medical_router
from backoffice.migrate import upgrade
from backoffice.notify.router import router as notify_router
from backoffice.open311.router import router as open311_router
from backoffice.places.router import router as places_router
from backoffice.protect import Guard
from backoffice.ratings.router import router as ratings_router
from backoffice.settings import Settings, get_settings
from backoffice.suishen.router import router as identification_router
from backoffice.units.router import router as units_router
from backoffice.vision.router import router as vision_router
from backoffice.visits.router import router as visits_router
from backoffice.web.router import install as install_web_pages

log = logging.getLogger(__name__)

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
    ratings_router,
    kiosk_reports_router,
    places_router,
    vision_router,
)


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
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    wiring.install(app, settings, clock or SystemClock(), engine)
    install_error_handler(app)
    # Fleet first: routing walks the routers in order, and kiosk heartbeats are the most
    # frequent request by far (see bench/heartbeat.py); filings next (bench/cases.py).
    for router in ROUTERS:
        app.include_router(router)
    install_web_pages(app)
    app.add_middleware(Guard)
    return app

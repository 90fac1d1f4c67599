"""The FastAPI application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy import Engine

from backoffice import __version__
from backoffice.cases.kiosk_reports import router as kiosk_reports_router
from backoffice.cases.reports.router import router as reports_router
from backoffice.cases.router import router as cases_router
from backoffice.cases.sla.router import router as time_limits_router
from backoffice.catalog.router import router as catalog_router
from backoffice.clock import Clock, SystemClock
from backoffice.consult.router import router as consult_router
from backoffice.db import create_db_engine, make_session_factory, writing_engine
from backoffice.errors import install_error_handler
from backoffice.fleet.router import router as fleet_router
from backoffice.health.router import router as health_router
from backoffice.identity.router import router as identity_router
from backoffice.identity.tokens import TokenCache
from backoffice.medical.router import router as medical_router
from backoffice.migrate import upgrade
from backoffice.notify.router import router as notify_router
from backoffice.open311.router import router as open311_router
from backoffice.places.router import router as places_router
from backoffice.ratings.router import router as ratings_router
from backoffice.scheduler import background_jobs, install_case_listeners
from backoffice.settings import Settings, get_settings
from backoffice.suishen.router import router as identification_router
from backoffice.units.router import router as units_router
from backoffice.vision.router import router as vision_router
from backoffice.visits.router import router as visits_router
from backoffice.web.router import install as install_web_pages

log = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None, *, clock: Clock | None = None, engine: Engine | None = None
) -> FastAPI:
    settings = settings or get_settings()
    url = settings.resolved_database_url()
    engine = engine or create_db_engine(url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if settings.migrate_on_start:
            upgrade(url)
        log.info("back office %s ready on %s", __version__, engine.url.render_as_string())
        async with background_jobs(_app):
            yield
        engine.dispose()

    app = FastAPI(title="Zhili back office", version=__version__, lifespan=lifespan)
    app.state.settings = settings
    app.state.clock = clock or SystemClock()
    app.state.engine = engine
    app.state.tokens = TokenCache(timedelta(seconds=settings.token_cache_s))
    app.state.session_factory = make_session_factory(engine)
    # Requests that change things (POST, PUT, PATCH, DELETE) begin as writers on SQLite.
    app.state.writer_session_factory = make_session_factory(writing_engine(engine))
    install_error_handler(app)
    # Fleet first: routing walks the routers in order, and kiosk heartbeats are the most
    # frequent request by far (see bench/heartbeat.py); filings next (bench/cases.py).
    for router in (fleet_router, cases_router, health_router, identity_router, units_router):
        app.include_router(router)
    app.include_router(notify_router)
    app.include_router(reports_router)
    app.include_router(time_limits_router)
    app.include_router(open311_router)
    install_case_listeners()
    app.include_router(catalog_router)
    app.include_router(identification_router)
    app.include_router(medical_router)
    app.include_router(visits_router)
    app.include_router(consult_router)
    app.include_router(ratings_router)
    app.include_router(kiosk_reports_router)
    app.include_router(places_router)
    app.include_router(vision_router)
    install_web_pages(app)
    return app

"""The FastAPI application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import Engine

from backoffice import __version__
from backoffice.clock import Clock, SystemClock
from backoffice.db import create_db_engine, make_session_factory
from backoffice.errors import install_error_handler
from backoffice.fleet.router import router as fleet_router
from backoffice.health.router import router as health_router
from backoffice.identity.router import router as identity_router
from backoffice.migrate import upgrade
from backoffice.settings import Settings, get_settings
from backoffice.units.router import router as units_router

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
        yield
        engine.dispose()

    app = FastAPI(title="Zhili back office", version=__version__, lifespan=lifespan)
    app.state.settings = settings
    app.state.clock = clock or SystemClock()
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    install_error_handler(app)
    for router in (health_router, identity_router, units_router, fleet_router):
        app.include_router(router)
    return app

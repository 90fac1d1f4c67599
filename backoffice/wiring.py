"""The back office assembled in one place: everything that runs beside the domain code is chosen
and registered here, and kept on the app's state, never in module globals.

- `session_factory`: every session the back office makes. Its hooks renew the reference-cache
  tokens on each write (`refcache`), write the daily rollup with each new case
  (`cases.reports.rollup`), and carry the app's case hooks.
- `case_hooks`: the transition listeners (the rollup count, the notices to the units) and the
  verifiers (the camera's before/after re-check) of one app.
- `patrol` and `jobs`: the periodic jobs, plain functions of (session, now) that a queue worker
  could run as well: notification delivery, time limits, silent terminals, the AI patrol,
  the erasure of callback contacts past their retention.
- `install`: the app's state (settings, clock, engine, sessions, token cache, adapters, the
  scheduler); `background`: what runs while the app serves (the scheduler's loop, the
  heartbeat batch writer) and stops with it.

Two apps in one process share only the loaded detector (one model per process) and the
reference cache (keyed by version token, so sharing it is safe).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import timedelta
from functools import partial

import anyio
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from backoffice import refcache
from backoffice.cases import notices
from backoffice.cases.hooks import CaseHooks, Verifier
from backoffice.cases.kiosk_faults import check_terminals
from backoffice.cases.reports import rollup
from backoffice.cases.sla.watch import check_time_limits
from backoffice.clock import Clock, SystemClock
from backoffice.contacts.service import erase_due
from backoffice.db import make_session_factory, writing_engine
from backoffice.fleet import live
from backoffice.fleet.alerts import FAULT_JOB
from backoffice.identity.guard import SignInGuard, purge_expired_counters
from backoffice.identity.tokens import TokenCache
from backoffice.keys import Keys
from backoffice.notify.worker import DeliveryLimits, deliver_due
from backoffice.outbound import OutboundPolicy
from backoffice.renovations.service import file_overdue_clearances
from backoffice.scheduler import (
    InlineRunner,
    Job,
    JobFunction,
    Scheduler,
    TickClaims,
    runs_in_background,
)
from backoffice.settings import Settings
from backoffice.suishen.service import purge_spent
from backoffice.upstream import UpstreamClient, load_adapter
from backoffice.vision.config import VisionSettings, get_vision_settings
from backoffice.vision.detector import shared_detector
from backoffice.vision.learning import outcomes
from backoffice.vision.learning.registry import ModelRegistry
from backoffice.vision.patrol import Lease, Patrol, SourceLimits, source_for
from backoffice.vision.sources import Reach
from backoffice.vision.verifier import CameraVerifier
from backoffice.web.alarms import escalate_alarms
from backoffice.web.settings import get_web_settings

log = logging.getLogger(__name__)

# Commits run on worker threads of their own (deps.get_db, the filing endpoint): requests
# waiting for SQLite's write lock may hold every thread of the shared pool, and the writer
# they wait for must still be able to commit.
COMMIT_THREADS = 40

# (app.state attribute, the setting naming the adapter, the HTTP adapter demo mode uses)
UPSTREAM_ADAPTERS = (
    ("card_verifier", "card_verifier", "backoffice.suishen.upstream:http_card_verifier"),
    ("suishen", "suishen_adapter", "backoffice.suishen.upstream:http_suishen_verifier"),
    ("medical_source", "medical_adapter", "backoffice.medical.upstream:http_medical_source"),
    ("query_source", "query_adapter", "backoffice.queries.upstream:http_query_source"),
)


def case_hooks(verifiers: Sequence[Verifier] = ()) -> CaseHooks:
    """What runs beside each case change, in this order: the daily rollup, then the notices
    to the units, then the frames the AI patrol learns from;
    and who may close a handled case on evidence."""
    return CaseHooks(
        listeners=[rollup.on_transition, notices.on_transition, outcomes.on_transition],
        verifiers=list(verifiers),
    )


def session_factory(engine: Engine, hooks: CaseHooks | None = None) -> sessionmaker[Session]:
    """Sessions with every hook the back office's data needs (see the module docstring), for
    the app, scripts, workers and tests alike. Without `hooks`, the standard listeners and no
    verifier."""
    factory = make_session_factory(
        engine, info=(hooks if hooks is not None else case_hooks()).session_info()
    )
    refcache.install(factory)
    rollup.install(factory)
    return factory


def patrol(settings: Settings, vision: VisionSettings) -> Patrol:
    """The AI patrol: the active registered model, else the detector the vision settings name
    (loaded on first use, once per process), with a candidate model in its shadow; how cameras
    are read, and where evidence photos go."""
    models = ModelRegistry(
        fallback=partial(
            shared_detector,
            vision.weights,
            vision.class_map,
            imgsz=vision.imgsz,
            confidence=vision.confidence,
            tiles=vision.tile_grid,
        ),
        cache_dir=settings.data_dir / "models",
        confidence=vision.confidence,
        tiles=vision.tile_grid,
    )
    return Patrol(
        detector=models.active,
        models=models,
        limits=SourceLimits(
            vision.source_timeout_s,
            vision.max_frame_bytes,
            vision.max_frame_side,
            Reach(
                OutboundPolicy.from_entries(settings.outbound_allow),
                tuple(settings.resolved_camera_file_dirs()),
            ),
        ),
        backoff_max_s=vision.offline_backoff_max_s,
        photo_dir=settings.data_dir / "photos",
    )


def camera_verifier(patrol: Patrol) -> CameraVerifier:
    """The before/after verifier: it looks again with the patrol's detector and camera reads."""
    return CameraVerifier(
        detector=patrol.detector, source_for=partial(source_for, limits=patrol.limits)
    )


def jobs(
    settings: Settings,
    vision: VisionSettings,
    patrol: Patrol,
    send_visit: Callable[[Lease], None] | None = None,
) -> list[Job]:
    """The periodic jobs; the Celery workers (`backoffice.workers`) run the same functions by
    name. With `send_visit` the patrol job leases the cameras due and sends each lease there
    (a queue of vision workers visits them) instead of visiting them itself."""
    out = [
        Job(
            "notify.deliver",
            timedelta(seconds=5),
            partial(
                deliver_due,
                limits=DeliveryLimits(
                    concurrency=settings.notify_concurrency,
                    timeout_s=settings.notify_timeout_s,
                    budget_s=settings.notify_budget_s,
                ),
                outbound=OutboundPolicy.from_entries(settings.outbound_allow),
            ),
        ),
        Job("cases.time_limits", timedelta(minutes=1), check_time_limits),
        Job("renovations.overdue_clearances", timedelta(minutes=5), file_overdue_clearances),
        Job("suishen.purge_spent", timedelta(minutes=10), purge_spent),
        Job("identity.purge_signin_counters", timedelta(minutes=10), purge_expired_counters),
        Job(
            "contacts.erase_due",
            timedelta(minutes=10),
            partial(erase_due, retention=timedelta(days=settings.contact_retention_days)),
        ),
        # Silent terminals and device faults as fleet alerts, each with its kiosk-fault case.
        Job(
            FAULT_JOB,
            timedelta(seconds=30),
            partial(check_terminals, offline_after=timedelta(seconds=settings.offline_after_s)),
        ),
    ]
    alarm_after = timedelta(minutes=get_web_settings().alarm_escalate_minutes)
    out.append(
        Job(
            "web.alarm_escalation",
            timedelta(minutes=1),
            partial(escalate_alarms, after=alarm_after),
        )
    )
    if vision.patrol_poll_s > 0:
        run: JobFunction = (
            patrol.run_due if send_visit is None else partial(patrol.dispatch_due, send=send_visit)
        )
        out.append(Job("vision.patrol", timedelta(seconds=vision.patrol_poll_s), run))
    return out


def install(
    app: FastAPI,
    settings: Settings,
    clock: Clock,
    engine: Engine,
    vision: VisionSettings | None = None,
) -> None:
    """Put the assembled back office on the app's state."""
    vision = vision or get_vision_settings()
    the_patrol = patrol(settings, vision)
    hooks = case_hooks(verifiers=[camera_verifier(the_patrol)])
    state = app.state
    state.settings = settings
    state.clock = clock
    state.engine = engine
    state.case_hooks = hooks
    state.session_factory = session_factory(engine, hooks)
    # Requests that change things (POST, PUT, PATCH, DELETE) begin as writers on SQLite.
    state.writer_session_factory = session_factory(writing_engine(engine), hooks)
    state.commit_limiter = anyio.CapacityLimiter(COMMIT_THREADS)
    state.tokens = TokenCache(timedelta(seconds=settings.token_cache_s))
    state.signin_guard = SignInGuard.of(settings)
    state.patrol = the_patrol
    state.scheduler = Scheduler(
        jobs(settings, vision, the_patrol),
        InlineRunner(state.session_factory),
        # Ticks are claimed where several processes may run the scheduler (PostgreSQL). The
        # embedded SQLite back office is one process: a claim there would only be a write every
        # poll, which makes anything else that reads before it writes fail ("database is locked").
        TickClaims(state.session_factory) if engine.dialect.name == "postgresql" else None,
    )
    state.keys = Keys.of(settings)
    # Adapters to the upstreams, each the one its setting names; in demo mode an unset one is
    # the HTTP adapter pointed at the demo peer (simulators/upstream_peers.py). A missing or
    # unloadable one stops the start with the setting to fix (StartupRefused).
    for attribute, setting, http_adapter in UPSTREAM_ADAPTERS:
        setattr(state, attribute, load_adapter(settings, setting, demo=http_adapter))
    state.web_settings = get_web_settings()


@contextlib.asynccontextmanager
async def background(app: FastAPI) -> AsyncIterator[None]:
    """For the app's lifespan: check that the detector loads (a bad weights file stops start-up
    with the file to fix), then run the scheduler's loop (under a real clock) and the heartbeat
    batch writer until shutdown, and write the heartbeats left."""
    the_patrol: Patrol = app.state.patrol
    settings: Settings = app.state.settings
    clock: Clock = app.state.clock
    scheduler: Scheduler = app.state.scheduler
    in_process_jobs = runs_in_background(clock, settings.scheduler_poll_s)
    if in_process_jobs or not isinstance(clock, SystemClock):
        # An API process whose jobs run on workers loads the detector only when a verifier
        # first needs it: torch is for whatever runs inference.
        the_patrol.detector()
    store = live.store_of(app)
    tasks = []
    if in_process_jobs:
        tasks.append(
            asyncio.create_task(
                scheduler.run_forever(clock, settings.scheduler_poll_s), name="zhili-scheduler"
            )
        )
    if store.write_behind:
        tasks.append(asyncio.create_task(store.run(), name="zhili-heartbeat-writer"))
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if store.write_behind:
            await _write_last_heartbeats(store)
        for attribute, _setting, _http in UPSTREAM_ADAPTERS:
            client = getattr(getattr(app.state, attribute, None), "client", None)
            if isinstance(client, UpstreamClient):
                client.close()


async def _write_last_heartbeats(store: live.HeartbeatStore) -> None:
    for attempt in range(3):
        try:
            written = await asyncio.to_thread(store.flush)
            log.info("heartbeat writer stopped; %d heartbeats written at shutdown", written)
            if store.taken != store.written:
                log.warning(
                    "heartbeats lost: taken=%d written=%d since start",
                    store.taken,
                    store.written,
                )
            return
        except Exception:
            log.exception("heartbeat flush at shutdown failed (attempt %d)", attempt + 1)
            await asyncio.sleep(0.5)

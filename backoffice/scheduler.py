"""In-process periodic jobs driven by the app clock (time-limit checks, webhook deliveries).

A job is a plain function of (session, now). `Scheduler.run_due(now)` runs the jobs whose
time has come, each in its own transaction; the app's lifespan calls it every few seconds,
tests call it with a ManualClock. To move the work to a queue of workers, pass a `runner`
that enqueues `(job.name, now)` instead of running it here: the jobs need nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from backoffice.clock import Clock, SystemClock
from backoffice.db import session_scope
from backoffice.settings import Settings

log = logging.getLogger(__name__)

JobFunction = Callable[[Session, datetime], int]


@dataclass(frozen=True)
class Job:
    """`run(session, now)` returns how many things it handled (for the log)."""

    name: str
    every: timedelta
    run: JobFunction


class JobRunner(Protocol):
    def __call__(self, job: Job, now: datetime) -> int: ...


@dataclass
class InlineRunner:
    """Runs a job here and now in its own transaction: commit on success, roll back on error."""

    session_factory: sessionmaker[Session]

    def __call__(self, job: Job, now: datetime) -> int:
        with session_scope(self.session_factory) as session:
            return job.run(session, now)


@dataclass
class JobOutcome:
    name: str
    handled: int | None
    error: str | None = None


@dataclass
class Scheduler:
    jobs: Sequence[Job]
    runner: JobRunner
    _next_run: dict[str, datetime] = field(default_factory=dict)

    def run_due(self, now: datetime) -> list[JobOutcome]:
        """Run every job that is due at `now`; a failing job is logged and tried next period."""
        outcomes: list[JobOutcome] = []
        for job in self.jobs:
            due = self._next_run.get(job.name)
            if due is not None and due > now:
                continue
            self._next_run[job.name] = now + job.every
            try:
                handled = self.runner(job, now)
            except Exception as exc:
                log.exception("scheduled job %s failed", job.name)
                outcomes.append(JobOutcome(job.name, None, f"{type(exc).__name__}: {exc}"))
                continue
            if handled:
                log.info("scheduled job %s handled %d", job.name, handled)
            outcomes.append(JobOutcome(job.name, handled))
        return outcomes

    async def run_forever(self, clock: Clock, poll_s: float) -> None:
        """Poll the clock; the jobs run in a worker thread so requests are never blocked."""
        while True:
            await asyncio.to_thread(self.run_due, clock.now())
            await asyncio.sleep(poll_s)


def standard_jobs() -> list[Job]:
    """The back office's periodic jobs."""
    # Imported here: the scheduler is foundation code and must not import domains at load time.
    from backoffice.cases.sla.watch import check_time_limits
    from backoffice.fleet.alerts import check_silent_terminals
    from backoffice.notify.worker import deliver_due

    return [
        Job("notify.deliver", timedelta(seconds=5), deliver_due),
        Job("cases.time_limits", timedelta(minutes=1), check_time_limits),
        Job("fleet.silent_terminals", timedelta(minutes=1), check_silent_terminals),
    ]


def install_case_listeners() -> None:
    """What runs in the same transaction as each case change (idempotent), in this order:
    the daily rollup, the notices to the units."""
    from backoffice.cases import lifecycle, notices
    from backoffice.cases.reports import rollup

    for listener in (rollup.on_transition, notices.on_transition):
        lifecycle.add_transition_listener(listener)


def runs_in_background(clock: Clock, poll_s: float) -> bool:
    """Only a real clock drives the loop: under a ManualClock the test calls run_due itself."""
    return poll_s > 0 and isinstance(clock, SystemClock)


@contextlib.asynccontextmanager
async def background_jobs(app: FastAPI) -> AsyncIterator[None]:
    """For the app's lifespan: build the scheduler (app.state.scheduler) and, under a real
    clock, run it every `scheduler_poll_s` seconds until shutdown."""
    settings: Settings = app.state.settings
    clock: Clock = app.state.clock
    scheduler = Scheduler(standard_jobs(), InlineRunner(app.state.session_factory))
    app.state.scheduler = scheduler
    if not runs_in_background(clock, settings.scheduler_poll_s):
        yield
        return
    task = asyncio.create_task(
        scheduler.run_forever(clock, settings.scheduler_poll_s), name="zhili-scheduler"
    )
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

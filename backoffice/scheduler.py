"""In-process periodic jobs driven by the app clock.

A job is a plain function of (session, now) that returns how many things it handled; which
jobs the back office runs is decided by the assembly point (`backoffice.wiring.jobs`: time
limits, notification delivery, silent terminals, the AI patrol). `Scheduler.run_due(now)` runs
the jobs whose time has come, each in its own transaction; the app's lifespan runs them every
few seconds under a real clock, tests call it with a ManualClock. To move the work to a queue
of workers, pass a `runner` that enqueues `(job.name, now)` instead of running it here: the
jobs need nothing else.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from backoffice.clock import Clock, SystemClock
from backoffice.db import session_scope

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

    def due(self, now: datetime) -> list[Job]:
        """The jobs due at `now`; each is then not due again for its period."""
        due = []
        for job in self.jobs:
            next_run = self._next_run.get(job.name)
            if next_run is not None and next_run > now:
                continue
            self._next_run[job.name] = now + job.every
            due.append(job)
        return due

    def run(self, job: Job, now: datetime) -> JobOutcome:
        """Run one job; a failing job is logged and tried again next period."""
        try:
            handled = self.runner(job, now)
        except Exception as exc:
            log.exception("scheduled job %s failed", job.name)
            return JobOutcome(job.name, None, f"{type(exc).__name__}: {exc}")
        if handled:
            log.info("scheduled job %s handled %d", job.name, handled)
        return JobOutcome(job.name, handled)

    def run_due(self, now: datetime) -> list[JobOutcome]:
        """Run every job that is due at `now`, one after the other."""
        return [self.run(job, now) for job in self.due(now)]

    async def run_forever(self, clock: Clock, poll_s: float) -> None:
        """Poll the clock; each due job runs in a worker thread of its own, so requests are never
        blocked and a slow patrol round does not hold the deliveries up. A job still running
        when it is due again is not started twice."""
        running: dict[str, asyncio.Task[JobOutcome]] = {}
        try:
            while True:
                now = clock.now()
                for name in [n for n, task in running.items() if task.done()]:
                    del running[name]
                for job in self.due(now):
                    if job.name not in running:
                        running[job.name] = asyncio.create_task(
                            asyncio.to_thread(self.run, job, now), name=f"zhili-job-{job.name}"
                        )
                await asyncio.sleep(poll_s)
        finally:
            for task in running.values():
                task.cancel()


def runs_in_background(clock: Clock, poll_s: float) -> bool:
    """Only a real clock drives the loop: under a ManualClock the test calls run_due itself."""
    return poll_s > 0 and isinstance(clock, SystemClock)

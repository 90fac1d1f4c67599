"""In-process periodic jobs driven by the app clock.

A job is a plain function of (session, now) that returns how many things it handled; which
jobs the back office runs is decided by the assembly point (`backoffice.wiring.jobs`: time
limits, notification delivery, silent terminals, the AI patrol). `Scheduler.run_due(now)` runs
the jobs whose time has come, each in its own transaction; the app's lifespan runs them every
few seconds under a real clock, tests call it with a ManualClock. To move the work to a queue
of workers, pass a `runner` that enqueues `(job.name, now)` instead of running it here: the
jobs need nothing else (`backoffice.workers`, `zhili-backoffice beat`).

Under a real clock each tick of a job is claimed in the database first (`TickClaims`, one row
per job), so that however many processes run the loop (several API processes each with the
embedded scheduler, or two schedulers by mistake) a job runs once per tick cluster-wide.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import String, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from backoffice.clock import Clock, SystemClock
from backoffice.db import Base, UTCDateTime, session_scope

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


class JobTick(Base):
    """When a periodic job may next run, cluster-wide; a process that moves it ahead owns the
    tick."""

    __tablename__ = "scheduler_ticks"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())


@dataclass
class TickClaims:
    """Claims one tick of a job for this process with one compare-and-set write: the row's
    `next_run_at` moves from <= now to now + period, which only one transaction can do."""

    session_factory: sessionmaker[Session]

    def claim(self, job: Job, now: datetime) -> bool:
        with session_scope(self.session_factory) as db:
            moved = db.execute(
                update(JobTick)
                .where(JobTick.name == job.name, JobTick.next_run_at <= now)
                .values(next_run_at=now + job.every, claimed_at=now)
                .execution_options(synchronize_session=False)
            )
            if getattr(moved, "rowcount", 0) == 1:
                return True
            dialect = db.get_bind().dialect.name
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            added = db.execute(
                insert(JobTick)
                .values(name=job.name, next_run_at=now + job.every, claimed_at=now)
                .on_conflict_do_nothing(index_elements=["name"])
                .returning(JobTick.name)
            )
            return added.scalar() is not None


@dataclass
class JobOutcome:
    name: str
    handled: int | None
    error: str | None = None


@dataclass
class Scheduler:
    jobs: Sequence[Job]
    runner: JobRunner
    ticks: TickClaims | None = None
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

    def claimed(self, now: datetime, busy: frozenset[str] = frozenset()) -> list[Job]:
        """The jobs due at `now` whose tick this process won (all of them without claims),
        leaving out the `busy` ones (still running here); a claim that fails on a database
        error is tried again at the next poll."""
        out = []
        for job in self.due(now):
            if job.name in busy:
                continue
            if self.ticks is None:
                out.append(job)
                continue
            try:
                won = self.ticks.claim(job, now)
            except Exception:
                log.exception("claiming a tick of job %s failed", job.name)
                self._next_run.pop(job.name, None)
                continue
            if won:
                out.append(job)
        return out

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
        when it is due again is not started twice, and each tick is claimed cluster-wide."""
        running: dict[str, asyncio.Task[JobOutcome]] = {}
        try:
            while True:
                now = clock.now()
                for name in [n for n, task in running.items() if task.done()]:
                    del running[name]
                due = await asyncio.to_thread(self.claimed, now, frozenset(running))
                for job in due:
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

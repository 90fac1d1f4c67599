"""The back office scaled out: Celery workers that run the periodic jobs and the camera visits,
and the scheduler (`beat`) that enqueues them; the embedded default runs the same job
functions in its own process instead (`backoffice.wiring.jobs`, `backoffice.scheduler`).

- `beat`: the scheduler's loop under a real clock, each job's tick claimed in the database
  (so a second beat by mistake enqueues nothing twice); a due job becomes one message
  `zhili.job(name)` on its queue, expiring after one period (a backlog does not pile up ticks).
- queues: `vision` (the patrol job, which leases the cameras due and sends one `zhili.visit`
  message per camera, and the visits), `notify` (deliveries), `jobs` (the rest).
- a worker (`zhili-backoffice worker --queues ...`) takes one message at a time (Celery's solo
  pool: torch in forked pool children can hang; run one worker process per core instead),
  acknowledges it after the work, and a worker killed mid-message has it redelivered to
  another. What makes that safe is in the work itself: a visit writes only under its camera's
  lease, deliveries are claimed with `FOR UPDATE SKIP LOCKED` and a lease, every job is a
  "what is due now" function.
"""

from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from celery import Celery
from kombu.utils.url import maybe_sanitize_url
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from backoffice.clock import SystemClock
from backoffice.db import create_db_engine
from backoffice.scheduler import InlineRunner, Job, Scheduler, TickClaims
from backoffice.settings import Settings, get_settings
from backoffice.vision.config import VisionSettings, get_vision_settings
from backoffice.vision.patrol import Lease, Patrol

log = logging.getLogger(__name__)

QUEUES = ("vision", "notify", "jobs")
JOB_TASK = "zhili.job"
VISIT_TASK = "zhili.visit"


def queue_of(job_name: str) -> str:
    """The queue a periodic job goes to: by its domain."""
    domain = job_name.split(".", 1)[0]
    return domain if domain in ("vision", "notify") else "jobs"


def queue_name(settings: Settings, queue: str) -> str:
    return f"{settings.queue_prefix}{queue}"


def make_celery(settings: Settings) -> Celery:
    """The Celery app of the back office: its broker, and messages acknowledged after the
    work, one at a time, given back to the queue when a worker dies."""
    app = Celery("zhili", broker=settings.broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_default_queue=queue_name(settings, "jobs"),
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        enable_utc=True,
    )
    return app


@dataclass
class Cluster:
    """The back office as a worker or the beat assembles it: the same sessions, patrol and
    jobs as the app (`backoffice.wiring`), and the Celery app to send messages with."""

    settings: Settings
    vision: VisionSettings
    celery: Celery

    @cached_property
    def engine(self) -> Engine:
        return create_db_engine(self.settings.resolved_database_url())

    @cached_property
    def patrol(self) -> Patrol:
        from backoffice import wiring

        return wiring.patrol(self.settings, self.vision)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        from backoffice import wiring

        hooks = wiring.case_hooks(verifiers=[wiring.camera_verifier(self.patrol)])
        return wiring.session_factory(self.engine, hooks)

    @cached_property
    def jobs(self) -> dict[str, Job]:
        from backoffice import wiring

        listed = wiring.jobs(self.settings, self.vision, self.patrol, send_visit=self.send_visit)
        return {job.name: job for job in listed}

    def send_visit(self, lease: Lease) -> None:
        self.celery.send_task(
            VISIT_TASK,
            args=[lease.camera_code, lease.token],
            queue=queue_name(self.settings, "vision"),
            expires=3600,
        )

    def enqueue(self, job: Job, now: datetime) -> int:
        """The beat's runner: one message for this tick of the job."""
        self.celery.send_task(
            JOB_TASK,
            args=[job.name, now.isoformat()],
            queue=queue_name(self.settings, queue_of(job.name)),
            expires=max(job.every.total_seconds(), 1.0),
        )
        return 1

    def run_job(self, name: str) -> int:
        job = self.jobs.get(name)
        if job is None:
            log.error("no periodic job is called %r; message dropped", name)
            return 0
        return InlineRunner(self.sessions)(job, SystemClock().now())

    def visit(self, camera_code: str, token: str) -> bool:
        with self.sessions() as db:
            outcome = self.patrol.visit_leased(db, Lease(camera_code, token), SystemClock().now())
        return outcome is not None


def cluster(settings: Settings | None = None) -> Cluster:
    """The cluster parts with the tasks registered on its Celery app."""
    settings = settings or get_settings()
    app = make_celery(settings)
    parts = Cluster(settings, get_vision_settings(), app)

    @app.task(name=JOB_TASK)
    def job_task(name: str, _tick: str) -> int:
        return parts.run_job(name)

    @app.task(name=VISIT_TASK)
    def visit_task(camera_code: str, token: str) -> bool:
        return parts.visit(camera_code, token)

    return parts


def run_worker(queues: list[str], settings: Settings | None = None) -> int:
    """A worker on `queues`, one message at a time in this process (solo pool), its detector
    limited to `worker_threads` threads."""
    parts = cluster(settings)
    unknown = [q for q in queues if q not in QUEUES]
    if unknown:
        raise SystemExit(f"unknown queue(s) {', '.join(unknown)}; choose from {', '.join(QUEUES)}")
    if "vision" in queues:
        import torch

        torch.set_num_threads(parts.settings.worker_threads)
        parts.patrol.detector()  # a bad weights file stops the worker here, not mid-visit
    argv: list[Any] = [
        "worker",
        "--queues",
        ",".join(queue_name(parts.settings, q) for q in queues),
        "--pool",
        "solo",
        "--hostname",
        f"zhili-{'-'.join(queues)}-{os.getpid()}@%h",
        "--without-gossip",
        "--without-mingle",
        "--loglevel",
        parts.settings.log_level,
    ]
    parts.celery.worker_main(argv)
    return 0


def run_beat(settings: Settings | None = None) -> int:
    """The scheduler: enqueue each due job's tick (claimed cluster-wide) until stopped."""
    import asyncio

    parts = cluster(settings)
    scheduler = Scheduler(list(parts.jobs.values()), parts.enqueue, TickClaims(parts.sessions))
    poll = parts.settings.scheduler_poll_s or 5.0
    log.info(
        "beat: %d periodic jobs onto %s",
        len(parts.jobs),
        maybe_sanitize_url(parts.settings.broker_url),
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(scheduler.run_forever(SystemClock(), poll))
    return 0

"""The scheduler's loop: a job that hangs (deliveries to a receiver that never answers) does
not hold the other periodic jobs up."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta

from backoffice.clock import SystemClock
from backoffice.scheduler import Job, Scheduler


async def test_a_hanging_job_does_not_hold_the_others_up() -> None:
    release = threading.Event()
    ran: list[str] = []

    def hanging(_db: object, _now: datetime) -> int:
        ran.append("deliver")
        release.wait(30)
        return 0

    def quick(_db: object, _now: datetime) -> int:
        ran.append("time_limits")
        return 1

    def runner(job: Job, now: datetime) -> int:
        return job.run(None, now)  # type: ignore[arg-type]

    scheduler = Scheduler(
        [
            Job("notify.deliver", timedelta(seconds=0), hanging),
            Job("cases.time_limits", timedelta(seconds=0), quick),
        ],
        runner,
    )
    loop = asyncio.create_task(scheduler.run_forever(SystemClock(), 0.01))
    try:
        for _ in range(500):  # until the quick job has run three times, or 5 s
            if ran.count("time_limits") >= 3:
                break
            await asyncio.sleep(0.01)
    finally:
        release.set()
        loop.cancel()
    assert ran.count("time_limits") >= 3
    assert ran.count("deliver") == 1  # still running: not started a second time


def test_each_tick_of_a_job_runs_in_one_process_of_the_cluster(fresh_database: str) -> None:
    """Several processes each running the scheduler (API processes with the embedded one, or a
    second scheduler started by mistake): they race for each tick, all at once, and one wins."""
    from concurrent.futures import ThreadPoolExecutor

    from backoffice.db import create_db_engine
    from backoffice.scheduler import TickClaims
    from backoffice.wiring import session_factory

    engine = create_db_engine(fresh_database)
    jobs = [
        Job("notify.deliver", timedelta(seconds=5), lambda _db, _now: 0),
        Job("cases.time_limits", timedelta(minutes=1), lambda _db, _now: 0),
    ]
    processes = [
        Scheduler(jobs, lambda job, now: 0, TickClaims(session_factory(engine))) for _ in range(4)
    ]
    start = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    won: list[str] = []
    try:
        for second in range(0, 125, 5):  # every process polls every 5 s for two minutes
            now = start + timedelta(seconds=second)
            gate = threading.Barrier(len(processes))

            def poll(
                scheduler: Scheduler, now: datetime = now, gate: threading.Barrier = gate
            ) -> list[str]:
                gate.wait()
                return [job.name for job in scheduler.claimed(now)]

            with ThreadPoolExecutor(len(processes)) as pool:
                won += [name for names in pool.map(poll, processes) for name in names]
    finally:
        engine.dispose()
    assert won.count("notify.deliver") == 25  # each 5-second tick once, 0 s .. 120 s
    assert won.count("cases.time_limits") == 3  # 0 s, 60 s, 120 s

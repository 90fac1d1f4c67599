"""The scheduler's loop: a job that hangs (deliveries to a receiver that never answers) does
not hold the other periodic jobs up."""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime, timedelta

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

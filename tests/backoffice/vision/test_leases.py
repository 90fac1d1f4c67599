"""Several patrol workers on one database: a lease per camera, so each camera is visited once
per period by one of them, and the zones' state lives on the zone rows, so a camera that moves
between workers loses no dwell time."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from backoffice.cases.models import Case
from backoffice.cases.seed import seed_reference_data
from backoffice.db import create_db_engine, session_scope
from backoffice.vision import service
from backoffice.vision.detector import YoloDetector
from backoffice.vision.models import Camera, SourceKind
from backoffice.vision.patrol import Patrol, SourceLimits, claim_due
from backoffice.vision.rules import RuleKind
from backoffice.vision.schemas import CameraCreate, ZoneCreate
from tests.backoffice.vision.scenes import NO_PARKING_ZONE, Street
from tests.conftest import peer_reach

pytestmark = pytest.mark.pg
CAMERAS = [f"CAM-{n}" for n in range(4)]
START = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)


@pytest.fixture
def sessions(fresh_database: str) -> Iterator[sessionmaker[Session]]:
    from backoffice.wiring import session_factory

    engine: Engine = create_db_engine(fresh_database, pool_size=8)
    yield session_factory(engine)
    engine.dispose()


def _cameras(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    street = Street()
    parked = tmp_path / "parked.jpg"
    parked.write_bytes(street.jpeg([street.bike_a, street.bike_b]))
    zone = ZoneCreate(
        name="no parking", rule=RuleKind.NO_PARKING, polygon=NO_PARKING_ZONE, dwell_s=120
    )
    with session_scope(sessions) as db:
        seed_reference_data(db)
        for code in CAMERAS:
            camera = service.create_camera(
                db,
                CameraCreate(
                    code=code,
                    name=code,
                    source_kind=SourceKind.FILE,
                    source_url=str(parked),
                    interval_s=60,
                ),
                START - timedelta(minutes=1),
                peer_reach(tmp_path),
            )
            service.add_zone(db, camera, zone, START - timedelta(minutes=1))


def _visit(patrol: Patrol, sessions: sessionmaker[Session], now: datetime) -> list[str]:
    with sessions() as db:
        return [o.camera_code for o in patrol.visit_due(db, now) if o.ok]


def _cases(sessions: sessionmaker[Session]) -> int:
    with sessions() as db:
        return db.scalar(select(func.count()).select_from(Case)) or 0


def test_cameras_move_between_workers_without_losing_dwell_and_are_each_visited_once(
    sessions: sessionmaker[Session], detector: YoloDetector, tmp_path: Path
) -> None:
    _cameras(sessions, tmp_path)
    limits = SourceLimits(reach=peer_reach(tmp_path))
    workers = [
        Patrol(lambda: detector, limits=limits, photo_dir=tmp_path / f"photos-{n}")
        for n in range(2)
    ]
    # Periods 0-2 taken by the workers in turn: the bikes were first seen by worker 0 and
    # have been there 120 s (the dwell) when worker 0 looks again; one case per camera.
    for period, cases_after in ((0, 0), (1, 0), (2, len(CAMERAS))):
        now = START + timedelta(minutes=period)
        assert sorted(_visit(workers[period % 2], sessions, now)) == CAMERAS
        assert _cases(sessions) == cases_after

    # Both workers at the same instant, twice: every camera once, by one of them.
    for period in (3, 4):
        now = START + timedelta(minutes=period)
        start = threading.Barrier(2)

        def race(patrol: Patrol, now: datetime = now, start: threading.Barrier = start) -> list:
            start.wait()
            return _visit(patrol, sessions, now)

        with ThreadPoolExecutor(2) as pool:
            first, second = pool.map(race, workers)
        assert sorted(first + second) == CAMERAS
    assert _cases(sessions) == len(CAMERAS)  # still open: evidence only, no second case

    # A worker leases the cameras and dies before visiting: the other leaves them for the
    # lease (one period), then takes them over.
    now = START + timedelta(minutes=5)
    with session_scope(sessions) as db:
        assert len(claim_due(db, now)) == len(CAMERAS)
    assert _visit(workers[1], sessions, now + timedelta(seconds=30)) == []
    assert sorted(_visit(workers[1], sessions, now + timedelta(minutes=1))) == CAMERAS
    with sessions() as db:
        visited = db.scalars(select(Camera.next_visit_at).distinct()).all()
    assert visited == [now + timedelta(minutes=2)]

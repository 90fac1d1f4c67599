"""The patrol: each enabled camera at its interval; a camera that stops answering is marked
offline and retried with a growing wait while the others keep going."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from backoffice.app import create_app
from backoffice.clock import ManualClock
from backoffice.db import create_db_engine, session_scope
from backoffice.settings import Settings
from backoffice.vision import service
from backoffice.vision.detector import YoloDetector
from backoffice.vision.models import CameraStatus, SourceKind
from backoffice.vision.patrol import Patrol, due_cameras
from backoffice.vision.schemas import CameraCreate, CameraUpdate
from backoffice.wiring import session_factory
from tests.backoffice.vision.scenes import Street
from tests.backoffice.vision.test_sources import SnapshotCamera
from tests.conftest import TEST_LIMITS, TEST_REACH


@pytest.fixture
def snapshot_camera() -> Iterator[SnapshotCamera]:
    camera = SnapshotCamera(Street().jpeg([]))
    yield camera
    camera.stop()


def _camera(
    db: Session, clock: ManualClock, code: str, kind: SourceKind, url: str, interval_s: int = 60
) -> None:
    service.create_camera(
        db,
        CameraCreate(code=code, name=code, source_kind=kind, source_url=url, interval_s=interval_s),
        clock.now(),
        TEST_REACH,
    )


def test_each_camera_is_visited_at_its_own_interval(
    db: Session,
    clock: ManualClock,
    detector: YoloDetector,
    tmp_path: Path,
    snapshot_camera: SnapshotCamera,
) -> None:
    still = tmp_path / "still.jpg"
    still.write_bytes(Street().jpeg([]))
    _camera(db, clock, "CAM-SNAP", SourceKind.SNAPSHOT, snapshot_camera.url, interval_s=60)
    _camera(db, clock, "CAM-FILE", SourceKind.FILE, str(still), interval_s=180)
    _camera(db, clock, "CAM-PUSH", SourceKind.PUSH, "")  # pushes its own frames
    off = CameraCreate(
        code="CAM-OFF",
        name="off",
        source_kind=SourceKind.FILE,
        source_url=str(still),
        enabled=False,
    )
    service.create_camera(db, off, clock.now(), TEST_REACH)
    patrol = Patrol(detector=lambda: detector, limits=TEST_LIMITS)
    visited: list[list[str]] = []
    for _ in range(6):
        outcomes = patrol.visit_due(db, clock.now())
        visited.append([o.camera_code for o in outcomes if o.ok])
        clock.advance(minutes=1)
    assert visited == [
        ["CAM-FILE", "CAM-SNAP"],
        ["CAM-SNAP"],
        ["CAM-SNAP"],
        ["CAM-FILE", "CAM-SNAP"],
        ["CAM-SNAP"],
        ["CAM-SNAP"],
    ]
    snap = service.get_camera(db, "CAM-SNAP")
    assert snap.status is CameraStatus.ONLINE
    assert (snap.frame_width, snap.frame_height) == (320, 240)


def test_a_camera_that_stops_answering_goes_offline_is_retried_and_comes_back(
    db: Session,
    clock: ManualClock,
    detector: YoloDetector,
    tmp_path: Path,
    snapshot_camera: SnapshotCamera,
) -> None:
    still = tmp_path / "still.jpg"
    still.write_bytes(Street().jpeg([]))
    _camera(db, clock, "CAM-SNAP", SourceKind.SNAPSHOT, snapshot_camera.url)
    _camera(db, clock, "CAM-FILE", SourceKind.FILE, str(still))
    patrol = Patrol(detector=lambda: detector, limits=TEST_LIMITS, backoff_max_s=300)
    start = clock.now()
    patrol.visit_due(db, clock.now())
    snapshot_camera.stop()  # the camera goes dark

    retries = []
    for _minute in range(12):
        clock.advance(minutes=1)
        for outcome in patrol.visit_due(db, clock.now()):
            if outcome.camera_code == "CAM-SNAP":
                retries.append((int((clock.now() - start).total_seconds() // 60), outcome.ok))
            else:
                assert outcome.ok  # the other camera keeps going, every minute
    # wait doubles from the 1-minute interval, capped at 5 minutes
    assert retries == [(1, False), (2, False), (4, False), (8, False)]
    snap = service.get_camera(db, "CAM-SNAP")
    assert snap.status is CameraStatus.OFFLINE
    assert snap.failures == 4
    assert "ConnectError" in snap.last_error
    assert snap.next_visit_at == start + timedelta(minutes=13)

    back = SnapshotCamera(Street().jpeg([]))  # the camera is back, at a new address
    try:
        service.update_camera(db, snap, CameraUpdate(source_url=back.url), clock.now(), TEST_REACH)
        clock.set(start + timedelta(minutes=13))
        assert "CAM-SNAP" in due_cameras(db, clock.now())
        (outcome,) = [o for o in patrol.visit_due(db, clock.now()) if o.camera_code == "CAM-SNAP"]
    finally:
        back.stop()
    assert outcome.ok
    assert (snap.status, snap.failures, snap.last_error) == (CameraStatus.ONLINE, 0, "")


def test_a_bug_in_one_visit_is_contained_to_that_camera(
    db: Session, clock: ManualClock, detector: YoloDetector, tmp_path: Path
) -> None:
    good = tmp_path / "good.jpg"
    good.write_bytes(Street().jpeg([]))
    _camera(db, clock, "CAM-A", SourceKind.FILE, str(good))
    _camera(db, clock, "CAM-B", SourceKind.FILE, str(good))
    calls = []

    def flaky_detector() -> YoloDetector:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("model crashed")
        return detector

    outcomes = Patrol(flaky_detector, limits=TEST_LIMITS).visit_due(db, clock.now())
    assert [(o.camera_code, o.ok, o.error) for o in outcomes] == [
        ("CAM-A", False, "RuntimeError: model crashed"),
        ("CAM-B", True, ""),
    ]
    assert service.get_camera(db, "CAM-A").status is CameraStatus.OFFLINE


def test_the_apps_scheduler_patrols_the_cameras_due(
    fresh_database: str, clock: ManualClock, detector: YoloDetector, tmp_path: Path
) -> None:
    engine = create_db_engine(fresh_database)
    settings = Settings(data_dir=tmp_path, migrate_on_start=False, camera_file_dirs=[tmp_path])
    app = create_app(settings, clock=clock, engine=engine)
    still = tmp_path / "still.jpg"
    still.write_bytes(Street().jpeg([]))
    with session_scope(app.state.session_factory) as db:
        _camera(db, clock, "CAM-FILE", SourceKind.FILE, str(still), interval_s=60)

    def patrolled() -> tuple[int | None, str | None] | None:
        outcomes = {o.name: o for o in app.state.scheduler.run_due(clock.now())}
        patrol = outcomes.get("vision.patrol")
        return None if patrol is None else (patrol.handled, patrol.error)

    assert patrolled() == (1, None)
    with session_scope(app.state.session_factory) as db:
        camera = service.get_camera(db, "CAM-FILE")
        assert (camera.status, camera.last_frame_at) == (CameraStatus.ONLINE, clock.now())
    clock.advance(seconds=5)  # the patrol looks every 5 s; the camera is due every 60 s
    assert patrolled() == (0, None)
    clock.advance(seconds=55)
    assert patrolled() == (1, None)
    engine.dispose()


def test_a_write_committed_while_the_detector_works_does_not_fail_the_visit(
    fresh_database: str, clock: ManualClock, detector: YoloDetector, tmp_path: Path
) -> None:
    # On SQLite a transaction that read before another connection committed may not write
    # ("database is locked"); heartbeat batches and requests commit all the time while the
    # detector works, so the patrol looks with no transaction open.
    engine = create_db_engine(fresh_database)
    sessions = session_factory(engine)
    still = tmp_path / "still.jpg"
    still.write_bytes(Street().jpeg([]))
    with session_scope(sessions) as db:
        _camera(db, clock, "CAM-FILE", SourceKind.FILE, str(still))

    def detector_while_others_write() -> YoloDetector:
        with session_scope(sessions) as other:
            _camera(other, clock, "CAM-PUSHED", SourceKind.PUSH, "")
        return detector

    with session_scope(sessions) as db:
        patrol = Patrol(detector_while_others_write, limits=TEST_LIMITS)
        (outcome,) = patrol.visit_due(db, clock.now())
    assert (outcome.camera_code, outcome.ok, outcome.error) == ("CAM-FILE", True, "")
    engine.dispose()

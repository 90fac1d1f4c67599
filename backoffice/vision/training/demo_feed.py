"""Demo feed for `make demo`: a few cameras whose pictures are generated street scenes. Bikes
park and waste piles up, the back office's patrol files and dispatches cases, the feed plays
the unit that clears the scene and reports it handled, and the re-check closes the case.

    python -m backoffice.vision.training.demo_feed [--cameras 3] [--rounds 0]

It uses the back office's database and data dir (ZHILI_DATABASE_URL, ZHILI_DATA_DIR); the
back office must be running with its patrol on (the default) for cases to appear.
"""

from __future__ import annotations

import argparse
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from backoffice.cases.lifecycle import ActionInput, apply_action
from backoffice.cases.models import Case
from backoffice.cases.photos import Photo, PhotoKind
from backoffice.cases.states import CaseAction, CaseState
from backoffice.clock import SystemClock
from backoffice.db import create_db_engine, make_session_factory, session_scope
from backoffice.migrate import upgrade
from backoffice.settings import get_settings
from backoffice.vision import service
from backoffice.vision.models import SourceKind
from backoffice.vision.rules import RuleKind
from backoffice.vision.schemas import CameraCreate, ZoneCreate
from backoffice.vision.sources import Reach
from backoffice.vision.training.street import COLLECTION_ZONE, DAY, DUSK, NO_PARKING_ZONE, Street
from backoffice.vision.training.synth import Light, Thing

log = logging.getLogger(__name__)

INTERVAL_S = 10
DWELL_S = 40
# (code, name, road) of the demo cameras along Jiangsu Road.
CAMERAS = (
    ("DEMO-CAM-328S", "Jiangsu Road 328, south side", "JSL-R01"),
    ("DEMO-CAM-LANE200", "Lane 200 collection point", "JSL-R01"),
    ("DEMO-CAM-YUYUAN", "Yuyuan Road corner", "JSL-R02"),
)


@dataclass
class DemoCamera:
    code: str
    picture: Path
    street: Street
    busy: list[Thing]
    light: Light = DAY
    phase: str = "clean"  # clean -> busy -> cleared
    since: float = 0.0

    def show(self, things: list[Thing]) -> None:
        tmp = self.picture.with_suffix(".part.jpg")
        tmp.write_bytes(self.street.jpeg(things, self.light))
        tmp.replace(self.picture)  # the patrol never reads a half-written picture


def ensure_cameras(
    db: Session, folder: Path, count: int, file_dirs: tuple[Path, ...] = ()
) -> list[DemoCamera]:
    """The demo cameras (video-file cameras reading a picture this feed rewrites)."""
    now = SystemClock().now()
    cameras = []
    for i, (code, name, road) in enumerate(CAMERAS[:count]):
        street = Street(seed=3 + i)
        picture = folder / f"{code}.jpg"
        existing = db.scalars(select(service.Camera).where(service.Camera.code == code)).first()
        if existing is None:
            camera = service.create_camera(
                db,
                CameraCreate(
                    code=code,
                    name=name,
                    road_code=road,
                    lon=121.4327,
                    lat=31.2150 + 0.001 * i,
                    source_kind=SourceKind.FILE,
                    source_url=str(picture),
                    interval_s=INTERVAL_S,
                ),
                now,
                Reach(file_dirs=file_dirs or (folder,)),
            )
            service.add_zone(
                db,
                camera,
                ZoneCreate(
                    name="no-parking pavement",
                    rule=RuleKind.NO_PARKING,
                    polygon=NO_PARKING_ZONE,
                    dwell_s=DWELL_S,
                    inertia=2,
                ),
                now,
            )
            service.add_zone(
                db,
                camera,
                ZoneCreate(
                    name="collection point",
                    rule=RuleKind.COLLECTION_POINT,
                    polygon=COLLECTION_ZONE,
                    threshold=0.4,
                    dwell_s=DWELL_S,
                    inertia=2,
                ),
                now,
            )
        pile = street.waste_big
        busy = [[street.bike_a, street.bike_b], [pile], [street.bike_a, pile]][i % 3]
        demo = DemoCamera(code, picture, street, busy)
        demo.show([])
        cameras.append(demo)
    return cameras


def open_cases(db: Session, code: str) -> list[Case]:
    return list(
        db.scalars(
            select(Case).where(
                Case.dedupe_key.startswith(f"camera:{code}/", autoescape=True),
                Case.state.in_([CaseState.DISPATCHED, CaseState.HANDLING, CaseState.HANDLED]),
            )
        )
    )


def tick(factory: sessionmaker[Session], cam: DemoCamera, photo_dir: Path) -> None:
    """Advance one camera's little story by what the clock and the cases say."""
    now_s = time.monotonic()
    if cam.phase == "clean" and now_s - cam.since > 2 * INTERVAL_S:
        cam.show(cam.busy)
        cam.phase, cam.since = "busy", now_s
        print(f"{cam.code}: objects appear in the zones", flush=True)
        return
    if cam.phase == "busy":
        with session_scope(factory) as db:
            cases = open_cases(db, cam.code)
            dispatched = [c for c in cases if c.state is CaseState.DISPATCHED]
            if not dispatched or now_s - cam.since < DWELL_S:
                return
            cam.light = DUSK if cam.light is DAY else DAY  # cleared under other light
            cam.show([])
            after = Photo(PhotoKind.AFTER, cam.street.jpeg([], cam.light), "image/jpeg")
            for case in dispatched:
                unit = case.unit.code if case.unit else "unit"
                when = SystemClock().now()
                apply_action(db, case, CaseAction.ACCEPT, ActionInput(), actor=unit, now=when)
                apply_action(
                    db,
                    case,
                    CaseAction.REPORT_HANDLED,
                    ActionInput(photos=(after,), photo_dir=photo_dir),
                    actor=unit,
                    now=when,
                )
                print(
                    f"{cam.code}: {unit} cleared the scene, case {case.number} handled", flush=True
                )
        cam.phase, cam.since = "cleared", now_s
        return
    if cam.phase == "cleared":
        with session_scope(factory) as db:
            if open_cases(db, cam.code):
                return
        print(f"{cam.code}: the re-check closed the case(s); starting over", flush=True)
        cam.phase, cam.since = "clean", now_s


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cameras", type=int, default=3, choices=range(1, len(CAMERAS) + 1))
    parser.add_argument("--rounds", type=int, default=0, help="stop after N seconds (0: never)")
    args = parser.parse_args(argv)
    settings = get_settings()
    url = settings.resolved_database_url()
    upgrade(url)
    factory = make_session_factory(create_db_engine(url))
    folder = settings.data_dir / "vision" / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    with session_scope(factory) as db:
        cameras = ensure_cameras(db, folder, args.cameras)
    print(f"demo feed: {len(cameras)} cameras, pictures under {folder}", flush=True)
    started = time.monotonic()
    while args.rounds == 0 or time.monotonic() - started < args.rounds:
        for cam in cameras:
            try:
                tick(factory, cam, settings.data_dir / "photos")
            except OperationalError as exc:
                # SQLite shared with the back office: a busy database is retried next tick.
                log.warning("demo feed: camera %s: %s; retrying", cam.code, exc.orig)
            except Exception:
                log.exception("demo feed: camera %s", cam.code)
        time.sleep(2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

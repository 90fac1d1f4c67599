"""End to end: frames of a bike parked in a no-parking zone past the dwell time file exactly
one case, dispatched by rule; the before/after re-check closes it when the scene is cleared
(also under other light) and returns it when it is half cleared."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.cases import descriptions
from backoffice.cases.lifecycle import ActionInput, apply_action
from backoffice.cases.models import Case, CaseEvent
from backoffice.cases.photos import Photo, PhotoKind
from backoffice.cases.seed import seed_reference_data
from backoffice.cases.states import CaseAction, CaseState
from backoffice.clock import ManualClock
from backoffice.vision import frames, service
from backoffice.vision.detector import YoloDetector
from backoffice.vision.models import SourceKind
from backoffice.vision.rules import EventKind, RuleKind
from backoffice.vision.schemas import CameraCreate, ZoneCreate
from backoffice.vision.training.synth import Thing
from tests.backoffice.vision.scenes import COLLECTION_ZONE, DAY, DUSK, NO_PARKING_ZONE, Street

pytestmark = pytest.mark.usefixtures("camera_verifier")


class Site:
    """A push camera on Jiangsu Road with one zone, fed generated frames a minute apart."""

    def __init__(
        self,
        db: Session,
        clock: ManualClock,
        detector: YoloDetector,
        photos: Path,
        zone: ZoneCreate,
    ) -> None:
        seed_reference_data(db)
        self.db, self.clock, self.detector, self.photos = db, clock, detector, photos
        self.street = Street()
        self.camera = service.create_camera(
            db,
            CameraCreate(
                code="CAM-JS-328S",
                name="Jiangsu Road 328, south",
                road_code="JSL-R01",
                lon=121.4327,
                lat=31.2150,
                source_kind=SourceKind.PUSH,
            ),
            clock.now(),
        )
        self.zone = service.add_zone(db, self.camera, zone, clock.now())

    def feed(self, things: list[Thing], light: object = DAY) -> frames.FrameResult:
        frame = self.street.frame(things, light)  # type: ignore[arg-type]
        result = frames.process_frame(
            self.db,
            self.camera,
            frame,
            self.detector.detect(frame),
            self.clock.now(),
            photo_dir=self.photos,
        )
        self.clock.advance(minutes=1)
        return result

    def filings(self, results: list[frames.FrameResult]) -> list[frames.FilingResult]:
        return [z.filing for r in results for z in r.zones if z.filing is not None]

    def unit_reports_handled(self, case: Case) -> None:
        now = self.clock.now()
        if case.state is CaseState.DISPATCHED:
            apply_action(self.db, case, CaseAction.ACCEPT, ActionInput(), actor="unit", now=now)
        after = Photo(PhotoKind.AFTER, self.street.jpeg([]), "image/jpeg")
        apply_action(
            self.db,
            case,
            CaseAction.REPORT_HANDLED,
            ActionInput(photos=(after,), photo_dir=self.photos),
            actor="unit",
            now=now,
        )
        self.clock.advance(seconds=30)


NO_PARKING = ZoneCreate(
    name="south of No. 328",
    rule=RuleKind.NO_PARKING,
    polygon=NO_PARKING_ZONE,
    dwell_s=600,
    inertia=3,
)


@pytest.fixture
def site(db: Session, clock: ManualClock, detector: YoloDetector, tmp_path: Path) -> Site:
    return Site(db, clock, detector, tmp_path / "photos", NO_PARKING)


def test_a_parked_bike_files_one_case_dispatched_by_rule_and_clearing_closes_it(
    site: Site, db: Session
) -> None:
    site.feed([])  # the clean zone: its reference look
    bikes = [site.street.bike_a, site.street.bike_b]
    first_seen = site.clock.now()
    results = [site.feed(bikes) for _ in range(12)]

    filings = site.filings(results)
    assert len(filings) == 1
    assert filings[0].created is True
    assert filings[0].dispatched_to == "BIKE-HELLO"  # rule BIKE-R01: Jiangsu Road's operator
    raised = [r.at for r in results for z in r.zones if z.event is EventKind.RAISED]
    assert [(at - first_seen).total_seconds() for at in raised] == [600.0]
    assert db.scalar(select(func.count()).select_from(Case)) == 1
    case = db.get_one(Case, filings[0].case_id)
    assert case.state is CaseState.DISPATCHED
    assert case.dedupe_key == f"camera:CAM-JS-328S/zone:{site.zone.id}"
    assert case.type.code == "E-0506"
    # Kept as a fact, worded in the reader's language; the stored text is the Chinese wording.
    assert descriptions.render(case.description_fact, "en", "") == (
        "AI patrol: 2 shared bike(s) parked in no-parking zone 'south of No. 328' for 10 min "
        "(camera CAM-JS-328S)."
    )
    assert case.description == (
        "AI智能巡屏：禁停区「south of No. 328」内停放共享单车 2 辆，"
        "已持续 10 分钟（摄像头 CAM-JS-328S）。"
    )
    assert [p.kind for p in case.photos] == [PhotoKind.EVIDENCE]
    assert (site.photos / case.photos[0].path).read_bytes()[:3] == b"\xff\xd8\xff"

    site.unit_reports_handled(case)
    cleared = site.feed([])
    assert cleared.verified_cases == (case.number,)
    assert case.state is CaseState.CLOSED
    close = db.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id.desc())
    ).first()
    assert close is not None and close.action == "close"
    assert close.actor == "AI patrol CAM-JS-328S (before/after)"
    assert close.reason.startswith("re-check: no shared bike in zone 'south of No. 328'")
    assert [p.kind for p in case.photos] == [PhotoKind.EVIDENCE, PhotoKind.AFTER, PhotoKind.AFTER]


def test_a_half_cleared_scene_is_returned_and_a_cleared_one_under_other_light_closes(
    site: Site, db: Session
) -> None:
    site.feed([])
    results = [site.feed([site.street.bike_a, site.street.bike_b]) for _ in range(11)]
    (filing,) = site.filings(results)
    case = db.get_one(Case, filing.case_id)

    site.unit_reports_handled(case)
    half = site.feed([site.street.bike_b])  # one bike taken away, one left
    assert half.verified_cases == (case.number,)
    assert case.state is CaseState.HANDLING
    returned = case.events[-1]
    assert returned.action == "return"
    assert returned.reason == "the camera still sees 1 shared bike in zone 'south of No. 328'."

    site.unit_reports_handled(case)
    dusk = site.feed([], DUSK)
    assert dusk.verified_cases == (case.number,)
    assert case.state is CaseState.CLOSED


def test_while_the_case_is_open_further_sightings_attach_as_evidence(
    db: Session, clock: ManualClock, detector: YoloDetector, tmp_path: Path
) -> None:
    zone = NO_PARKING.model_copy(update={"dwell_s": 120, "repeat_every_s": 300})
    site = Site(db, clock, detector, tmp_path / "photos", zone)
    results = [site.feed([site.street.bike_a]) for _ in range(13)]
    filings = site.filings(results)
    assert [f.created for f in filings] == [True, False, False]  # minutes 2, 7, 12
    assert len({f.case_id for f in filings}) == 1
    case = db.get_one(Case, filings[0].case_id)
    assert case.report_count == 3
    assert [p.kind for p in case.photos] == [PhotoKind.EVIDENCE] * 3


def test_a_collection_point_files_at_its_fill_threshold_for_the_clearance_contractor(
    db: Session, clock: ManualClock, detector: YoloDetector, tmp_path: Path
) -> None:
    zone = ZoneCreate(
        name="lane 200 collection point",
        rule=RuleKind.COLLECTION_POINT,
        polygon=COLLECTION_ZONE,
        threshold=0.4,
        dwell_s=600,
        inertia=2,
    )
    site = Site(db, clock, detector, tmp_path / "photos", zone)
    lows = [site.feed([site.street.waste_small]) for _ in range(6)]
    assert site.filings(lows) == []
    assert [round(r.zones[0].measurement.fill, 1) for r in lows] == [0.3] * 6
    highs = [site.feed([site.street.waste_big]) for _ in range(12)]
    (filing,) = site.filings(highs)
    assert filing.dispatched_to == "JSL-CLEAR"
    raised = next(i for i, r in enumerate(highs) if r.zones[0].event is EventKind.RAISED)
    assert raised == 10  # held 10 minutes from the first sighting over the threshold
    assert [round(r.zones[0].measurement.fill, 1) for r in highs] == [0.5] * 12
    case = db.get_one(Case, filing.case_id)
    assert case.type.code == "E-0108"
    fill = highs[raised].zones[0].measurement.fill
    assert descriptions.render(case.description_fact, "en", "") == (
        f"AI patrol: collection point 'lane 200 collection point' is {fill:.0%} full "
        "(threshold 40%) for 10 min (camera CAM-JS-328S)."
    )
    assert case.description == (
        f"AI智能巡屏：堆放点「lane 200 collection point」已满 {fill:.0%}（阈值 40%），"
        "已持续 10 分钟（摄像头 CAM-JS-328S）。"
    )

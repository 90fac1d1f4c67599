"""The patrol learning from outcomes, walked through the real patrol on rendered frames: a
false alarm on a case raises its zone's threshold and the same scene files no more (until the
change is reverted); a verified closing labels true positives; both export as a YOLO dataset;
a detection that recurs at the same place while the scene stays the same is learned as the
camera's background, suppressed, and counts again once cleared."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.cases.lifecycle import ActionInput, apply_action
from backoffice.cases.models import Case
from backoffice.cases.photos import Photo, PhotoKind
from backoffice.cases.seed import seed_reference_data
from backoffice.cases.states import CaseAction, CaseState
from backoffice.clock import ManualClock
from backoffice.errors import Conflict
from backoffice.identity.service import issue_unit_token
from backoffice.vision import service
from backoffice.vision.detector import YoloDetector
from backoffice.vision.learning import background, outcomes, thresholds
from backoffice.vision.learning.models import CaseFrame, FalseDaily, Label, StaticSpot
from backoffice.vision.learning.registry import ModelRegistry
from backoffice.vision.models import Camera, SourceKind, Zone
from backoffice.vision.patrol import Patrol, SourceLimits
from backoffice.vision.rules import RuleKind
from backoffice.vision.schemas import CameraCreate, ZoneCreate
from backoffice.vision.sources import FrameSource
from backoffice.vision.training.synth import Thing
from tests.backoffice.cases.helpers import UNIT_TOKEN_TTL
from tests.backoffice.vision.scenes import COLLECTION_ZONE, NO_PARKING_ZONE, Street
from tests.backoffice.web.helpers import sign_in_as
from tests.conftest import TEST_LIMITS, TEST_REACH, bearer


class Rendered:
    """The camera: the street rendered with whatever stands in it now."""

    def __init__(self, seed: int = 3) -> None:
        self.street = Street(seed)
        self.things: list[Thing] = []

    def grab(self) -> np.ndarray:
        return self.street.frame(self.things)


class Site:
    def __init__(
        self,
        db: Session,
        clock: ManualClock,
        detector: YoloDetector,
        tmp: Path,
        *,
        code: str = "CAM-JS-328S",
        seed: int = 3,
        models: ModelRegistry | None = None,
    ) -> None:
        seed_reference_data(db)
        self.db, self.clock, self.view = db, clock, Rendered(seed)
        still = tmp / f"still-{code}.jpg"
        still.write_bytes(self.view.street.jpeg([]))
        self.camera = service.create_camera(
            db,
            CameraCreate(
                code=code,
                name=f"{code}, Jiangsu Road",
                road_code="JSL-R01",
                lon=121.4327,
                lat=31.2150,
                source_kind=SourceKind.FILE,
                source_url=str(still),
            ),
            clock.now(),
            TEST_REACH,
        )
        zone = ZoneCreate(
            name="south of No. 328",
            rule=RuleKind.NO_PARKING,
            polygon=NO_PARKING_ZONE,
            dwell_s=120,
            inertia=2,
        )
        self.zone = service.add_zone(db, self.camera, zone, clock.now())

        def sources(_camera: Camera, _limits: SourceLimits) -> FrameSource:
            return self.view

        self.patrol = Patrol(
            models.active if models else lambda: detector,
            TEST_LIMITS,
            photo_dir=tmp / "photos",
            sources=sources,
            models=models,
        )

    def add_collection_point(self) -> Zone:
        """A collection point beside the no-parking zone (fill threshold 10%)."""
        collection = ZoneCreate(
            name="collection point",
            rule=RuleKind.COLLECTION_POINT,
            polygon=COLLECTION_ZONE,
            dwell_s=60,
            inertia=2,
            threshold=0.1,
        )
        return service.add_zone(self.db, self.camera, collection, self.clock.now())

    def patrols(self, n: int) -> list[Case]:
        """n visits a minute apart; the cases they filed (new ones only)."""
        filed = []
        for _ in range(n):
            outcome = self.patrol.visit(self.db, self.camera.code, self.clock.now())
            assert outcome.ok and outcome.result is not None
            for z in outcome.result.zones:
                if z.filing is not None and z.filing.created:
                    filed.append(self.db.get_one(Case, z.filing.case_id))
            self.clock.advance(minutes=1)
        return filed

    def verified(self, case: Case, photo_dir: Path) -> None:
        """The unit moves the bikes, reports it with an after photo; the desk verifies and
        closes the case."""
        now, db = self.clock.now(), self.db
        apply_action(db, case, CaseAction.ACCEPT, ActionInput(), actor="unit", now=now)
        after = Photo(PhotoKind.AFTER, self.view.street.jpeg([]), "image/jpeg")
        handled = ActionInput(photos=(after,), photo_dir=photo_dir)
        apply_action(db, case, CaseAction.REPORT_HANDLED, handled, actor="unit", now=now)
        apply_action(db, case, CaseAction.VERIFY, ActionInput(), actor="op1", now=now)
        apply_action(db, case, CaseAction.CLOSE, ActionInput(), actor="op1", now=now)


@pytest.fixture
def site(db: Session, clock: ManualClock, detector: YoloDetector, tmp_path: Path) -> Site:
    return Site(db, clock, detector, tmp_path)


def test_a_false_alarm_raises_the_zone_threshold_and_the_scene_files_no_more(
    site: Site, db: Session, tmp_path: Path
) -> None:
    view = site.view
    view.things = [view.street.bike_a, view.street.bike_b]
    (case,) = site.patrols(4)
    (frame,) = db.scalars(select(CaseFrame).where(CaseFrame.case_id == case.id))
    assert frame.label is Label.PENDING and frame.zone_id == site.zone.id
    scores = [b["score"] for b in frame.boxes]
    assert len(scores) >= 1 and all(b["kind"] == "bike" for b in frame.boxes)
    assert site.zone.min_score == 0.4

    # The operator finds a bike stand there, not parked bikes.
    marked = outcomes.mark_false_alarm(
        db,
        case,
        "bike stand, not parking",
        actor="operator op1",
        by_unit=False,
        now=site.clock.now(),
    )
    assert (marked.action, marked.frames, case.state) == ("void", 1, CaseState.VOIDED)
    assert site.zone.min_score == pytest.approx(max(scores) + 0.01, abs=1e-3)
    (change,) = thresholds.history(db, site.camera.id)
    assert (change.old_score, change.new_score) == (0.4, site.zone.min_score)
    assert "1 false alarm" in change.reason
    day = db.scalar(select(FalseDaily).where(FalseDaily.camera_id == site.camera.id))
    assert day is not None and day.false_alarms == 1

    assert site.patrols(5) == []  # the same scene files no more

    thresholds.revert(db, change.id, site.clock.now(), by="operator op1")
    assert site.zone.min_score == 0.4
    (again,) = site.patrols(4)  # reverted: the scene files again

    # This time the unit finds parked bikes, moves them, and the closing is verified.
    site.verified(again, tmp_path / "photos")
    now = site.clock.now()
    (verified,) = db.scalars(select(CaseFrame).where(CaseFrame.case_id == again.id))
    assert verified.label is Label.TRUE
    assert thresholds.from_outcomes(db, site.zone, now) == []  # 1 true, 1 false: kept

    exported = outcomes.export_dataset(db, tmp_path / "dataset")
    assert exported.counts == {"CAM-JS-328S/false_alarm": 1, "CAM-JS-328S/true": 1}
    labels_dir = tmp_path / "dataset" / "labels" / "CAM-JS-328S"
    texts = {p.name: p.read_text() for p in sorted(labels_dir.glob("*.txt"))}
    negative = texts.pop(f"{frame.id:07d}.txt")
    assert negative == ""  # a hard negative: the image with no boxes
    (positive,) = texts.values()
    assert [line.split()[0] for line in positive.splitlines()] == ["0"] * len(verified.boxes)
    image = tmp_path / "dataset" / "images" / "CAM-JS-328S" / f"{frame.id:07d}.jpg"
    assert image.read_bytes()[:2] == b"\xff\xd8"
    assert (tmp_path / "dataset" / "classes.txt").read_text() == "bicycle\nwaste_pile\n"


def test_a_recurring_static_detection_is_learned_as_background_and_cleared(
    site: Site, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        background, "RULES", background.StaticRules(min_hits=4, min_span=timedelta(minutes=3))
    )
    view = site.view
    view.things = [view.street.waste_big]  # never taken away: to the patrol, part of the scene

    def wastes() -> int:
        outcome = site.patrol.visit(db, site.camera.code, site.clock.now())
        site.clock.advance(minutes=1)
        assert outcome.result is not None
        return sum(d.kind == "waste" for d in outcome.result.detections)

    seen = [wastes() for _ in range(6)]
    assert seen[:4] == [1, 1, 1, 1] and seen[4:] == [0, 0]  # learned at the 4th patrol
    (spot,) = db.scalars(select(StaticSpot).where(StaticSpot.camera_id == site.camera.id))
    assert spot.learned and spot.hits == 4 and spot.suppressed == 2
    day = db.scalar(select(FalseDaily).where(FalseDaily.camera_id == site.camera.id))
    assert day is not None and day.suppressed == 2

    view.things = [view.street.waste_small]  # the picture there changes: not the background
    assert wastes() == 1

    background.clear(db, spot.id)
    view.things = [view.street.waste_big]
    assert wastes() == 1  # cleared: it counts again (and must be learned anew)


def test_the_unit_marks_a_false_alarm_through_its_api(
    site: Site, db: Session, client: TestClient, clock: ManualClock
) -> None:
    view = site.view
    view.things = [view.street.bike_a]
    (case,) = site.patrols(4)
    assert case.unit is not None
    headers = bearer(issue_unit_token(db, case.unit, clock.now(), UNIT_TOKEN_TTL))
    url = f"/api/v1/vision/cases/{case.number}/false-alarm"
    assert client.post(url, json={"reason": ""}, headers=headers).status_code == 422
    accepted = client.post(f"/api/v1/cases/{case.number}/actions/accept", json={}, headers=headers)
    assert accepted.status_code == 200, accepted.text
    marked = client.post(url, json={"reason": "a parked delivery trike"}, headers=headers)
    assert marked.status_code == 200, marked.text
    assert marked.json()["action"] == "send_back"
    assert case.state is CaseState.FILED  # back to the desk, which may void it
    assert marked.json()["threshold"] > 0.4
    learned = client.get(f"/api/v1/vision/cameras/{site.camera.code}/learning", headers=headers)
    assert learned.status_code == 403  # a unit does not read the cameras


def test_the_operator_marks_a_false_alarm_on_the_case_page(
    site: Site, db: Session, client: TestClient, clock: ManualClock
) -> None:
    view = site.view
    view.things = [view.street.bike_a]
    (case,) = site.patrols(4)
    _staff, csrf = sign_in_as(client, db, clock, Role.OPERATOR)
    page = client.get(f"/ops/cases/{case.number}").text
    assert 'id="false-alarm-form"' in page
    marked = client.post(
        f"/ops/cases/{case.number}/false-alarm",
        data={"csrf": csrf, "reason": "a bike rack"},
        follow_redirects=False,
    )
    assert marked.status_code == 303
    assert case.state is CaseState.VOIDED
    assert case.events[-1].reason == "false alarm: a bike rack"
    camera_page = client.get(f"/ops/cameras/{site.camera.code}").text
    assert "0.40 → " in camera_page and "1 次误报、0 次核实" in camera_page
    other = client.get(f"/ops/cases/{case.number}").text
    assert 'id="false-alarm-form"' not in other  # voided: nothing more to mark


@pytest.mark.parametrize(
    ("current", "true", "false", "expected"),
    [
        (0.4, [], [0.7], 0.71),  # one false alarm, nothing verified: just above it
        (0.4, [0.9, 0.85], [0.6], 0.61),  # above the false alarm, the true ones kept
        (0.4, [0.5, 0.55], [0.9], 0.4),  # a raise would lose every true one: kept
        (0.4, [0.9, 0.9, 0.9, 0.9], [0.5], 0.4),  # precision 80% already: kept
        (0.4, [], [0.995], 0.4),  # above the cap: kept
        (0.7, [], [0.5], 0.7),  # never lowered
    ],
)
def test_the_threshold_proposed_from_outcomes(
    current: float, true: list[float], false: list[float], expected: float
) -> None:
    assert thresholds.propose(current, true, false) == pytest.approx(expected)


def test_an_object_behind_an_open_case_is_not_learned_as_background(
    site: Site, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        background, "RULES", background.StaticRules(min_hits=4, min_span=timedelta(minutes=3))
    )
    site.add_collection_point()
    site.view.things = [site.view.street.waste_big]  # a real pile, reported and left there
    filed = site.patrols(6)
    assert len(filed) == 1
    (spot,) = db.scalars(select(StaticSpot).where(StaticSpot.camera_id == site.camera.id))
    assert spot.hits == 6 and not spot.learned


def test_false_alarms_on_two_zones_raise_the_camera_floor(
    site: Site, db: Session, client: TestClient, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(thresholds, "TARGETS", thresholds.Targets(camera_false=2))
    pile_zone = site.add_collection_point()
    view = site.view
    view.things = [view.street.bike_a, view.street.waste_big]  # a bike stand, a painted kerb
    filed = site.patrols(4)
    assert {c.dedupe_key for c in filed} == {
        service.dedupe_key(site.camera, site.zone),
        service.dedupe_key(site.camera, pile_zone),
    }
    scores = []
    for case in filed:
        (frame,) = outcomes.frames_of(db, case)
        scores += [b["score"] for b in frame.boxes]
        outcomes.mark_false_alarm(
            db, case, "nothing there", actor="op1", by_unit=False, now=clock.now()
        )
    floor = next(c for c in thresholds.history(db, site.camera.id) if c.zone_id is None)
    assert (floor.old_score, floor.new_score) == (0.0, site.camera.min_score)
    assert site.camera.min_score == pytest.approx(max(scores) + 0.01, abs=1e-3)
    assert "on the camera's zones together" in floor.reason
    # A zone drawn later on this camera starts from the floor.
    later = service.add_zone(
        db,
        site.camera,
        ZoneCreate(name="east", rule=RuleKind.NO_PARKING, polygon=NO_PARKING_ZONE),
        clock.now(),
    )
    assert later.min_score == 0.4 and service.effective_min_score(later) == site.camera.min_score

    _staff, csrf = sign_in_as(client, db, clock, Role.OPERATOR)
    page = client.get(f"/ops/cameras/{site.camera.code}").text
    assert "整个摄像头" in page and 'id="camera-floor"' in page
    reverted = client.post(
        f"/ops/cameras/{site.camera.code}/threshold-changes/{floor.id}/revert",
        data={"csrf": csrf},
        follow_redirects=False,
    )
    assert reverted.status_code == 303
    db.refresh(site.camera)
    assert site.camera.min_score == 0.0 and service.effective_min_score(later) == 0.4


def test_an_operator_fixes_the_boxes_of_a_labelled_frame(
    site: Site, db: Session, client: TestClient, clock: ManualClock, tmp_path: Path
) -> None:
    view = site.view
    view.things = [view.street.bike_a]
    (case,) = site.patrols(4)
    (frame,) = outcomes.frames_of(db, case)
    with pytest.raises(Conflict, match="waits for its case's outcome"):
        outcomes.review_frame(db, frame.id, [], Label.TRUE, by="op1", now=clock.now())
    outcomes.mark_false_alarm(db, case, "a bike stand", actor="op1", by_unit=False, now=clock.now())
    assert frame.real_objects() == []  # a false alarm: what was counted is not there

    _staff, csrf = sign_in_as(client, db, clock, Role.OPERATOR)
    listing = client.get(f"/ops/cameras/{site.camera.code}/frames?label=false_alarm").text
    assert f'data-frame="{frame.id}"' in listing
    url = f"/ops/cameras/{site.camera.code}/frames/{frame.id}"
    review = client.get(url).text
    assert 'id="review-form"' in review and '"detected": [{' in review
    assert client.get(f"{url}.jpg").content[:2] == b"\xff\xd8"

    def save(boxes: str, label: str = "false_alarm") -> str:
        saved = client.post(url, data={"csrf": csrf, "boxes": boxes, "label": label})
        assert saved.status_code == 200  # back on the review page, with what happened
        return saved.text

    assert "第 1 个标注框：类别须为单车或垃圾堆。" in save(
        '[{"kind": "car", "box": [1, 2, 30, 40]}]'
    )
    assert "第 1 个标注框太小或超出画面" in save('[{"kind": "waste", "box": [400, 2, 420, 40]}]')
    assert "请在画面上绘制标注框。" in save("{not json")
    assert frame.truth is None
    # Not a parked bike, but a real pile the patrol missed stands by the kerb.
    save('[{"kind": "waste", "box": [240, 205, 272.4, 239]}]')
    db.refresh(frame)
    assert frame.truth == [{"kind": "waste", "box": [240.0, 205.0, 272.4, 239.0]}]
    assert frame.label is Label.FALSE_ALARM and frame.reviewed_by

    outcomes.export_dataset(db, tmp_path / "set")
    label = (tmp_path / "set" / "labels" / site.camera.code / f"{frame.id:07d}.txt").read_text()
    assert [line.split()[0] for line in label.splitlines()] == ["1"]  # waste_pile

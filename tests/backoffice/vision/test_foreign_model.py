"""A model with other class names at another size, as a subdistrict plugs in a COCO model
(ZHILI_VISION_WEIGHTS, ZHILI_VISION_CLASS_MAP, ZHILI_VISION_IMGSZ): the patrol the back office
assembles from those settings runs it at 416 (the shipped model runs at 320) and files a case
for parked bikes.

The model is made here, offline: the shipped detector's network with an 80-class COCO head whose
`bicycle` class (id 1) is the shipped bike class and whose other classes never fire."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice import wiring
from backoffice.cases.models import Case
from backoffice.cases.seed import seed_reference_data
from backoffice.clock import ManualClock
from backoffice.settings import Settings
from backoffice.vision import service
from backoffice.vision.config import SHIPPED_CLASS_MAP, SHIPPED_WEIGHTS, VisionSettings
from backoffice.vision.detector import YoloDetector
from backoffice.vision.models import SourceKind
from backoffice.vision.rules import RuleKind
from backoffice.vision.schemas import CameraCreate, ZoneCreate
from backoffice.vision.yolo import yolo_class
from tests.backoffice.vision.scenes import NO_PARKING_ZONE, Street
from tests.conftest import TEST_REACH


def coco_names() -> dict[int, str]:
    import ultralytics

    coco = Path(ultralytics.__file__).parent / "cfg" / "datasets" / "coco.yaml"
    names: dict[int, str] = yaml.safe_load(coco.read_text())["names"]
    return names


def coco_style_model(path: Path) -> Path:
    import torch
    from torch import nn

    model = yolo_class()(str(SHIPPED_WEIGHTS)).model
    bike = next(i for i, n in model.names.items() if SHIPPED_CLASS_MAP.get(n) == "bike")
    names = coco_names()
    bicycle = next(i for i, n in names.items() if n == "bicycle")
    head = model.model[-1]
    for branch in head.cv3:
        old = branch[-1]
        new = nn.Conv2d(old.in_channels, len(names), 1)
        with torch.no_grad():
            new.weight.zero_()
            new.bias.fill_(-30.0)  # sigmoid(-30): the other 79 classes never fire
            new.weight[bicycle] = old.weight[bike]
            new.bias[bicycle] = old.bias[bike]
        branch[-1] = new
    head.nc = len(names)
    head.no = head.nc + head.reg_max * 4
    model.yaml["nc"] = head.nc
    model.names = names
    torch.save({"model": model.half(), "train_args": {"task": "detect", "imgsz": 416}}, path)
    return path


@pytest.fixture(scope="module")
def coco_weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return coco_style_model(tmp_path_factory.mktemp("coco") / "coco-style.pt")


def test_the_settings_describe_a_coco_model_by_its_class_map_and_size(
    coco_weights: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZHILI_VISION_WEIGHTS", str(coco_weights))
    monkeypatch.setenv("ZHILI_VISION_CLASS_MAP", '{"bicycle": "bike"}')
    monkeypatch.setenv("ZHILI_VISION_IMGSZ", "416")
    s = VisionSettings()
    detector = YoloDetector(s.weights, s.class_map, imgsz=s.imgsz, confidence=s.confidence)
    assert len(detector.model.names) == 80
    assert detector.class_ids == {1: "bike"}  # COCO's class 1; person, car, ... are ignored
    assert detector.imgsz == 416


def test_the_patrol_files_a_case_with_a_coco_style_model_at_416(
    db: Session,
    clock: ManualClock,
    coco_weights: Path,
    tmp_path: Path,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed_reference_data(db)
    # The patrol as the back office assembles it (wiring.patrol), from ZHILI_VISION_* alone.
    monkeypatch.setenv("ZHILI_VISION_WEIGHTS", str(coco_weights))
    monkeypatch.setenv("ZHILI_VISION_CLASS_MAP", '{"bicycle": "bike"}')
    monkeypatch.setenv("ZHILI_VISION_IMGSZ", "416")
    patrol = wiring.patrol(settings, VisionSettings())
    detector = patrol.detector()
    assert isinstance(detector, YoloDetector)
    assert (detector.weights, detector.imgsz) == (coco_weights, 416)
    assert detector.class_ids == {1: "bike"}
    street = Street()
    picture = tmp_path / "cam.jpg"
    picture.write_bytes(street.jpeg([street.bike_a, street.bike_b, street.waste_big]))
    found = detector.detect(street.frame([street.bike_a, street.bike_b, street.waste_big]))
    assert sorted(d.kind for d in found if d.score >= 0.4) == ["bike", "bike"]  # no waste class
    camera = service.create_camera(
        db,
        CameraCreate(
            code="CAM-COCO",
            name="Jiangsu Road 328, a COCO model",
            road_code="JSL-R01",
            lon=121.4327,
            lat=31.2150,
            source_kind=SourceKind.FILE,
            source_url=str(picture),
            interval_s=60,
        ),
        clock.now(),
        TEST_REACH,
    )
    service.add_zone(
        db,
        camera,
        ZoneCreate(
            name="no parking",
            rule=RuleKind.NO_PARKING,
            polygon=NO_PARKING_ZONE,
            dwell_s=120,
            inertia=2,
        ),
        clock.now(),
    )
    outcomes = []
    for _ in range(4):
        outcomes += patrol.visit_due(db, clock.now())
        clock.advance(minutes=1)
    assert [o.ok for o in outcomes] == [True] * 4
    filings = [z.filing for o in outcomes if o.result for z in o.result.zones if z.filing]
    assert [(f.created, f.dispatched_to) for f in filings] == [(True, "BIKE-HELLO")]
    case = db.scalars(select(Case).where(Case.id == filings[0].case_id)).one()
    assert "CAM-COCO" in case.description
    assert (camera.frame_width, camera.frame_height) == (320, 240)

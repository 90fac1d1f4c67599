"""From outcomes to a new model, through the real patrol on rendered frames and the commands an
operator runs: the frames behind a false alarm and a verified case exported as a dataset, a
tiny fine-tune on them, the result registered as a candidate that shadows the active model on
the patrols, a comparison scored against the outcomes, the promotion the patrol then runs on,
and the rollback to the configured weights."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cli import main
from backoffice.clock import ManualClock
from backoffice.db import create_db_engine
from backoffice.errors import BadInput, Conflict
from backoffice.settings import get_settings
from backoffice.vision.config import SHIPPED_WEIGHTS
from backoffice.vision.detector import YoloDetector
from backoffice.vision.learning import outcomes, registry
from backoffice.vision.learning.models import DetectorModel, Label, ModelRole, ShadowLook
from backoffice.vision.learning.registry import ModelRegistry, sampled
from backoffice.vision.learning.shadow import Comparison, Score
from backoffice.wiring import session_factory
from tests.backoffice.vision.learning.test_loop import Site

FINE_TUNED_MAP = '{"bicycle": "bike", "waste_pile": "waste"}'


@pytest.fixture
def database(
    fresh_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Session]:
    """A committed database the commands reach too (ZHILI_DATABASE_URL), and its session."""
    monkeypatch.setenv("ZHILI_DATABASE_URL", fresh_database)
    monkeypatch.setenv("ZHILI_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    engine = create_db_engine(fresh_database)
    db = session_factory(engine)()
    try:
        yield db
    finally:
        db.close()
        engine.dispose()
        get_settings.cache_clear()


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, dict]:
    code = main(argv)
    out = capsys.readouterr().out
    return code, out, json.loads(out.splitlines()[-1]) if out.strip() else {}


def test_outcomes_to_a_promoted_model_and_back(
    database: Session,
    detector: YoloDetector,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db, clock = database, ManualClock()
    models = ModelRegistry(lambda: detector, tmp_path / "data" / "models")
    south = Site(db, clock, detector, tmp_path, models=models)
    north = Site(db, clock, detector, tmp_path, code="CAM-HS-200N", seed=5, models=models)

    # Outcomes: on one camera the bikes are a bike stand (a false alarm), on the other they were
    # parked bikes the unit moved (verified).
    south.view.things = [south.view.street.bike_a, south.view.street.bike_b]
    (stand,) = south.patrols(4)
    now = clock.now()
    outcomes.mark_false_alarm(db, stand, "a bike stand", actor="op1", by_unit=False, now=now)
    north.view.things = [north.view.street.bike_a]
    (parked,) = north.patrols(4)
    north.verified(parked, tmp_path / "photos")
    north.view.things = []  # moved: the zone's condition ends
    assert north.patrols(2) == []
    db.commit()

    code, out, _ = run(["vision", "export-dataset", str(tmp_path / "set")], capsys)
    assert code == 0
    assert "CAM-HS-200N/true 1, CAM-JS-328S/false_alarm 1" in out

    # A tiny fine-tune: one epoch at 160 px, one camera trained on, the other held out.
    tuned = tmp_path / "tuned.pt"
    argv = ["vision", "train", "--data", str(tmp_path / "set"), "--from", str(SHIPPED_WEIGHTS)]
    argv += ["--epochs", "1", "--imgsz", "160", "--weights", str(tuned)]
    argv += ["--workdir", str(tmp_path / "work")]
    code, _, trained = run(argv, capsys)
    assert code == 0 and trained["weights"] == str(tuned) and tuned.is_file()

    # Registered as the candidate, shadowing every patrol (share 1).
    argv = ["vision", "candidate", str(tuned), "--name", "tuned-1", "--share", "1"]
    argv += ["--imgsz", "160", "--class-map", FINE_TUNED_MAP]
    assert main(argv) == 0
    assert "candidate model 1 (tuned-1) shadows the active one on 100% of patrols" in (
        capsys.readouterr().out
    )
    db.expire_all()
    candidate = registry.of_role(db, ModelRole.CANDIDATE)
    assert candidate is not None and candidate.imgsz == 160

    # Parked bikes again by the north camera: both models look at each frame; the looks after
    # the case is filed hang on it, and its verified closing decides them.
    north.view.things = [north.view.street.bike_a, north.view.street.bike_b]
    (again,) = north.patrols(5)
    looks = list(db.scalars(select(ShadowLook).order_by(ShadowLook.id)))
    assert len(looks) == 5 and {look.zone_id for look in looks} == {north.zone.id}
    assert all(look.active_met for look in looks[1:])  # inertia 2: from the second patrol
    during = sum(look.case_id == again.id for look in looks)
    assert during >= 2 and [look.case_id for look in looks][-during:] == [again.id] * during
    north.verified(again, tmp_path / "photos")
    db.commit()

    code, out, compared = run(["vision", "compare"], capsys)
    assert code == 0
    assert "candidate tuned-1 against active the configured weights" in out
    assert "labelled frames replayed: 3 (at the zones' thresholds now)" in out
    assert compared["looks"] == 5 and compared["replayed"] == 3
    active_score = compared["active_score"]
    # The active model saw the bikes on every look during the verified case and on both
    # verified frames; the false alarm's frame, replayed at its zone's raised threshold, no
    # longer files.
    assert (active_score["tp"], active_score["fn"]) == (during + 2, 0)
    assert (active_score["fp"], active_score["tn"]) == (0, 1)
    assert compared["decided"] == during + 3
    tally = compared["candidate_score"]
    assert tally["tp"] + tally["fn"] == during + 2 and tally["fp"] + tally["tn"] == 1

    # promote acts on the verdict it prints; --force overrides a "keep".
    code, out, promoted = run(["vision", "promote"], capsys)
    assert promoted["verdict"] == compared["verdict"]
    assert promoted["promoted"] == (compared["verdict"] == "promote")
    assert code == (0 if promoted["promoted"] else 1)
    if not promoted["promoted"]:
        assert "not promoted: the candidate is not better; --force promotes it anyway" in out
        code, out, promoted = run(["vision", "promote", "--force"], capsys)
        assert code == 0 and promoted["promoted"]
    assert "promoted: model 1 (tuned-1) is the patrol's detector" in out
    db.expire_all()
    active = registry.of_role(db, ModelRole.ACTIVE)
    assert active is not None and active.name == "tuned-1" and "verdict" in active.note

    # The next visit runs the promoted model, whatever process makes it: read from the
    # database, its weights kept on disk by their hash.
    pick = models.pick(db, north.camera.code, clock.now())
    running = pick.active()
    assert isinstance(running, YoloDetector) and running.imgsz == 160
    assert running.weights.name == f"{active.sha256}.pt" and pick.candidate is None
    assert north.patrols(1) == []
    db.commit()

    code, out, back = run(["vision", "rollback"], capsys)
    assert code == 0 and back == {"retired": "tuned-1", "active": None}
    assert "the patrol runs the configured weights (ZHILI_VISION_WEIGHTS)" in out
    db.expire_all()
    assert models.pick(db, north.camera.code, clock.now()).active() is detector
    code = main(["vision", "rollback"])
    assert code == 2
    assert "No registered model is active" in capsys.readouterr().err


def test_rollback_puts_the_model_before_back(database: Session, tmp_path: Path) -> None:
    db, now = database, ManualClock().now()
    for name in ("first", "second"):
        registry.register_candidate(
            db,
            SHIPPED_WEIGHTS,
            name=name,
            class_map={"shared_bike": "bike", "waste_pile": "waste"},
            imgsz=320,
            share=0.2,
            now=now,
            by="ops",
        )
        registry.promote(db, now, "by hand")
        now = now.replace(minute=now.minute + 1)
    back = registry.rollback(db, now)
    assert back.retired.name == "second" and back.active is not None
    assert back.active.name == "first" and back.active.role is ModelRole.ACTIVE
    roles = dict(db.execute(select(DetectorModel.name, DetectorModel.role)).all())
    assert roles == {"first": ModelRole.ACTIVE, "second": ModelRole.RETIRED}
    with pytest.raises(Conflict, match="no candidate model"):
        registry.promote(db, now, "")
    with pytest.raises(BadInput, match="more than 0"):
        registry.register_candidate(
            db, SHIPPED_WEIGHTS, name="x", class_map={}, imgsz=320, share=0, now=now, by="ops"
        )


def test_a_candidate_that_is_not_a_model_is_refused(
    database: Session, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.pt"
    broken.write_bytes(b"not a model")
    assert main(["vision", "candidate", str(broken)]) == 2
    assert "is not a YOLO weights file ultralytics can load" in capsys.readouterr().err
    argv = ["vision", "candidate", str(SHIPPED_WEIGHTS), "--class-map", '{"bicycle": "bike"}']
    assert main(argv) == 2
    assert "which" in capsys.readouterr().err  # the class map names a class it lacks
    assert main(["vision", "compare"]) == 2
    assert "There is no candidate model" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("active", "candidate", "better"),
    [
        (Score(tp=4, fp=1), Score(tp=4, fp=0, tn=1), True),  # the false alarm avoided
        (Score(tp=3, fn=1), Score(tp=4), True),  # one more real find
        (Score(tp=4, fp=1), Score(tp=4, fp=1), False),  # the same: keep what runs
        (Score(tp=4, fp=1), Score(tp=3, fn=1, tn=1), False),  # fewer false, but a miss
        (Score(), Score(), False),  # nothing decided yet
    ],
)
def test_the_verdict(active: Score, candidate: Score, better: bool) -> None:
    c = Comparison("new", "old")
    c.live = {"active": active, "candidate": candidate}
    assert c.better is better
    assert c.as_json()["verdict"] == ("promote" if better else "keep")


def test_the_sample_is_the_same_whichever_process_decides() -> None:
    now = ManualClock().now()
    picks = [sampled(f"CAM-{i}", now, 0.25) for i in range(400)]
    assert picks == [sampled(f"CAM-{i}", now, 0.25) for i in range(400)]
    assert 60 <= sum(picks) <= 140  # about a quarter
    assert not any(sampled(f"CAM-{i}", now, 0.0) for i in range(50))
    assert Label.TRUE.value == "true"

"""`vision train --data DIR --from WEIGHTS`: fine-tuning on a subdistrict's labelled frames,
validated on whole cameras held out, resumable (a tiny smoke run: two epochs at 160 px, the
first interrupted)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import pytest

from backoffice.cli import main
from backoffice.vision.config import SHIPPED_WEIGHTS
from backoffice.vision.training.datasets import label_lines
from backoffice.vision.training.evaluate import load_labelled_set
from backoffice.vision.training.finetune import FinetuneConfig, finetune, site_of, split_by_site
from backoffice.vision.yolo import yolo_class
from tests.backoffice.vision.scenes import Street
from tests.backoffice.vision.test_train import Interrupted, interrupt_after_first_epoch

CAMERAS = ("CAM-328S", "CAM-LANE200", "CAM-YUYUAN", "CAM-HUASHAN", "CAM-WUDING")


def three_frames_per_camera(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / "classes.txt").write_text("bicycle\nwaste_pile\n")
    for k, camera in enumerate(CAMERAS):
        street = Street(seed=3 + k)
        for i, things in enumerate(([street.bike_a], [street.bike_b, street.waste_big], [])):
            images, labels = root / "images" / camera, root / "labels" / camera
            images.mkdir(parents=True, exist_ok=True)
            labels.mkdir(parents=True, exist_ok=True)
            frame = street.frame(things)
            cv2.imwrite(str(images / f"{i}.jpg"), frame)
            boxes = [(0 if t.kind == "bike" else 1, t.box) for t in things]
            (labels / f"{i}.txt").write_text("\n".join(label_lines(boxes, 320, 240)) + "\n")
    return root


def test_the_split_keeps_each_camera_whole_and_is_stable(tmp_path: Path) -> None:
    data = load_labelled_set(three_frames_per_camera(tmp_path / "set"))
    split = split_by_site(data, val_share=0.2)
    assert len(split.val) == 1 and len(split.train) == 4
    assert set(split.val) | set(split.train) == set(CAMERAS)
    assert all(site_of(p) == site for site, paths in split.val.items() for p in paths)
    assert split_by_site(data, val_share=0.2) == split
    assert site_of(Path("/x/frames/CAM12_20260501T0800.jpg")) == "CAM12"


def test_fine_tuning_trains_on_some_cameras_and_validates_on_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = three_frames_per_camera(tmp_path / "set")
    out, work = tmp_path / "ours.pt", tmp_path / "w"
    # A run killed after its first epoch, then the same command again: it resumes.
    config = FinetuneConfig(epochs=2, imgsz=160)
    with pytest.raises(Interrupted):
        finetune(
            data,
            SHIPPED_WEIGHTS,
            out,
            config,
            work,
            callbacks={"on_model_save": interrupt_after_first_epoch},
        )
    argv = ["vision", "train", "--data", str(data), "--from", str(SHIPPED_WEIGHTS)]
    argv += ["--epochs", "2", "--imgsz", "160", "--weights", str(out), "--workdir", str(work)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "resumed an interrupted run after epoch 1" in printed
    train_sites = printed.split("training sites: ")[1].splitlines()[0].split(", ")
    val_sites = printed.split("validation sites (held out whole): ")[1].splitlines()[0].split(", ")
    assert sorted(train_sites + val_sites) == sorted(CAMERAS) and len(val_sites) == 1
    listed = (work / "split" / "train.txt").read_text()
    assert f"/{val_sites[0]}/" not in listed
    assert (
        """ZHILI_VISION_CLASS_MAP='{"bicycle": "bike", "waste_pile": "waste"}' """
        "ZHILI_VISION_IMGSZ=160" in printed
    )
    # the start and the result scored on the held-out camera's frames, at the zone threshold
    assert "before (zhili-patrol-yolo11n-320.pt at 160), on the 3 held-out frames: 3 images" in (
        printed
    )
    assert "after (ours.pt at 160), on the 3 held-out frames: 3 images" in printed
    figures = json.loads(printed.splitlines()[-1])
    assert figures["val_sites"] == val_sites and figures["resumed_after"] == 1
    for name in ("before", "after"):
        assert figures[name]["images"] == 3 and figures[name]["min_score"] == 0.4
        assert figures[name]["classes"]["bike"]["targets"] == 2
        assert figures[name]["classes"]["waste"]["targets"] == 1
    # a short fine-tune on frames of the look the start model knows keeps what it could do
    # (ultralytics' automatic AdamW wrecked it in one step: mAP50 0.995 -> 0.009)
    assert figures["before"]["map50"] >= 0.9, figures["before"]
    assert figures["after"]["map50"] >= 0.9, figures["after"]
    assert figures["after"]["false_per_frame"] <= 0.5, figures["after"]
    assert "scores lower than the one it started from" not in printed
    model = yolo_class()(str(out))
    assert model.names == {0: "bicycle", 1: "waste_pile"}
    rows = (work / "runs" / "finetune" / "results.csv").read_text().splitlines()
    assert [r.split(",")[0].strip() for r in rows[1:]] == ["1", "2"]


def test_fine_tuning_needs_frames_from_two_cameras(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = three_frames_per_camera(tmp_path / "set")
    for camera in CAMERAS[1:]:
        for sub in ("images", "labels"):
            for p in (data / sub / camera).iterdir():
                p.unlink()
            (data / sub / camera).rmdir()
    argv = ["vision", "train", "--data", str(data), "--from", str(SHIPPED_WEIGHTS), "--epochs", "1"]
    assert main(argv) == 2
    assert "needs frames from at least two cameras or sites" in capsys.readouterr().err


def test_a_fine_tune_that_scores_lower_on_the_held_out_cameras_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = three_frames_per_camera(tmp_path / "set")
    argv = ["vision", "train", "--data", str(data), "--from", str(SHIPPED_WEIGHTS)]
    argv += ["--epochs", "1", "--imgsz", "160", "--lr0", "0.01", "--freeze", "0"]  # too harsh
    argv += ["--weights", str(tmp_path / "worse.pt"), "--workdir", str(tmp_path / "w")]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    figures = json.loads(printed.splitlines()[-1])
    assert figures["after"]["map50"] < figures["before"]["map50"]
    assert "scores lower than the one it started from on the held-out sites: keep the old" in (
        printed
    )

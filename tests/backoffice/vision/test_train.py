"""`vision train` on generated scenes: one resumable command that leaves a style out of training
and scores the model on it (a tiny smoke run: 8 scenes, 64 px, two epochs, interrupted after
the first and resumed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from backoffice.cli import main
from backoffice.vision.training.datasets import STYLES, train_styles
from backoffice.vision.training.train import TrainConfig, run_dir, train
from backoffice.vision.yolo import yolo_class


class Interrupted(Exception):
    """Stands for a killed process: raised once the first epoch's checkpoint is written."""


def interrupt_after_first_epoch(trainer: Any) -> None:
    if trainer.epoch == 0:
        raise Interrupted


def test_a_style_is_left_out_of_training_whichever_it_is() -> None:
    for style in STYLES:
        assert style not in train_styles(style)
        assert set(train_styles(style)) | {style} == set(STYLES)
    assert train_styles("flat") == ("solid", "wire", "solid", "random")
    with pytest.raises(ValueError, match="unknown style"):
        train_styles("photo")


def test_an_interrupted_run_resumes_and_reports_the_left_out_style(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work, out = tmp_path / "work", tmp_path / "model.pt"
    config = TrainConfig(images=8, epochs=2, imgsz=64, leave_out="wire")
    with pytest.raises(Interrupted):
        train(out, config, work, callbacks={"on_model_save": interrupt_after_first_epoch})
    assert not out.exists()

    argv = ["vision", "train", "--images", "8", "--epochs", "2", "--imgsz", "64"]
    argv += ["--leave-out", "wire", "--eval-images", "2", "--workdir", str(work)]
    argv += ["--weights", str(out)]
    assert main(argv) == 0
    printed = capsys.readouterr().out.splitlines()
    assert "resumed an interrupted run after epoch 1" in printed
    assert any(line.startswith("wire (LEFT OUT of training): 2 images, mAP50 ") for line in printed)
    assert any(line.endswith("(>= 0.6): do not promote it") for line in printed)
    figures = json.loads(printed[-1])
    assert figures["left_out"] == "wire" and figures["resumed_after"] == 1
    assert set(figures["styles"]) == set(STYLES)
    assert figures["class_map"] == {"bicycle": "bike", "waste_pile": "waste"}
    assert 0.0 <= figures["left_out_map50"] <= 1.0 and figures["cpu_minutes"] > 0

    # both epochs ran, the second after the resume; no scene of the left-out style was trained on
    rows = (run_dir(work.resolve(), config) / "results.csv").read_text().splitlines()
    assert [r.split(",")[0].strip() for r in rows[1:]] == ["1", "2"]
    trained_on = list((work / "data-8-without-wire" / "images" / "train").iterdir())
    assert len(trained_on) == 8 and not [p for p in trained_on if p.name.startswith("wire")]
    assert yolo_class()(str(out)).names == {0: "bicycle", 1: "waste_pile"}

"""The shipped model's accuracy on held-out generated scenes (other seeds, other light, other
distractors), printed by the evaluation command as one JSON line; below 0.9 mAP50 fails."""

from __future__ import annotations

import json

import pytest

from backoffice.cli import main
from backoffice.vision.config import SHIPPED_WEIGHTS


def test_the_shipped_weights_are_small() -> None:
    assert SHIPPED_WEIGHTS.stat().st_size < 8 * 1024 * 1024


def test_the_evaluation_command_prints_map50_of_at_least_0_9(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["vision", "evaluate", "--seed", "11", "--images", "40", "--styles", "flat"]
    assert main(argv) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    scores = json.loads(line)["flat"]  # the generator it was trained on
    assert scores["images"] == 40
    assert set(scores["classes"]) == {"bike", "waste"}
    assert scores["map50"] >= 0.9, scores
    assert 0 < scores["map50_95"] <= scores["map50"]

"""The vision benchmark runs end to end at a tiny size: the patrol path against raw predict on
the same frames, the raw-against-raw spread beside it, and the JSON line last (the figures
themselves are not asserted: tests never judge wall-clock time)."""

from __future__ import annotations

import json

import pytest

from bench import vision

KEYS = {
    "frame_size",
    "imgsz",
    "patrol_ms",
    "raw_ms",
    "patrol_over_raw",
    "patrol_over_raw_p10_p90",
    "raw_over_raw",
    "raw_over_raw_p10_p90",
    "cameras_at_1_per_min",
    "condition_to_dispatch_ms",
}


def test_the_benchmark_prints_the_patrol_against_raw_and_the_raw_spread(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert vision.main(["--frames", "2", "--cases", "1", "--frame-size", "640x360"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    result = json.loads(lines[-1])
    assert set(result) == KEYS
    assert (result["frame_size"], result["imgsz"]) == ("640x360", 320)
    assert all(result[k] > 0 for k in ("patrol_ms", "raw_ms", "patrol_over_raw", "raw_over_raw"))
    assert any(line.startswith("raw b / raw a, per frame (noise):") for line in lines)

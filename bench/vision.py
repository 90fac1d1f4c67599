"""AI patrol benchmark: the full patrol path against raw `model.predict` on the same frames, the
spread of raw against raw (so a ratio above 1 can be read as noise or not), cameras at one frame
a minute, and the time from a met condition to a dispatched case.

    .venv/bin/python -m bench.vision [--frames 60] [--cases 20] [--frame-size 1280x720]

The detector is the one ZHILI_VISION_WEIGHTS, _CLASS_MAP and _IMGSZ name (the shipped one unless
set), so a subdistrict's own model is measured the way the patrol runs it.

The patrol path is `Patrol.visit` on a camera that reads a JPEG file: grab and decode, detect,
zone rules, store the latest frame, file (every frame with bikes in the no-parking zone files
or adds evidence), commit. Raw is `model.predict` on the decoded frame. For each frame the two
run back to back, with a second raw run, in rotating order, so all three see the same load.
The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np

from backoffice.cases.seed import seed_reference_data
from backoffice.clock import ManualClock
from backoffice.db import create_db_engine, session_scope
from backoffice.migrate import upgrade
from backoffice.vision import frames, service
from backoffice.vision.config import get_vision_settings
from backoffice.vision.detector import YoloDetector, shared_detector
from backoffice.vision.models import SourceKind
from backoffice.vision.patrol import Patrol, SourceLimits
from backoffice.vision.rules import RuleKind, ZoneState
from backoffice.vision.schemas import CameraCreate, ZoneCreate
from backoffice.vision.sources import Reach
from backoffice.vision.training.datasets import Stream, scene
from backoffice.wiring import session_factory

NO_PARKING = ((0.02, 0.3), (0.98, 0.3), (0.98, 0.99), (0.02, 0.99))
COLLECTION = ((0.6, 0.55), (0.98, 0.55), (0.98, 0.98), (0.6, 0.98))


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def patrol_against_raw(detector: YoloDetector, jpegs: list[bytes]) -> dict[str, list[float]]:
    """Milliseconds per frame: the patrol's visit, raw predict, and raw predict again."""
    decoded = [cv2.imdecode(np.frombuffer(j, np.uint8), cv2.IMREAD_COLOR) for j in jpegs]
    timings: dict[str, list[float]] = {"patrol": [], "raw_a": [], "raw_b": []}
    with tempfile.TemporaryDirectory(prefix="zhili-bench-vision-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        upgrade(url)
        factory = session_factory(create_db_engine(url))
        clock = ManualClock()
        picture = Path(tmp) / "camera.jpg"
        with session_scope(factory) as db:
            seed_reference_data(db)
            camera = service.create_camera(
                db,
                CameraCreate(
                    code="CAM-BENCH",
                    name="bench",
                    road_code="JSL-R01",
                    lon=121.4327,
                    lat=31.215,
                    source_kind=SourceKind.FILE,
                    source_url=str(picture),
                ),
                clock.now(),
                Reach(file_dirs=(Path(tmp),)),
            )
            for name, rule, polygon in (
                ("no parking", RuleKind.NO_PARKING, NO_PARKING),
                ("collection", RuleKind.COLLECTION_POINT, COLLECTION),
            ):
                zone = ZoneCreate(
                    name=name,
                    rule=rule,
                    polygon=[list(p) for p in polygon],
                    dwell_s=0,
                    inertia=1,
                    repeat_every_s=60,
                )
                service.add_zone(db, camera, zone, clock.now())
        patrol = Patrol(
            detector=lambda: detector,
            limits=SourceLimits(reach=Reach(file_dirs=(Path(tmp),))),
            photo_dir=Path(tmp) / "photos",
        )
        detector.predict_raw(decoded[:1])  # warm-up

        def visit() -> None:
            with session_scope(factory) as db:
                outcome = patrol.visit(db, "CAM-BENCH", clock.now())
            assert outcome.ok, outcome.error

        picture.write_bytes(jpegs[0])
        visit()  # warm-up: the first frame, the zones' first look
        for i, (jpeg, frame) in enumerate(zip(jpegs, decoded, strict=True)):
            picture.write_bytes(jpeg)
            clock.advance(minutes=1)
            runs = [
                ("patrol", visit),
                ("raw_a", lambda f=frame: detector.predict_raw([f])),
                ("raw_b", lambda f=frame: detector.predict_raw([f])),
            ]
            for name, run in runs[i % 3 :] + runs[: i % 3]:
                start = time.perf_counter()
                run()
                timings[name].append((time.perf_counter() - start) * 1000)
    return timings


def condition_to_dispatch(detector: YoloDetector, cases: int) -> list[float]:
    """Milliseconds from the frame on which a zone's condition has held its dwell time to the
    case filed, dispatched by rule and committed (one camera and zone per case)."""
    from backoffice.vision.training.street import NO_PARKING_ZONE, Street

    street = Street()
    frame = street.frame([street.bike_a, street.bike_b])
    detections = detector.detect(frame)
    timings = []
    with tempfile.TemporaryDirectory(prefix="zhili-bench-vision-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        upgrade(url)
        factory = session_factory(create_db_engine(url))
        now = datetime(2026, 11, 2, 3, 30, tzinfo=UTC)
        with session_scope(factory) as db:
            seed_reference_data(db)
            for i in range(cases):
                camera = service.create_camera(
                    db,
                    CameraCreate(
                        code=f"CAM-B{i:03d}",
                        name=f"bench {i}",
                        road_code="JSL-R01",
                        lon=121.4327,
                        lat=31.215,
                        source_kind=SourceKind.PUSH,
                    ),
                    now,
                )
                zone = service.add_zone(
                    db,
                    camera,
                    ZoneCreate(
                        name="no parking",
                        rule=RuleKind.NO_PARKING,
                        polygon=NO_PARKING_ZONE,
                        dwell_s=60,
                        inertia=1,
                    ),
                    now,
                )
                # the bikes stood there since a minute ago: this frame meets the condition
                zone.state = ZoneState(since=now - timedelta(minutes=1), seen=1).to_json()
        photos = Path(tmp) / "photos"
        for i in range(cases):
            start = time.perf_counter()
            with session_scope(factory) as db:
                camera = service.get_camera(db, f"CAM-B{i:03d}")
                result = frames.process_frame(db, camera, frame, detections, now, photo_dir=photos)
            timings.append((time.perf_counter() - start) * 1000)
            filing = result.zones[0].filing
            assert filing is not None and filing.dispatched_to == "BIKE-HELLO", result
    return timings


def _size(text: str) -> tuple[int, int]:
    width, _, height = text.partition("x")
    try:
        return int(width), int(height)
    except ValueError:
        raise argparse.ArgumentTypeError("expected WIDTHxHEIGHT, e.g. 1280x720") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=60, help="generated frames (60)")
    parser.add_argument("--cases", type=int, default=20, help="condition-to-dispatch trials")
    parser.add_argument(
        "--frame-size",
        type=_size,
        default=(1280, 720),
        help="the camera's frame size: scenes are drawn, scaled to it and JPEG-encoded (1280x720)",
    )
    args = parser.parse_args(argv)

    # The detector the settings name (ZHILI_VISION_WEIGHTS, _CLASS_MAP, _IMGSZ), as the patrol
    # loads it: a subdistrict benches its own model the same way.
    vision = get_vision_settings()
    detector = shared_detector(
        vision.weights, vision.class_map, imgsz=vision.imgsz, confidence=vision.confidence
    )
    jpegs = []
    for i in range(args.frames):
        drawn, _ = scene("solid", 9_000_000 + i, Stream.HELDOUT)
        sized = cv2.resize(drawn, args.frame_size, interpolation=cv2.INTER_LINEAR)
        ok, buf = cv2.imencode(".jpg", sized, [cv2.IMWRITE_JPEG_QUALITY, 90])
        assert ok
        jpegs.append(buf.tobytes())
    t = patrol_against_raw(detector, jpegs)
    patrol, raw_a, raw_b = (statistics.median(t[k]) for k in ("patrol", "raw_a", "raw_b"))
    raw = statistics.median(t["raw_a"] + t["raw_b"])
    over = [p / ((a + b) / 2) for p, a, b in zip(t["patrol"], t["raw_a"], t["raw_b"], strict=True)]
    noise = [b / a for a, b in zip(t["raw_a"], t["raw_b"], strict=True)]
    width, height = args.frame_size
    print(
        f"frames: {len(jpegs)} generated {width}x{height} JPEG scenes (solid style, "
        f"{statistics.mean(len(j) for j in jpegs) / 1024:.0f} KiB each), model "
        f"{vision.weights.name} at {vision.imgsz}, torch threads as ultralytics sets them"
    )
    print(
        f"raw model.predict:                 median {raw:7.1f} ms/frame "
        f"(runs a {raw_a:.1f}, b {raw_b:.1f})"
    )
    print(
        "patrol visit (grab+decode, detect, rules, latest frame, file, commit): "
        f"median {patrol:7.1f} ms/frame"
    )
    print(
        f"patrol / raw, per frame:           median {statistics.median(over):.3f} "
        f"(p10 {_percentile(over, 10):.3f}, p90 {_percentile(over, 90):.3f})"
    )
    print(
        f"raw b / raw a, per frame (noise):  median {statistics.median(noise):.3f} "
        f"(p10 {_percentile(noise, 10):.3f}, p90 {_percentile(noise, 90):.3f}); a patrol / raw "
        "ratio inside this spread is noise"
    )
    print(f"cameras at 1 frame a minute:       {int(60_000 / patrol)}")
    timings = condition_to_dispatch(detector, args.cases)
    print(
        f"condition met -> case filed, dispatched, committed: median "
        f"{statistics.median(timings):.1f} ms, max {max(timings):.1f} ms over {len(timings)}"
    )
    print(
        json.dumps(
            {
                "frame_size": f"{width}x{height}",
                "imgsz": vision.imgsz,
                "patrol_ms": round(patrol, 1),
                "raw_ms": round(raw, 1),
                "patrol_over_raw": round(statistics.median(over), 3),
                "patrol_over_raw_p10_p90": [
                    round(_percentile(over, 10), 3),
                    round(_percentile(over, 90), 3),
                ],
                "raw_over_raw": round(statistics.median(noise), 3),
                "raw_over_raw_p10_p90": [
                    round(_percentile(noise, 10), 3),
                    round(_percentile(noise, 90), 3),
                ],
                "cameras_at_1_per_min": int(60_000 / patrol),
                "condition_to_dispatch_ms": round(max(timings), 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

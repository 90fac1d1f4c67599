"""`zhili-backoffice vision train|evaluate`: train the shipped detector on generated scenes or
fine-tune a detector on labelled frames; score a detector on generated scenes or on a labelled
set, the way the patrol uses it (class map, size, thresholds)."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from backoffice.vision.yolo import ROOT


def _json_object(text: str) -> dict[str, str]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not JSON: {exc}") from exc
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise argparse.ArgumentTypeError(
            'expected a JSON object of names, e.g. {"bicycle": "bike"}'
        )
    return {str(k): v for k, v in value.items()}


def _grid(text: str) -> tuple[int, int]:
    columns, _, rows = text.partition("x")
    if not (columns.isdigit() and rows.isdigit() and 1 <= int(columns) <= 8 >= int(rows) >= 1):
        raise argparse.ArgumentTypeError("expected COLUMNSxROWS, 1 to 8 each, e.g. 3x2")
    return int(columns), int(rows)


def _train(args: argparse.Namespace) -> int:
    if args.data is not None:
        return _finetune(args)
    from backoffice.vision.config import get_vision_settings
    from backoffice.vision.training.train import (
        DEFAULT_OUT,
        TRAINED_CLASS_MAP,
        TrainConfig,
        score_trained,
        train,
    )

    config = TrainConfig(
        seed=args.seed,
        images=args.images or TrainConfig.images,
        epochs=args.epochs or TrainConfig.epochs,
        threads=args.threads,
        imgsz=args.imgsz,
        leave_out=args.leave_out,
        jobs=args.jobs,
        device=args.device,
    )
    settings = get_vision_settings()
    with contextlib.redirect_stdout(sys.stderr), _ultralytics_log_to(sys.stderr):
        trained = train(args.weights or DEFAULT_OUT, config, args.workdir)
        reports = score_trained(
            trained.weights,
            config,
            images=args.eval_images,
            min_score=args.min_score,
            confidence=settings.confidence,
        )
    if trained.resumed_after is not None:
        print(f"resumed an interrupted run after epoch {trained.resumed_after}")
    print(
        f"trained {config.architecture} at {config.imgsz} on {config.images} scenes "
        f"({', '.join(sorted(set(config.styles)))}; {config.leave_out} left out; seed "
        f"{config.seed}; epochs: {config.epochs}) -> {trained.weights}"
    )
    print(
        f"this run: {trained.cpu_s / 60:.1f} CPU-minutes, {trained.wall_s / 60:.1f} minutes by "
        f"the clock, {config.threads} torch thread(s)"
    )
    print(f"scored on {args.eval_images} held-out scenes per style (seed 7):")
    for style, report in reports.items():
        seen = "LEFT OUT of training" if style == config.leave_out else "trained on"
        print("\n".join(report.lines(f"{style} ({seen})")))
    trained_on = [r.map50 for s, r in reports.items() if s != config.leave_out]
    held_out, left_out = sum(trained_on) / len(trained_on), reports[config.leave_out].map50
    ready = held_out >= PROMOTE_HELD_OUT and left_out >= PROMOTE_LEFT_OUT
    print(
        f"held-out mAP50 {held_out:.3f} (to promote: >= {PROMOTE_HELD_OUT}), left-out "
        f"{left_out:.3f} (>= {PROMOTE_LEFT_OUT}): "
        + ("worth checking on real photos before promoting" if ready else "do not promote it")
    )
    print(
        json.dumps(
            {
                "weights": str(trained.weights),
                "class_map": TRAINED_CLASS_MAP,
                "imgsz": config.imgsz,
                "left_out": config.leave_out,
                "left_out_map50": round(left_out, 4),
                "held_out_map50": round(held_out, 4),
                "cpu_minutes": round(trained.cpu_s / 60, 2),
                "resumed_after": trained.resumed_after,
                "styles": {s: r.as_json() for s, r in reports.items()},
            }
        )
    )
    return 0


def _finetune(args: argparse.Namespace) -> int:
    from backoffice.vision.config import get_vision_settings
    from backoffice.vision.detector import DetectorError
    from backoffice.vision.training.evaluate import DatasetError
    from backoffice.vision.training.finetune import (
        FinetuneConfig,
        class_map_hint,
        finetune,
        score_held_out_sites,
    )

    if args.from_weights is None:
        print("vision train --data needs --from WEIGHTS (the model to start from)", file=sys.stderr)
        return 2
    config = FinetuneConfig(
        epochs=args.epochs or FinetuneConfig.epochs,
        imgsz=args.imgsz,
        val_share=args.val_share,
        threads=args.threads,
        seed=args.seed,
        lr0=args.lr0,
        freeze=args.freeze,
        device=args.device,
    )
    out = args.weights or ROOT / "var" / "vision-finetune" / "model.pt"
    workdir = args.workdir or out.parent / "work"
    settings = get_vision_settings()
    try:
        with contextlib.redirect_stdout(sys.stderr), _ultralytics_log_to(sys.stderr):
            tuned = finetune(args.data, args.from_weights, out, config, workdir)
            reports = score_held_out_sites(
                tuned,
                args.from_weights,
                config.imgsz,
                min_score=args.min_score,
                confidence=settings.confidence,
            )
    except (DatasetError, DetectorError, FileNotFoundError) as exc:
        print(f"vision train: {exc}", file=sys.stderr)
        return 2
    if tuned.resumed_after is not None:
        print(f"resumed an interrupted run after epoch {tuned.resumed_after}")
    print(f"training sites: {', '.join(sorted(tuned.split.train))}")
    print(f"validation sites (held out whole): {', '.join(sorted(tuned.split.val))}")
    print(
        f"fine-tuned {args.from_weights} for {config.epochs} epochs at {config.imgsz} -> "
        f"{tuned.weights}"
    )
    held_out = sum(len(paths) for paths in tuned.split.val.values())
    for name, report in reports.items():
        model = args.from_weights if name == "before" else tuned.weights
        title = f"{name} ({model.name} at {config.imgsz}), on the {held_out} held-out frames"
        print("\n".join(report.lines(title)))
    if reports["after"].map50 < reports["before"].map50:
        print(
            "the fine-tuned model scores lower than the one it started from on the held-out "
            "sites: keep the old one (more frames or sites, more epochs, a lower --lr0)"
        )
    hint = json.dumps(class_map_hint(tuned.data))
    print(
        f"use it with ZHILI_VISION_WEIGHTS={tuned.weights} ZHILI_VISION_CLASS_MAP='{hint}' "
        f"ZHILI_VISION_IMGSZ={config.imgsz}"
    )
    print(
        json.dumps(
            {
                "weights": str(tuned.weights),
                "class_map": class_map_hint(tuned.data),
                "imgsz": config.imgsz,
                "train_sites": sorted(tuned.split.train),
                "val_sites": sorted(tuned.split.val),
                "resumed_after": tuned.resumed_after,
                **{name: r.as_json() for name, r in reports.items()},
            }
        )
    )
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from backoffice.vision.config import get_vision_settings
    from backoffice.vision.detector import DetectorError, YoloDetector
    from backoffice.vision.training.evaluate import (
        DatasetError,
        Report,
        evaluate_set,
        evaluate_sites,
        evaluate_styles,
    )

    settings = get_vision_settings()
    weights = args.weights or settings.weights
    class_map = args.class_map or settings.class_map
    imgsz = args.imgsz or settings.imgsz
    reports: dict[str, Report]
    # stdout carries the figures and the JSON line; ultralytics' logging goes to stderr.
    try:
        with contextlib.redirect_stdout(sys.stderr), _ultralytics_log_to(sys.stderr):
            tiles = args.tiles or settings.tile_grid
            detector = YoloDetector(weights, class_map, imgsz=imgsz, confidence=0.001, tiles=tiles)
            if args.data is not None:
                report = evaluate_set(
                    detector,
                    args.data,
                    split=args.split,
                    labels_map=args.labels_map,
                    min_score=args.min_score,
                    confidence=settings.confidence,
                )
                reports = {str(args.data): report}
                if args.by_site:
                    sites = evaluate_sites(
                        detector,
                        args.data,
                        split=args.split,
                        labels_map=args.labels_map,
                        min_score=args.min_score,
                        confidence=settings.confidence,
                    )
                    reports.update({f"site {site}": r for site, r in sites.items()})
            else:
                reports = evaluate_styles(
                    detector,
                    images=args.images,
                    seed=args.seed,
                    styles=args.styles,
                    min_score=args.min_score,
                    confidence=settings.confidence,
                )
    except (DatasetError, DetectorError) as exc:
        print(f"vision evaluate: {exc}", file=sys.stderr)
        return 2
    tiled = "" if tiles == (1, 1) else f", with {tiles[0]}x{tiles[1]} tiles"
    print(f"model {weights} at {imgsz}{tiled}, class map {json.dumps(class_map)}")
    for name, report in reports.items():
        print("\n".join(report.lines(name)))
    print(json.dumps({name: r.as_json() for name, r in reports.items()}))
    return 0


@contextlib.contextmanager
def _ultralytics_log_to(stream: TextIO) -> Iterator[None]:
    from backoffice.vision.yolo import offline_environment

    offline_environment()
    from ultralytics.utils import LOGGER

    handlers = [h for h in LOGGER.handlers if isinstance(h, logging.StreamHandler)]
    # Swapped, not setStream(): that flushes the old stream, which may be closed by now (the
    # handler keeps whatever stream was current when ultralytics was first imported).
    previous = [h.stream for h in handlers]
    for handler in handlers:
        handler.stream = stream
    try:
        yield
    finally:
        for handler, old in zip(handlers, previous, strict=True):
            handler.stream = old


# What a trained model must reach before it replaces the shipped one (assets/models/README.md).
PROMOTE_HELD_OUT = 0.9
PROMOTE_LEFT_OUT = 0.6

# The generators (backoffice.vision.training.datasets.STYLES), named here so that building the
# command line imports no image code.
STYLES = ("solid", "wire", "random", "flat")


def add_vision_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    vision = sub.add_parser("vision", help="AI patrol detector: train and evaluate")
    vision_sub = vision.add_subparsers(dest="vision_command", required=True)
    train = vision_sub.add_parser(
        "train",
        help="train a detector on generated scenes with one style left out, resumable, and score "
        "it on every style; or fine-tune one on labelled frames (--data DIR --from WEIGHTS), "
        "split by camera or site",
    )
    train.add_argument("--seed", type=int, default=0, help="scene and training seed (0)")
    train.add_argument("--images", type=int, help="generated training scenes (2400)")
    train.add_argument("--epochs", type=int, help="epochs (12 generated, 20 fine-tuning)")
    train.add_argument("--threads", type=int, default=1, help="torch threads (1)")
    train.add_argument(
        "--weights", type=Path, help="output .pt (under var/vision-train or var/vision-finetune)"
    )
    train.add_argument("--workdir", type=Path, help="scenes and checkpoints, kept to resume")
    train.add_argument("--data", type=Path, help="a YOLO-format labelled set to fine-tune on")
    train.add_argument("--from", dest="from_weights", type=Path, help="weights to fine-tune")
    train.add_argument("--imgsz", type=int, default=416, help="training size (416)")
    train.add_argument(
        "--leave-out",
        choices=STYLES,
        default="flat",
        help="generator left out of training and scored as a look never seen (flat)",
    )
    train.add_argument(
        "--lr0", type=float, default=0.001, help="fine-tuning learning rate, SGD (0.001)"
    )
    train.add_argument(
        "--freeze",
        type=int,
        default=10,
        help="fine-tuning: first layers kept as they are (10, the backbone; 0 trains all)",
    )
    train.add_argument(
        "--jobs", type=int, default=1, help="processes drawing the generated scenes (1)"
    )
    train.add_argument(
        "--device",
        default="cpu",
        help="ultralytics' training device: cpu, or 0 for the first GPU (cpu; only the CPU has "
        "been tried here)",
    )
    train.add_argument(
        "--eval-images",
        type=int,
        default=60,
        help="held-out scenes per style the trained model is scored on (60)",
    )
    train.add_argument(
        "--min-score", type=float, default=0.4, help="the zones' minimum score (0.4)"
    )
    train.add_argument(
        "--val-share", type=float, default=0.2, help="share of sites held out whole (0.2)"
    )
    train.set_defaults(func=_train)
    evaluate = vision_sub.add_parser(
        "evaluate",
        help="per-class mAP, precision and recall at the configured thresholds, false detections "
        "per frame; on held-out generated scenes of every style or on --data DIR",
    )
    evaluate.add_argument(
        "--data",
        type=Path,
        help="a YOLO-format labelled set (data.yaml or images/ labels/ classes.txt)",
    )
    evaluate.add_argument("--split", default="val", help="the data.yaml split to score (val)")
    evaluate.add_argument(
        "--by-site",
        action="store_true",
        help="--data: scores camera by camera too (images/<camera>/... or CAMERA_*.jpg)",
    )
    evaluate.add_argument(
        "--labels-map", type=_json_object, help='set class -> bike|waste, e.g. {"trash": "waste"}'
    )
    evaluate.add_argument("--weights", type=Path, help=".pt to score (ZHILI_VISION_WEIGHTS)")
    evaluate.add_argument(
        "--class-map", type=_json_object, help="model class -> bike|waste (ZHILI_VISION_CLASS_MAP)"
    )
    evaluate.add_argument("--imgsz", type=int, help="inference size (ZHILI_VISION_IMGSZ)")
    evaluate.add_argument(
        "--tiles", type=_grid, help="tiles besides the whole frame, e.g. 3x2 (ZHILI_VISION_TILES)"
    )
    evaluate.add_argument(
        "--min-score", type=float, default=0.4, help="the zones' minimum score (0.4)"
    )
    evaluate.add_argument("--seed", type=int, default=7, help="held-out scene seed (7)")
    evaluate.add_argument("--images", type=int, default=100, help="held-out scenes per style (100)")
    evaluate.add_argument(
        "--styles", nargs="+", choices=STYLES, default=list(STYLES), help="generators to score"
    )
    evaluate.set_defaults(func=_evaluate)

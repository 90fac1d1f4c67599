"""`zhili-backoffice vision ...`: train the shipped detector on generated scenes or fine-tune a
detector on labelled frames; score a detector on generated scenes or on a labelled set, the way
the patrol uses it (class map, size, thresholds); export the frames the case outcomes labelled;
register a candidate model to shadow the active one, compare them on the outcomes, promote the
candidate or roll back."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from backoffice.vision.yolo import ROOT

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from backoffice.vision.learning.registry import ModelRegistry
    from backoffice.vision.learning.shadow import Comparison


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


@contextlib.contextmanager
def _database() -> Iterator[Session]:
    """A session on the back office's database (migrated first), committed at the end."""
    from backoffice.db import create_db_engine, make_session_factory, session_scope
    from backoffice.migrate import upgrade
    from backoffice.settings import get_settings

    url = get_settings().resolved_database_url()
    upgrade(url)
    with session_scope(make_session_factory(create_db_engine(url))) as db:
        yield db


def _registry() -> ModelRegistry:
    """The registered models as the patrol loads them (vision settings, the data folder)."""
    from backoffice.settings import get_settings
    from backoffice.vision.config import get_vision_settings
    from backoffice.vision.detector import configured_detector
    from backoffice.vision.learning.registry import ModelRegistry

    vision = get_vision_settings()
    return ModelRegistry(
        fallback=configured_detector,
        cache_dir=get_settings().data_dir / "models",
        confidence=vision.confidence,
        tiles=vision.tile_grid,
    )


def _candidate(args: argparse.Namespace) -> int:
    from backoffice.clock import SystemClock
    from backoffice.errors import DomainError
    from backoffice.vision.config import get_vision_settings
    from backoffice.vision.detector import DetectorError
    from backoffice.vision.learning.registry import register_candidate

    vision = get_vision_settings()
    try:
        with _database() as db, _ultralytics_log_to(sys.stderr):
            model = register_candidate(
                db,
                args.weights,
                name=args.name or args.weights.name,
                class_map=args.class_map or vision.class_map,
                imgsz=args.imgsz or vision.imgsz,
                share=args.share,
                now=SystemClock().now(),
                by=args.by,
            )
            model_id, name = model.id, model.name
    except (DetectorError, DomainError, OSError) as exc:
        print(f"vision candidate: {exc}", file=sys.stderr)
        return 2
    print(
        f"candidate model {model_id} ({name}) shadows the active one on {args.share:.0%} of "
        "patrols; compare them with: zhili-backoffice vision compare"
    )
    return 0


def _comparison(db: Session, replay: bool) -> Comparison:
    from backoffice.errors import Conflict
    from backoffice.vision.learning import registry, shadow
    from backoffice.vision.learning.models import ModelRole

    candidate = registry.of_role(db, ModelRole.CANDIDATE)
    if candidate is None:
        raise Conflict("There is no candidate model to promote: register one first.")
    active = registry.of_role(db, ModelRole.ACTIVE)
    active_name = active.name if active is not None else "the configured weights"
    detectors = None
    if replay:
        models = _registry()
        models.refresh(db)
        ref = next(r for r in models.refs() if r.id == candidate.id)
        detectors = (models.active(), models.load(ref))
    return shadow.compare(db, candidate, active_name, detectors)


def _compare_and_act(args: argparse.Namespace) -> int:
    """vision compare | promote: print the comparison; promote acts on it."""
    from backoffice.clock import SystemClock
    from backoffice.errors import DomainError
    from backoffice.vision.learning import registry

    acting = args.vision_command == "promote"
    try:
        with _database() as db, _ultralytics_log_to(sys.stderr):
            with contextlib.redirect_stdout(sys.stderr):
                comparison = _comparison(db, replay=not args.no_replay)
            print("\n".join(comparison.lines()))
            figures = comparison.as_json()
            if acting and (comparison.better or args.force):
                note = "\n".join(comparison.lines())
                if not comparison.better:
                    note += f"\npromoted against the verdict by {args.by}"
                promoted = registry.promote(db, SystemClock().now(), note)
                print(f"promoted: model {promoted.id} ({promoted.name}) is the patrol's detector")
                figures["promoted"] = True
            elif acting:
                print("not promoted: the candidate is not better; --force promotes it anyway")
                figures["promoted"] = False
    except DomainError as exc:
        print(f"vision {args.vision_command}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(figures))
    return 1 if acting and not figures["promoted"] else 0


def _rollback(args: argparse.Namespace) -> int:
    from backoffice.clock import SystemClock
    from backoffice.errors import DomainError
    from backoffice.vision.learning import registry

    try:
        with _database() as db:
            back = registry.rollback(db, SystemClock().now())
            retired = back.retired.name
            now_active = back.active.name if back.active is not None else None
    except DomainError as exc:
        print(f"vision rollback: {exc}", file=sys.stderr)
        return 2
    print(
        f"rolled back: {retired} retired; the patrol runs "
        + (now_active or "the configured weights (ZHILI_VISION_WEIGHTS)")
    )
    print(json.dumps({"retired": retired, "active": now_active}))
    return 0


def _export_dataset(args: argparse.Namespace) -> int:
    from backoffice.vision.learning.outcomes import export_dataset

    with _database() as db:
        exported = export_dataset(db, args.dir)
    counts = ", ".join(f"{k} {v}" for k, v in sorted(exported.counts.items())) or "no frames"
    print(f"{exported.root}: {counts}")
    print(json.dumps({"dir": str(exported.root), "counts": exported.counts}))
    return 0


def add_vision_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    vision = sub.add_parser(
        "vision",
        help="AI patrol detector: train and evaluate, export the outcomes, shadow and promote",
    )
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
    export = vision_sub.add_parser(
        "export-dataset",
        help="the frames behind AI cases labelled by their outcomes, as a YOLO dataset: verified "
        "closings with their boxes, false alarms as hard negatives (empty label files), split "
        "by camera (images/<camera>/, labels/<camera>/, classes.txt)",
    )
    export.add_argument("dir", type=Path, help="output folder")
    export.set_defaults(func=_export_dataset)
    candidate = vision_sub.add_parser(
        "candidate",
        help="register a model to run in the shadow of the active one on a sample of patrols "
        "(it replaces the candidate before it)",
    )
    candidate.add_argument("weights", type=Path, help="YOLO detection .pt")
    candidate.add_argument("--name", help="what to call it (the file's name)")
    candidate.add_argument(
        "--class-map", type=_json_object, help="model class -> bike|waste (ZHILI_VISION_CLASS_MAP)"
    )
    candidate.add_argument("--imgsz", type=int, help="inference size (ZHILI_VISION_IMGSZ)")
    candidate.add_argument(
        "--share", type=float, default=0.2, help="share of patrols it shadows (0.2)"
    )
    candidate.add_argument("--by", default="ops", help="who registers it, for the record")
    candidate.set_defaults(func=_candidate)
    for name, text in (
        (
            "compare",
            "score the candidate and the active model against the case outcomes: the patrols "
            "it shadowed, and every labelled frame replayed through both",
        ),
        (
            "promote",
            "print the comparison and, when the candidate is better, make it the patrol's "
            "detector (every process takes it at its next camera visit)",
        ),
    ):
        act = vision_sub.add_parser(name, help=text)
        act.add_argument(
            "--no-replay",
            action="store_true",
            help="score the shadowed patrols only (no replay of the labelled frames)",
        )
        if name == "promote":
            act.add_argument(
                "--force", action="store_true", help="promote even when it is not better"
            )
            act.add_argument("--by", default="ops", help="who promotes it, for the record")
        act.set_defaults(func=_compare_and_act)
    back = vision_sub.add_parser(
        "rollback",
        help="retire the active model and put the one before it back (or the configured weights)",
    )
    back.set_defaults(func=_rollback)

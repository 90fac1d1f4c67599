"""`zhili-backoffice vision train|evaluate`: the shipped detector's training and evaluation."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from backoffice.vision.config import SHIPPED_WEIGHTS


def _train(args: argparse.Namespace) -> int:
    from backoffice.vision.training.train import TrainConfig, train

    config = TrainConfig(seed=args.seed, images=args.images, epochs=args.epochs)
    out = train(args.weights, config)
    print(f"trained {config.architecture} on {config.images} scenes (seed {config.seed}) -> {out}")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from backoffice.vision.training.evaluate import evaluate

    # stdout carries the one JSON line; ultralytics' progress and tables go to stderr.
    with contextlib.redirect_stdout(sys.stderr), _ultralytics_log_to(sys.stderr):
        scores = evaluate(args.weights, seed=args.seed, images=args.images)
    print(json.dumps(scores.as_json()))
    return 0


@contextlib.contextmanager
def _ultralytics_log_to(stream: TextIO) -> Iterator[None]:
    from backoffice.vision.yolo import offline_environment

    offline_environment()
    from ultralytics.utils import LOGGER

    handlers = [h for h in LOGGER.handlers if isinstance(h, logging.StreamHandler)]
    previous = [h.setStream(stream) for h in handlers]
    try:
        yield
    finally:
        for handler, old in zip(handlers, previous, strict=True):
            if old is not None:
                handler.setStream(old)


def add_vision_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    vision = sub.add_parser("vision", help="AI patrol detector: train and evaluate")
    vision_sub = vision.add_subparsers(dest="vision_command", required=True)
    train = vision_sub.add_parser("train", help="generate scenes and train the detector")
    train.add_argument("--seed", type=int, default=0, help="scene and training seed (0)")
    train.add_argument("--images", type=int, default=300, help="training scenes (300)")
    train.add_argument("--epochs", type=int, default=35, help="epochs (35)")
    train.add_argument("--weights", type=Path, default=SHIPPED_WEIGHTS, help="output .pt file")
    train.set_defaults(func=_train)
    evaluate = vision_sub.add_parser(
        "evaluate", help="mAP on held-out generated scenes; prints one JSON line"
    )
    evaluate.add_argument("--seed", type=int, default=7, help="held-out scene seed (7)")
    evaluate.add_argument("--images", type=int, default=100, help="held-out scenes (100)")
    evaluate.add_argument("--weights", type=Path, default=SHIPPED_WEIGHTS, help=".pt to score")
    evaluate.set_defaults(func=_evaluate)

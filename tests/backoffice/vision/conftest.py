"""Fixtures of the AI patrol tests: the shipped detector (loaded once) and its verifier."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from backoffice.cases.verification import unregister_verifier
from backoffice.vision import verifier
from backoffice.vision.config import SHIPPED_CLASS_MAP, SHIPPED_WEIGHTS
from backoffice.vision.detector import YoloDetector, shared_detector
from backoffice.vision.patrol import source_for


@pytest.fixture(scope="session")
def detector() -> YoloDetector:
    return shared_detector(SHIPPED_WEIGHTS, SHIPPED_CLASS_MAP, imgsz=320)


@pytest.fixture
def camera_verifier(detector: YoloDetector) -> Iterator[verifier.CameraVerifier]:
    installed = verifier.install(lambda: detector, source_for)
    yield installed
    unregister_verifier(installed.name)

"""Fixtures of the AI patrol tests: the shipped detector (loaded once) and its verifier."""

from __future__ import annotations

from functools import partial

import pytest
from sqlalchemy.orm import Session

from backoffice.cases.hooks import hooks_of
from backoffice.vision import verifier
from backoffice.vision.config import SHIPPED_CLASS_MAP, SHIPPED_WEIGHTS
from backoffice.vision.detector import YoloDetector, shared_detector
from backoffice.vision.patrol import source_for
from tests.conftest import TEST_LIMITS


@pytest.fixture(scope="session")
def detector() -> YoloDetector:
    return shared_detector(SHIPPED_WEIGHTS, SHIPPED_CLASS_MAP, imgsz=320)


@pytest.fixture
def camera_verifier(db: Session, detector: YoloDetector) -> verifier.CameraVerifier:
    """The camera verifier among the test session's case verifiers (as the app has it)."""
    installed = verifier.CameraVerifier(lambda: detector, partial(source_for, limits=TEST_LIMITS))
    hooks_of(db).verifiers.append(installed)
    return installed

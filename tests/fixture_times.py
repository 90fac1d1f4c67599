"""A pytest plugin that writes how long each fixture took to set up (``-p tests.fixture_times``,
output in $ZHILI_FIXTURE_TIMES, default var/fixture-times.json); scripts/test_times.py sums it.
The time of a fixture excludes the fixtures it requested (they are set up before it)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

_records: list[dict[str, Any]] = []


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef: Any, request: pytest.FixtureRequest) -> Generator[None]:
    started = time.perf_counter()
    yield
    _records.append(
        {
            "fixture": fixturedef.argname,
            "scope": fixturedef.scope,
            "test": request.node.nodeid,
            "seconds": round(time.perf_counter() - started, 4),
        }
    )


def pytest_sessionfinish(session: pytest.Session) -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    target = Path(os.environ.get("ZHILI_FIXTURE_TIMES", "var/fixture-times.json"))
    if worker:
        target = target.with_name(f"{target.stem}-{worker}{target.suffix}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(_records))

"""The PyInstaller build of the kiosk (kiosk.spec, one folder, every device driver), built once
per test run and run against a live back office and the device peers:

- started offscreen with every device configured, it enrolls, tells systemd it is ready and
  draws the home screen in Chinese with the shipped font; an ID card placed on the module peer
  is read by the app and identified by the back office (recorded as an ``id_card`` proof), and
  its heartbeat reports every device, the ID card reader ready;
- its self-test identifies the holder of the virtual social security card (pcscd + vpcd) and of
  the ID card on the module peer, prints a booklet page the printer peer decodes, and decodes a
  QR code from the camera peer, all through the drivers inside the build.

The build's size, build time and start time are written to test-artifacts/pyinstaller-kiosk.json.
The build runs in the SQLite pass only: the built kiosk reaches the back office over HTTP, so the
database behind it does not matter, and one build per run is enough.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select

from backoffice.db import create_db_engine
from backoffice.demo.seed import DEMO_TERMINAL
from backoffice.suishen.models import Identification
from kiosk.theme import BRAND_BLUE
from tests.conftest import ARTIFACTS, BACKEND, LiveServer, bearer
from tests.e2e.test_kiosk_enrollment import _seed
from tests.kiosk.test_selftest import (
    EXPECTED_CHECKS,
    TerminalBench,
    assert_booklet_test_page,
    summary,
)

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")
MAX_SIZE_MB = 400  # about 335 MB today, 190 of them OpenCV and its libraries

pytestmark = pytest.mark.skipif(
    BACKEND == "postgres", reason="the kiosk is built and tested once per run, in the SQLite pass"
)


@dataclass
class Figures:
    build_s: float = 0.0
    size_mb: float = 0.0
    start_to_ready_s: float | None = None
    selftest_s: float | None = None

    def save(self) -> None:
        """Into the artifacts, with what other workers measured of the same build."""
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / "pyinstaller-kiosk.json"
        known = json.loads(path.read_text()) if path.exists() else {}
        mine = {k: v for k, v in asdict(self).items() if v is not None}
        path.write_text(json.dumps({**known, **mine}) + "\n")


@dataclass
class Build:
    folder: Path
    figures: Figures

    @property
    def program(self) -> Path:
        return self.folder / "zhili-kiosk"


@pytest.fixture(scope="module")
def build(testrun_uid: str) -> Iterator[Build]:
    """The kiosk built once per test run: the first xdist worker to get here builds it (about
    30 s of CPU), the others wait on the lock and run the same build."""
    shared = Path(tempfile.gettempdir())
    work = shared / f"zhili-kiosk-build-{testrun_uid}"
    with open(shared / f"zhili-kiosk-build-{testrun_uid}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        made = work / "figures.json"
        if not made.exists():
            for old in shared.glob("zhili-kiosk-build-*"):  # earlier runs' builds
                if time.time() - old.stat().st_mtime > 3600:
                    shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink()
            (ARTIFACTS / "pyinstaller-kiosk.json").unlink(missing_ok=True)  # an earlier run's
            made.write_text(json.dumps(asdict(_build(work))))
        figures = Figures(**json.loads(made.read_text()))
    figures.save()
    yield Build(work / "dist" / "zhili-kiosk", figures)


def _build(work: Path) -> Figures:
    pyinstaller = Path(sys.executable).with_name("pyinstaller")
    started = time.monotonic()
    result = subprocess.run(
        [
            str(pyinstaller),
            str(ROOT / "kiosk.spec"),
            "--noconfirm",
            "--distpath",
            str(work / "dist"),
            "--workpath",
            str(work / "build"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    folder = work / "dist" / "zhili-kiosk"
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    return Figures(build_s=round(time.monotonic() - started, 1), size_mb=round(size / 2**20))


def built_env() -> dict[str, str]:
    """The terminal's environment: no PYTHON* variables, so nothing comes from this checkout."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}


def _wait_for(condition: Callable[[], T | None], what: str, timeout_s: float = 60) -> T:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"no {what} within {timeout_s:.0f} s")


def _proofs(live_server: LiveServer) -> list[str]:
    engine = create_db_engine(live_server.database_url)
    try:
        with engine.connect() as db:
            return [str(p) for p in db.scalars(select(Identification.proof)).all()]
    finally:
        engine.dispose()


def _manager(live_server: LiveServer) -> dict[str, str]:
    login = httpx.post(
        f"{live_server.url}/api/v1/auth/token",
        json={"username": "demo-terminal-manager", "password": "terminal-manager-demo-2026"},
    )
    return bearer(login.json()["token"])


def _reported_ready(
    live_server: LiveServer, headers: dict[str, str], names: tuple[str, ...]
) -> dict[str, Any] | None:
    """The devices the terminal's last heartbeat reported, once ``names`` are all ready."""
    url = f"{live_server.url}/api/v1/fleet/terminals/{DEMO_TERMINAL}"
    terminal = httpx.get(url, headers=headers).json()
    devices: dict[str, Any] = terminal["devices"]
    return devices if all(devices.get(n, {}).get("state") == "ready" for n in names) else None


def test_the_build_carries_every_driver(build: Build) -> None:
    bundled = {p.name for p in build.folder.rglob("*")}
    assert {"NotoSansSC-Regular.otf", "app.kv", "booklet.kv", "home.kv"} <= bundled
    internal = build.folder / "_internal"
    # The compiled parts of the drivers' libraries (their Python code is in the archive, and
    # the self-test below runs it).
    for package in ("smartcard", "PIL", "cv2", "numpy"):
        assert any((internal / package).rglob("*.so")), package
    assert (internal / "escpos" / "capabilities.json").is_file()
    assert build.figures.size_mb < MAX_SIZE_MB, f"the build grew to {build.figures.size_mb} MB"


# Its social security card reader watches pcscd's virtual readers: a card another test puts
# there would be read by both, their commands interleaved (status 6986), so it takes its turn.
@pytest.mark.pcsc
def test_the_built_kiosk_starts_enrolls_and_draws_its_home_screen(
    build: Build, live_server: LiveServer, tmp_path: Path
) -> None:
    code = _seed(live_server.database_url)
    run = tmp_path / "run"
    run.mkdir()
    # Every device configured (no card in the readers, an empty counter before the camera), so
    # the app loads every driver as a terminal does.
    bench = TerminalBench(run, live_server.url, code, cards=False, qr_payload=None)
    notify = tmp_path / "notify.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(str(notify))
    listener.settimeout(120)
    screenshot = run / "home.png"
    arguments = ["--config", str(bench.config), "--screenshot", str(screenshot)]
    log = tmp_path / "kiosk.log"
    with bench, log.open("w") as log_file:
        started = time.monotonic()
        # Its log goes to a file: a pipe nobody reads while it runs could fill and stall it.
        kiosk = subprocess.Popen(
            [str(build.program), *arguments],
            cwd=run,
            env={**built_env(), "NOTIFY_SOCKET": str(notify)},
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            messages = [listener.recv(4096).decode()]
            build.figures.start_to_ready_s = round(time.monotonic() - started, 1)
            build.figures.save()
            # Enrolled and drawn: now a resident shows an ID card on the reader.
            _wait_for(lambda: screenshot.is_file(), "the home screen's screenshot")
            bench.module.control("place")
            _wait_for(lambda: "id_card" in _proofs(live_server), "an id_card identification")
            manager = _manager(live_server)
            devices = _wait_for(
                lambda: _reported_ready(live_server, manager, ("id_card_reader",)),
                "a heartbeat with the ID card reader ready",
            )
            kiosk.send_signal(signal.SIGTERM)  # systemd stopping the unit
            kiosk.wait(timeout=60)
        finally:
            kiosk.kill()
            listener.close()
    output = log.read_text(encoding="utf-8", errors="replace")
    assert messages[0].startswith("READY=1")
    assert set(devices) == {"printer", "card_reader", "id_card_reader", "qr_camera"}
    assert kiosk.returncode == 0, output[-3000:]
    assert "device drivers are not part of this build" not in output
    assert "devices not started" not in output and "Traceback" not in output
    assert "11010519491231002X" not in output and "王秀英" not in output  # never logged
    assert (run / "var" / "kiosk" / "token.json").is_file()  # enrolled
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(screenshot, ARTIFACTS / "pyinstaller-kiosk-home.png")

    image = np.asarray(Image.open(screenshot).convert("RGB"))
    bar = image[10, image.shape[1] // 2]
    assert tuple(bar) == tuple(round(c * 255) for c in BRAND_BLUE[:3])  # the title bar
    # The home screen's words are drawn (many ink pixels on the page), not empty boxes.
    page = image[150:700]
    assert (page.sum(axis=2) < 200).sum() > 5000


@pytest.mark.pcsc
def test_the_built_kiosk_identifies_prints_and_scans(
    build: Build, live_server: LiveServer, tmp_path: Path
) -> None:
    code = _seed(live_server.database_url)
    with TerminalBench(tmp_path, live_server.url, code) as bench:
        started = time.monotonic()
        result = subprocess.run(
            [str(build.program), "--config", str(bench.config), "selftest", "--wait", "60"],
            cwd=tmp_path,
            env=built_env(),
            capture_output=True,
            text=True,
            timeout=180,
        )
        build.figures.selftest_s = round(time.monotonic() - started, 1)
        build.figures.save()
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        assert summary(result.stdout) == {"ok": True, "checks": EXPECTED_CHECKS}
        for secret in ("11010519491231002X", "王秀英"):
            assert secret not in result.stdout + result.stderr
        assert_booklet_test_page(bench.printed_pages(), dt.date.today())

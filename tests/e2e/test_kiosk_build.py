"""The PyInstaller build of the kiosk (kiosk.spec, one folder): built here, then started offscreen
against a live back office. It enrolls, tells systemd it is ready, and draws the home screen in
Chinese with the shipped font."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from kiosk.theme import BRAND_BLUE
from tests.conftest import ARTIFACTS, LiveServer
from tests.e2e.test_kiosk_enrollment import _seed

ROOT = Path(__file__).resolve().parents[2]


def _build(work: Path) -> Path:
    pyinstaller = Path(sys.executable).with_name("pyinstaller")
    build = subprocess.run(
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
        timeout=600,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    return work / "dist" / "zhili-kiosk"


def test_the_built_kiosk_starts_enrolls_and_draws_its_home_screen(
    live_server: LiveServer, tmp_path: Path
) -> None:
    folder = _build(tmp_path)
    program = folder / "zhili-kiosk"
    assert program.is_file()
    bundled = {p.name for p in folder.rglob("*")}
    assert {"NotoSansSC-Regular.otf", "app.kv", "booklet.kv", "home.kv"} <= bundled
    size_mb = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20
    assert size_mb < 150, f"the lean build grew to {size_mb:.0f} MB"

    code = _seed(live_server.database_url)
    run = tmp_path / "run"
    run.mkdir()
    config = run / "kiosk.toml"
    config.write_text(
        f'server_url = "{live_server.url}"\nenrollment_code = "{code}"\n', encoding="utf-8"
    )
    notify = tmp_path / "notify.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(str(notify))
    listener.settimeout(60)
    screenshot = run / "home.png"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    arguments = ["--config", str(config), "--screenshot", str(screenshot)]
    arguments.append("--exit-after-screenshot")
    kiosk = subprocess.Popen(
        [str(program), *arguments],
        cwd=run,
        env={**env, "NOTIFY_SOCKET": str(notify)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        messages = [listener.recv(4096).decode()]
        output, _ = kiosk.communicate(timeout=120)
    finally:
        kiosk.kill()
        listener.close()
    assert messages[0].startswith("READY=1")
    assert kiosk.returncode == 0, output[-3000:]
    assert (run / "var" / "kiosk" / "token.json").is_file()  # enrolled
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(screenshot, ARTIFACTS / "pyinstaller-kiosk-home.png")

    image = np.asarray(Image.open(screenshot).convert("RGB"))
    bar = image[10, image.shape[1] // 2]
    assert tuple(bar) == tuple(round(c * 255) for c in BRAND_BLUE[:3])  # the title bar
    # The home screen's words are drawn (many ink pixels on the page), not empty boxes.
    page = image[150:700]
    assert (page.sum(axis=2) < 200).sum() > 5000

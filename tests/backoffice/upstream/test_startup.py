"""`zhili-backoffice serve` outside demo mode refuses to start without its upstream adapters,
naming the setting to set (with them named, in-process back offices outside demo mode serve
every other test: tests/conftest.py `in_process_settings`)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx

from tests.conftest import free_port
from tests.server_launcher import ServerLauncher
from tests.upstreams import ADAPTERS


def _serve(launcher: ServerLauncher, tmp_path: Path, env: dict[str, str]) -> tuple[int | None, str]:
    port = free_port()
    log = tmp_path / "server.log"
    pid = launcher.start(["serve", "--port", str(port)], env=env, cwd=tmp_path, log=log)
    deadline = time.monotonic() + 60
    try:
        while (code := launcher.poll(pid)) is None and time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    return None, log.read_text()
            except httpx.TransportError:
                time.sleep(0.1)
        return code, log.read_text()
    finally:
        launcher.stop(pid)


def test_outside_demo_mode_the_back_office_names_the_missing_adapter(
    server_launcher: ServerLauncher, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ZHILI_DEMO"}
    env.update(
        ZHILI_DATABASE_URL=f"sqlite:///{tmp_path / 'z.sqlite3'}",
        ZHILI_DATA_DIR=str(tmp_path),
        ZHILI_CARD_VERIFIER=ADAPTERS["card_verifier"],
        ZHILI_SUISHEN_ADAPTER=ADAPTERS["suishen_adapter"],
        ZHILI_QUERY_ADAPTER=ADAPTERS["query_adapter"],
    )
    code, log = _serve(server_launcher, tmp_path, env)
    assert code == 2, log
    assert "refusing to start: ZHILI_MEDICAL_ADAPTER is not set" in log
    env["ZHILI_MEDICAL_ADAPTER"] = ADAPTERS["medical_adapter"]
    code, log = _serve(server_launcher, tmp_path, {**env, "ZHILI_MEDICAL_URL": ""})
    assert code == 2, log
    assert "refusing to start: ZHILI_MEDICAL_URL is not set" in log

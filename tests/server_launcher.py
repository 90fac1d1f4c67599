"""Starts real back-office servers quickly for the tests: one launcher process imports the back
office once (with torch and ultralytics, which its start-up loads: about 3 s of CPU a server),
then forks `zhili-backoffice serve` for each live server, each with its own environment,
working folder, log, database and port. What runs is the production command; only the imports
are shared. Nothing touches torch before the fork (its thread pools do not survive one).

Run as ``python -m tests.server_launcher``; it reads one JSON request a line on stdin and answers
one JSON line on stdout: ``{"op": "start", "env": {...}, "cwd": ..., "log": ..., "args": [...]}``
gives ``{"pid": N}``, ``{"op": "poll", "pid": N}`` and ``{"op": "stop", "pid": N}`` give
``{"returncode": None | int}``. It stops its servers when its stdin closes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO


def _preload() -> None:
    import uvicorn  # noqa: F401

    import backoffice.app
    import backoffice.cli  # noqa: F401
    from backoffice.vision import detector  # noqa: F401
    from backoffice.vision.yolo import yolo_class

    yolo_class()  # imports torch and ultralytics, offline; runs no tensor operation


def _serve(env: Mapping[str, str], cwd: str, log: str, args: Sequence[str]) -> int:
    """In the forked child: become `python -m backoffice.cli ARGS` started with ENV in CWD."""
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.close(null)
    os.close(out)
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        from backoffice.cli import main

        return main(list(args))
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else 1
    except BaseException:
        traceback.print_exc()
        return 1


def _returncode(pid: int, children: dict[int, int | None]) -> int | None:
    if children.get(pid) is None:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            children[pid] = os.waitstatus_to_exitcode(status)
    return children.get(pid)


def _stop(pid: int, children: dict[int, int | None], timeout_s: float) -> int | None:
    if _returncode(pid, children) is None:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while _returncode(pid, children) is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if _returncode(pid, children) is None:
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
            children[pid] = os.waitstatus_to_exitcode(status)
    return children[pid]


def serve_requests(requests: TextIO, answers: TextIO) -> None:
    children: dict[int, int | None] = {}
    try:
        for line in requests:
            request = json.loads(line)
            answer: dict[str, Any]
            if request["op"] == "start":
                sys.stdout.flush()
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:
                    os.close(answers.fileno())
                    code = _serve(request["env"], request["cwd"], request["log"], request["args"])
                    sys.stdout.flush()
                    sys.stderr.flush()
                    os._exit(code)
                children[pid] = None
                answer = {"pid": pid}
            elif request["op"] == "poll":
                answer = {"returncode": _returncode(request["pid"], children)}
            elif request["op"] == "stop":
                answer = {"returncode": _stop(request["pid"], children, request.get("timeout", 10))}
            else:
                answer = {"error": f"unknown op {request['op']!r}"}
            answers.write(json.dumps(answer) + "\n")
            answers.flush()
    finally:
        for pid in children:
            _stop(pid, children, 10)


class ServerLauncher:
    """The test process's end of the launcher: one per test process, started on first use."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tests.server_launcher"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parents[1],
        )
        self._lock = threading.Lock()

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self._process.stdin is not None and self._process.stdout is not None
        with self._lock:
            self._process.stdin.write(json.dumps(request) + "\n")
            self._process.stdin.flush()
            line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"the server launcher died (exit {self._process.wait()})")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def start(self, args: Sequence[str], *, env: Mapping[str, str], cwd: Path, log: Path) -> int:
        answer = self._ask(
            {"op": "start", "env": dict(env), "cwd": str(cwd), "log": str(log), "args": list(args)}
        )
        pid: int = answer["pid"]
        return pid

    def poll(self, pid: int) -> int | None:
        code: int | None = self._ask({"op": "poll", "pid": pid})["returncode"]
        return code

    def stop(self, pid: int, timeout_s: float = 10) -> int | None:
        code: int | None = self._ask({"op": "stop", "pid": pid, "timeout": timeout_s})["returncode"]
        return code

    def close(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


def main() -> None:
    # Answers go through a copy of stdout; what the imports print goes to stderr instead.
    answers = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    _preload()
    serve_requests(sys.stdin, answers)


if __name__ == "__main__":
    main()

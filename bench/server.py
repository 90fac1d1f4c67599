"""The back office in its own uvicorn process for a benchmark, as `zhili-backoffice serve` runs
it (without the access log), and its orderly stop."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from simulators.upstream_peers import UpstreamPeers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# A benchmark's back office holds no real residents: it runs in demo mode (the demo card
# verifier and Suishen issuer, which the kiosk paths use) with a secret of its own, as the test
# suite's live servers do. Neither changes the paths measured.
BENCH_ENV = {"ZHILI_DEMO": "1"}
_peers: UpstreamPeers | None = None


def upstream_env() -> dict[str, str]:
    """Where the back offices' HTTP adapters find their upstreams: the peers named in this
    process's environment (the test suite's), or peers of this benchmark process, started on
    first use (Suishen, medical insurance, card issuer), as in the demo."""
    global _peers
    if os.environ.get("ZHILI_MEDICAL_URL"):
        return {}
    if _peers is None:
        _peers = UpstreamPeers().start()
        os.environ.update(_peers.env())
    return _peers.env()


def start(
    app_factory: str, env: dict[str, str], log_path: Path, workers: int = 1
) -> tuple[subprocess.Popen[bytes], int]:
    """Start ``app_factory`` ("module:function") on a free port, in `workers` processes, and
    wait until it accepts connections; raises with the server's log when it dies or does not
    start in 120 s."""
    port = free_port()
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [
                sys.executable, "-m", "uvicorn", app_factory, "--factory",
                "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
                "--no-access-log",
                *(["--workers", str(workers), "--timeout-worker-healthcheck", "60"]
                  if workers > 1 else []),
            ],
            env={
                "ZHILI_SECRET_KEY": secrets.token_urlsafe(48),
                **BENCH_ENV,
                **upstream_env(),
                **os.environ,
                **env,
            },
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + 120
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server, port
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise RuntimeError(f"the server did not start:\n{log_path.read_text()}")
        time.sleep(0.2)


def stop(server: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    """SIGTERM, so the lifespan runs (the heartbeat writer flushes its batch), then kill."""
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        server.kill()


def cpu_s(pid: int) -> float:
    """User plus system CPU seconds a process and its live children (uvicorn's worker
    processes) have used so far (Linux /proc)."""
    total = 0.0
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        pids += [int(child) for child in children]
    for one in pids:
        fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total

"""Heartbeat throughput against a constant-JSON baseline in the same server process, with wrk.

    .venv/bin/python -m bench.heartbeat [--terminals 200] [--seconds 3] [--rounds 6]
                                        [--connections 64]

One uvicorn process serves the back office (default settings, a SQLite file in a temporary
data dir) plus `GET /bench/hello`, an `async def` returning a constant JSON object, mounted
only by this benchmark. wrk (Debian package `wrk`) drives the two endpoints in alternating
rounds from another process; its Lua script spreads heartbeats over many enrolled terminals
and counts 2xx answers.
After a clean shutdown (SIGTERM: the lifespan flushes the batched writer) the heartbeats in
the database are compared with the 2xx answers: `lost` should be 0.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import func, select

from backoffice.app import create_app
from backoffice.clock import SystemClock
from backoffice.db import create_db_engine, session_scope
from backoffice.fleet import service as fleet
from backoffice.fleet.models import Terminal, TerminalKind
from backoffice.fleet.schemas import TerminalCreate
from backoffice.migrate import upgrade
from backoffice.wiring import session_factory
from bench import server as bench_server

HEARTBEAT = {
    "app_version": "0.1.0",
    "screen": "home",
    "language": "zh",
    "elder_mode": False,
    "devices": {
        "printer": {"state": "ready"},
        "card_reader": {"state": "ready"},
        "qr_camera": {"state": "ready"},
    },
    "disk_free_mb": 20480,
}

COUNTING_LUA = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) ok = 0; bad = 0 end
function response(status, headers, body)
  if status >= 200 and status < 300 then ok = ok + 1 else bad = bad + 1 end
end
function done(summary, latency, requests)
  local total_ok, total_bad = 0, 0
  for _, t in ipairs(threads) do
    total_ok = total_ok + t:get("ok"); total_bad = total_bad + t:get("bad")
  end
  io.write(string.format("ZHILI ok=%d bad=%d\\n", total_ok, total_bad))
end
"""


def bench_app() -> FastAPI:
    """The production app plus the baseline endpoint (uvicorn --factory)."""
    app = create_app()

    @app.get("/bench/hello", include_in_schema=False)
    async def hello() -> dict[str, str]:
        return {"hello": "zhili"}

    # Routing walks the app's routes in order; put the baseline first so that it is the
    # cheapest endpoint the app can serve (the comparison errs against the heartbeat).
    app.router.routes.insert(0, app.router.routes.pop())
    app.router._mark_routes_changed()
    return app


def _seed(url: str, count: int) -> list[str]:
    upgrade(url)
    engine = create_db_engine(url)
    now = SystemClock().now()
    tokens = []
    with session_scope(session_factory(engine)) as db:
        for n in range(count):
            terminal = fleet.register_terminal(
                db,
                TerminalCreate(code=f"BENCH-{n:04d}", name=f"bench {n}", kind=TerminalKind.LOBBY),
                now,
            )
            code, _ = fleet.new_enrollment_code(
                db, terminal, now=now, ttl=timedelta(hours=1), created_by="bench"
            )
            tokens.append(fleet.enroll(db, code, "0.1.0", now)[1])
    engine.dispose()
    return tokens


def _heartbeats_in_db(url: str) -> int:
    engine = create_db_engine(url)
    with engine.connect() as conn:
        total = conn.scalar(select(func.coalesce(func.sum(Terminal.heartbeat_count), 0)))
    engine.dispose()
    return int(total or 0)


def _lua_heartbeat(tokens: list[str]) -> str:
    listed = ",\n".join(f'  "{t}"' for t in tokens)
    body = json.dumps(HEARTBEAT).replace("\\", "\\\\").replace('"', '\\"')
    return (
        f"tokens = {{\n{listed}\n}}\n"
        f'body = "{body}"\n'
        "local i = math.random(#tokens)\n"
        "request = function()\n"
        "  i = i % #tokens + 1\n"
        '  return wrk.format("POST", "/api/v1/fleet/heartbeat", {["Content-Type"] = '
        '"application/json", ["Authorization"] = "Bearer " .. tokens[i]}, body)\n'
        "end\n" + COUNTING_LUA
    )


def _wrk(url: str, script: Path, seconds: int, connections: int) -> tuple[int, int, str]:
    cmd = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        url,
    ]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    match = re.search(r"ZHILI ok=(\d+) bad=(\d+)", out)
    if match is None:
        raise RuntimeError(f"wrk printed no counts:\n{out}")
    return int(match.group(1)), int(match.group(2)), out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terminals", type=int, default=200, help="enrolled terminals")
    parser.add_argument("--seconds", type=int, default=3, help="seconds of load per round")
    parser.add_argument("--rounds", type=int, default=6, help="rounds of hello then heartbeat")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install -y wrk (scripts/setup.sh does it)")
        return 2

    workdir = Path(tempfile.mkdtemp(prefix="zhili-bench-"))
    data_dir = workdir / "data"
    url = f"sqlite:///{data_dir / 'zhili.sqlite3'}"
    tokens = _seed(url, args.terminals)
    (workdir / "hello.lua").write_text(COUNTING_LUA)
    (workdir / "heartbeat.lua").write_text(_lua_heartbeat(tokens))

    env = {"ZHILI_DATA_DIR": str(data_dir), "ZHILI_DATABASE_URL": url}
    server, port = bench_server.start("bench.heartbeat:bench_app", env, workdir / "server.log")
    base = f"http://127.0.0.1:{port}"
    try:
        # Warm both paths (token cache, imports) before measuring.
        _wrk(f"{base}/bench/hello", workdir / "hello.lua", 2, args.connections)
        warm_ok, _, _ = _wrk(base, workdir / "heartbeat.lua", 2, args.connections)
        # Alternate the two endpoints in rounds so that a change in the machine's load
        # during the run weighs on both alike.
        hello_ok = hello_bad = beat_ok = beat_bad = 0
        hello_out = beat_out = ""
        for _ in range(args.rounds):
            ok, bad, hello_out = _wrk(
                f"{base}/bench/hello", workdir / "hello.lua", args.seconds, args.connections
            )
            hello_ok, hello_bad = hello_ok + ok, hello_bad + bad
            ok, bad, beat_out = _wrk(
                base, workdir / "heartbeat.lua", args.seconds, args.connections
            )
            beat_ok, beat_bad = beat_ok + ok, beat_bad + bad
    finally:
        bench_server.stop(server)  # SIGTERM: the lifespan flushes the batch
    answered = warm_ok + beat_ok
    in_db = _heartbeats_in_db(url)
    measured_s = args.seconds * args.rounds
    hello_per_s = hello_ok / measured_s
    beats_per_s = beat_ok / measured_s
    print(f"server log: {workdir / 'server.log'} (removed unless something was lost)")
    print(f"hello:     {hello_ok} answered 2xx ({hello_bad} other) in {measured_s} s")
    print("last hello round:", hello_out.strip(), sep="\n")
    print(f"heartbeat: {beat_ok} answered 2xx ({beat_bad} other) in {measured_s} s")
    print("last heartbeat round:", beat_out.strip(), sep="\n")
    print(
        f"heartbeats answered 2xx in all (warm-up included): {answered}; in the database after "
        f"shutdown: {in_db} (more in the database = requests wrk abandoned in flight)"
    )
    terminals = beats_per_s * 30
    print(
        f"{beats_per_s:.0f} heartbeats/s on one server process = about {terminals:,.0f} "
        "terminals at one heartbeat every 30 s"
    )
    result = {
        "heartbeat_over_hello": round(beats_per_s / hello_per_s, 3) if hello_per_s else 0.0,
        "heartbeats_per_s": round(beats_per_s, 1),
        "hello_per_s": round(hello_per_s, 1),
        "lost": max(0, answered - in_db),
    }
    if result["lost"] == 0:
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Heartbeat throughput against a constant-JSON baseline in the same server process, with wrk.

    .venv/bin/python -m bench.heartbeat [--terminals 200] [--seconds 3] [--rounds 6]
                                        [--connections 64]

One uvicorn process serves the back office (default settings, a SQLite file in a temporary
data dir) plus `GET /bench/hello`, an `async def` returning a constant JSON object, mounted
only by this benchmark. wrk (Debian package `wrk`) drives the two endpoints in alternating
rounds from another process; its Lua script walks the enrolled terminals' tokens in turn
and counts 2xx answers.

Two runs: `cached` with 200 terminals (each token comes round within milliseconds, inside the
5-second cache every token kind has) and `uncached` with 20,000 terminals (no token comes
round within 5 s, as with real kiosks beating every 30 s). Past 5 s a terminal's token is
answered from the process's known terminal tokens while its reading of the revoked ones (a
count, every 5 s) is fresh (identity/tokens.py), so the warm-up walks every token once (each
looked up in the database once per process, as after a restart: `first_sight_per_s`) and the
rounds measure the steady state. After a clean shutdown (SIGTERM: the lifespan flushes the
batched writer) `lost` is what the server answered but did not write, counted by the server
itself; heartbeats wrk gave up on as a round ended are counted apart (`abandoned_by_wrk`),
never offset against it.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import func, select

from backoffice.access import TokenKind
from backoffice.app import create_app
from backoffice.clock import SystemClock
from backoffice.db import create_db_engine, session_scope
from backoffice.fleet.models import Terminal, TerminalKind
from backoffice.identity.models import ApiToken
from backoffice.identity.secrets import new_token, token_digest
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
    """`count` enrolled terminals and their tokens, added in bulk (the enrollment step, a
    one-time code each, adds nothing to what is measured)."""
    upgrade(url)
    engine = create_db_engine(url)
    now = SystemClock().now()
    tokens = [new_token() for _ in range(count)]
    with session_scope(session_factory(engine)) as db:
        terminals = [
            Terminal(
                code=f"BENCH-{n:05d}",
                name=f"bench {n}",
                kind=TerminalKind.LOBBY,
                created_at=now,
                enrolled_at=now,
                app_version="0.1.0",
                devices={},
                enabled_services=[],
                heartbeat_count=0,
            )
            for n in range(count)
        ]
        db.add_all(terminals)
        db.flush()
        db.add_all(
            ApiToken(
                kind=TokenKind.TERMINAL,
                digest=token_digest(token),
                terminal_id=terminal.id,
                label=terminal.code,
                created_at=now,
            )
            for terminal, token in zip(terminals, tokens, strict=True)
        )
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
    # Requests wrk left in flight are still being served for a moment; let them finish so they
    # do not eat into the next round (of the other endpoint).
    time.sleep(1)
    match = re.search(r"ZHILI ok=(\d+) bad=(\d+)", out)
    if match is None:
        raise RuntimeError(f"wrk printed no counts:\n{out}")
    return int(match.group(1)), int(match.group(2)), out


LOST = re.compile(r"heartbeats lost: taken=(\d+) written=(\d+)")


def measure(
    terminals: int, seconds: int, rounds: int, connections: int, workdir: Path
) -> dict[str, float | int]:
    """One server process (SQLite file), `terminals` enrolled terminals, hello and heartbeat
    rounds alternating; then a clean shutdown and the count of what was lost."""
    data_dir = workdir / "data"
    url = f"sqlite:///{data_dir / 'zhili.sqlite3'}"
    tokens = _seed(url, terminals)
    (workdir / "hello.lua").write_text(COUNTING_LUA)
    (workdir / "heartbeat.lua").write_text(_lua_heartbeat(tokens))
    log_path = workdir / "server.log"
    env = {"ZHILI_DATA_DIR": str(data_dir), "ZHILI_DATABASE_URL": url}
    server, port = bench_server.start("bench.heartbeat:bench_app", env, log_path)
    base = f"http://127.0.0.1:{port}"
    try:
        # Warm both paths (imports, connections, the database's first reads) before measuring,
        # every terminal's token seen once: a process's first sight of a token reads it.
        warm_s = max(5, terminals // 400)
        warm_ok, _, _ = _wrk(base, workdir / "heartbeat.lua", warm_s, connections)
        _wrk(f"{base}/bench/hello", workdir / "hello.lua", 2, connections)
        # Alternate the two endpoints in rounds so that a change in the machine's load
        # during the run weighs on both alike.
        hello_ok = hello_bad = beat_ok = beat_bad = 0
        for _ in range(rounds):
            ok, bad, _ = _wrk(f"{base}/bench/hello", workdir / "hello.lua", seconds, connections)
            hello_ok, hello_bad = hello_ok + ok, hello_bad + bad
            ok, bad, _ = _wrk(base, workdir / "heartbeat.lua", seconds, connections)
            beat_ok, beat_bad = beat_ok + ok, beat_bad + bad
    finally:
        bench_server.stop(server)  # SIGTERM: the lifespan flushes the batch
    log = log_path.read_text(errors="replace")
    lost_line = LOST.search(log)
    # uvicorn ends an orderly shutdown on SIGTERM by raising that signal again (-15).
    if server.returncode not in (0, -15) or "heartbeat flush at shutdown failed" in log:
        raise SystemExit(f"the server did not shut down cleanly; its log: {log_path}")
    answered = warm_ok + beat_ok
    in_db = _heartbeats_in_db(url)
    measured_s = seconds * rounds
    hello_per_s = hello_ok / measured_s
    beats_per_s = beat_ok / measured_s
    return {
        "over_hello": round(beats_per_s / hello_per_s, 3) if hello_per_s else 0.0,
        "heartbeats_per_s": round(beats_per_s, 1),
        "hello_per_s": round(hello_per_s, 1),
        "refused": beat_bad,
        # Taken by the server (answered) but never written: counted by the server itself.
        "lost": int(lost_line.group(1)) - int(lost_line.group(2)) if lost_line else 0,
        # Written, but wrk gave up on the answer in flight as a round ended (not a loss).
        "abandoned_by_wrk": max(0, in_db - answered),
        # Heartbeats per second while the warm-up saw tokens for the first time.
        "first_sight_per_s": round(warm_ok / warm_s, 1),
        "first_sight_covered": warm_ok >= terminals,
        # Seconds before a terminal's token comes round again (wrk walks the list in order).
        "token_reuse_s": round(terminals / beats_per_s, 1) if beats_per_s else 0.0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terminals", type=int, default=200, help="terminals (cached run)")
    parser.add_argument(
        "--uncached-terminals",
        type=int,
        default=20_000,
        help="terminals of the uncached run: no token comes round within the 5 s cache",
    )
    parser.add_argument("--seconds", type=int, default=3, help="seconds of load per round")
    parser.add_argument("--rounds", type=int, default=6, help="rounds of hello then heartbeat")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install -y wrk (scripts/setup.sh does it)")
        return 2
    runs = {}
    for name, terminals in (("cached", args.terminals), ("uncached", args.uncached_terminals)):
        workdir = Path(tempfile.mkdtemp(prefix=f"zhili-bench-{name}-"))
        figures = measure(terminals, args.seconds, args.rounds, args.connections, workdir)
        runs[name] = figures
        print(f"{name} ({terminals} terminals): {json.dumps(figures)}", flush=True)
        if figures["lost"] == 0:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"server log kept: {workdir / 'server.log'}")
    uncached = runs["uncached"]
    if uncached["token_reuse_s"] < 5:
        print(
            f"warning: tokens came round every {uncached['token_reuse_s']} s, inside the 5 s "
            "cache; raise --uncached-terminals"
        )
    per_s = float(uncached["heartbeats_per_s"])
    print(
        f"{per_s:.0f} uncached heartbeats/s on one server process = about {per_s * 30:,.0f} "
        "terminals at one heartbeat every 30 s (every token past the 5 s cache, as a real "
        "kiosk's; read from the database once per process)"
    )
    result = {
        "heartbeat_over_hello": runs["cached"]["over_hello"],
        "heartbeat_uncached_over_hello": uncached["over_hello"],
        "heartbeats_per_s": runs["cached"]["heartbeats_per_s"],
        "heartbeats_uncached_per_s": uncached["heartbeats_per_s"],
        "hello_per_s": runs["cached"]["hello_per_s"],
        "lost": int(runs["cached"]["lost"]) + int(uncached["lost"]),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

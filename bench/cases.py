"""Cases at scale: the weekly report and the 52-week trend over two years of cases with full
timelines, filing through the API, and the dispatch decision, on SQLite and PostgreSQL.

    .venv/bin/python -m bench.cases [--cases 100000] [--filings 2000] [--connections 16]
                                    [--no-postgres]

The issue's size is --cases 1000000: loading it takes about 4 minutes on SQLite and 7 on
PostgreSQL on the 2-core machine, so the default run uses 100,000 (under 3 minutes in all).

The data is generated here: cases spread over two years (case types, roads and grids drawn
with skewed weights, 80% dispatched by rule), each with its timeline (report, file, dispatch,
accept, handled, verify, close as far as it got), loaded with executemany on SQLite and COPY
on PostgreSQL, and the per-day-per-type-per-road rollup the app maintains on write. Timings
are the median of 5 runs after one warm-up. Filings go through the real HTTP API: the back
office runs in its own uvicorn process (as `zhili-backoffice serve` runs it, but without
the access log and the in-process scheduler), this process files from several keep-alive
connections at once, and the server's own CPU is measured; every filing must be answered 2xx
and found in the database afterwards. PostgreSQL is ZHILI_BENCH_PG_URL (default the
local server, as in the tests); run inside scripts/with-services.sh. Last line: JSON with
weekly_report_s_sqlite, weekly_report_s_postgres, trend_s_sqlite, trend_s_postgres,
filings_per_s, filings_over_hello (filings per second over GET /bench/hello's in the same
server process, same client and connections: comparable across machines),
dispatch_decision_ms (null where a database was not reachable).
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import os
import random
import secrets
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, func, select, text

from backoffice.access import Role
from backoffice.cases import rules
from backoffice.cases.models import Case, CaseReportRow, CaseType, DispatchRule
from backoffice.cases.reports import analytics
from backoffice.cases.seed import seed_reference_data
from backoffice.db import create_db_engine, session_scope
from backoffice.identity.service import create_staff, issue_staff_token
from backoffice.migrate import upgrade
from backoffice.places.geometry import point_in_polygon
from backoffice.places.models import Place, PlaceKind
from backoffice.units.models import ResponsibleUnit
from backoffice.wiring import session_factory
from backoffice.workcal import SHANGHAI
from bench import server as bench_server

NOW = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai
SPAN = timedelta(days=730)
LOCAL_OFFSET = timedelta(hours=8)  # Asia/Shanghai has no daylight saving time
PG_ADMIN_URL = os.environ.get(
    "ZHILI_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
PG_DB = "zhili_bench_cases"
CASE_COLUMNS = [
    "id",
    "number",
    "source",
    "type_id",
    "state",
    "priority",
    "description",
    "lon",
    "lat",
    "road_id",
    "road_distance_m",
    "grid_id",
    "community_id",
    "place_id",
    "unit_id",
    "escalation_level",
    "dispatched_by_rule",
    "dispatch_rule_id",
    "time_limit_h",
    "working_hours",
    "due_at",
    "report_count",
    "reporter",
    "reported_at",
    "filed_at",
    "dispatched_at",
    "handled_at",
    "closed_at",
    "updated_at",
]
EVENT_COLUMNS = ["case_id", "action", "from_state", "to_state", "actor", "at", "reason", "unit_id"]
TIMELINE = (
    ("file", "reported", "filed"),
    ("dispatch", "filed", "dispatched"),
    ("accept", "dispatched", "handling"),
    ("report_handled", "handling", "handled"),
    ("verify", "handled", "verified"),
    ("close", "verified", "closed"),
)


@dataclass(frozen=True)
class Reference:
    types: list[tuple[int, str, float, bool, str, str]]  # id, code, limit, working, prio, kind
    roads: list[int]
    grids: list[tuple[int, int | None]]  # grid id, community id
    points: list[int]
    units_by_kind: dict[str, int]
    fallback_unit: int
    rule_ids: list[int]


def reference(engine: Engine) -> Reference:
    with session_scope(session_factory(engine)) as db:
        seed_reference_data(db)
        types = [
            (t.id, t.code, t.time_limit_h, t.working_hours, t.priority.value, t.default_unit_kind)
            for t in db.scalars(select(CaseType).order_by(CaseType.code))
        ]
        places = db.scalars(select(Place).order_by(Place.code)).all()
        units = db.scalars(select(ResponsibleUnit).order_by(ResponsibleUnit.code)).all()
        by_kind: dict[str, int] = {}
        for unit in units:
            by_kind.setdefault(unit.kind, unit.id)
        return Reference(
            types=types,
            roads=[p.id for p in places if p.kind is PlaceKind.ROAD],
            grids=[(p.id, p.parent_id) for p in places if p.kind is PlaceKind.GRID],
            points=[p.id for p in places if p.kind is PlaceKind.COLLECTION_POINT],
            units_by_kind=by_kind,
            fallback_unit=next(u.id for u in units if u.code == "JSL-OPS"),
            rule_ids=list(db.scalars(select(DispatchRule.id))),
        )


def _zipf(n: int, s: float = 1.1) -> list[float]:
    weights = [1 / (rank**s) for rank in range(1, n + 1)]
    return list(itertools.accumulate(weights))


def _pick(rng: random.Random, cumulative: list[float]) -> int:
    return bisect.bisect(cumulative, rng.random() * cumulative[-1])


def generate(
    ref: Reference, count: int, seed: int = 7
) -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]:
    """(case row, its timeline rows) in time order; datetimes are aware UTC."""
    rng = random.Random(seed)
    type_w, road_w, grid_w = (
        _zipf(len(ref.types)),
        _zipf(len(ref.roads), 0.8),
        _zipf(len(ref.grids), 0.6),
    )
    now = NOW.replace(tzinfo=None)  # naive UTC: both loaders take it as UTC
    start = now - SPAN
    step = SPAN.total_seconds() / count
    hour = timedelta(hours=1)
    for i in range(count):
        case_id = i + 1
        reported = start + timedelta(seconds=i * step + rng.random() * step)
        type_id, code, limit_h, working, priority, kind = ref.types[_pick(rng, type_w)]
        road = ref.roads[_pick(rng, road_w)] if rng.random() < 0.9 else None
        grid, community = ref.grids[_pick(rng, grid_w)]
        point = rng.choice(ref.points) if code in ("E-0108", "E-0109") else None
        unit = ref.units_by_kind.get(kind, ref.fallback_unit)
        by_rule = rng.random() < 0.8
        # Working-hour limits stretch over nights and weekends: about three calendar hours each.
        span = timedelta(hours=limit_h * (3 if working else 1))
        moments: dict[str, datetime] = {"reported": reported}
        moments["filed"] = reported + timedelta(seconds=rng.random() * 1800)
        moments["dispatched"] = moments["filed"] + (
            timedelta(seconds=rng.random() * 60) if by_rule else hour * (0.2 + rng.random() * 4)
        )
        moments["handling"] = moments["dispatched"] + hour * rng.random()
        moments["handled"] = moments["dispatched"] + span * (0.2 + rng.random() * 1.1)
        moments["verified"] = moments["handled"] + hour * (0.5 + rng.random() * 5.5)
        moments["closed"] = moments["verified"] + hour * rng.random() * 2
        reached = [m for m, at in moments.items() if at <= now]
        state = reached[-1]
        due = moments["dispatched"] + span
        events = [(case_id, "report", None, "reported", "inspector", reported, "", None)]
        for action, before, after in TIMELINE:
            if after not in reached:
                break
            events.append(
                (
                    case_id,
                    action,
                    before,
                    after,
                    "bench",
                    moments[after],
                    "",
                    unit if after != "filed" else None,
                )
            )
        dispatched = "dispatched" in reached
        row = (
            case_id,
            f"JSL-B-{case_id:08d}",
            "inspector",
            type_id,
            state,
            priority,
            "bench",
            121.42 + rng.random() * 0.03,
            31.21 + rng.random() * 0.02,
            road,
            rng.random() * 40 if road else None,
            grid,
            community,
            point,
            unit if dispatched else None,
            0,
            by_rule if dispatched else None,
            rng.choice(ref.rule_ids) if dispatched and by_rule and ref.rule_ids else None,
            limit_h,
            working,
            due if dispatched else None,
            1,
            "bench",
            reported,
            moments["filed"] if "filed" in reached else None,
            moments["dispatched"] if dispatched else None,
            moments["handled"] if "handled" in reached else None,
            moments["closed"] if "closed" in reached else None,
            moments[state],
        )
        yield row, events


# The format SQLAlchemy's SQLite DateTime stores, always with microseconds, so stored and
# bound values compare as text in time order.
sqlite3.register_adapter(datetime, lambda d: d.isoformat(" ", "microseconds"))
sqlite3.register_adapter(date, lambda d: d.isoformat())


def load(engine: Engine, ref: Reference, count: int) -> Counter[tuple[date, int, int]]:
    """Bulk-load the cases and timelines; returns the rollup counts written with them."""
    rollup: Counter[tuple[date, int, int]] = Counter()
    postgres = engine.dialect.name == "postgresql"
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        case_sql = f"INSERT INTO cases ({', '.join(CASE_COLUMNS)}) VALUES ({', '.join('?' * len(CASE_COLUMNS))})"  # noqa: E501, S608
        event_sql = f"INSERT INTO case_events ({', '.join(EVENT_COLUMNS)}) VALUES ({', '.join('?' * len(EVENT_COLUMNS))})"  # noqa: E501, S608
        batch: list[tuple[Any, ...]] = []
        event_batch: list[tuple[Any, ...]] = []

        def count_row(row: tuple[Any, ...]) -> None:
            reported: datetime = row[23]
            rollup[((reported + LOCAL_OFFSET).date(), row[3], row[9] or 0)] += 1

        if postgres:
            cursor.execute("SET TIME ZONE 'UTC'")  # the generated datetimes are naive UTC
            with cursor.copy(f"COPY cases ({', '.join(CASE_COLUMNS)}) FROM STDIN") as cases_copy:
                for row, events in generate(ref, count):
                    count_row(row)
                    cases_copy.write_row(row)
                    event_batch.extend(events)
            for i in range(0, len(event_batch), 500_000):
                with cursor.copy(
                    f"COPY case_events ({', '.join(EVENT_COLUMNS)}) FROM STDIN"
                ) as events_copy:
                    for event in event_batch[i : i + 500_000]:
                        events_copy.write_row(event)
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases))"
            )
        else:
            cursor.execute("BEGIN")  # the project's SQLite connections do not begin by themselves
            for row, events in generate(ref, count):
                count_row(row)
                batch.append(row)
                event_batch.extend(events)
                if len(batch) >= 20_000:
                    cursor.executemany(case_sql, batch)
                    cursor.executemany(event_sql, event_batch)
                    batch.clear()
                    event_batch.clear()
            cursor.executemany(case_sql, batch)
            cursor.executemany(event_sql, event_batch)
        rows = [(d, t, r, n) for (d, t, r), n in rollup.items()]
        placeholder = "%s" if postgres else "?"
        cursor.executemany(
            f"INSERT INTO case_daily_counts (day, type_id, road_id, n) VALUES ({', '.join([placeholder] * 4)})",  # noqa: E501, S608
            rows,
        )
        if not postgres:
            cursor.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
    if postgres:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    return rollup


def median_time(fn: Callable[[], object], runs: int = 5) -> float:
    fn()  # warm-up: the first run reads the pages from disk into the cache
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def report_timings(engine: Engine) -> tuple[float, float, dict[str, Any]]:
    factory = session_factory(engine)
    week = analytics.week_start(NOW.astimezone(SHANGHAI).date()) - timedelta(days=7)
    with factory() as db:
        report = analytics.weekly_report(db, week, NOW)
        weekly_s = median_time(lambda: analytics.weekly_report(db, week, NOW))
        trend_s = median_time(lambda: analytics.trend(db, week, 52))
        trend = analytics.trend(db, week, 52)
    summary = {
        "week": report.week,
        "cases_this_week": report.cases.this_week,
        "cases_last_week": report.cases.last_week,
        "auto_dispatch_rate": report.auto_dispatch_rate.this_week,
        "trend_types": len(trend.by_type),
        "trend_total": sum(sum(v) for v in trend.by_type.values()),
    }
    return weekly_s, trend_s, summary


def dispatch_decision_ms(engine: Engine, rounds: int = 2000) -> float:
    factory = session_factory(engine)
    rng = random.Random(3)
    with factory() as db:
        types = [(t.code, t.category.code) for t in db.scalars(select(CaseType))]
        roads = [None, *db.scalars(select(Place.code).where(Place.kind == PlaceKind.ROAD))]
        grids = list(db.scalars(select(Place.code).where(Place.kind == PlaceKind.GRID)))
        facts = [
            rules.CaseFacts(
                type_code=t,
                category_code=c,
                minute_of_day=rng.randrange(1440),
                road_code=rng.choice(roads),
                grid_code=rng.choice(grids),
            )
            for t, c in (rng.choice(types) for _ in range(rounds))
        ]
        rules.dispatch_decision(db, facts[0])
        started = time.perf_counter()
        for f in facts:
            rules.dispatch_decision(db, f)  # the active rules (kept in memory), then matches
        return (time.perf_counter() - started) / rounds * 1000


def _point_in(rng: random.Random, grids: list[dict[str, Any]]) -> dict[str, float]:
    """A random point inside a random grid (reports from outside the subdistrict are refused)."""
    grid = rng.choice(grids)
    lons, lats = zip(*grid["coordinates"][0], strict=True)
    while True:
        lon, lat = rng.uniform(min(lons), max(lons)), rng.uniform(min(lats), max(lats))
        if point_in_polygon((lon, lat), grid["coordinates"]):
            return {"lon": round(lon, 6), "lat": round(lat, 6)}


def _serve(url: str, data_dir: Path, workers: int = 1) -> tuple[subprocess.Popen[bytes], int, Path]:
    """The back office (with the in-process hello baseline of bench.heartbeat) in its own
    uvicorn process, or `workers` of them on one port, without the periodic jobs."""
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / "server.log"
    env = {
        "ZHILI_DATABASE_URL": url,
        "ZHILI_DATA_DIR": str(data_dir),
        "ZHILI_MIGRATE_ON_START": "false",
        "ZHILI_SCHEDULER_POLL_S": "0",  # the periodic jobs are not what is measured here
    }
    server, port = bench_server.start("bench.heartbeat:bench_app", env, log_path, workers)
    return server, port, log_path


def _hello_per_s(port: int, count: int, connections: int) -> float:
    """GET /bench/hello (a constant JSON answer in the same server process) `count` times over
    `connections` keep-alive connections with the same plain client as the filings: the
    machine's baseline, so that filings per second can be compared across machines."""
    request = b"GET /bench/hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

    def one_connection(n: int) -> None:
        with socket.create_connection(("127.0.0.1", port), timeout=120) as sock:
            answers = sock.makefile("rb")
            for _ in range(n):
                sock.sendall(request)
                answers.readline()
                length = 0
                while (line := answers.readline()) not in (b"\r\n", b""):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                answers.read(length)

    started = time.perf_counter()
    with ThreadPoolExecutor(connections) as pool:
        list(pool.map(one_connection, [count // connections] * connections))
    return (count // connections) * connections / (time.perf_counter() - started)


def _post_all(port: int, token: str, bodies: list[bytes], connections: int) -> Counter[int]:
    """POST every body to /api/v1/cases over `connections` keep-alive connections; the
    answers' status codes. Any answer but 200 or 201 stops the run.

    A plain socket client with the request head built once: on a 2-core machine the load
    generator's CPU is taken from the server's, and http.client spent more than 0.3 ms per
    request parsing answers."""
    head = (
        "POST /api/v1/cases HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        "Content-Length: "
    ).encode()

    def one_connection(share: list[bytes]) -> Counter[int]:
        statuses: Counter[int] = Counter()
        with socket.create_connection(("127.0.0.1", port), timeout=120) as sock:
            answers = sock.makefile("rb")
            for body in share:
                sock.sendall(b"%s%d\r\n\r\n%s" % (head, len(body), body))
                status = int(answers.readline().split()[1])
                length = 0
                while (line := answers.readline()) not in (b"\r\n", b""):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                text_ = answers.read(length)
                statuses[status] += 1
                if status not in (200, 201):
                    raise RuntimeError(f"filing failed: {status} {text_[:500]!r}")
        return statuses

    total: Counter[int] = Counter()
    with ThreadPoolExecutor(connections) as pool:
        for statuses in pool.map(
            one_connection, [bodies[i::connections] for i in range(connections)]
        ):
            total.update(statuses)
    return total


@dataclass(frozen=True)
class Filings:
    per_s: float
    created: int
    cpu_ms: float  # the server processes' CPU per filing
    hello_per_s: float  # the same server's in-process baseline, same client, same connections
    hello_cpu_ms: float = 0.0  # the server processes' CPU per hello: what the machine adds

    @property
    def over_hello(self) -> float:
        return self.per_s / self.hello_per_s if self.hello_per_s else 0.0


def filings_per_s(
    url: str, data_dir: Path, count: int, connections: int, workers: int = 1
) -> Filings:
    """Inspector reports through POST /api/v1/cases (validated, de-duplicated, filed,
    dispatched by rule, committed with timeline and notification outbox) to the back office in
    its own uvicorn process, as deployed, from `connections` keep-alive connections at once
    (several inspectors and call-takers filing together).

    Returns filings per second of wall time, how many of them created a case, the server
    processes' CPU milliseconds per filing (the load generator runs in this process, so none
    of its CPU is counted), and the hello baseline measured the same way in the same server.
    The CPU figure hardly moves when other work loads the machine, so it is the one to
    compare changes by on a busy machine. Every answer must be
    200 or 201, and afterwards the database must hold one intake row per filing and one new
    case per 201, or the run fails."""
    engine = create_db_engine(url)
    now = datetime.now(UTC)  # the server runs on the system clock
    username = f"bench-inspector-{time.time_ns()}"
    with session_scope(session_factory(engine)) as db:
        staff = create_staff(
            db,
            username=username,
            password=secrets.token_urlsafe(16),  # never used to sign in
            role=Role.INSPECTOR,
            now=now,
        )
        token = issue_staff_token(db, staff, now)
        codes = [t.code for t in db.scalars(select(CaseType))]
        grids = [g.geometry for g in db.scalars(select(Place).where(Place.kind == PlaceKind.GRID))]
    rng = random.Random(11)
    warm_up = min(count, 50 * workers)  # each process warms up
    bodies = [
        json.dumps(
            {"type_code": rng.choice(codes), "description": "bench filing", **_point_in(rng, grids)}
        ).encode()
        for _ in range(warm_up + count)
    ]
    server, port, log_path = _serve(url, data_dir, workers)
    try:
        warm = _post_all(port, token, bodies[:warm_up], connections)  # imports, caches
        hellos = max(200, count)
        hello_cpu_started = bench_server.cpu_s(server.pid)
        hello = _hello_per_s(port, hellos, connections)
        hello_cpu_ms = (bench_server.cpu_s(server.pid) - hello_cpu_started) / hellos * 1000
        cpu_started = bench_server.cpu_s(server.pid)
        started = time.perf_counter()
        measured = _post_all(port, token, bodies[warm_up:], connections)
        elapsed = time.perf_counter() - started
        cpu_ms = (bench_server.cpu_s(server.pid) - cpu_started) / count * 1000
    except BaseException:
        print(log_path.read_text()[-4000:], file=sys.stderr)
        raise
    finally:
        bench_server.stop(server, 30)
    reporter = f"{Role.INSPECTOR}:{username}"  # how the API names the filing inspector
    with engine.connect() as conn:
        reports = conn.scalar(
            select(func.count())
            .select_from(CaseReportRow)
            .where(CaseReportRow.reporter == reporter)
        )
        cases = conn.scalar(select(func.count()).select_from(Case).where(Case.reporter == reporter))
    engine.dispose()
    answered = warm + measured
    if answered.total() != warm_up + count or reports != answered.total():
        raise SystemExit(f"filings lost: {answered.total()} answered, {reports} intake rows")
    if cases != answered[201]:
        raise SystemExit(f"{answered[201]} filings answered 201 but {cases} new cases exist")
    return Filings(count / elapsed, measured[201], cpu_ms, hello, hello_cpu_ms)


def postgres_url() -> str | None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{PG_DB}"'))
    except Exception as exc:
        print(f"PostgreSQL not reachable ({type(exc).__name__}); skipping it", file=sys.stderr)
        return None
    finally:
        admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_DB}"


def drop_postgres() -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
    admin.dispose()


def run_backend(
    name: str, url: str, cases: int, filings: int, connections: int, work: Path
) -> dict[str, Any]:
    upgrade(url)
    engine = create_db_engine(url)
    ref = reference(engine)
    started = time.perf_counter()
    load(engine, ref, cases)
    load_s = time.perf_counter() - started
    weekly_s, trend_s, summary = report_timings(engine)
    decision_ms = dispatch_decision_ms(engine)
    engine.dispose()
    filed = filings_per_s(url, work / f"{name}-data", filings, connections)
    figures = {
        "load_s": round(load_s, 1),
        "weekly_report_s": round(weekly_s, 4),
        "trend_s": round(trend_s, 4),
        "dispatch_decision_ms": round(decision_ms, 3),
        "filings_per_s": round(filed.per_s, 1),
        "filings_over_hello": round(filed.over_hello, 4),
        "hello_per_s": round(filed.hello_per_s, 1),
        "filings_created": filed.created,
        "filing_cpu_ms": round(filed.cpu_ms, 2),
        "filing_connections": connections,
        **summary,
    }
    print(f"{name}: {json.dumps(figures, ensure_ascii=False)}", flush=True)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000, help="cases over two years")
    parser.add_argument("--filings", type=int, default=2000, help="reports filed via the API")
    parser.add_argument(
        "--connections", type=int, default=16, help="clients filing at once, one connection each"
    )
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args(argv)
    if args.cases < 1000 or args.filings < 1 or args.connections < 1:
        parser.error("--cases is at least 1000, --filings and --connections at least 1")
    print(
        f"cases: {args.cases:,} over two years ending {NOW.isoformat()}, "
        f"filings via the API: {args.filings} over {args.connections} connections",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="zhili-bench-cases-") as tmp:
        work = Path(tmp)
        sqlite = run_backend(
            "sqlite",
            f"sqlite:///{work / 'bench.sqlite3'}",
            args.cases,
            args.filings,
            args.connections,
            work,
        )
        pg: dict[str, Any] | None = None
        pg_url = None if args.no_postgres else postgres_url()
        if pg_url is not None:
            try:
                pg = run_backend(
                    "postgres", pg_url, args.cases, args.filings, args.connections, work
                )
            finally:
                drop_postgres()
    result = {
        "weekly_report_s_sqlite": sqlite["weekly_report_s"],
        "weekly_report_s_postgres": pg["weekly_report_s"] if pg else None,
        "trend_s_sqlite": sqlite["trend_s"],
        "trend_s_postgres": pg["trend_s"] if pg else None,
        "filings_per_s": sqlite["filings_per_s"],
        "filings_over_hello": sqlite["filings_over_hello"],
        "dispatch_decision_ms": sqlite["dispatch_decision_ms"],
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

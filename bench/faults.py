"""The fault table: notifications, the kiosk outbox, same-key races and a full disk, against a
live back office and real receivers; per fault, how many items were lost, doubled or stuck.

    python -m bench.faults [--size N] [--postgres]

Lost and doubled are counted from what the receivers recorded (delivery ids) and what the
database holds, never from logs. The last stdout line is one JSON object:
{"<fault>": {"lost": n, "doubled": n, "stuck": n, ...}, ...}.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.cases.models import CaseReportRow
from backoffice.clock import SystemClock
from backoffice.db import create_db_engine, session_scope
from backoffice.demo.seed import DEMO_TERMINAL, demo_enrollment_code, seed_demo
from backoffice.fleet.models import AlertKind, FleetAlert
from backoffice.notify.formats import ID_HEADER
from backoffice.notify.models import (
    ChannelKind,
    Delivery,
    DeliveryStatus,
    Subscription,
)
from backoffice.notify.service import Notice, enqueue
from backoffice.notify.worker import DeliveryLimits, deliver_due
from backoffice.ratings.models import Rating
from backoffice.units.models import HandlingLevel
from backoffice.units.schemas import UnitCreate
from backoffice.units.service import create_unit
from backoffice.visits.models import Visit
from backoffice.wiring import session_factory
from bench import server as bench_server
from kiosk import api
from kiosk.agent import FleetAgent, KioskStatus
from kiosk.config import KioskConfig
from kiosk.outbox import Kind, Outbox

MATTER = "SI-RECORD-PRINT"
ROAD = "JSL-R01"
FAULTS = (
    "receiver_down",
    "receiver_hanging",
    "receiver_misnamed",
    "receiver_bad_url",
    "outbox_after_reenroll",
    "kiosk_killed",
    "outbox_corrupt",
    "same_key_race",
    "disk_full",
)


@dataclass(frozen=True)
class Office:
    """A live back office: its address, database, data folder and process id."""

    url: str
    database_url: str
    data_dir: Path
    pid: int


# --- receivers --------------------------------------------------------------------------------


@dataclass
class Receiver:
    """A webhook receiver that records every delivery id it answered 200 to (no signature
    check: the table counts arrivals)."""

    port: int = 0
    answered: Counter[str] = field(default_factory=Counter)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver._lock:
                    receiver.answered[self.headers.get(ID_HEADER, "")] += 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@dataclass
class Hanging:
    """Accepts connections and never answers."""

    port: int = 0
    _sock: socket.socket | None = None
    _conns: list[socket.socket] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> Hanging:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(256)
        sock.settimeout(0.1)
        self.port, self._sock = sock.getsockname()[1], sock

        def accept() -> None:
            while not self._stop.is_set():
                try:
                    self._conns.append(sock.accept()[0])
                except OSError:
                    continue

        threading.Thread(target=accept, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for conn in self._conns:
            conn.close()
        if self._sock is not None:
            self._sock.close()


# --- notifications ------------------------------------------------------------------------------


def _deliveries(office: Office, size: int, run_id: str) -> dict[str, dict[str, int]]:
    """Four units, each with a good subscription and a faulty one (down for the first round,
    hanging, a host that does not resolve, a URL httpx cannot encode) listed first; `size`
    notices each. The delivery job runs as a queue worker would, on the office's database,
    round after round 31 s apart (the first retry is due after 30 s)."""
    good, down, hanging = Receiver().start(), Receiver().start(), Hanging().start()
    down_port = down.port
    down.stop()
    faulty_urls = {
        "receiver_down": down.url,
        "receiver_hanging": hanging.url,
        "receiver_misnamed": f"http://no-such-host-{run_id}.invalid/hook",
        "receiver_bad_url": f"http://hooks-{run_id}..example.com/x",
    }
    engine = create_db_engine(office.database_url)
    sessions = session_factory(engine)
    subs: dict[str, tuple[int, int]] = {}
    now = SystemClock().now()
    with session_scope(sessions) as db:
        for n, (fault, url) in enumerate(faulty_urls.items()):
            unit = create_unit(
                db,
                UnitCreate(
                    code=f"FT-{run_id}-{n}",
                    name_zh="故障测试单位",
                    name_en="Fault unit",
                    kind="sanitation",
                    level=HandlingLevel.SUBDISTRICT,
                ),
            )
            bad = _subscription(db, unit.id, url, now)
            ok = _subscription(db, unit.id, good.url, now)
            subs[fault] = (bad, ok)
        db.flush()
        for n, fault in enumerate(faulty_urls):
            unit_id = db.scalar(
                select(Subscription.unit_id).where(Subscription.id == subs[fault][0])
            )
            assert unit_id is not None
            for i in range(size):
                enqueue(
                    db,
                    Notice(
                        event="case.dispatched",
                        unit_id=unit_id,
                        title=f"fault table {fault} {i}",
                        subject=f"FT-{n}-{i}",
                    ),
                    now,
                )
                db.flush()
    limits = DeliveryLimits(concurrency=8, timeout_s=1.0, budget_s=20.0)
    stuck: Counter[str] = Counter()
    try:
        for round_no in range(8):
            with session_scope(sessions) as db:
                deliver_due(db, now, limits=limits)
                if round_no == 0:
                    for fault, (bad, ok) in subs.items():
                        stuck[fault] = _count(
                            db,
                            Delivery.subscription_id.in_((bad, ok)),
                            Delivery.status == DeliveryStatus.PENDING,
                            Delivery.attempts == 0,
                        )
                    down = Receiver(port=down_port).start()  # back, on the same port
                if not _count(
                    db,
                    Delivery.subscription_id.in_(
                        [ok for _, ok in subs.values()] + [subs["receiver_down"][0]]
                    ),
                    Delivery.status == DeliveryStatus.PENDING,
                ):
                    break
            now += timedelta(seconds=31)
        table: dict[str, dict[str, int]] = {}
        with session_scope(sessions) as db:
            for fault, (bad, ok) in subs.items():
                expected = {
                    d
                    for d in db.scalars(
                        select(Delivery.id).where(
                            Delivery.subscription_id.in_(
                                (bad, ok) if fault == "receiver_down" else (ok,)
                            )
                        )
                    )
                }
                arrived = Counter(
                    {d: c for d, c in (good.answered + down.answered).items() if d in expected}
                )
                failing = _count(db, Delivery.subscription_id == bad, Delivery.attempts == 0)
                table[fault] = {
                    "lost": len(expected - set(arrived)),
                    "doubled": sum(c - 1 for c in arrived.values() if c > 1),
                    "stuck": stuck[fault] + (0 if fault == "receiver_down" else failing),
                    "deliveries": len(expected),
                }
    finally:
        good.stop()
        down.stop()
        hanging.stop()
        engine.dispose()
    return table


def _subscription(db: Session, unit_id: int, url: str, now: datetime) -> int:
    sub = Subscription(
        unit_id=unit_id,
        kind=ChannelKind.WEBHOOK,
        url=url,
        secret="f" * 64,
        events="*",
        active=True,
        created_at=now,
    )
    db.add(sub)
    db.flush()
    return sub.id


def _count(db: Session, *where: Any) -> int:
    return int(db.scalar(select(func.count()).select_from(Delivery).where(*where)) or 0)


# --- the kiosk outbox ---------------------------------------------------------------------------


def _seed(office: Office) -> None:
    engine = create_db_engine(office.database_url)
    with session_scope(session_factory(engine)) as db:
        seed_demo(db, SystemClock().now())
    engine.dispose()


def _new_code(office: Office) -> str:
    engine = create_db_engine(office.database_url)
    with session_scope(session_factory(engine)) as db:
        code = demo_enrollment_code(db, SystemClock().now())
    engine.dispose()
    return code


def _agent(office: Office, folder: Path, outbox: Outbox, code: str | None) -> FleetAgent:
    return FleetAgent(
        KioskConfig(server_url=office.url, token_path=folder / "token.json", enrollment_code=code),
        status_provider=lambda: KioskStatus(screen="home", language="zh", elder_mode=False),
        outbox=outbox,
    )


def _visit(visit_id: str) -> dict[str, Any]:
    return {
        "visit_id": visit_id,
        "outcome": "finished",
        "matters": [],
        "duration_s": 42.0,
        "language": "zh",
        "elder_mode": False,
    }


def _queue_visits_and_ratings(outbox: Outbox, n: int) -> list[str]:
    ids = [str(uuid.uuid4()) for _ in range(n)]
    for visit_id in ids:
        outbox.add(Kind.VISIT, api.VISITS, _visit(visit_id), idempotency_key=f"visit-{visit_id}")
        outbox.add(
            Kind.RATING,
            api.RATINGS,
            {"visit_id": visit_id, "matter_code": MATTER, "level": 5},
            idempotency_key=f"rating-{visit_id}",
        )
    return ids


def _visits_and_ratings_held(office: Office, ids: list[str]) -> tuple[int, int]:
    """(lost, doubled) of the visits and ratings with these visit ids, from the database."""
    engine = create_db_engine(office.database_url)
    with engine.connect() as conn:
        visits = Counter(conn.scalars(select(Visit.id).where(Visit.id.in_(ids))))
        ratings = Counter(conn.scalars(select(Rating.visit_id).where(Rating.visit_id.in_(ids))))
    engine.dispose()
    lost = sum(1 for i in ids if i not in visits) + sum(1 for i in ids if i not in ratings)
    doubled = sum(c - 1 for c in visits.values() if c > 1)
    doubled += sum(c - 1 for c in ratings.values() if c > 1)
    return lost, doubled


def _outbox_after_reenroll(office: Office, size: int, work: Path) -> dict[str, int]:
    """Items queued; the terminal is re-enrolled elsewhere (our token revoked); our outbox is
    answered 401 and keeps everything; the kiosk gets a new code and re-enrolls; all arrive."""
    folder = work / "reenroll"
    folder.mkdir()
    outbox = Outbox(folder / "outbox.sqlite3")
    first = _agent(office, folder, outbox, _new_code(office))
    assert first.enroll_once()
    ids = _queue_visits_and_ratings(outbox, size)
    other = work / "reenroll-other"
    other.mkdir()
    assert _agent(office, other, Outbox(other / "outbox.sqlite3"), _new_code(office)).enroll_once()
    refused = first.deliver_outbox()
    stuck_after_401 = 0 if refused is not None and refused.auth_refused == 401 else 1
    # The terminal manager hands the kiosk a new code; it restarts with it.
    outbox.close()
    outbox = Outbox(folder / "outbox.sqlite3")
    again = _agent(office, folder, outbox, _new_code(office))
    for _ in range(3):
        again.step()
        if outbox.pending_count() == 0:
            break
    lost, doubled = _visits_and_ratings_held(office, ids)
    return {
        "lost": lost,
        "doubled": doubled,
        "stuck": outbox.pending_count() + stuck_after_401,
        "items": 2 * size,
    }


KILLED_KIOSK = """
import sys, time
from pathlib import Path
from kiosk.agent import FleetAgent, KioskStatus
from kiosk.config import KioskConfig
from kiosk.outbox import Outbox
folder, url = Path(sys.argv[1]), sys.argv[2]
outbox = Outbox(folder / "outbox.sqlite3")
agent = FleetAgent(KioskConfig(server_url=url, token_path=folder / "token.json"),
                   lambda: KioskStatus(screen="home", language="zh", elder_mode=False),
                   outbox=outbox)
print("ready", flush=True)
while outbox.pending_count():
    report = outbox.deliver(agent.send, limit=1)
    print("sent", report.sent, flush=True)
    time.sleep(0.02)
print("done", flush=True)
time.sleep(60)
"""


def _kiosk_killed(office: Office, size: int, work: Path) -> dict[str, int]:
    """A kiosk process with items queued is SIGKILLed half-way through sending them; the kiosk
    started again sends the rest; each arrives once."""
    folder = work / "killed"
    folder.mkdir()
    outbox = Outbox(folder / "outbox.sqlite3")
    agent = _agent(office, folder, outbox, _new_code(office))
    assert agent.enroll_once()
    ids = _queue_visits_and_ratings(outbox, size)
    outbox.close()
    kiosk = subprocess.Popen(
        [sys.executable, "-c", KILLED_KIOSK, str(folder), office.url],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert kiosk.stdout is not None
    sent = 0
    for line in kiosk.stdout:
        if line.startswith("sent"):
            sent += 1
            if sent >= size:  # half of the 2 * size items
                break
    kiosk.kill()
    kiosk.wait()
    outbox = Outbox(folder / "outbox.sqlite3")
    again = _agent(office, folder, outbox, None)
    for _ in range(3):
        again.step()
        if outbox.pending_count() == 0:
            break
    lost, doubled = _visits_and_ratings_held(office, ids)
    return {"lost": lost, "doubled": doubled, "stuck": outbox.pending_count(), "items": 2 * size}


def _outbox_corrupt(office: Office, size: int, work: Path) -> dict[str, int]:
    """The outbox file is overwritten with garbage while the kiosk is off. The kiosk starts
    (no crash loop), moves the file aside, queues and sends new items, and the back office
    hears of it in the heartbeat (a fleet alert). The items in the broken file are kept aside
    for inspection; the table counts what the kiosk queued after."""
    folder = work / "corrupt"
    folder.mkdir()
    path = folder / "outbox.sqlite3"
    agent = _agent(office, folder, Outbox(path), _new_code(office))
    assert agent.enroll_once()
    path.write_bytes(b"\x00garbage\xff" * 4096)
    for companion in ("-wal", "-shm"):
        Path(str(path) + companion).unlink(missing_ok=True)
    outbox = Outbox(path)
    ids = _queue_visits_and_ratings(outbox, size)
    again = _agent(office, folder, outbox, None)
    for _ in range(3):
        again.step()
        if outbox.pending_count() == 0:
            break
    lost, doubled = _visits_and_ratings_held(office, ids)
    engine = create_db_engine(office.database_url)
    with engine.connect() as conn:
        reported = conn.scalar(
            select(func.count())
            .select_from(FleetAlert)
            .where(FleetAlert.kind == AlertKind.OUTBOX, FleetAlert.message.contains(path.name))
        )
    engine.dispose()
    return {
        "lost": lost,
        "doubled": doubled,
        "stuck": outbox.pending_count(),
        "items": 2 * size,
        "moved_aside": int(outbox.moved_aside is not None and outbox.moved_aside.exists()),
        "reported": int(reported or 0),
    }


# --- same key at the same moment; a full disk ----------------------------------------------------


def _terminal_token(office: Office) -> str:
    answer = httpx.post(
        f"{office.url}/api/v1/fleet/enroll",
        json={"code": _new_code(office), "app_version": "0.1.0"},
    )
    answer.raise_for_status()
    return str(answer.json()["token"])


def _same_key_race(office: Office, size: int) -> dict[str, int]:
    """Each visit, rating and kiosk report sent twice at the same moment with the same key:
    every answer is 200 or 201, and the database holds each once."""
    token = _terminal_token(office)
    headers = {"Authorization": f"Bearer {token}"}
    ids = [str(uuid.uuid4()) for _ in range(size)]
    statuses: Counter[int] = Counter()
    with httpx.Client(base_url=office.url, headers=headers, timeout=60) as client:

        def twice(send: Callable[[], httpx.Response]) -> None:
            barrier = threading.Barrier(2)

            def go() -> int:
                barrier.wait()
                return send().status_code

            with ThreadPoolExecutor(2) as pair:
                for status in pair.map(lambda _: go(), range(2)):
                    statuses[status] += 1

        for visit_id in ids:
            twice(lambda v=visit_id: client.post(api.VISITS, json=_visit(v)))  # type: ignore[misc]
            twice(
                lambda v=visit_id: client.post(  # type: ignore[misc]
                    api.RATINGS,
                    json={"visit_id": v, "matter_code": MATTER, "level": 4},
                    headers={"Idempotency-Key": f"rating-{v}"},
                )
            )
            twice(
                lambda v=visit_id: client.post(  # type: ignore[misc]
                    "/api/v1/kiosk-reports",
                    json={"type_code": "E-0102", "road_code": ROAD, "report_id": v},
                )
            )
    lost, doubled = _visits_and_ratings_held(office, ids)
    reports = _reports_held(office, ids)
    lost += sum(1 for i in ids if reports[i] == 0)
    doubled += sum(c - 1 for c in reports.values() if c > 1)
    errors = sum(c for s, c in statuses.items() if s not in (200, 201))
    return {"lost": lost, "doubled": doubled, "stuck": 0, "errors": errors, "requests": 6 * size}


def _reports_held(office: Office, ids: list[str]) -> Counter[str]:
    engine = create_db_engine(office.database_url)
    with engine.connect() as conn:
        refs = list(
            conn.scalars(
                select(CaseReportRow.external_ref).where(
                    CaseReportRow.external_ref.in_([f"{DEMO_TERMINAL}:{i}" for i in ids])
                )
            )
        )
    engine.dispose()
    return Counter(str(r).split(":", 1)[1] for r in refs if r)


@contextmanager
def file_size_limit(pid: int, limit: int) -> Iterator[None]:
    """Writes past `limit` bytes in any file of process `pid` fail with EFBIG (Python ignores
    SIGXFSZ): a disk that is full for that process, for its photos and its SQLite file alike."""
    before = resource.prlimit(pid, resource.RLIMIT_FSIZE)
    resource.prlimit(pid, resource.RLIMIT_FSIZE, (limit, before[1]))
    try:
        yield
    finally:
        resource.prlimit(pid, resource.RLIMIT_FSIZE, before)


def _disk_full(office: Office, size: int) -> dict[str, int]:
    """Kiosk reports while the back office cannot write a file past a limit: first just past
    its largest file (a report's photo does not fit), then at 64 KiB (on SQLite its write-ahead
    log soon does not fit either). Each answer is 2xx or a 503 with a JSON message, no .part
    file is left, and the keep-alive connection survives every error; sent again once there is
    room, each report is filed once. One connection (http.client), so a reset is seen."""
    token = _terminal_token(office)
    with_photo = [str(uuid.uuid4()) for _ in range(size)]
    without = [str(uuid.uuid4()) for _ in range(size)]
    photo = base64.b64encode(b"\xff\xd8\xff\xe0" + os.urandom(384 * 1024)).decode()
    largest = max((p.stat().st_size for p in office.data_dir.rglob("*") if p.is_file()), default=0)
    host, port = office.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    statuses: Counter[int] = Counter()
    unclear = resets = 0

    def send(report_id: str, photo_b64: str | None) -> tuple[int, str]:
        nonlocal resets
        body: dict[str, Any] = {"type_code": "E-0102", "road_code": ROAD, "report_id": report_id}
        if photo_b64 is not None:
            body["photo_jpeg_base64"] = photo_b64
        for _ in range(2):
            try:
                conn.request("POST", "/api/v1/kiosk-reports", json.dumps(body), headers)
                answer = conn.getresponse()
                return answer.status, answer.read().decode(errors="replace")
            except (http.client.RemoteDisconnected, ConnectionError, http.client.BadStatusLine):
                resets += 1  # the server closed the keep-alive connection; send again
                conn.close()
        raise RuntimeError("the back office closed the connection twice in a row")

    def full(report_id: str, photo_b64: str | None) -> None:
        nonlocal unclear
        status, text = send(report_id, photo_b64)
        statuses[status] += 1
        if status == 503:
            unclear += "nothing was saved" not in json.loads(text).get("detail", "")
        elif status not in (200, 201):
            unclear += 1

    try:
        with file_size_limit(office.pid, largest + 128 * 1024):
            for report_id in with_photo:
                full(report_id, photo)
        with file_size_limit(office.pid, 64 * 1024):
            for report_id in without:
                full(report_id, None)
        refused_while_full = statuses[503]
        for report_id in with_photo:  # room again: the kiosk's outbox sends them again
            statuses[send(report_id, photo)[0]] += 1
        for report_id in without:
            statuses[send(report_id, None)[0]] += 1
    finally:
        conn.close()
    parts = sum(1 for _ in office.data_dir.rglob("*.part"))
    ids = with_photo + without
    reports = _reports_held(office, ids)
    return {
        "lost": sum(1 for i in ids if reports[i] == 0),
        "doubled": sum(c - 1 for c in reports.values() if c > 1),
        "stuck": parts,
        "refused_while_full": refused_while_full,
        "unclear_errors": unclear,
        "errors_500": statuses[500],
        "connection_resets": resets,
        "requests": 4 * size,
    }


# --- the table ---------------------------------------------------------------------------------


def run_table(office: Office, size: int, work: Path) -> dict[str, dict[str, int]]:
    """Every fault at `size` against the live `office`; the table, per fault."""
    _seed(office)
    run_id = uuid.uuid4().hex[:6]
    table = _deliveries(office, size, run_id)
    table["outbox_after_reenroll"] = _outbox_after_reenroll(office, size, work)
    table["kiosk_killed"] = _kiosk_killed(office, size, work)
    table["outbox_corrupt"] = _outbox_corrupt(office, size, work)
    table["same_key_race"] = _same_key_race(office, size)
    table["disk_full"] = _disk_full(office, size)
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=50, help="items per fault")
    parser.add_argument(
        "--database-url", default=None, help="a migrated or empty database (default: SQLite)"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="zhili-faults-") as tmp:
        work = Path(tmp)
        data_dir = work / "data"
        database_url = args.database_url or f"sqlite:///{data_dir / 'zhili.sqlite3'}"
        env = {
            "ZHILI_DATABASE_URL": database_url,
            "ZHILI_DATA_DIR": str(data_dir),
            "ZHILI_SCHEDULER_POLL_S": "0",  # the table runs the delivery job itself
            "ZHILI_LOG_LEVEL": "WARNING",
        }
        started = time.monotonic()
        server, port = bench_server.start("backoffice.app:create_app", env, work / "server.log")
        try:
            office = Office(f"http://127.0.0.1:{port}", database_url, data_dir, server.pid)
            table = run_table(office, args.size, work)
        finally:
            bench_server.stop(server, 30)
        for fault, row in table.items():
            print(f"{fault:24} " + "  ".join(f"{k} {v}" for k, v in row.items()))
        print(f"size {args.size}, {time.monotonic() - started:.0f} s")
    print(json.dumps(table, sort_keys=True))
    bad = [f for f, row in table.items() if row["lost"] or row["doubled"] or row["stuck"]]
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())

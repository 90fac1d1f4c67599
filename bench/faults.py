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
import io
import json
import os
import resource
import secrets
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
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.cases.models import CaseReportRow
from backoffice.clock import SystemClock
from backoffice.db import create_db_engine, session_scope
from backoffice.demo.seed import DEMO_TERMINAL, demo_enrollment_code, seed_demo
from backoffice.fleet.models import AlertKind, FleetAlert
from backoffice.keys import Keys
from backoffice.medical.models import BookletProgress, PrintConfirmation
from backoffice.medical.service import LINES_PER_PAGE
from backoffice.notify.formats import ID_HEADER
from backoffice.notify.models import (
    ChannelKind,
    Delivery,
    DeliveryStatus,
    Subscription,
)
from backoffice.notify.service import Notice, enqueue
from backoffice.notify.worker import DeliveryLimits, deliver_due
from backoffice.outbound import OutboundPolicy
from backoffice.ratings.models import Rating
from backoffice.settings import Settings
from backoffice.suishen.personal import keyed_hash
from backoffice.units.models import HandlingLevel
from backoffice.units.schemas import UnitCreate
from backoffice.units.service import create_unit
from backoffice.visits.models import Visit
from backoffice.wiring import session_factory
from bench import server as bench_server
from kiosk import api
from kiosk.agent import FleetAgent, KioskStatus
from kiosk.config import KioskConfig
from kiosk.devices.apdu import command
from kiosk.outbox import Kind, Outbox
from simulators.hanging_receiver import Hanging
from simulators.vpcd_card import SSSE_NAME, CardHolder, SocialSecurityCardModel

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
    "print_race",
    "disk_full",
)

# The fault table's receivers listen on loopback, which a deployment would allow-list too.
LOOPBACK = OutboundPolicy.from_entries(["127.0.0.1"])


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
    started = now
    done_at: dict[str, int] = {}
    try:
        # As the scheduler runs it: every 5 s (of simulated time), for at most 10 minutes.
        for run in range(120):
            with session_scope(sessions) as db:
                deliver_due(db, now, limits=limits, outbound=LOOPBACK)
                if run == 0:
                    down = Receiver(port=down_port).start()  # back, on the same port
                for fault, (bad, ok) in subs.items():
                    must_arrive = (bad, ok) if fault == "receiver_down" else (ok,)
                    if fault not in done_at and not _count(
                        db,
                        Delivery.subscription_id.in_(must_arrive),
                        Delivery.status == DeliveryStatus.PENDING,
                    ):
                        done_at[fault] = int((now - started).total_seconds())
                untried = _count(
                    db,
                    Delivery.subscription_id.in_([b for b, _ in subs.values()]),
                    Delivery.attempts == 0,
                )
            if len(done_at) == len(subs) and not untried:
                break
            now += timedelta(seconds=5)
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
                table[fault] = {
                    "lost": len(expected - set(arrived)),
                    "doubled": sum(c - 1 for c in arrived.values() if c > 1),
                    # never tried: waiting behind a bad delivery is what got stuck before
                    "stuck": _count(
                        db, Delivery.subscription_id.in_((bad, ok)), Delivery.attempts == 0
                    ),
                    "deliveries": len(expected),
                    "all_arrived_after_s": done_at.get(fault, -1),
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
from kiosk.devices.apdu import command
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
    errors = {str(s): c for s, c in statuses.items() if s not in (200, 201)}
    if errors:
        print(f"same_key_race: answers other than 200/201: {errors}", file=sys.stderr)
    return {
        "lost": lost,
        "doubled": doubled,
        "stuck": 0,
        "errors": sum(errors.values()),
        "requests": 6 * size,
    }


def _print_race(office: Office, size: int) -> dict[str, int]:
    """A booklet's lines confirmed one position after another, each position sent twice at the
    same moment (the first pair also races to create the person's booklet position): every
    answer 200, one confirmation row per position, the position where the last one left it."""
    token = _terminal_token(office)
    id_number = _id_number(uuid.uuid4().int)
    id_hash = keyed_hash(Keys.of(Settings()), id_number)
    bench_server.upstream_env()
    medical = os.environ["ZHILI_MEDICAL_URL"]  # the medical peer the office asks
    put = httpx.put(
        f"{medical}/_peer/insured/{id_hash}",
        json={"today": SystemClock().now().date().isoformat()},
        timeout=10,
    )
    put.raise_for_status()
    records = int(put.json()["visits"])
    positions = [
        (1 + i // LINES_PER_PAGE, 1 + i % LINES_PER_PAGE) for i in range(min(size, records))
    ]
    statuses: Counter[int] = Counter()
    with httpx.Client(
        base_url=office.url, headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as client:
        who = client.post("/api/v1/identifications", json=_card_read(client, id_number, "王五"))
        who.raise_for_status()
        headers = {api.IDENTIFICATION_HEADER: who.json()["token"]}
        for page, line in positions:
            barrier = threading.Barrier(2)

            def confirm(_: int, page: int = page, line: int = line, barrier: Any = barrier) -> int:
                barrier.wait()
                answer = client.post(
                    api.MEDICAL_PRINTS, json={"page": page, "line": line}, headers=headers
                )
                return answer.status_code

            with ThreadPoolExecutor(2) as pair:
                statuses.update(pair.map(confirm, range(2)))
        left = client.get(api.MEDICAL_RECORDS, headers=headers).json()
    engine = create_db_engine(office.database_url)
    with engine.connect() as conn:
        rows = conn.scalar(
            select(func.count())
            .select_from(PrintConfirmation)
            .where(PrintConfirmation.id_hash == id_hash)
        )
        progress = conn.scalar(
            select(func.count())
            .select_from(BookletProgress)
            .where(BookletProgress.id_hash == id_hash)
        )
    engine.dispose()
    last = positions[-1]
    expected_next = (last[0], last[1] + 1) if last[1] < LINES_PER_PAGE else (last[0] + 1, 1)
    errors = {str(s): c for s, c in statuses.items() if s != 200}
    if errors:
        print(f"print_race: answers other than 200: {errors}", file=sys.stderr)
    return {
        "lost": 0 if (left["next_page"], left["next_line"]) == expected_next else 1,
        "doubled": max(0, int(rows or 0) - len(positions)) + max(0, int(progress or 0) - 1),
        "stuck": 0,
        "errors": sum(errors.values()),
        "requests": 2 * len(positions),
    }


def _card_read(client: httpx.Client, id_number: str, name: str) -> dict[str, Any]:
    """A card read proven by the card: the demo issuer's virtual card (the simulator the PC/SC
    tests use) answers a fresh challenge of the back office."""
    challenge = client.post("/api/v1/identifications/challenges")
    challenge.raise_for_status()
    nonce = challenge.json()["challenge"]
    card_number = "A01234567"
    card = SocialSecurityCardModel(
        CardHolder(name=name, id_number=id_number, card_number=card_number)
    )
    card.respond(command(0x00, 0xA4, 0x04, 0x00, SSSE_NAME))
    raw = card.respond(command(0x00, 0x88, 0x00, 0x00, bytes.fromhex(nonce), le=8))
    return {
        "proof": "card",
        "card": {"card_number": card_number, "id_number": id_number, "name": name},
        "challenge": nonce,
        "answer": raw[:-2].hex(),
    }


def _id_number(serial: int) -> str:
    """A valid resident ID number (GB 11643 check character) for a made-up person."""
    body = f"31010519900101{serial % 1000:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


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


def _noise_jpeg(side: int) -> bytes:
    """A real JPEG (the back office decodes every photo) that does not compress: about
    side * side * 1.5 bytes."""
    image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


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
    """Kiosk reports while the back office cannot write any file past 64 KiB: a report's photo
    does not fit, and on SQLite its write-ahead log soon does not either. Each answer is 2xx
    or a 503 with a JSON message, no .part file is left, and the keep-alive connection
    survives every error; sent again once there is room, each report is filed once. One
    connection (http.client), so a reset is seen."""
    token = _terminal_token(office)
    with_photo = [str(uuid.uuid4()) for _ in range(size)]
    without = [str(uuid.uuid4()) for _ in range(size)]
    photo = base64.b64encode(_noise_jpeg(400)).decode()
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
        with file_size_limit(office.pid, 64 * 1024):
            for report_id in with_photo:  # a photo (about 140 KiB) never fits
                full(report_id, photo)
            for report_id in without:  # on SQLite its write-ahead log soon does not either
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
    table["print_race"] = _print_race(office, size)
    table["disk_full"] = _disk_full(office, size)
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=50, help="items per fault")
    parser.add_argument(
        "--database-url", default=None, help="a migrated or empty database (default: SQLite)"
    )
    args = parser.parse_args(argv)
    # The server and this process (which hashes ID numbers for the print race) share one key;
    # demo mode: the demo terminal and the demo issuer's card.
    os.environ.setdefault("ZHILI_SECRET_KEY", secrets.token_urlsafe(48))
    os.environ.setdefault("ZHILI_DEMO", "1")
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

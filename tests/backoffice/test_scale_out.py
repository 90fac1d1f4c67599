"""The back office scaled out, all real processes on this machine: 2 API processes, 2 Celery
workers (solo pool, one torch thread each) and the scheduler (`beat`), on PostgreSQL, with
RabbitMQ as broker and Redis for the sign-in counters. Cameras (video files, small frames),
filings from many connections over both APIs with same-spot reports, heartbeats and remote
commands; one worker is killed mid-run. Counts only, no timing: no case filed twice, every
camera visited again after the kill, every notice with its delivery, no delivery sent
concurrently twice, every command delivered once. PostgreSQL pass only."""

from __future__ import annotations

import itertools
import os
import signal
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import cv2
import httpx
import pytest
from sqlalchemy import Engine, func, select

from backoffice.access import Role
from backoffice.cases.models import Case
from backoffice.cases.seed import seed_reference_data
from backoffice.cases.states import CaseSource
from backoffice.db import create_db_engine, session_scope
from backoffice.fleet import service as fleet
from backoffice.fleet.models import TerminalCommand, TerminalKind
from backoffice.fleet.schemas import TerminalCreate
from backoffice.identity.service import create_staff, issue_staff_token
from backoffice.notify.models import ChannelKind, Delivery, DeliveryStatus, OutboxMessage
from backoffice.notify.service import create_subscription
from backoffice.units.models import ResponsibleUnit
from backoffice.vision import service as vision
from backoffice.vision.models import Camera, SourceKind
from backoffice.vision.rules import RuleKind
from backoffice.vision.schemas import CameraCreate, ZoneCreate
from backoffice.vision.training.street import NO_PARKING_ZONE, Street
from backoffice.wiring import session_factory
from tests.backoffice.cases.helpers import ON_JIANGSU_ROAD
from tests.backoffice.fleet.test_enrollment import BEAT
from tests.conftest import BACKEND, TEST_PEERS, bearer, free_port, peer_reach
from tests.server_launcher import ServerLauncher

pytestmark = [
    pytest.mark.pg,
    pytest.mark.skipif(BACKEND != "postgres", reason="the PostgreSQL pass runs the cluster"),
]

CAMERAS = [f"CAM-S{n}" for n in range(4)]
TERMINALS = [f"T-S{n}" for n in range(4)]
SPOTS, REPORTS_PER_SPOT = 4, 8
INSPECTOR_PASSWORD = "correct horse battery"
# Generous: five processes start and work on two cores shared with other tests.
DEADLINE_S = 240


class CountingReceiver:
    """A unit's webhook endpoint that notices a delivery arriving while the same delivery is
    still being received (sent concurrently twice); each request takes a moment, so two sends
    of one delivery would overlap."""

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()
        self.concurrent_doubles = 0
        self._in_flight: set[str] = set()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                delivery_id = self.headers.get("webhook-id", "")
                with receiver._lock:
                    if delivery_id in receiver._in_flight:
                        receiver.concurrent_doubles += 1
                    receiver._in_flight.add(delivery_id)
                time.sleep(0.2)
                with receiver._lock:
                    receiver._in_flight.discard(delivery_id)
                    receiver.received[delivery_id] += 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _video(path: Path, street: Street) -> Path:
    """Small frames of two bikes parked in the no-parking zone, as a camera's video file."""
    frame = street.frame([street.bike_a, street.bike_b])
    h, w = frame.shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 5, (w, h))
    for _ in range(5):
        writer.write(frame)
    writer.release()
    return path


def _seed(engine: Engine, tmp_path: Path, receiver: CountingReceiver) -> tuple[str, list[str]]:
    """Reference data, a terminal manager, enrolled terminals, cameras with a zone that files
    at first sight, and a subscription of the bike operator (the unit the filings go to)."""
    now = datetime.now(UTC)
    street = Street()
    tokens = []
    with session_scope(session_factory(engine)) as db:
        seed_reference_data(db)
        manager = create_staff(
            db, username="manager", password=INSPECTOR_PASSWORD, role=Role.ADMIN, now=now
        )
        manager_token = issue_staff_token(db, manager, now)
        create_staff(
            db, username="inspector", password=INSPECTOR_PASSWORD, role=Role.INSPECTOR, now=now
        )
        for code in TERMINALS:
            terminal = fleet.register_terminal(
                db, TerminalCreate(code=code, name=code, kind=TerminalKind.LOBBY), now
            )
            enrollment, _ = fleet.new_enrollment_code(
                db, terminal, now=now, ttl=timedelta(hours=1), created_by="test"
            )
            tokens.append(fleet.enroll(db, enrollment, "0.1.0", now)[1])
        zone = ZoneCreate(
            name="no parking",
            rule=RuleKind.NO_PARKING,
            polygon=NO_PARKING_ZONE,
            dwell_s=0,
            inertia=1,
        )
        for code in CAMERAS:
            camera = vision.create_camera(
                db,
                CameraCreate(
                    code=code,
                    name=code,
                    road_code="JSL-R01",
                    source_kind=SourceKind.FILE,
                    source_url=str(_video(tmp_path / f"{code}.mp4", street)),
                    interval_s=5,
                ),
                now,
                peer_reach(tmp_path),
            )
            vision.add_zone(db, camera, zone, now)
        unit = db.scalars(select(ResponsibleUnit).where(ResponsibleUnit.code == "BIKE-HELLO")).one()
        create_subscription(
            db,
            unit,
            kind=ChannelKind.WEBHOOK,
            url=receiver.url,
            events=["*"],
            now=now,
            outbound=TEST_PEERS,
        )
    return manager_token, tokens


class Cluster:
    def __init__(self, launcher: ServerLauncher, database_url: str, tmp_path: Path) -> None:
        self.launcher, self.tmp_path = launcher, tmp_path
        self.env = {
            **os.environ,
            "ZHILI_DATABASE_URL": database_url,
            "ZHILI_DATA_DIR": str(tmp_path / "data"),
            "ZHILI_OUTBOUND_ALLOW": "127.0.0.1,::1",
            "ZHILI_CAMERA_FILE_DIRS": str(tmp_path),
            "ZHILI_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672//",
            "ZHILI_QUEUE_PREFIX": f"test-{os.getpid()}-{uuid.uuid4().hex[:8]}.",
            "ZHILI_SIGNIN_STORAGE_URL": "redis://127.0.0.1:6379/0",
            "ZHILI_VISION_PATROL_POLL_S": "1",
            "ZHILI_WORKER_THREADS": "1",
            "ZHILI_NOTIFY_BUDGET_S": "5",
            "ZHILI_NOTIFY_TIMEOUT_S": "5",
        }
        self.pids: dict[str, int] = {}
        self.apis: list[str] = []

    def start(self, name: str, args: list[str], **env: str) -> int:
        pid = self.launcher.start(
            args, env={**self.env, **env}, cwd=self.tmp_path, log=self.tmp_path / f"{name}.log"
        )
        self.pids[name] = pid
        return pid

    def start_api(self, name: str) -> None:
        port = free_port()
        self.start(name, ["serve", "--port", str(port)], ZHILI_SCHEDULER_POLL_S="0")
        self.apis.append(f"http://127.0.0.1:{port}")

    def wait_for(self, what: str, ready: Callable[[], bool]) -> None:
        deadline = time.monotonic() + DEADLINE_S
        while not ready():
            for name, pid in self.pids.items():
                if name != "worker-0" and self.launcher.poll(pid) is not None:
                    pytest.fail(f"{name} exited: {(self.tmp_path / f'{name}.log').read_text()}")
            if time.monotonic() > deadline:
                logs = {n: (self.tmp_path / f"{n}.log").read_text()[-3000:] for n in self.pids}
                pytest.fail(f"waited too long for {what}; logs: {logs}")
            time.sleep(0.25)

    def stop(self) -> None:
        for pid in self.pids.values():
            self.launcher.stop(pid, timeout_s=10)


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture
def receiver() -> Iterator[CountingReceiver]:
    peer = CountingReceiver()
    yield peer
    peer.close()


def test_a_cluster_files_once_visits_every_camera_delivers_once_and_survives_a_killed_worker(
    fresh_database: str,
    tmp_path: Path,
    server_launcher: ServerLauncher,
    receiver: CountingReceiver,
) -> None:
    engine = create_db_engine(fresh_database)
    manager_token, terminal_tokens = _seed(engine, tmp_path, receiver)
    cluster = Cluster(server_launcher, fresh_database, tmp_path)
    try:
        cluster.start_api("api-0")
        cluster.start_api("api-1")
        cluster.start("worker-0", ["worker", "--queues", "vision,notify,jobs"])
        cluster.start("worker-1", ["worker", "--queues", "vision,notify,jobs"])
        cluster.start("beat", ["beat"], ZHILI_SCHEDULER_POLL_S="1")
        cluster.wait_for("both APIs", lambda: all(_answers(url) for url in cluster.apis))
        apis = cluster.apis

        # Sign-in through one API (its failed-attempt counters live in Redis).
        signed_in = httpx.post(
            f"{apis[0]}/api/v1/auth/token",
            json={"username": "inspector", "password": INSPECTOR_PASSWORD},
        )
        assert signed_in.status_code == 201, signed_in.text
        inspector = bearer(signed_in.json()["token"])

        # Commands queued through both APIs, one per terminal.
        command_ids = []
        for n, code in enumerate(TERMINALS):
            sent = httpx.post(
                f"{apis[n % 2]}/api/v1/fleet/terminals/{code}/commands",
                json={"kind": "print_test_page"},
                headers=bearer(manager_token),
            )
            assert sent.status_code == 201, sent.text
            command_ids.append(sent.json()["id"])

        # Filings: many connections over both APIs, SPOTS spots 200 m apart along Jiangsu Road
        # (north-south), reports at each a few metres apart, all at about the same moment.
        metre = 1 / 111_195.0
        start_line = threading.Barrier(SPOTS * REPORTS_PER_SPOT)

        def file(n: int) -> int:
            spot, offset = divmod(n, REPORTS_PER_SPOT)
            body = {
                "type_code": "E-0506",
                "description": f"共享单车乱停 {n}",
                "lon": ON_JIANGSU_ROAD[0] + (offset % 3) * 2 * metre,
                "lat": ON_JIANGSU_ROAD[1] - spot * 200 * metre + (offset % 2) * 2 * metre,
            }
            with httpx.Client(base_url=apis[n % 2], timeout=60) as client:
                start_line.wait()
                reply = client.post("/api/v1/cases", json=body, headers=inspector)
            assert reply.status_code in (200, 201), reply.text
            return reply.status_code

        # Heartbeats over both APIs until each terminal has had its command; a beat also goes
        # to the other API at the same moment.
        got: dict[str, list[int]] = {code: [] for code in TERMINALS}

        def beat(n: int) -> None:
            code, headers = TERMINALS[n], bearer(terminal_tokens[n])
            deadline = time.monotonic() + DEADLINE_S
            with (
                httpx.Client(base_url=apis[0], timeout=30) as a,
                httpx.Client(base_url=apis[1], timeout=30) as b,
            ):
                for turn in itertools.count():
                    pair = (a, b) if turn % 2 else (b, a)
                    with ThreadPoolExecutor(2) as both:
                        replies = list(
                            both.map(
                                lambda c: c.post(
                                    "/api/v1/fleet/heartbeat", json=BEAT, headers=headers
                                ),
                                pair,
                            )
                        )
                    for reply in replies:
                        assert reply.status_code == 200, reply.text
                        got[code] += [c["id"] for c in reply.json()["commands"]]
                    if (got[code] and turn >= 4) or time.monotonic() > deadline:
                        return
                    time.sleep(0.5)

        with ThreadPoolExecutor(SPOTS * REPORTS_PER_SPOT + len(TERMINALS)) as pool:
            beats = [pool.submit(beat, n) for n in range(len(TERMINALS))]
            filings = list(pool.map(file, range(SPOTS * REPORTS_PER_SPOT)))
            for done in beats:
                done.result()

        # The cameras file; once the first case is in, one worker is killed mid-run.
        def ai_cases() -> int:
            with engine.connect() as conn:
                return (
                    conn.scalar(
                        select(func.count())
                        .select_from(Case)
                        .where(Case.source == CaseSource.AI_PATROL)
                    )
                    or 0
                )

        cluster.wait_for("a first camera case", lambda: ai_cases() >= 1)
        os.kill(cluster.pids["worker-0"], signal.SIGKILL)
        killed_at = datetime.now(UTC)

        def visited_since_kill() -> bool:
            with engine.connect() as conn:
                seen = conn.execute(select(Camera.code, Camera.last_frame_at)).all()
            return len(seen) == len(CAMERAS) and all(
                at is not None and at > killed_at for _, at in seen
            )

        cluster.wait_for("every camera visited after the kill", visited_since_kill)

        def delivered_something() -> bool:
            with engine.connect() as conn:
                done = conn.scalar(
                    select(func.count())
                    .select_from(Delivery)
                    .where(Delivery.status == DeliveryStatus.DELIVERED)
                )
            return bool(done)

        cluster.wait_for("deliveries", delivered_something)
        cluster.stop()

        with session_factory(engine)() as db:
            # No case filed twice: one per camera zone, one per reported spot.
            assert ai_cases() == len(CAMERAS)
            by_reports = db.execute(
                select(Case.report_count).where(Case.source == CaseSource.INSPECTOR)
            ).scalars()
            assert sorted(by_reports) == [REPORTS_PER_SPOT] * SPOTS
            assert Counter(filings) == {201: SPOTS, 200: SPOTS * (REPORTS_PER_SPOT - 1)}
            # Every notice to the subscribed unit has its delivery; none given up; none sent
            # concurrently twice. (Notices to units without a subscription have none.)
            operator = select(ResponsibleUnit.id).where(ResponsibleUnit.code == "BIKE-HELLO")
            notices = select(OutboxMessage.id).where(OutboxMessage.unit_id.in_(operator))
            messages = db.scalar(select(func.count()).select_from(notices.subquery())) or 0
            assert messages >= SPOTS + len(CAMERAS)  # each case dispatched to the operator
            no_delivery = db.scalar(
                select(func.count()).select_from(
                    notices.where(~OutboxMessage.id.in_(select(Delivery.message_id))).subquery()
                )
            )
            assert no_delivery == 0
            statuses = Counter(db.scalars(select(Delivery.status)))
            assert set(statuses) <= {DeliveryStatus.DELIVERED, DeliveryStatus.PENDING}
            ids = set(db.scalars(select(Delivery.id)))
            assert set(receiver.received) <= ids
            assert receiver.concurrent_doubles == 0
            # Every command delivered once, whichever API the terminal reached.
            assert sorted(i for ids_ in got.values() for i in ids_) == sorted(command_ids)
            deliveries = db.scalars(
                select(TerminalCommand.deliveries).where(TerminalCommand.id.in_(command_ids))
            ).all()
            assert deliveries == [1] * len(TERMINALS)
    finally:
        cluster.stop()
        engine.dispose()

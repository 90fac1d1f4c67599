"""Test harness: databases (SQLite or PostgreSQL), the app, a controllable clock, a live server.

ZHILI_TEST_DB=postgres runs the database tests on PostgreSQL (ZHILI_TEST_PG_URL, default the
local server). Service and API tests run inside a transaction rolled back at the end; tests
that need committed data get a fresh database cloned from a migrated template.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import os
import shutil
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.app import create_app
from backoffice.cases.seed import seed_reference_data
from backoffice.clock import ManualClock
from backoffice.db import create_db_engine, session_scope, writing_engine
from backoffice.deps import get_db
from backoffice.identity import secrets as password_secrets
from backoffice.identity.service import create_staff, issue_staff_token
from backoffice.migrate import upgrade
from backoffice.outbound import OutboundPolicy
from backoffice.privacy import mask_personal_numbers, personal_numbers_in
from backoffice.settings import Settings
from backoffice.vision.patrol import SourceLimits
from backoffice.vision.sources import Reach
from backoffice.wiring import session_factory
from tests.server_launcher import ServerLauncher
from tests.upstreams import adapter_settings, upstream_peers

# Hypothesis' default deadline (200 ms an example) is a wall-clock assertion: with the passes and
# their workers side by side on two cores an example can take longer with nothing wrong (seen:
# 262 ms in tests/backoffice/workcal). The examples and their number stay as they are.
hypothesis_settings.register_profile("zhili", deadline=None)
hypothesis_settings.load_profile("zhili")

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
BACKEND = os.environ.get("ZHILI_TEST_DB", "sqlite")
PG_ADMIN_URL = os.environ.get(
    "ZHILI_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
DB_FIXTURES = {"engine", "db", "app", "client", "fresh_database", "live_server"}
# Folders whose tests reach the database only through a live back office (a kiosk window, a
# browser, a built kiosk, a simulator): their SQL is the back office's, which the tests under
# tests/backoffice (services, API, jobs, migrations) already run on PostgreSQL. Their database
# tests are marked `db` but not `pg`; a test here that does exercise SQL opts in with
# @pytest.mark.pg.
INCIDENTAL_DB_FOLDERS = {"kiosk", "browser", "e2e", "simulators"}


# First, so that -m reads the marks set here.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if DB_FIXTURES & fixtures:
            item.add_marker(pytest.mark.db)
        folder = Path(item.path).relative_to(ROOT / "tests").parts[0]
        if item.get_closest_marker("db") and folder not in INCIDENTAL_DB_FOLDERS:
            item.add_marker(pytest.mark.pg)


# pcscd and its two virtual readers (vsmartcard-vpcd on the fixed ports 35963/35964) serve the
# whole machine: a test marked `pcsc` holds this lock while it runs, so such tests take turns
# across xdist workers, the SQLite and PostgreSQL passes, and any other test run on the machine.
PCSCD_LOCK = Path(tempfile.gettempdir()) / "zhili-pcscd-virtual-readers.lock"


@pytest.fixture(autouse=True)
def _one_test_at_a_time_on_the_virtual_readers(request: pytest.FixtureRequest) -> Iterator[None]:
    if request.node.get_closest_marker("pcsc") is None:
        yield
        return
    with PCSCD_LOCK.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


class _HashEachPasswordOnce(PasswordHasher):
    """Argon2id at the production cost, with each distinct password hashed once per test
    process and its hash reused: a real hash that verification checks in full (only the salt
    repeats between accounts with the same password). The suite creates hundreds of accounts
    with a handful of passwords, at about 0.2 s of CPU per hash."""

    def __init__(self, real: PasswordHasher) -> None:
        super().__init__(
            time_cost=real.time_cost,
            memory_cost=real.memory_cost,
            parallelism=real.parallelism,
            hash_len=real.hash_len,
            salt_len=real.salt_len,
            type=real.type,
        )
        self._hashes: dict[str | bytes, str] = {}

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        if salt is not None:
            return super().hash(password, salt=salt)
        if password not in self._hashes:
            self._hashes[password] = super().hash(password)
        return self._hashes[password]


@pytest.fixture(scope="session", autouse=True)
def _hash_each_password_once() -> Iterator[None]:
    real = password_secrets._hasher
    password_secrets._hasher = _HashEachPasswordOnce(real)
    yield
    password_secrets._hasher = real


class Databases:
    """Makes databases from one migrated template: a file copy on SQLite, CREATE … TEMPLATE on
    PostgreSQL (milliseconds either way)."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.prefix = f"zhili_t{os.getpid()}"
        self._counter = itertools.count()
        self._made: list[str] = []
        if BACKEND == "postgres":
            self.admin: Engine | None = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            self.template = f"{self.prefix}_template"
            self._drop(self.template)
            with self.admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{self.template}"'))
            upgrade(self._pg_url(self.template))
        elif BACKEND == "sqlite":
            self.admin = None
            self.template = str(workdir / "template.sqlite3")
            upgrade(f"sqlite:///{self.template}")
        else:
            raise pytest.UsageError(f"ZHILI_TEST_DB must be sqlite or postgres, not {BACKEND!r}")

    def _pg_url(self, name: str) -> str:
        return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"

    def _drop(self, name: str) -> None:
        assert self.admin is not None
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def clone(self) -> str:
        name = f"{self.prefix}_{next(self._counter)}"
        self._made.append(name)
        if self.admin is not None:
            with self.admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
            return self._pg_url(name)
        path = self.workdir / f"{name}.sqlite3"
        shutil.copyfile(self.template, path)
        return f"sqlite:///{path}"

    def close(self) -> None:
        if self.admin is not None:
            for name in [*self._made, self.template]:
                self._drop(name)
            self.admin.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    dbs = Databases(tmp_path_factory.mktemp("db"))
    yield dbs
    dbs.close()


@pytest.fixture(scope="session")
def empty_engine(databases: Databases) -> Iterator[Engine]:
    eng = create_db_engine(databases.clone())
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def seeded_engine(databases: Databases) -> Iterator[Engine]:
    """A database with the reference data from assets/ (units, places, taxonomy, rules)
    committed once per session: seeding takes longer than most tests that need it."""
    eng = create_db_engine(databases.clone())
    with session_scope(session_factory(eng)) as session:
        seed_reference_data(session)
    yield eng
    eng.dispose()


@pytest.fixture
def engine(request: pytest.FixtureRequest) -> Engine:
    """The database of the `db` session: the seeded one when the test asks for `seeded`."""
    wanted = "seeded_engine" if "seeded" in request.fixturenames else "empty_engine"
    eng: Engine = request.getfixturevalue(wanted)
    return eng


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test, with the back
    office's session hooks and a case-hooks object of its own (no verifier unless the test adds
    one); requests of the `app` fixture run on it."""
    connection = engine.connect()
    outer = connection.begin()
    session = session_factory(engine)(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()


@pytest.fixture
def seeded(db: Session) -> Session:
    """The session with units, places, taxonomy and rules loaded from assets/ (on the seeded
    database, see `engine`); what the test changes is rolled back like any `db` test."""
    return db


@pytest.fixture
def fresh_database(databases: Databases) -> str:
    """The URL of a new, migrated, empty database whose commits are real."""
    return databases.clone()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


# The tests' own peers (webhook receivers, snapshot cameras, RTSP peers) listen on loopback: the
# outbound allow-list names it, as an operator names a local receiver (ZHILI_OUTBOUND_ALLOW).
TEST_PEER_ADDRESSES = ["127.0.0.1", "::1"]
TEST_PEERS = OutboundPolicy.from_entries(TEST_PEER_ADDRESSES)


def peer_reach(folder: Path) -> Reach:
    """What the tests' cameras may reach: their loopback peers and files under `folder`."""
    return Reach(TEST_PEERS, (folder,))


# Cameras of tests that build the patrol themselves: loopback peers, files under the temp folder.
TEST_REACH = peer_reach(Path(tempfile.gettempdir()))
TEST_LIMITS = SourceLimits(reach=TEST_REACH)


@pytest.fixture
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """The app's settings; a test changes some with
    `@pytest.mark.parametrize("settings", [{"name": value}], indirect=True)`."""
    return Settings(**in_process_settings(tmp_path, getattr(request, "param", {})))


def in_process_settings(tmp_path: Path, changes: dict[str, Any] | None = None) -> dict[str, Any]:
    """Settings of an in-process back office: outside demo mode (the live servers run in demo
    mode, tests/__init__.py), its upstream adapters named as production names them: the HTTP
    adapters, pointed at this process's peers (tests/upstreams.py)."""
    return {
        "data_dir": tmp_path / "data",
        "migrate_on_start": False,
        "demo": False,
        **adapter_settings(),
        "upstream_backoff_s": 0.01,
        # The tests' own peers on loopback, and camera files under the test's folder.
        "outbound_allow": TEST_PEER_ADDRESSES,
        "camera_file_dirs": [tmp_path],
        **(changes or {}),
    }


@pytest.fixture
def app(engine: Engine, db: Session, clock: ManualClock, settings: Settings) -> FastAPI:
    application = create_app(settings, clock=clock, engine=engine)

    def test_db() -> Iterator[Session]:
        # As in production: what the test set up is committed before the request, and the
        # request commits when it succeeds and rolls back when it fails.
        db.commit()
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise

    application.dependency_overrides[get_db] = test_db
    return application


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    # https: outside demo mode the pages' cookies are Secure, and sent over HTTPS only.
    with TestClient(app, base_url="https://testserver") as test_client:
        yield test_client


StaffFactory = Callable[..., dict[str, str]]


@pytest.fixture
def staff_headers(db: Session, clock: ManualClock) -> StaffFactory:
    """staff_headers(role, unit_code=None) -> Authorization headers of a new staff account."""
    counter = itertools.count()

    def make(role: Role, unit_code: str | None = None) -> dict[str, str]:
        staff = create_staff(
            db,
            username=f"{role.value.replace('_', '-')}-{next(counter)}",
            password="correct horse battery",
            role=role,
            unit_code=unit_code,
            now=clock.now(),
        )
        return bearer(issue_staff_token(db, staff, clock.now()))

    return make


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def listens_on(pid: int, port: int) -> bool:
    """Is process `pid` the one listening on `port`? (A free port found by one test may be
    taken by another test's server before this one binds it; that server answers /healthz.)"""
    try:
        connections = psutil.Process(pid).net_connections(kind="tcp")
    except psutil.Error:
        return False
    return any(c.status == psutil.CONN_LISTEN and c.laddr.port == port for c in connections)


def _wait_until_serving(launcher: ServerLauncher, pid: int, port: int, log: Path) -> bool:
    """Wait for the server `pid` to answer /healthz on `port` itself; False when it stopped
    (the port was taken), an error when it neither answers nor stops in time."""
    # Generous: on a busy machine (two test processes per core) a start can take 10 s or more.
    deadline = time.monotonic() + 60
    while True:
        try:
            answered = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code
        except httpx.TransportError:
            answered = 0
        if answered == 200 and listens_on(pid, port):
            return True
        if launcher.poll(pid) is not None:
            return False
        if time.monotonic() > deadline:
            launcher.stop(pid, timeout_s=0)
            raise RuntimeError(log.read_text())
        time.sleep(0.1)


class LiveServer:
    def __init__(self, url: str, database_url: str, data_dir: Path, pid: int = 0) -> None:
        self.url = url
        self.database_url = database_url
        self.data_dir = data_dir
        self.pid = pid  # the server process (a fault test may limit its file sizes)

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A session on the server's database, committed at the end. It begins as a writer: on
        SQLite a transaction that read may not write once the running server has committed
        since ('database is locked'), so it waits its turn instead."""
        engine = create_db_engine(self.database_url)
        try:
            with session_scope(session_factory(writing_engine(engine))) as db:
                yield db
        finally:
            engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def _upstream_peers() -> None:
    """The upstream peers, before any back office starts (tests/upstreams.py)."""
    upstream_peers()


@pytest.fixture(scope="session")
def server_launcher() -> Iterator[ServerLauncher]:
    launcher = ServerLauncher()
    yield launcher
    launcher.close()


@pytest.fixture
def live_server(
    fresh_database: str,
    tmp_path: Path,
    server_launcher: ServerLauncher,
    request: pytest.FixtureRequest,
) -> Iterator[LiveServer]:
    """The real back office (`zhili-backoffice serve`) in its own process, on a free port,
    with its own database; forked from a launcher that has imported it (tests/server_launcher).
    A test marked `server_env(NAME=value, ...)` adds those variables to its environment."""
    data_dir = tmp_path / "server-data"
    marker = request.node.get_closest_marker("server_env")
    env = {
        **os.environ,
        "ZHILI_DATABASE_URL": fresh_database,
        "ZHILI_DATA_DIR": str(data_dir),
        "ZHILI_HEARTBEAT_INTERVAL_S": "5",
        "ZHILI_OUTBOUND_ALLOW": ",".join(TEST_PEER_ADDRESSES),
        "ZHILI_CAMERA_FILE_DIRS": str(tmp_path),
        **(marker.kwargs if marker else {}),
    }
    log = tmp_path / "server.log"
    for _attempt in range(3):
        port = free_port()
        pid = server_launcher.start(["serve", "--port", str(port)], env=env, cwd=tmp_path, log=log)
        url = f"http://127.0.0.1:{port}"
        if _wait_until_serving(server_launcher, pid, port, log):
            break
        # Another test's server took the free port before this one bound it: another port.
    else:
        raise RuntimeError(log.read_text())
    try:
        yield LiveServer(url, fresh_database, data_dir, pid)
    finally:
        server_launcher.stop(pid)
        # Shown with the test's output when it fails: what the server said last.
        print("--- the live server's log, last lines ---")
        print("\n".join(log.read_text(errors="replace").splitlines()[-40:]))
    # Every log a live server writes is checked: no ID number or mobile number in it.
    leaks = personal_numbers_in(log.read_text(errors="replace"))
    if leaks:
        masked = [mask_personal_numbers(n) for n in leaks]
        pytest.fail(f"the server log {log} shows personal numbers: {masked}")

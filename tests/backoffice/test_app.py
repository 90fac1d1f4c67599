"""The app as a whole: health, the API document, 422s, and the back office assembled per app."""

import threading
from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from backoffice.app import create_app
from backoffice.cases.intake import CaseReport, file_report
from backoffice.cases.seed import seed_reference_data
from backoffice.cases.states import CaseSource
from backoffice.clock import ManualClock
from backoffice.db import create_db_engine, session_scope
from backoffice.deps import DbSession, writes
from backoffice.settings import Settings
from tests.conftest import BACKEND


def test_healthz_says_the_database_answers(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] is True


@pytest.mark.parametrize("settings", [{"api_docs": True}, {"demo": True}], indirect=True)
def test_openapi_lists_the_kiosk_endpoints_when_the_docs_are_on(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/v1/fleet/enroll" in paths
    assert "/api/v1/fleet/heartbeat" in paths
    assert client.get("/docs").status_code == 200


def test_the_api_documentation_is_off_unless_enabled(client: TestClient) -> None:
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert client.get(path).status_code == 404, path


def test_bad_input_gets_a_422_naming_the_field(client: TestClient) -> None:
    response = client.post("/api/v1/auth/token", json={"username": "x"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "password"]


def test_two_apps_in_one_process_share_no_listeners_verifiers_jobs_or_token_caches(
    fresh_database: str, clock: ManualClock, tmp_path: Path
) -> None:
    engine = create_db_engine(fresh_database)
    one, two = (
        create_app(
            Settings(data_dir=tmp_path / name, migrate_on_start=False), clock=clock, engine=engine
        )
        for name in ("one", "two")
    )
    heard: list[str] = []
    one.state.case_hooks.listeners.append(lambda _db, case, event: heard.append(case.number))
    with session_scope(one.state.session_factory) as db:
        seed_reference_data(db)

    def file_through(app: FastAPI) -> str:
        with session_scope(app.state.session_factory) as db:
            report = CaseReport(
                source=CaseSource.HOTLINE,
                type_code="C-0110",
                description="路灯不亮",
                road_code="JSL-R05",
            )
            return file_report(db, report, clock.now(), photo_dir=tmp_path).case_number

    filed_by_two = file_through(two)
    assert heard == []  # the listener added to one app never hears the other's cases
    filed_by_one = file_through(one)
    assert filed_by_one in heard and filed_by_two not in heard
    assert [len(app.state.case_hooks.verifiers) for app in (one, two)] == [1, 1]  # the camera's
    for part in ("case_hooks", "scheduler", "tokens", "patrol", "commit_limiter"):
        assert getattr(one.state, part) is not getattr(two.state, part), part
    engine.dispose()


@pytest.mark.skipif(BACKEND != "sqlite", reason="the write lock is what SQLite needs")
def test_a_get_marked_as_writing_begins_as_a_writer_on_sqlite(
    tmp_path: Path, fresh_database: str
) -> None:
    """A GET that writes (the booklet records start a person's progress) must not fail with
    'database is locked' when another connection commits between its first read and its write:
    marked `writes`, its transaction takes SQLite's write lock as it begins."""
    url = fresh_database
    engine = create_db_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    other_committed = threading.Event()
    router = APIRouter()

    def read_then_write(db: Session, wait_s: float | None) -> None:
        db.execute(text("SELECT count(*) FROM t")).scalar_one()
        # Another connection writes now: it commits at once, unless this transaction holds
        # the write lock (then it waits for our commit, on SQLite's busy timeout).
        other = threading.Thread(target=_insert_elsewhere, args=(url, other_committed))
        other.start()
        other.join(timeout=wait_s)
        db.execute(text("INSERT INTO t VALUES (1)"))

    @router.get("/plain")
    def plain(db: DbSession) -> None:
        read_then_write(db, None)

    @router.get("/marked")
    @writes
    def marked(db: DbSession) -> None:
        read_then_write(db, 1.0)

    settings = Settings(data_dir=tmp_path / "data", database_url=url, migrate_on_start=False)
    app = create_app(settings, clock=ManualClock(), engine=engine)
    app.include_router(router)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/marked").status_code == 200
        assert other_committed.wait(35)
        with engine.connect() as conn:  # the other connection's row went in after ours
            assert conn.execute(text("SELECT n FROM t ORDER BY rowid")).scalars().all() == [1, 2]
        # Unmarked, the same GET fails ('database is locked') and answers 503.
        assert client.get("/plain").status_code == 503
    engine.dispose()


def _insert_elsewhere(url: str, done: threading.Event) -> None:
    other = create_db_engine(url)
    with other.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (2)"))
    other.dispose()
    done.set()

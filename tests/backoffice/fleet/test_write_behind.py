"""The heartbeat fast path: state kept in memory, written in batches, nothing lost at shutdown."""

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, select

from backoffice.access import Role
from backoffice.app import create_app
from backoffice.clock import ManualClock
from backoffice.db import create_db_engine, session_scope
from backoffice.fleet import service as fleet
from backoffice.fleet.models import Heartbeat, Terminal, TerminalKind
from backoffice.fleet.schemas import TerminalCreate
from backoffice.identity.service import create_staff, issue_staff_token, revoke_token
from backoffice.settings import Settings
from backoffice.wiring import session_factory
from tests.backoffice.fleet.test_enrollment import BEAT
from tests.conftest import bearer


@pytest.fixture
def engine_of(fresh_database: str) -> Iterator[Engine]:
    eng = create_db_engine(fresh_database)
    yield eng
    eng.dispose()


def seed(engine: Engine, clock: ManualClock, count: int) -> tuple[list[str], str]:
    """`count` enrolled terminals; returns their tokens and a manager's token."""
    tokens = []
    with session_scope(session_factory(engine)) as db:
        staff = create_staff(
            db,
            username="manager",
            password="correct horse battery",
            role=Role.TERMINAL_MANAGER,
            now=clock.now(),
        )
        manager = issue_staff_token(db, staff, clock.now())
        for n in range(count):
            terminal = fleet.register_terminal(
                db,
                TerminalCreate(code=f"T-{n:03d}", name=f"T {n}", kind=TerminalKind.LOBBY),
                clock.now(),
            )
            code, _ = fleet.new_enrollment_code(
                db, terminal, now=clock.now(), ttl=timedelta(hours=1), created_by="test"
            )
            tokens.append(fleet.enroll(db, code, "0.1.0", clock.now())[1])
    return tokens, manager


def app_for(url: str, tmp_path: Path, clock: ManualClock, engine: Engine) -> TestClient:
    settings = Settings(
        data_dir=tmp_path,
        database_url=url,
        migrate_on_start=False,
        heartbeat_flush_interval_s=60,
        heartbeat_history_every_s=300,
    )
    return TestClient(create_app(settings, clock=clock, engine=engine))


def count_in_db(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        beats = conn.scalar(select(func.coalesce(func.sum(Terminal.heartbeat_count), 0)))
        history = conn.scalar(select(func.count()).select_from(Heartbeat))
    return int(beats or 0), int(history or 0)


def test_heartbeats_are_held_in_memory_and_all_written_at_a_clean_shutdown(
    fresh_database: str, engine_of: Engine, tmp_path: Path
) -> None:
    clock = ManualClock()
    tokens, manager = seed(engine_of, clock, 3)
    with app_for(fresh_database, tmp_path, clock, engine_of) as client:
        for _round in range(4):
            for token in tokens:
                reply = client.post("/api/v1/fleet/heartbeat", json=BEAT, headers=bearer(token))
                assert reply.status_code == 200, reply.text
            clock.advance(seconds=30)
        assert count_in_db(engine_of) == (0, 0)  # nothing written yet: the batch waits
        shown = client.get("/api/v1/fleet/terminals/T-001", headers=bearer(manager)).json()
        assert shown["online"] is True and shown["screen"] == "home"
    # 12 heartbeats answered, 12 counted; history keeps one row per terminal per 5 minutes.
    assert count_in_db(engine_of) == (12, 3)
    with engine_of.connect() as conn:
        seen = conn.scalar(select(Terminal.last_seen_at).where(Terminal.code == "T-002"))
    assert seen == clock.now() - timedelta(seconds=30)


def test_a_device_change_is_kept_in_history_at_once(
    fresh_database: str, engine_of: Engine, tmp_path: Path
) -> None:
    clock = ManualClock()
    tokens, _ = seed(engine_of, clock, 1)
    paper_out = {**BEAT, "devices": {"printer": {"state": "fault", "reason": "paper out"}}}
    with app_for(fresh_database, tmp_path, clock, engine_of) as client:
        for body in (BEAT, BEAT, paper_out, paper_out):
            client.post("/api/v1/fleet/heartbeat", json=body, headers=bearer(tokens[0]))
            clock.advance(seconds=30)
    with engine_of.connect() as conn:
        rows = conn.execute(select(Heartbeat.devices).order_by(Heartbeat.id)).scalars().all()
    assert [r["printer"]["state"] for r in rows] == ["ready", "fault"]


def test_a_revoked_token_stops_working_within_the_cache_time(
    fresh_database: str, engine_of: Engine, tmp_path: Path
) -> None:
    clock = ManualClock()
    tokens, _ = seed(engine_of, clock, 1)
    with app_for(fresh_database, tmp_path, clock, engine_of) as client:
        url, headers = "/api/v1/fleet/heartbeat", bearer(tokens[0])
        assert client.post(url, json=BEAT, headers=headers).status_code == 200
        with session_scope(session_factory(engine_of)) as db:
            revoke_token(db, tokens[0], clock.now())
        clock.advance(seconds=4)
        assert client.post(url, json=BEAT, headers=headers).status_code == 200  # cached
        clock.advance(seconds=1)
        refused = client.post(url, json=BEAT, headers=headers)
        assert refused.status_code == 401
        assert "revoked" in refused.json()["detail"]
        unknown = client.post(url, json=BEAT, headers=bearer("zhl_not-a-token"))
        assert unknown.status_code == 401
    assert count_in_db(engine_of)[0] == 2


def test_a_known_terminal_token_costs_no_token_query_at_every_30_s_beat(
    fresh_database: str, engine_of: Engine, tmp_path: Path
) -> None:
    """A kiosk beats every 30 s, past any 5-second cache: its token is looked up once, then
    answered from memory while the revocations, read again every `token_cache_s` (one count),
    say it stands; revoked in another process, it is refused at the next reading."""
    clock = ManualClock()
    tokens, _ = seed(engine_of, clock, 3)
    token_queries: list[str] = []

    def watch(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "FROM api_tokens" in statement:
            kind = "count" if "count(" in statement else "revoked"
            token_queries.append("row" if "digest =" in statement else kind)

    event.listen(engine_of, "before_cursor_execute", watch)
    url = "/api/v1/fleet/heartbeat"
    try:
        with app_for(fresh_database, tmp_path, clock, engine_of) as client:
            for token in tokens:
                assert client.post(url, json=BEAT, headers=bearer(token)).status_code == 200
            assert token_queries.count("row") == 3
            for _ in range(4):  # two minutes of beats
                clock.advance(seconds=30)
                for token in tokens:
                    assert client.post(url, json=BEAT, headers=bearer(token)).status_code == 200
            assert token_queries.count("row") == 3  # none since the first beat of each
            # One count per reading (5), the revoked digests at the first only (none changed).
            assert (token_queries.count("count"), token_queries.count("revoked")) == (5, 1)

            with session_scope(session_factory(engine_of)) as db:  # another process
                revoke_token(db, tokens[0], clock.now())
            clock.advance(seconds=30)
            refused = client.post(url, json=BEAT, headers=bearer(tokens[0]))
            assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
            assert client.post(url, json=BEAT, headers=bearer(tokens[1])).status_code == 200
    finally:
        event.remove(engine_of, "before_cursor_execute", watch)


def test_commands_queued_elsewhere_reach_the_terminal_after_a_refresh(
    fresh_database: str, engine_of: Engine, tmp_path: Path
) -> None:
    clock = ManualClock()
    tokens, manager = seed(engine_of, clock, 1)
    with app_for(fresh_database, tmp_path, clock, engine_of) as client:
        url, headers = "/api/v1/fleet/heartbeat", bearer(tokens[0])
        sent = client.post(
            "/api/v1/fleet/terminals/T-000/commands",
            json={"kind": "print_test_page"},
            headers=bearer(manager),
        )
        assert sent.status_code == 201
        commands = client.post(url, json=BEAT, headers=headers).json()["commands"]
        assert [c["kind"] for c in commands] == ["print_test_page"]
        assert client.post(url, json=BEAT, headers=headers).json()["commands"] == []
        # Queued by another process (straight into the database): learnt at the next refresh.
        with session_scope(session_factory(engine_of)) as db:
            from backoffice.fleet.commands import queue_command
            from backoffice.fleet.schemas import CommandCreate

            queue_command(
                db,
                fleet.get_terminal(db, "T-000"),
                CommandCreate(kind="reload_content"),
                by="cli",
                now=clock.now(),
            )
        assert client.post(url, json=BEAT, headers=headers).json()["commands"] == []
        client.app.state.heartbeats.refresh_commands(clock.now())  # type: ignore[attr-defined]
        commands = client.post(url, json=BEAT, headers=headers).json()["commands"]
        assert [c["kind"] for c in commands] == ["reload_content"]


@pytest.mark.pg
def test_two_api_processes_share_online_state_commands_and_revocations(
    fresh_database: str, engine_of: Engine, tmp_path: Path
) -> None:
    """Two back-office processes on one database (two apps, each its own engine, memory and
    token cache): a heartbeat taken by one shows the terminal online in the other after a
    flush; a command queued in one is delivered exactly once although the terminal's beats
    reach both at the same moment, again and again; a token revoked through one is refused by
    the other within the token cache's time."""
    clock = ManualClock()
    tokens, manager = seed(engine_of, clock, 1)
    other_engine = create_db_engine(fresh_database)
    url, headers = "/api/v1/fleet/heartbeat", bearer(tokens[0])
    try:
        with (
            app_for(fresh_database, tmp_path / "a", clock, engine_of) as a,
            app_for(fresh_database, tmp_path / "b", clock, other_engine) as b,
        ):
            stores = [a.app.state.heartbeats, b.app.state.heartbeats]  # type: ignore[attr-defined]
            assert a.post(url, json=BEAT, headers=headers).status_code == 200
            seen = b.get("/api/v1/fleet/terminals/T-000", headers=bearer(manager)).json()
            assert seen["online"] is False  # not written yet: A holds it in memory
            stores[0].flush()
            seen = b.get("/api/v1/fleet/terminals/T-000", headers=bearer(manager)).json()
            assert seen["online"] is True

            sent = b.post(
                "/api/v1/fleet/terminals/T-000/commands",
                json={"kind": "print_test_page"},
                headers=bearer(manager),
            )
            assert sent.status_code == 201
            for store in stores:
                store.refresh_commands(clock.now())
            delivered: list[int] = []
            lock = threading.Lock()

            def beat(client: TestClient) -> None:
                commands = client.post(url, json=BEAT, headers=headers).json()["commands"]
                with lock:
                    delivered.extend(c["id"] for c in commands)

            with ThreadPoolExecutor(8) as pool:
                list(pool.map(beat, [a, b] * 10))
            assert delivered == [sent.json()["id"]]

            with session_scope(session_factory(engine_of)) as db:
                revoke_token(db, tokens[0], clock.now())
            assert b.post(url, json=BEAT, headers=headers).status_code == 200  # B's cache
            clock.advance(seconds=5)
            assert b.post(url, json=BEAT, headers=headers).status_code == 401
            assert a.post(url, json=BEAT, headers=headers).status_code == 401
    finally:
        other_engine.dispose()

"""The outbox under faults: answers about who is asking never drop an item, refusals are kept
and reported, a corrupt file is moved aside, sent rows are pruned, and a remote command never
runs twice across a restart."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.agent import FleetAgent, KioskStatus
from kiosk.config import KioskConfig
from kiosk.fleet_commands import CommandRunner
from kiosk.outbox import ItemState, Kind, Outbox, ProblemKind
from tests.kiosk.test_outbox import Receiver, _free_port, poster


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    office = Receiver(port=_free_port())
    office.start()
    yield office
    office.stop()


@pytest.mark.parametrize("status", [401, 403, 404])
def test_an_answer_about_who_is_asking_stops_the_pass_and_drops_nothing(
    tmp_path: Path, receiver: Receiver, status: int
) -> None:
    outbox = Outbox(tmp_path / "outbox.sqlite3")
    for n in range(3):
        outbox.add(Kind.RATING, "/api/v1/ratings", {"n": n})
    receiver.force_status = status

    report = outbox.deliver(poster(receiver.url))

    assert (report.sent, report.refused, report.pending, report.auth_refused) == (0, 0, 3, status)
    assert receiver.received == 1  # stopped at the first
    assert outbox.items()[0].last_error == (
        f"HTTP {status}: forced; kept until the terminal is authorised"
    )
    receiver.force_status = None  # re-authenticated
    assert outbox.deliver(poster(receiver.url)).sent == 3
    assert [v["n"] for v in receiver.counted.values()] == [0, 1, 2]
    assert outbox.problems() == []


@pytest.mark.parametrize("status", [400, 409, 422])
def test_an_item_the_back_office_calls_wrong_is_kept_and_reported_once(
    tmp_path: Path, receiver: Receiver, status: int
) -> None:
    outbox = Outbox(tmp_path / "outbox.sqlite3")
    key = outbox.add(Kind.RATING, "/api/v1/ratings", {"level": 9})
    other = outbox.add(Kind.VISIT, "/api/v1/visits", {"visit_id": "v1"})
    receiver.force_status = status

    report = outbox.deliver(poster(receiver.url))

    assert (report.refused, report.auth_refused) == (2, None)
    assert [i.state for i in outbox.items()] == [ItemState.REFUSED] * 2  # kept for inspection
    problems = outbox.problems()
    assert [(p.kind, p.detail) for p in problems] == [
        (ProblemKind.REFUSED, f"rating {key}: HTTP {status}: forced"),
        (ProblemKind.REFUSED, f"visit {other}: HTTP {status}: forced"),
    ]
    outbox.mark_reported(problems)
    assert outbox.problems() == []


def _corrupt(path: Path, how: str) -> None:
    good = Outbox(path)
    for n in range(50):
        good.add(Kind.VISIT, "/api/v1/visits", {"n": n, "pad": "x" * 500})
    good.close()
    for companion in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        companion.unlink(missing_ok=True)
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 3])
    elif how == "garbage":
        path.write_bytes(b"not a database at all " * 200)
    else:
        path.write_bytes(bytes(len(data)))


@pytest.mark.parametrize("how", ["truncated", "garbage", "zeroed"])
def test_a_corrupt_outbox_is_moved_aside_and_a_fresh_one_reported(
    tmp_path: Path, receiver: Receiver, how: str
) -> None:
    path = tmp_path / "outbox.sqlite3"
    _corrupt(path, how)
    broken = path.read_bytes()

    outbox = Outbox(path)

    assert outbox.moved_aside is not None
    assert outbox.moved_aside.read_bytes() == broken  # kept for inspection
    assert outbox.pending_count() == 0
    [problem] = outbox.problems()
    assert problem.kind is ProblemKind.CORRUPT
    assert outbox.moved_aside.name in problem.detail
    outbox.add(Kind.VISIT, "/api/v1/visits", {"visit_id": "after"})
    assert outbox.deliver(poster(receiver.url)).sent == 1


def test_the_heartbeat_reports_outbox_problems_and_marks_them_reported(
    tmp_path: Path,
) -> None:
    path = tmp_path / "outbox.sqlite3"
    _corrupt(path, "garbage")
    outbox = Outbox(path)
    beats: list[dict[str, Any]] = []

    class Office:
        def post(self, url: str, json: dict[str, Any], **_kw: Any) -> Any:
            beats.append(json)
            return type("R", (), {"status_code": 200, "json": lambda self: {"commands": []}})()

    token = tmp_path / "token.json"
    token.write_text(json.dumps({"terminal_code": "T", "token": "t", "server_url": "x"}))
    agent = FleetAgent(
        KioskConfig(server_url="http://office", token_path=token),
        status_provider=lambda: KioskStatus(screen="home", language="zh", elder_mode=False),
        session=Office(),  # type: ignore[arg-type]
        outbox=outbox,
    )
    assert agent.heartbeat_once() is True
    assert agent.heartbeat_once() is True
    [first, second] = [b["outbox"] for b in beats]
    assert first["pending"] == 0
    assert [p["kind"] for p in first["problems"]] == ["corrupt"]
    assert second["problems"] == []  # reported once


def test_sent_rows_are_pruned_after_the_retention_time(tmp_path: Path, receiver: Receiver) -> None:
    now = [1_000_000.0]
    outbox = Outbox(tmp_path / "outbox.sqlite3", ticker=lambda: now[0], retention_s=3600)
    receiver.force_status = 422
    outbox.add(Kind.RATING, "/api/v1/ratings", {"level": 9})
    outbox.deliver(poster(receiver.url))
    receiver.force_status = None
    outbox.add_raw(Kind.SCREENSHOT, "POST", "/shot", "application/json", b'{"png": "..."}')
    assert outbox.deliver(poster(receiver.url)).sent == 1
    now[0] += 3599
    assert outbox.prune() == 0
    now[0] += 2
    assert outbox.prune() == 1
    assert [i.state for i in outbox.items()] == [ItemState.REFUSED]  # refused rows are kept


class _Visits:
    current = None

    def end(self, _reason: Any) -> None:
        pass


class _Kiosk:
    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox
        self.visits = _Visits()


@pytest.mark.parametrize("crash", ["after_it_ran", "while_it_ran"])
def test_a_command_redelivered_after_a_restart_is_acknowledged_not_run_again(
    tmp_path: Path, crash: str
) -> None:
    path = tmp_path / "outbox.sqlite3"
    restarts: list[int] = []
    command = {"id": 41, "kind": "restart_app", "payload": {}}
    before = Outbox(path)
    if crash == "after_it_ran":
        CommandRunner(_Kiosk(before), restart=lambda: restarts.append(1)).run(command)  # type: ignore[arg-type]
        assert restarts == [1]
    else:
        before.command_started("41", "restart_app")  # the kiosk died inside the command
    before.close()  # the kiosk restarted; the acknowledgement was not sent yet

    after = Outbox(path)
    result = CommandRunner(_Kiosk(after), restart=lambda: restarts.append(2)).run(command)  # type: ignore[arg-type]

    assert result.detail == "already done"
    assert restarts == ([1] if crash == "after_it_ran" else [])
    [ack] = [i for i in after.items() if i.kind is Kind.COMMAND_RESULT]
    expected = (
        {"ok": True, "result": "restarting"}
        if crash == "after_it_ran"
        else {"ok": False, "result": "interrupted by a restart of the kiosk; not run again"}
    )
    assert ack.body == expected

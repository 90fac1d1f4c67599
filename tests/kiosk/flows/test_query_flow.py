"""Queries without a window, against a live back office and the query upstream's peer: the
account balance asks for identification first (a resident ID card here) and goes on after it,
a receipt nobody was given and the upstream down are said in plain words, and the two queries
the back office does not ask upstream open the guides and the consult keypad."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from backoffice.access import Role
from backoffice.catalog.service import load_seed
from backoffice.clock import SystemClock
from kiosk.agent import FleetAgent, KioskStatus
from kiosk.catalog import Sender
from kiosk.config import KioskConfig
from kiosk.devices.base import CardInserted
from kiosk.devices.factory import build_printer
from kiosk.flows.queries import PERSONAL
from kiosk.fonts import font_path
from kiosk.i18n import tr
from simulators.escpos_decoder import pieces, texts
from simulators.printer_peer import PrinterPeer
from simulators.query_peer import QueryPeer
from tests.conftest import LiveServer
from tests.e2e.test_kiosk_enrollment import _seed
from tests.kiosk.flows.conftest import Kiosk
from tests.kiosk.flows.test_identify_flow import RESIDENT
from tests.kiosk.test_identify import FakeReader
from tests.kiosk.test_live_fleet import _staff
from tests.upstreams import upstream_peers


@pytest.fixture
def healthy_peer() -> Iterator[QueryPeer]:
    """This process's query peer (tests/upstreams.py), whose address the live servers get; a
    fault a test injects is cleared after it."""
    peer = upstream_peers().queries
    peer.set_fault("none")
    yield peer
    peer.set_fault("none")


@pytest.fixture
def sender(healthy_peer: QueryPeer, live_server: LiveServer, tmp_path: Path) -> Sender:
    """An enrolled kiosk's sender, to a back office with the seed catalog."""
    with live_server.session() as db:
        load_seed(db, SystemClock().now())
    code = _seed(live_server.database_url)
    config = KioskConfig(
        server_url=live_server.url, token_path=tmp_path / "token.json", enrollment_code=code
    )
    agent = FleetAgent(config, lambda: KioskStatus("home", "zh", False))
    assert agent.enroll_once() is True
    assert agent.heartbeat_once() is True
    return agent.send


def test_the_balance_asks_who_you_are_first_and_answers_after_the_card(
    make_kiosk: Any, sender: Sender
) -> None:
    kiosk: Kiosk = make_kiosk(send=sender)
    kiosk.flows.browse.open_matter("MI-ACCOUNT-QUERY")
    assert kiosk.window.out_of_service is not None  # no reader, no camera: it cannot ask
    assert kiosk.window.out_of_service[0] == PERSONAL

    reader = FakeReader()
    kiosk.devices.card_readers = [reader]
    kiosk.flows.browse.open_matter("MI-ACCOUNT-QUERY")
    assert (kiosk.window.screen, kiosk.window.asking) == ("identify", PERSONAL)
    assert kiosk.query.answer is None

    reader.events.put(CardInserted(RESIDENT))
    kiosk.flows.identify.drain()

    assert kiosk.window.screen == "query"
    answer = kiosk.query.answer
    assert answer is not None and answer.code == "MI-ACCOUNT-QUERY"
    assert answer.person == ("王*英", "110***********002X")
    assert [v.name for v in answer.rows[0]] == [
        "current_fen",
        "history_fen",
        "last_change_fen",
        "last_change_on",
        "balance_on",
    ]
    assert answer.rows[0][0].text["zh"].endswith(" 元")
    assert kiosk.window.said[-1].startswith("医保个人账户余额查询。当年账户余额：")
    assert kiosk.visits.current is not None
    assert kiosk.visits.current.matter == "MI-ACCOUNT-QUERY"


def test_a_receipt_nobody_was_given_and_the_upstream_down_in_plain_words(
    make_kiosk: Any, sender: Sender, healthy_peer: QueryPeer
) -> None:
    kiosk: Kiosk = make_kiosk(send=sender)
    kiosk.flows.browse.open_matter("Q-PROGRESS")
    assert (kiosk.window.screen, kiosk.query.asks) == ("query", "reference")
    kiosk.flows.queries.lookup("202001010000")
    assert kiosk.query.notice == (tr("query.not_found", "zh"), tr("query.not_found", "en"))
    assert kiosk.window.said[-1] == "没有查到这个回执号，请核对受理回执"

    healthy_peer.set_fault("error")
    kiosk.flows.browse.open_matter("Q-HOTLINE")
    assert kiosk.query.answer is None
    assert kiosk.query.notice[0] == tr("query.unavailable", "zh")
    assert kiosk.window.said[-1] == tr("query.unavailable", "zh")


@pytest.fixture
def printer_peer() -> Iterator[PrinterPeer]:
    with PrinterPeer(font_path=font_path()) as peer:
        yield peer


def test_a_consults_answer_read_by_its_number_is_printed(
    make_kiosk: Any, sender: Sender, live_server: LiveServer, printer_peer: PrinterPeer
) -> None:
    kiosk: Kiosk = make_kiosk(send=sender)
    kiosk.devices.printer = build_printer(
        {"driver": "escpos", "backend": "network", "host": "127.0.0.1", "port": printer_peer.port}
    )
    kiosk.flows.browse.open_matter("SI-CARD-REPLACE")
    kiosk.flows.consult.send("SI-CARD-REPLACE", {"id_card"})
    reference = kiosk.guide.reference
    answer = "请带户口簿到 1 号窗口办理，联系电话 13912341111"
    answered = httpx.post(
        f"{live_server.url}/api/v1/consults/{reference}/answer",
        json={"answer": answer},
        headers=_staff(live_server.url, Role.OPERATOR),
    )
    assert answered.status_code == 200, answered.text
    kiosk.flows.browse.open_matter("Q-CONSULT-ANSWER")
    assert kiosk.window.screen == "answer"
    kiosk.flows.consult.read_answer(reference)
    masked = "请带户口簿到 1 号窗口办理，联系电话 139****1111"
    assert kiosk.answer.result[0] == f"答复：{masked}"

    kiosk.flows.consult.print_answer()

    assert kiosk.answer.result[0] == "已打印，请从出纸口取走"  # the recorder keeps one line
    job = printer_peer.jobs[-1]
    assert job.closed.wait(5)
    [paper] = pieces(job.printed)
    printed = texts(paper)
    assert printed[0] == "一键通咨询答复"
    assert printed[1:4] == ["-" * 48, "咨询编号", reference]
    assert "".join(printed).count(masked) == 1 and "13912341111" not in "".join(printed)
    assert printed[-1] == "智理自助终端 · 查询结果仅供参考，以窗口受理为准"


def test_the_guides_and_consult_queries_open_their_own_screens(make_kiosk: Any) -> None:
    kiosk: Kiosk = make_kiosk()
    kiosk.flows.home.open("tile.no_certificate")
    kiosk.flows.browse.choose("matter", "Q-GUIDE")
    assert kiosk.window.screen == "matters"
    assert kiosk.lists.titles()[:2] == ["社会保险", "医疗保障"]
    kiosk.flows.lists.back()
    kiosk.flows.browse.choose("matter", "Q-CONSULT-ANSWER")
    assert kiosk.window.screen == "answer"
    # A matter opens its guide, as before.
    kiosk.flows.browse.choose("matter", "SI-RECORD-PRINT")
    assert (kiosk.window.screen, kiosk.guide.code) == ("guide", "SI-RECORD-PRINT")

"""Identification without a window: a card from any reader greets by masked name and pulling it
ends the visit; a typed number proves nothing; a code needs the back office; a service that
needs proof waits for the card's identification token."""

from __future__ import annotations

from typing import Any

from kiosk.backoffice_client import BackOfficeClient
from kiosk.catalog import Sender
from kiosk.devices.base import CardError, CardInserted, CardRemoved, QrScanned, UnsupportedCard
from kiosk.visit import EndReason, Proof
from tests.cards import proven
from tests.kiosk.flows.conftest import Kiosk
from tests.kiosk.test_identify import CARD, FakeReader, FakeScanner


def _with_readers(kiosk: Kiosk, count: int = 1) -> list[FakeReader]:
    readers = [FakeReader() for _ in range(count)]
    kiosk.devices.card_readers = list(readers)
    return readers


def test_a_card_in_any_reader_greets_by_masked_name_and_pulling_it_ends_the_visit(
    make_kiosk: Any,
) -> None:
    kiosk: Kiosk = make_kiosk()
    _social_security, resident_id = _with_readers(kiosk, 2)
    resident_id.events.put(CardInserted(CARD))
    kiosk.flows.identify.drain()

    assert kiosk.window.greeting == "张*明"
    assert kiosk.window.said == ["您好，张*明。"]
    assert kiosk.visits.current is not None
    assert kiosk.visits.current.identity is not None
    assert kiosk.visits.current.identity.proof == Proof.CARD
    assert kiosk.window.screen == "home"  # nothing asked for proof: the person stays home

    resident_id.events.put(CardRemoved())
    kiosk.flows.identify.drain()
    [summary] = kiosk.ended
    assert summary.reason == EndReason.CARD_REMOVED
    assert summary.as_json()["identified_by"] == "card"
    assert kiosk.visits.current is None


def test_a_locked_kiosk_drops_card_events(make_kiosk: Any) -> None:
    kiosk: Kiosk = make_kiosk()
    [reader] = _with_readers(kiosk)
    reader.events.put(CardInserted(CARD))
    kiosk.flows.identify.drain(accept=False)
    assert reader.events.empty()
    assert kiosk.window.greeting == "" and kiosk.visits.current is None


def test_an_unreadable_card_is_explained_in_both_languages(make_kiosk: Any) -> None:
    kiosk: Kiosk = make_kiosk(language="en")
    [reader] = _with_readers(kiosk)
    reader.events.put(CardError.from_error(UnsupportedCard()))
    kiosk.flows.identify.drain()
    assert kiosk.window.notice_texts[0] == "这不是社会保障卡，请插入社保卡"
    assert kiosk.window.said == [kiosk.window.notice_texts[1]]


def test_a_typed_number_is_noted_masked_and_never_unlocks_records(make_kiosk: Any) -> None:
    kiosk: Kiosk = make_kiosk(language="en")
    kiosk.flows.home.open("tile.medical_booklet")  # no reader, no camera: cannot identify
    assert kiosk.window.out_of_service is not None
    _with_readers(kiosk)
    kiosk.flows.home.open("tile.medical_booklet")
    assert (kiosk.window.screen, kiosk.window.asking) == ("identify", "tile.medical_booklet")

    kiosk.flows.identify.type_id_number("11010519491231002X")

    assert kiosk.window.notice_texts[1].startswith("ID number 110***********002X noted.")
    assert "11010519491231002X" not in " ".join([*kiosk.window.notice_texts, *kiosk.window.said])
    assert kiosk.flows.identify.has_proof() is False
    kiosk.flows.home.open("tile.medical_booklet")
    assert kiosk.window.screen == "identify"  # records still ask for a card


def test_a_suishen_code_without_the_back_office_is_explained(make_kiosk: Any) -> None:
    kiosk: Kiosk = make_kiosk()
    scanner = FakeScanner()
    kiosk.devices.qr_scanner = scanner
    scanner.events.put(QrScanned("SSM1.demo.payload"))
    kiosk.flows.identify.drain()
    assert kiosk.window.notice_texts[0] == "网络中断，暂时无法验证随申码，请插入社保卡或稍后再试"
    assert kiosk.visits.current is not None and kiosk.visits.current.identity is None


def test_a_service_asks_for_the_token_before_the_back_office_answers_and_gets_it_after(
    make_kiosk: Any, office_sender: Sender
) -> None:
    """The card's identification is on its way when the booklet asks: the booklet waits for
    it instead of finding nothing (no scratch flag between the two)."""
    answers: list[Any] = []
    held: list[Any] = []
    kiosk: Kiosk = make_kiosk(send=office_sender)
    kiosk.runner.run = lambda _name, work, done: held.append((work, done))  # type: ignore[method-assign]
    [reader] = _with_readers(kiosk)
    reader.events.put(
        proven(CARD, BackOfficeClient(lambda: office_sender, kiosk.runner).card_challenge)
    )
    kiosk.flows.identify.drain()
    visit = kiosk.visits.current
    assert visit is not None and visit.identification_token is None

    kiosk.flows.identify.token_for(visit, answers.append)
    assert answers == []
    [(work, done)] = held
    done(work())  # the back office answers

    [token] = answers
    assert isinstance(token, str) and token == visit.identification_token
    kiosk.flows.identify.token_for(visit, answers.append)
    assert answers == [token, token]

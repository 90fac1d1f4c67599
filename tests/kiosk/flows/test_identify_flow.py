"""Identification without a window: a card from any reader greets by masked name and pulling it
ends the visit; a typed number proves nothing; a code needs the back office; a service that
needs proof waits for the card's identification token."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from backoffice.db import create_db_engine
from backoffice.suishen.models import Identification
from kiosk.backoffice_client import BackOfficeClient
from kiosk.catalog import Sender
from kiosk.devices.base import (
    RESIDENT_ID_CARD,
    CardError,
    CardInserted,
    CardRemoved,
    QrScanned,
    ResidentIdentity,
    UnsupportedCard,
)
from kiosk.devices.idcard import IdCardExpired
from kiosk.flows.ports import both
from kiosk.visit import EndReason, Proof
from tests.cards import proven
from tests.conftest import LiveServer
from tests.kiosk.flows.conftest import Kiosk
from tests.kiosk.test_identify import CARD, FakeReader, FakeScanner
from tests.upstreams import fault, upstream_peers


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


def test_a_card_the_back_office_refuses_is_explained_in_plain_words(
    make_kiosk: Any, office_sender: Sender
) -> None:
    """A card whose answer does not prove it (here: a copy answering for another person) is
    refused by the back office; the person is told, in both languages, instead of waiting."""
    kiosk: Kiosk = make_kiosk(send=office_sender)
    [reader] = _with_readers(kiosk)
    challenges = BackOfficeClient(lambda: office_sender, kiosk.runner).card_challenge
    someone_else = dataclasses.replace(CARD, id_number="310105195001010036")
    copied = proven(someone_else, challenges)
    held: list[Any] = []
    kiosk.runner.run = lambda _name, work, done: held.append((work, done))  # type: ignore[method-assign]
    reader.events.put(CardInserted(CARD, copied.answer))  # A's data with B's answer
    kiosk.flows.identify.drain()
    [(work, done)] = held
    answer = work()
    done(answer)  # the back office answers: refused
    assert answer.status == 401, answer

    assert kiosk.window.notice_texts[0].startswith("这张卡未能通过核验")
    assert kiosk.window.notice_texts[1].startswith("This card could not be verified")
    visit = kiosk.visits.current
    assert visit is not None and visit.identification_token is None


def test_with_the_card_check_service_down_the_person_is_told_and_nothing_is_recorded(
    make_kiosk: Any, office_sender: Sender, office: LiveServer
) -> None:
    """The card issuer's service (its peer here) is down: the back office answers 503 and the
    person hears that the check is not answering, not that the card is bad."""
    kiosk: Kiosk = make_kiosk(send=office_sender)
    [reader] = _with_readers(kiosk)
    challenges = BackOfficeClient(lambda: office_sender, kiosk.runner).card_challenge
    held: list[Any] = []
    kiosk.runner.run = lambda _name, work, done: held.append((work, done))  # type: ignore[method-assign]
    reader.events.put(proven(CARD, challenges))
    kiosk.flows.identify.drain()
    [(work, done)] = held
    with fault(upstream_peers().card_issuer, "down"):
        answer = work()
    done(answer)
    assert answer.status == 503, answer
    assert kiosk.window.notice_texts == both("card.upstream_down")
    visit = kiosk.visits.current
    assert visit is not None and visit.identification_token is None


# --- the resident ID card and elder mode by age -----------------------------------------------

# The same person as CARD, as a resident ID card reads (born 1949-12-31: 76 on 2026-12-06).
RESIDENT = ResidentIdentity(
    card_kind=RESIDENT_ID_CARD,
    card_number="",
    id_number=CARD.id_number,
    name="王秀英",
    birth_date=CARD.birth_date,
    sex_code="2",
    nation_code="01",
    address="上海市长宁区江苏路街道愚园路1088弄12号",
    issuing_authority="上海市公安局长宁分局",
    valid_from=dt.date(2015, 1, 6),
    valid_to=None,
    photo_wlt=bytes(1024),
)


def test_a_resident_id_card_identifies_like_the_social_security_card_recorded_as_id_card(
    make_kiosk: Any, office: LiveServer, office_sender: Sender
) -> None:
    kiosk: Kiosk = make_kiosk(send=office_sender)
    _social_security, resident_id = _with_readers(kiosk, 2)
    kiosk.flows.home.open("tile.medical_booklet")
    assert kiosk.window.screen == "identify"

    resident_id.events.put(CardInserted(RESIDENT))
    kiosk.flows.identify.drain()

    visit = kiosk.visits.current
    assert visit is not None and visit.identity is not None
    assert visit.identity.proof == Proof.ID_CARD
    assert kiosk.flows.identify.has_proof() is True
    assert visit.identification_token is not None
    # Shown once and taken back: the greeting does not say that taking the card ends the visit.
    assert (kiosk.window.greeting, kiosk.window.card_held) == ("王*英", False)
    # The service that asked goes on (and finds no printer on this kiosk).
    assert kiosk.window.out_of_service is not None
    assert kiosk.window.out_of_service[0] == "tile.medical_booklet"
    engine = create_db_engine(office.database_url)
    try:
        with engine.connect() as db:
            proof = db.scalars(
                select(Identification.proof).order_by(Identification.id.desc()).limit(1)
            ).one()
    finally:
        engine.dispose()
    assert proof == "id_card"

    kiosk.visits.end(EndReason.FINISHED)
    assert kiosk.ended[-1].as_json()["identified_by"] == "id_card"


def test_an_expired_id_card_is_refused_in_plain_words_in_both_languages(make_kiosk: Any) -> None:
    kiosk: Kiosk = make_kiosk(language="en")
    [reader] = _with_readers(kiosk)
    kiosk.flows.home.open("tile.medical_booklet")
    reader.events.put(CardError.from_error(IdCardExpired()))
    kiosk.flows.identify.drain()
    assert kiosk.window.notice_texts == (
        "这张身份证已过期，不能在本机使用。请改用社保卡或随申码，或到服务窗口办理。",
        "This ID card has expired. Please use your social security card or Suishen code, or go "
        "to a counter.",
    )
    assert kiosk.window.said == [kiosk.window.notice_texts[1]]
    assert kiosk.window.screen == "identify"
    assert kiosk.flows.identify.has_proof() is False


@pytest.mark.parametrize(
    ("birth_date", "offer_age", "offers"),
    [
        (dt.date(1949, 12, 31), 65, 1),  # 76
        (dt.date(1961, 12, 6), 65, 1),  # 65 today
        (dt.date(1961, 12, 7), 65, 0),  # 65 tomorrow
        (dt.date(1961, 12, 7), 60, 1),  # the terminal's own age
        (dt.date(1949, 12, 31), 0, 0),  # never offered
    ],
)
def test_elder_mode_is_offered_by_age_once_a_visit_and_forgotten_after_it(
    make_kiosk: Any, birth_date: dt.date, offer_age: int, offers: int
) -> None:
    kiosk: Kiosk = make_kiosk(elder_offer_age=offer_age)
    kiosk.flows.identify._today = lambda: dt.date(2026, 12, 6)
    [reader] = _with_readers(kiosk)
    card = dataclasses.replace(RESIDENT, birth_date=birth_date)
    reader.events.put(CardInserted(card))
    reader.events.put(CardInserted(card))  # shown twice: offered once
    kiosk.flows.identify.drain()
    visit = kiosk.visits.current
    assert visit is not None
    assert (kiosk.window.elder_offers, visit.elder_mode_offered) == (offers, bool(offers))

    kiosk.visits.end(EndReason.FINISHED)
    assert visit.elder_mode_offered is False  # wiped with the rest of the visit
    reader.events.put(CardInserted(card))
    kiosk.flows.identify.drain()
    assert kiosk.window.elder_offers == 2 * offers  # the next visit is asked afresh


def test_someone_already_in_elder_mode_is_not_offered_it(make_kiosk: Any) -> None:
    kiosk: Kiosk = make_kiosk(elder_offer_age=65)
    [reader] = _with_readers(kiosk)
    kiosk.visits.ensure().elder_mode = True
    reader.events.put(CardInserted(RESIDENT))
    kiosk.flows.identify.drain()
    assert kiosk.window.elder_offers == 0

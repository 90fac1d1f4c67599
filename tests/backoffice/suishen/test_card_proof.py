"""Card reads proven by the card, in process: the challenge's lifetime under the test clock, the
card verifier's arithmetic, and the per-terminal limit on distinct people identified (resident ID
card reads, taken on the terminal's token, count toward it too)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.clock import ManualClock
from backoffice.fleet.models import AlertKind, FleetAlert
from backoffice.settings import Settings
from backoffice.suishen.cards import card_message
from backoffice.suishen.service import THROTTLED
from backoffice.suishen.upstream import HttpCardVerifier, http_card_verifier
from backoffice.upstream import load_adapter
from simulators.upstream_peers import CardIssuerPeer
from tests.backoffice.kiosk_terminals import card_evidence, enrolled_terminal
from tests.cards import card_answer
from tests.conftest import StaffFactory, in_process_settings
from tests.upstreams import adapter_settings

PEOPLE = ("11010519491231002X", "440524188001010014", "310105194809270012")
IDENTIFY = "/api/v1/identifications"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(**in_process_settings(tmp_path, {"identify_people_per_hour": 2}))


@pytest.fixture
def kiosk(client: TestClient, staff_headers: StaffFactory) -> dict[str, str]:
    return enrolled_terminal(client, staff_headers(Role.TERMINAL_MANAGER))


def test_the_verifier_accepts_the_cards_answer_and_nothing_else(settings: Settings) -> None:
    verifier = http_card_verifier(settings)  # the HTTP adapter, against the card issuer peer
    challenge = bytes.fromhex("0011223344556677")
    message = card_message(challenge, "A01234567", PEOPLE[0], "王秀英")
    answer = bytes.fromhex(card_answer(challenge.hex(), PEOPLE[0], "王秀英"))
    assert verifier.verify("A01234567", message, answer)
    other = card_message(challenge, "A01234567", PEOPLE[1], "王秀英")
    assert not verifier.verify("A01234567", other, answer)
    assert not verifier.verify("A01234568", message, answer)  # another card's key
    another_issuer = CardIssuerPeer(master_key=bytes(16)).start()
    try:
        elsewhere = settings.model_copy(update={"card_verifier_url": another_issuer.url})
        assert not http_card_verifier(elsewhere).verify("A01234567", message, answer)
    finally:
        another_issuer.stop()


def test_a_challenge_answered_after_its_lifetime_is_refused(
    client: TestClient, clock: ManualClock, kiosk: dict[str, str]
) -> None:
    evidence = card_evidence(client, kiosk, PEOPLE[0], "王秀英")
    clock.advance(seconds=61)
    late = client.post(IDENTIFY, json=evidence, headers=kiosk)
    assert late.status_code == 401 and "expired" in late.json()["detail"]


def test_a_terminal_identifying_too_many_people_is_throttled_and_alerted(
    client: TestClient, db: Session, clock: ManualClock, kiosk: dict[str, str]
) -> None:
    for number in PEOPLE[:2]:
        body = card_evidence(client, kiosk, number, "王秀英")
        assert client.post(IDENTIFY, json=body, headers=kiosk).status_code == 201
    # Someone already identified here within the hour may come back.
    again = card_evidence(client, kiosk, PEOPLE[0], "王秀英")
    assert client.post(IDENTIFY, json=again, headers=kiosk).status_code == 201
    third = client.post(
        IDENTIFY, json=card_evidence(client, kiosk, PEOPLE[2], "陈建国"), headers=kiosk
    )
    assert third.status_code == 429 and third.json()["detail"] == THROTTLED
    [alert] = db.scalars(select(FleetAlert).where(FleetAlert.kind == AlertKind.IDENTIFY_LIMIT))
    assert alert.closed_at is None and "more than 2 different people" in alert.message
    clock.advance(minutes=61)
    later = client.post(
        IDENTIFY, json=card_evidence(client, kiosk, PEOPLE[2], "陈建国"), headers=kiosk
    )
    assert later.status_code == 201
    db.refresh(alert)
    assert alert.closed_at is not None


def test_resident_id_card_reads_count_toward_the_same_limit(
    client: TestClient, db: Session, kiosk: dict[str, str]
) -> None:
    """An ID card read rests on the terminal's token alone: the limit is what bounds a terminal
    sending made-up reads. ID card and proven card reads of the same person count once."""

    def id_card(number: str) -> int:
        body = {"proof": "id_card", "id_number": number, "name": "王秀英", "valid_to": None}
        return client.post(IDENTIFY, json=body, headers=kiosk).status_code

    assert id_card(PEOPLE[0]) == 201
    proven = card_evidence(client, kiosk, PEOPLE[0], "王秀英")  # the same person, other card
    assert client.post(IDENTIFY, json=proven, headers=kiosk).status_code == 201
    assert id_card(PEOPLE[1]) == 201
    assert id_card(PEOPLE[0]) == 201  # back again within the hour
    assert id_card(PEOPLE[2]) == 429
    [alert] = db.scalars(select(FleetAlert).where(FleetAlert.kind == AlertKind.IDENTIFY_LIMIT))
    assert alert.closed_at is None


def test_the_card_verifier_must_be_named_outside_demo_mode(tmp_path: Path) -> None:
    from backoffice.settings import StartupRefused

    production = Settings(data_dir=tmp_path, demo=False, secret_key="s" * 40)
    http = "backoffice.suishen.upstream:http_card_verifier"
    with pytest.raises(StartupRefused, match="ZHILI_CARD_VERIFIER is not set"):
        load_adapter(production, "card_verifier", demo=http)
    named = production.model_copy(update={"card_verifier": "no.such.module:factory"})
    with pytest.raises(StartupRefused, match="names no adapter"):
        load_adapter(named, "card_verifier", demo=http)
    real = production.model_copy(update=adapter_settings())
    assert isinstance(load_adapter(real, "card_verifier", demo=http), HttpCardVerifier)
    assert os.environ["ZHILI_DEMO"] == "1"  # the suite's live servers run in demo mode

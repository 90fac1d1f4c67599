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
from backoffice.suishen.cards import (
    DEMO_ISSUER_MASTER_KEY,
    IssuerKeyVerifier,
    card_message,
    card_verifier,
)
from backoffice.suishen.service import THROTTLED
from tests.backoffice.kiosk_terminals import card_evidence, enrolled_terminal
from tests.cards import card_answer
from tests.conftest import StaffFactory, in_process_settings

PEOPLE = ("11010519491231002X", "440524188001010014", "310105194809270012")
IDENTIFY = "/api/v1/identifications"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(**in_process_settings(tmp_path, {"identify_people_per_hour": 2}))


@pytest.fixture
def kiosk(client: TestClient, staff_headers: StaffFactory) -> dict[str, str]:
    return enrolled_terminal(client, staff_headers(Role.TERMINAL_MANAGER))


def test_the_verifier_accepts_the_cards_answer_and_nothing_else() -> None:
    verifier = IssuerKeyVerifier(DEMO_ISSUER_MASTER_KEY)
    challenge = bytes.fromhex("0011223344556677")
    message = card_message(challenge, "A01234567", PEOPLE[0], "王秀英")
    answer = bytes.fromhex(card_answer(challenge.hex(), PEOPLE[0], "王秀英"))
    assert verifier.verify("A01234567", message, answer)
    other = card_message(challenge, "A01234567", PEOPLE[1], "王秀英")
    assert not verifier.verify("A01234567", other, answer)
    assert not verifier.verify("A01234568", message, answer)  # another card's key
    assert not IssuerKeyVerifier(bytes(16)).verify("A01234567", message, answer)


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


def test_the_demo_card_verifier_is_refused_outside_demo_mode(tmp_path: Path) -> None:
    from backoffice.settings import StartupRefused

    production = Settings(data_dir=tmp_path, demo=False, secret_key="s" * 40)
    with pytest.raises(StartupRefused, match="demo mode only"):
        card_verifier(production)
    named = production.model_copy(update={"card_verifier": "no.such.module:factory"})
    with pytest.raises(StartupRefused, match="names no adapter"):
        card_verifier(named)
    real = production.model_copy(
        update={"card_verifier": "tests.backoffice.suishen.test_card_proof:issuer_service"}
    )
    assert isinstance(card_verifier(real), IssuerKeyVerifier)
    assert os.environ["ZHILI_DEMO"] == "1"  # the suite's live servers run in demo mode


def issuer_service(_settings: Settings) -> IssuerKeyVerifier:
    """Stands for a production adapter named by ZHILI_CARD_VERIFIER."""
    return IssuerKeyVerifier(bytes(16))

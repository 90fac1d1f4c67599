"""Identifications: a card read proven by the card or a verified Suishen code used once, never a
typed number."""

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.clock import ManualClock
from backoffice.keys import Keys
from backoffice.settings import Settings
from backoffice.suishen.models import Identification, Proof
from backoffice.suishen.personal import (
    CHECK_CHARACTERS,
    WEIGHTS,
    is_valid_id_number,
    keyed_hash,
    mask_id_number,
    mask_name,
)
from backoffice.suishen.service import LOCAL_ZONE
from tests.backoffice.kiosk_terminals import card_evidence, enrolled_terminal
from tests.conftest import StaffFactory
from tests.upstreams import upstream_peers

ID_NUMBER = "11010519491231002X"


@pytest.fixture
def kiosk(client: TestClient, staff_headers: StaffFactory) -> dict[str, str]:
    return enrolled_terminal(client, staff_headers(Role.TERMINAL_MANAGER))


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_the_check_character_decides_validity(body: str) -> None:
    dated = body[:10] + "0101" + body[14:]
    right = CHECK_CHARACTERS[sum(int(d) * w for d, w in zip(dated, WEIGHTS, strict=True)) % 11]
    assert is_valid_id_number(dated + right)
    wrong = next(c for c in "0123456789X" if c != right)
    assert not is_valid_id_number(dated + wrong)


def test_masks_show_enough_to_recognise_and_no_more() -> None:
    assert mask_id_number(ID_NUMBER) == "110***********002X"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳明华") == "欧**华"
    assert is_valid_id_number("440524188001010014")


def test_a_card_read_is_hashed_on_arrival_and_never_stored_raw(
    client: TestClient, db: Session, kiosk: dict[str, str], settings: Settings
) -> None:
    reply = client.post(
        "/api/v1/identifications",
        json=card_evidence(client, kiosk, ID_NUMBER, "张三"),
        headers=kiosk,
    )
    assert reply.status_code == 201, reply.text
    body = reply.json()
    assert body["proof"] == "card"
    assert body["masked_id"] == "110***********002X" and body["masked_name"] == "张*"
    row = db.scalars(select(Identification)).one()
    assert row.id_hash == keyed_hash(Keys.of(settings), ID_NUMBER)
    assert ID_NUMBER not in repr(vars(row)) and "张三" not in repr(vars(row))
    assert row.digest != body["token"]


def test_a_resident_id_card_read_is_taken_on_the_terminals_token_and_recorded_as_such(
    client: TestClient, db: Session, clock: ManualClock, kiosk: dict[str, str], settings: Settings
) -> None:
    url = "/api/v1/identifications"
    evidence = {"proof": "id_card", "id_number": ID_NUMBER, "name": "王秀英", "valid_to": None}
    reply = client.post(url, json=evidence, headers=kiosk)
    assert reply.status_code == 201, reply.text
    body = reply.json()
    assert (body["proof"], body["masked_id"], body["masked_name"]) == (
        "id_card",
        "110***********002X",
        "王*英",
    )
    row = db.scalars(select(Identification)).one()
    assert row.proof == Proof.ID_CARD
    assert row.id_hash == keyed_hash(Keys.of(settings), ID_NUMBER)
    assert ID_NUMBER not in repr(vars(row)) and "王秀英" not in repr(vars(row))
    # The card's last valid day is still good; the day after, the card identifies no one.
    local_today = clock.now().astimezone(LOCAL_ZONE).date()
    still = {**evidence, "valid_to": local_today.isoformat()}
    assert client.post(url, json=still, headers=kiosk).status_code == 201
    expired = {**evidence, "valid_to": (local_today - timedelta(days=1)).isoformat()}
    refused = client.post(url, json=expired, headers=kiosk)
    assert refused.status_code == 422 and "expired" in refused.json()["detail"]
    bad = client.post(url, json={**evidence, "id_number": "110105194912310021"}, headers=kiosk)
    assert bad.status_code == 422 and "fails its check" in bad.json()["detail"]
    assert len(db.scalars(select(Identification)).all()) == 2


def test_typed_numbers_and_bad_cards_are_refused(
    client: TestClient, db: Session, kiosk: dict[str, str]
) -> None:
    typed = client.post(
        "/api/v1/identifications", json={"proof": "typed", "id_number": ID_NUMBER}, headers=kiosk
    )
    assert typed.status_code == 403
    assert "typed ID number" in typed.json()["detail"]
    bad = client.post(
        "/api/v1/identifications",
        json=card_evidence(client, kiosk, "110105194912310021", "张三"),
        headers=kiosk,
    )
    assert bad.status_code == 422 and "fails its check" in bad.json()["detail"]
    unproven = client.post(
        "/api/v1/identifications",
        json={"proof": "card", "id_number": ID_NUMBER, "name": "张三"},
        headers=kiosk,
    )
    assert unproven.status_code == 401 and "challenge" in unproven.json()["detail"]
    assert db.scalars(select(Identification)).all() == []


def test_suishen_codes_verify_once_and_expired_or_unknown_ones_are_refused(
    client: TestClient, clock: ManualClock, kiosk: dict[str, str], settings: Settings, db: Session
) -> None:
    suishen = upstream_peers().suishen  # the Suishen peer, through the real HTTP adapter
    code = suishen.issue(ID_NUMBER, "张三", timedelta(minutes=1))
    assert ID_NUMBER not in code and "张三" not in code
    url = "/api/v1/identifications"
    good = client.post(url, json={"proof": "suishen", "payload": code}, headers=kiosk)
    assert good.status_code == 201, good.text
    assert good.json()["masked_name"] == "张*" and good.json()["masked_id"] is None
    row = db.scalars(select(Identification)).one()
    assert row.proof is Proof.SUISHEN and row.id_hash == keyed_hash(Keys.of(settings), ID_NUMBER)

    again = client.post(url, json={"proof": "suishen", "payload": code}, headers=kiosk)
    assert again.status_code == 401 and "used already" in again.json()["detail"]

    real_now = datetime.now(UTC)
    stale = suishen.issue(ID_NUMBER, "张三", timedelta(minutes=1), real_now - timedelta(minutes=5))
    early = suishen.issue(ID_NUMBER, "张三", timedelta(minutes=1), real_now + timedelta(hours=1))
    for payload, status, says in (
        (stale, 401, "expired"),
        (early, 401, "not valid yet"),
        (code[:-2] + "xx", 401, "does not know this code"),
        ("hello", 401, "does not know this code"),
        ("   ", 422, "not a Suishen code"),
        ("S" * 1025, 422, "not a Suishen code"),
    ):
        reply = client.post(url, json={"proof": "suishen", "payload": payload}, headers=kiosk)
        assert reply.status_code == status, (payload, reply.text)
        assert says in reply.json()["detail"]
    # A code the upstream still takes, but past its end by this back office's clock.
    fresh = suishen.issue(ID_NUMBER, "张三", timedelta(minutes=1))
    clock.set(real_now + timedelta(minutes=2))
    expired = client.post(url, json={"proof": "suishen", "payload": fresh}, headers=kiosk)
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]
    assert len(db.scalars(select(Identification)).all()) == 1


def test_staff_cannot_make_identifications(client: TestClient, staff_headers: StaffFactory) -> None:
    reply = client.post(
        "/api/v1/identifications",
        json={"proof": "suishen", "payload": "SSM2.1.e30.x"},
        headers=staff_headers(Role.ADMIN),
    )
    assert reply.status_code == 403

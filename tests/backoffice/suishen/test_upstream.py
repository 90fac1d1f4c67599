"""The Suishen and card issuer HTTP adapters against their peers and the shared contracts, faults
included: with the upstream slow, failing, talking nonsense or down, the kiosk is told in plain
words (503, Chinese and English) and nothing is recorded."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.settings import Settings
from backoffice.suishen.models import CardChallenge, Identification, UsedSuishenCode
from backoffice.upstream import Contract
from simulators.upstream_peers import SuishenPeer
from tests.backoffice.kiosk_terminals import card_evidence, enrolled_terminal
from tests.conftest import StaffFactory, in_process_settings
from tests.upstreams import fault, upstream_peers

ID_NUMBER = "11010519491231002X"
IDENTIFY = "/api/v1/identifications"
SUISHEN = Contract.load("suishen")
CARD_ISSUER = Contract.load("card_issuer")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # Quick to give up, and a circuit that stays closed: each request sees the fault itself.
    return Settings(
        **in_process_settings(
            tmp_path,
            {"upstream_timeout_s": 0.3, "upstream_retries": 1, "upstream_breaker_failures": 50},
        )
    )


@pytest.fixture
def kiosk(client: TestClient, staff_headers: StaffFactory) -> dict[str, str]:
    return enrolled_terminal(client, staff_headers(Role.TERMINAL_MANAGER))


def test_the_suishen_peer_speaks_its_contract() -> None:
    peer = upstream_peers().suishen
    code = peer.issue(ID_NUMBER, "张三")
    with httpx.Client(base_url=peer.url) as http:
        for payload in (code, "not-a-code"):
            answer = http.post("/v1/codes/verify", json={"code": payload})
            assert answer.status_code == 200
            assert SUISHEN.errors("VerifyAnswer", answer.json()) == []
        valid = http.post("/v1/codes/verify", json={"code": code}).json()
        assert valid["result"] == "valid" and valid["holder"]["id_number"] == ID_NUMBER
        bad = http.post("/v1/codes/verify", json={"token": code})
        assert bad.status_code == 400 and SUISHEN.errors("Error", bad.json()) == []


def test_the_card_issuer_peer_speaks_its_contract() -> None:
    peer = upstream_peers().card_issuer
    with httpx.Client(base_url=peer.url) as http:
        answer = http.post(
            "/v1/cards/A01234567/mac-checks", json={"message": "00", "mac": "0" * 16}
        )
        assert answer.status_code == 200 and answer.json() == {"valid": False}
        assert CARD_ISSUER.errors("MacVerdict", answer.json()) == []
        bad = http.post("/v1/cards/A01234567/mac-checks", json={"message": "zz", "mac": ""})
        assert bad.status_code == 400 and CARD_ISSUER.errors("Error", bad.json()) == []


@pytest.mark.parametrize("what", ["slow", "error", "malformed", "down"])
def test_with_suishen_failing_the_kiosk_is_told_and_nothing_is_recorded(
    what: str, client: TestClient, db: Session, kiosk: dict[str, str]
) -> None:
    peer = upstream_peers().suishen
    code = peer.issue(ID_NUMBER, "张三")
    with fault(peer, what, delay_s=1.0):
        reply = client.post(IDENTIFY, json={"proof": "suishen", "payload": code}, headers=kiosk)
    assert reply.status_code == 503, reply.text
    body = reply.json()
    assert body["upstream"] == "suishen"
    assert body["detail"].startswith("The Suishen code check service is not answering right now")
    assert body["detail_zh"].startswith("随申码核验服务暂时无法连接")
    assert db.scalar(select(func.count()).select_from(Identification)) == 0
    assert db.scalar(select(func.count()).select_from(UsedSuishenCode)) == 0
    # Back up: the same code still counts (it was not used up by the failure).
    again = client.post(IDENTIFY, json={"proof": "suishen", "payload": code}, headers=kiosk)
    assert again.status_code == 201, again.text


@pytest.mark.parametrize("what", ["slow", "error", "malformed", "down"])
def test_with_the_card_issuer_failing_the_card_read_is_not_used_up(
    what: str, client: TestClient, db: Session, kiosk: dict[str, str]
) -> None:
    evidence = card_evidence(client, kiosk, ID_NUMBER, "王秀英")
    with fault(upstream_peers().card_issuer, what, delay_s=1.0):
        reply = client.post(IDENTIFY, json=evidence, headers=kiosk)
    assert reply.status_code == 503 and reply.json()["upstream"] == "card_issuer"
    assert "社保卡核验服务暂时无法连接" in reply.json()["detail_zh"]
    assert db.scalars(select(CardChallenge.used_at)).all() == [None]
    assert db.scalar(select(func.count()).select_from(Identification)) == 0
    assert client.post(IDENTIFY, json=evidence, headers=kiosk).status_code == 201


def test_a_separate_peer_shares_no_codes_with_another(settings: Settings) -> None:
    from datetime import UTC, datetime

    from backoffice.errors import NotAuthenticated
    from backoffice.suishen.upstream import http_suishen_verifier

    other = SuishenPeer().start()
    try:
        code = other.issue(ID_NUMBER, "张三")
        ours = http_suishen_verifier(settings)
        with pytest.raises(NotAuthenticated, match="does not know this code"):
            ours.verify(code, datetime.now(UTC))
        theirs = http_suishen_verifier(settings.model_copy(update={"suishen_url": other.url}))
        assert theirs.verify(code, datetime.now(UTC)).masked_name == "张*"
    finally:
        other.stop()

"""The medical-insurance HTTP adapter against its peer and the shared contract, faults included:
with the upstream slow, failing, talking nonsense or down, the kiosk is told in plain words
(503) and no print is recorded."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.clock import ManualClock
from backoffice.keys import Keys
from backoffice.medical.models import BookletProgress, PrintConfirmation
from backoffice.settings import Settings
from backoffice.suishen.personal import keyed_hash
from backoffice.upstream import Contract
from tests.backoffice.kiosk_terminals import enrolled_terminal, identify_by_card
from tests.conftest import StaffFactory, in_process_settings
from tests.upstreams import fault, upstream_peers

ID_NUMBER = "310105198506110044"
MEDICAL = Contract.load("medical")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        **in_process_settings(
            tmp_path,
            {"upstream_timeout_s": 0.3, "upstream_retries": 1, "upstream_breaker_failures": 50},
        )
    )


@pytest.fixture
def who(
    client: TestClient, staff_headers: StaffFactory, settings: Settings, clock: ManualClock
) -> dict[str, str]:
    upstream_peers().medical.add_person(
        keyed_hash(Keys.of(settings), ID_NUMBER), clock.now().date(), count=20
    )
    kiosk = enrolled_terminal(client, staff_headers(Role.TERMINAL_MANAGER))
    return {
        **kiosk,
        "X-Identification": identify_by_card(client, kiosk, ID_NUMBER, "李梅")["token"],
    }


def test_the_medical_peer_speaks_its_contract(settings: Settings, who: dict[str, str]) -> None:
    peer = upstream_peers().medical
    person = keyed_hash(Keys.of(settings), ID_NUMBER)
    with httpx.Client(base_url=peer.url) as http:
        known = http.get(f"/v1/insured/{person}/visits")
        assert known.status_code == 200 and len(known.json()["visits"]) == 20
        assert MEDICAL.errors("VisitsAnswer", known.json()) == []
        unknown = http.get(f"/v1/insured/{'0' * 64}/visits")
        assert unknown.status_code == 404 and MEDICAL.errors("Error", unknown.json()) == []


@pytest.mark.parametrize("what", ["slow", "error", "malformed", "down"])
def test_with_the_upstream_failing_the_kiosk_is_told_and_no_print_is_recorded(
    what: str, client: TestClient, db: Session, who: dict[str, str]
) -> None:
    peer = upstream_peers().medical
    with fault(peer, what, delay_s=1.0):
        records = client.get("/api/v1/medical/records", headers=who)
        confirm = client.post("/api/v1/medical/prints", json={"page": 1, "line": 3}, headers=who)
    for reply in (records, confirm):
        assert reply.status_code == 503, reply.text
        assert reply.json()["upstream"] == "medical"
        assert reply.json()["detail"].startswith("The medical-insurance records service is not")
        assert reply.json()["detail_zh"].startswith("医保就医记录系统暂时无法连接")
    assert db.scalar(select(func.count()).select_from(PrintConfirmation)) == 0
    assert db.scalars(select(BookletProgress.next_line)).all() in ([], [1])
    # Back up: the same confirmation (the kiosk's outbox sends it again) counts once.
    again = client.post("/api/v1/medical/prints", json={"page": 1, "line": 3}, headers=who)
    assert again.status_code == 200 and again.json()["printed_through_seq"] == 3

"""The query API a kiosk calls: the catalog says what each query asks first; answers come typed
and worded (zh/en) from the query upstream's peer through the real adapter, or from the back
office's own consults; a reference or an identification is asked for when the table says so;
the upstream down is a 503 in plain words."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.clock import ManualClock
from backoffice.keys import Keys
from backoffice.settings import Settings
from backoffice.suishen.personal import keyed_hash
from simulators.query_peer import QueryAnswers, QueryPeer
from tests.backoffice.kiosk_terminals import enrolled_terminal, identify_by_card, seed_catalog
from tests.conftest import StaffFactory, in_process_settings
from tests.upstreams import upstream_peers

ID_NUMBER = "11010519491231002X"


class Answers(QueryAnswers):
    """The peer's answers, remembering whom the balance was asked for."""

    def __init__(self, today: date) -> None:
        super().__init__(lambda: today)
        self.persons: list[str | None] = []

    def _mi_account_query(self, ref: str | None, person: str | None) -> list[dict[str, Any]]:
        self.persons.append(person)
        return super()._mi_account_query(ref, person)


@pytest.fixture
def peer() -> Iterator[QueryPeer]:
    """This process's query peer (tests/upstreams.py), answering as on the test clock's day and
    remembering whom it was asked about; put back as it was after the test."""
    shared = upstream_peers().queries
    before = shared.answers
    shared.answers = Answers(ManualClock().now().date())
    yield shared
    shared.answers = before
    shared.set_fault("none")


@pytest.fixture
def settings(tmp_path: Path, peer: QueryPeer) -> Settings:
    """No retry (a fault answers at once)."""
    return Settings(**in_process_settings(tmp_path, {"upstream_retries": 0}))


@pytest.fixture
def kiosk(
    client: TestClient, db: Session, clock: ManualClock, staff_headers: StaffFactory
) -> dict[str, str]:
    seed_catalog(db, clock)
    return enrolled_terminal(client, staff_headers(Role.TERMINAL_MANAGER))


def values(row: list[dict[str, Any]], language: str = "zh") -> dict[str, str]:
    return {v["name"]: v["text"][language] for v in row}


def test_the_kiosks_catalog_says_what_each_query_asks_first(
    client: TestClient, kiosk: dict[str, str]
) -> None:
    catalog = client.get("/api/v1/catalog/mine", headers=kiosk).json()
    queries = catalog["queries"]
    assert set(catalog["no_certificate"]) <= set(queries)
    assert queries["Q-PROGRESS"] == {"source": "upstream", "asks": "reference"}
    assert queries["Q-CONSULT-ANSWER"] == {"source": "consult", "asks": "reference"}
    assert queries["MI-ACCOUNT-QUERY"] == {"source": "upstream", "asks": "identification"}
    assert queries["Q-GUIDE"] == {"source": "catalog", "asks": "nothing"}
    asks = [q["asks"] for q in queries.values()]
    assert (asks.count("nothing"), asks.count("reference"), asks.count("identification")) == (
        22,
        2,
        1,
    )


def test_a_query_answers_typed_values_in_plain_words(
    client: TestClient, kiosk: dict[str, str]
) -> None:
    answer = client.get("/api/v1/queries/SI-BASE-QUERY", headers=kiosk)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["name"] == {
        "zh": "社保缴费基数与比例查询",
        "en": "Social insurance contribution base and rates",
    }
    [row] = body["rows"]
    base = next(v for v in row if v["name"] == "base_min_fen")
    assert base == {
        "name": "base_min_fen",
        "label": {"zh": "缴费基数下限", "en": "Lowest contribution base"},
        "unit": "fen",
        "value": 746000,
        "text": {"zh": "7,460.00 元", "en": "CNY 7,460.00"},
    }
    assert values(row)["pension_employee"] == "8%"
    assert values(row, "en")["unemployment_employee"] == "0.5%"

    canteens = client.get("/api/v1/queries/EL-CANTEEN-QUERY", headers=kiosk).json()["rows"]
    assert len(canteens) == 4
    assert values(canteens[0])["meal_price_fen"] == "15.00 元"


def test_a_receipts_progress_asks_for_its_number(
    client: TestClient, kiosk: dict[str, str], clock: ManualClock
) -> None:
    missing = client.get("/api/v1/queries/Q-PROGRESS", headers=kiosk)
    assert missing.status_code == 422 and missing.json()["field"] == "reference"
    day = clock.now().date()
    unknown = client.get(
        "/api/v1/queries/Q-PROGRESS", params={"reference": f"{day:%Y%m%d}0000"}, headers=kiosk
    )
    assert unknown.status_code == 404
    assert unknown.json()["detail"].startswith("No record has the number")

    receipt = f"{day:%Y%m%d}0042"
    found = client.get("/api/v1/queries/Q-PROGRESS", params={"reference": receipt}, headers=kiosk)
    assert found.status_code == 200, found.text
    body = found.json()
    assert body["reference"] == receipt
    words = values(body["rows"][0])
    assert words["receipt"] == receipt
    assert words["received_on"] == f"{day.year}年{day.month}月{day.day}日"
    assert words["status"] in {"已受理", "需补充材料"}
    applicant = words["applicant"]
    assert "*" in applicant and len(applicant) in (2, 3)


def test_the_account_balance_asks_for_identification_and_sends_only_the_keyed_hash(
    client: TestClient, kiosk: dict[str, str], settings: Settings, peer: QueryPeer
) -> None:
    refused = client.get("/api/v1/queries/MI-ACCOUNT-QUERY", headers=kiosk)
    assert refused.status_code == 401
    token = identify_by_card(client, kiosk, ID_NUMBER, "王秀英")["token"]
    answer = client.get(
        "/api/v1/queries/MI-ACCOUNT-QUERY", headers={**kiosk, "X-Identification": token}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["person"] == {"masked_name": "王*英", "masked_id": "110***********002X"}
    assert [v["name"] for v in body["rows"][0]] == [
        "current_fen",
        "history_fen",
        "last_change_fen",
        "last_change_on",
        "balance_on",
    ]
    answers = peer.answers
    assert isinstance(answers, Answers)
    assert answers.persons[-1] == keyed_hash(Keys.of(settings), ID_NUMBER)
    assert ID_NUMBER not in answer.text


def test_a_consults_answer_is_a_query_by_its_reference(
    client: TestClient, kiosk: dict[str, str], staff_headers: StaffFactory
) -> None:
    asked = client.post(
        "/api/v1/consults",
        json={"kind": "question", "matter_code": "RES-PERMIT-APPLY", "question": "要带什么？"},
        headers=kiosk,
    )
    reference = asked.json()["reference"]
    waiting = client.get(
        "/api/v1/queries/Q-CONSULT-ANSWER", params={"reference": reference}, headers=kiosk
    ).json()
    assert values(waiting["rows"][0]) == {
        "reference": reference,
        "matter": "上海市居住证申领",
        "status": "等待答复",
        "answer": "—",
    }
    client.post(
        f"/api/v1/consults/{reference}/answer",
        json={"answer": "带身份证和租房合同到 4 号窗口"},
        headers=staff_headers(Role.CALL_TAKER),
    )
    answered = client.get(
        "/api/v1/queries/Q-CONSULT-ANSWER", params={"reference": reference}, headers=kiosk
    ).json()
    assert values(answered["rows"][0], "en")["status"] == "Answered"
    assert values(answered["rows"][0])["answer"] == "带身份证和租房合同到 4 号窗口"
    nobody = client.get(
        "/api/v1/queries/Q-CONSULT-ANSWER", params={"reference": "ZXAAAAAAAA"}, headers=kiosk
    )
    assert nobody.status_code == 404


def test_what_is_not_an_answering_query_and_who_may_ask(
    client: TestClient, kiosk: dict[str, str]
) -> None:
    assert client.get("/api/v1/queries/Q-GUIDE", headers=kiosk).status_code == 404
    assert client.get("/api/v1/queries/SI-RECORD-PRINT", headers=kiosk).status_code == 404
    assert client.get("/api/v1/queries/NO-SUCH", headers=kiosk).status_code == 404
    assert client.get("/api/v1/queries/Q-MIN-WAGE").status_code == 401


@pytest.mark.parametrize("fault", ["down", "error", "malformed"])
def test_the_upstream_down_is_a_503_in_plain_words(
    client: TestClient, kiosk: dict[str, str], peer: QueryPeer, fault: str
) -> None:
    peer.set_fault(fault)
    answer = client.get("/api/v1/queries/Q-MIN-WAGE", headers=kiosk)
    assert answer.status_code == 503
    body = answer.json()
    assert body["upstream"] == "queries"
    assert body["detail"].startswith("The query service is not answering right now")
    assert body["detail_zh"].startswith("查询服务暂时无法连接")
    peer.set_fault("none")
    assert client.get("/api/v1/queries/Q-MIN-WAGE", headers=kiosk).status_code == 200

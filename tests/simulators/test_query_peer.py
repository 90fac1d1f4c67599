"""The query upstream peer against the shared contract (contracts/queries.openapi.json): every
query's answer validates against its own schema, answers differ per query, receipt and person,
and each fault (slow, 5xx, malformed, down) is what the adapter's tests will meet."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs
import pytest

from simulators.query_peer import QueryAnswers, QueryPeer

CONTRACT = json.loads(
    (Path(__file__).resolve().parents[2] / "contracts" / "queries.openapi.json").read_text("utf-8")
)
OPERATION = CONTRACT["paths"]["/v1/queries/{code}"]["get"]
UPSTREAM = OPERATION["parameters"][0]["schema"]["enum"]
TODAY = date(2026, 12, 6)
CLIENT = httpx.Client()
PERSON = "ab" * 32


@cache
def schema_of(name: str) -> Any:
    return jsonschema_rs.validator_for(
        {"$ref": f"#/components/schemas/{name}", "components": CONTRACT["components"]},
        validate_formats=True,
    )


@pytest.fixture(scope="module")
def peer() -> Iterator[QueryPeer]:
    running = QueryPeer(answers=QueryAnswers(lambda: TODAY))
    running.start()
    running.delay_s = 1.0
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def _healthy(peer: QueryPeer) -> Iterator[None]:
    peer.set_fault("none")
    yield
    peer.set_fault("none")


def ask(peer: QueryPeer, code: str, timeout: float = 5.0, **params: str) -> httpx.Response:
    # A connection per request (the peer may go down between two), one client (its TLS set-up
    # costs more than the request).
    headers = {"Connection": "close"}
    url = f"{peer.url}/v1/queries/{code}"
    return CLIENT.get(url, params=params, headers=headers, timeout=timeout)


def test_the_contract_names_23_upstream_queries_and_the_peer_answers_each_to_its_schema(
    peer: QueryPeer,
) -> None:
    assert len(UPSTREAM) == 23  # the 24 no-certificate queries but the two the back office
    # answers itself (the guides, a consult's answer), and the account balance (identified)
    assert "MI-ACCOUNT-QUERY" in UPSTREAM and "Q-GUIDE" not in UPSTREAM
    shapes = set()
    for code in UPSTREAM:
        params: dict[str, Any] = {"reference": "202612010042"} if code == "Q-PROGRESS" else {}
        if code == "MI-ACCOUNT-QUERY":
            params["person"] = PERSON
        response = ask(peer, code, **params)
        assert response.status_code == 200, (code, response.text)
        body = response.json()
        errors = [e.message for e in schema_of(code).iter_errors(body)]
        assert errors == [], (code, errors)
        assert body["code"] == code
        shapes.add(tuple(sorted(body["rows"][0])))
    assert len(shapes) == len(UPSTREAM)  # no two queries answer the same fields


def test_lists_hold_several_places_and_records_one(peer: QueryPeer) -> None:
    canteens = ask(peer, "EL-CANTEEN-QUERY").json()["rows"]
    assert len(canteens) == 4 and len({c["address"] for c in canteens}) == 4
    assert all(1000 <= c["meal_price_fen"] <= 2000 for c in canteens)
    [wage] = ask(peer, "Q-MIN-WAGE").json()["rows"]
    assert (wage["monthly_fen"], wage["hourly_fen"]) == (274000, 2400)


def test_receipts_answer_by_the_day_in_their_number(peer: QueryPeer) -> None:
    old = (TODAY - timedelta(days=30)).strftime("%Y%m%d")
    statuses = set()
    for serial in range(1, 30):
        [row] = ask(peer, "Q-PROGRESS", reference=f"{old}{serial:04d}").json()["rows"]
        assert row["received_on"] == (TODAY - timedelta(days=30)).isoformat()
        statuses.add(row["status"])
    assert statuses <= {"ready", "approved"} and statuses  # a month on, every matter is done
    [fresh] = ask(peer, "Q-PROGRESS", reference=f"{TODAY:%Y%m%d}0007").json()["rows"]
    assert fresh["status"] in {"received", "need_more"}
    assert fresh["applicant"] != ""

    problem = schema_of("Problem")
    tomorrow = (TODAY + timedelta(days=1)).strftime("%Y%m%d")
    for unknown in (f"{old}0000", f"{tomorrow}0001", "202613450001", "12345"):
        response = ask(peer, "Q-PROGRESS", reference=unknown)
        assert response.status_code == 404, unknown
        assert problem.is_valid(response.json())
    missing = ask(peer, "Q-PROGRESS")
    assert missing.status_code == 400 and missing.json()["error"] == "bad_request"


def test_a_persons_balance_is_their_own(peer: QueryPeer) -> None:
    mine = ask(peer, "MI-ACCOUNT-QUERY", person=PERSON).json()["rows"][0]
    again = ask(peer, "MI-ACCOUNT-QUERY", person=PERSON).json()["rows"][0]
    theirs = ask(peer, "MI-ACCOUNT-QUERY", person="cd" * 32).json()["rows"][0]
    assert mine == again and mine != theirs
    assert mine["balance_on"] == (TODAY - timedelta(days=1)).isoformat()
    assert ask(peer, "MI-ACCOUNT-QUERY").status_code == 400
    assert ask(peer, "MI-ACCOUNT-QUERY", person="not-a-hash").status_code == 400
    assert ask(peer, "MI-ACCOUNT-QUERY", person="0" * 64).status_code == 404


def test_faults(peer: QueryPeer) -> None:
    peer.set_fault("error")
    assert ask(peer, "Q-HOTLINE").status_code == 500

    peer.set_fault("malformed")
    broken = ask(peer, "Q-HOTLINE")
    assert broken.status_code == 200
    assert not schema_of("Q-HOTLINE").is_valid(broken.json())

    peer.set_fault("slow")
    with pytest.raises(httpx.ReadTimeout):
        ask(peer, "Q-HOTLINE", timeout=0.2)

    port = peer.port
    peer.set_fault("down")
    with pytest.raises(httpx.ConnectError):
        ask(peer, "Q-HOTLINE")
    peer.set_fault("none")
    assert peer.port == port
    assert ask(peer, "Q-HOTLINE").status_code == 200

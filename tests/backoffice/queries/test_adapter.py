"""The query upstream's HTTP adapter against its peer and the shared contract: every query's
answer checked against the catalog's table (names and personal numbers masked), a record the
upstream does not have, and the faults (5xx, malformed, slow, down) as UpstreamUnavailable, with
retries for this read-only call and the circuit breaker."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest

from backoffice.catalog.queries import CONTRACT_FILE, Source, contract, spec, table
from backoffice.queries.upstream import QUERIES, HttpQuerySource
from backoffice.upstream import Contract, Limits, UpstreamClient, UpstreamUnavailable
from simulators.query_peer import QueryAnswers, QueryPeer

TODAY = date(2026, 12, 6)
PERSON = "ab" * 32


class Answers(QueryAnswers):
    """The peer's answers, with a hotline whose name carries a mobile number."""

    def _q_hotline(self, ref: str | None, person: str | None) -> list[dict[str, Any]]:
        rows = super()._q_hotline(ref, person)
        rows[0]["name"] = "值班手机 13912341111"
        return rows


@pytest.fixture(scope="module")
def module_peer() -> Iterator[QueryPeer]:
    running = QueryPeer(answers=Answers(lambda: TODAY))
    running.start()
    running.delay_s = 1.0
    yield running
    running.stop()


@pytest.fixture
def peer(module_peer: QueryPeer) -> Iterator[QueryPeer]:
    module_peer.calls = 0
    yield module_peer
    module_peer.set_fault("none")


@pytest.fixture
def source(peer: QueryPeer) -> Iterator[HttpQuerySource]:
    limits = Limits(timeout_s=0.3, retries=1, backoff_s=0, breaker_failures=3)
    client = UpstreamClient(QUERIES, peer.url, limits, sleep=lambda _s: None)
    yield HttpQuerySource(client)
    client.close()


def ask(source: HttpQuerySource, code: str, **kw: str | None) -> Any:
    query = spec(code)
    assert query is not None
    return source.answer(code, query, reference=kw.get("reference"), person=kw.get("person"))


def test_the_contract_file_is_the_one_the_table_writes() -> None:
    written = json.loads(CONTRACT_FILE.read_text(encoding="utf-8"))
    assert written == contract()


def test_the_adapters_requests_fit_the_contract(peer: QueryPeer) -> None:
    class Recording(httpx.HTTPTransport):
        def __init__(self) -> None:
            super().__init__()
            self.requests: list[httpx.Request] = []

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            return super().handle_request(request)

    transport = Recording()
    client = UpstreamClient(QUERIES, peer.url, Limits(), transport=transport)
    source = HttpQuerySource(client)
    ask(source, "Q-PROGRESS", reference="202612010042")
    ask(source, "MI-ACCOUNT-QUERY", person=PERSON)
    ask(source, "Q-HOTLINE")
    client.close()
    operation = client.contract.document["paths"]["/v1/queries/{code}"]["get"]
    schemas = {p["name"]: p["schema"] for p in operation["parameters"]}
    probe = Contract({"components": {"schemas": schemas}})
    for request in transport.requests:
        assert request.method == "GET"
        code = request.url.path.removeprefix("/v1/queries/")
        assert probe.errors("code", code) == []
        for name, value in request.url.params.items():
            assert probe.errors(name, value) == [], (name, value)
    sent = [dict(r.url.params) for r in transport.requests]
    assert sent == [{"reference": "202612010042"}, {"person": PERSON}, {}]


def test_every_upstream_query_answers_through_the_adapter(source: HttpQuerySource) -> None:
    upstream = [c for c, q in table().queries.items() if q.source is Source.UPSTREAM]
    assert len(upstream) == 23
    for code in upstream:
        rows = ask(
            source,
            code,
            reference="202612010042" if code == "Q-PROGRESS" else None,
            person=PERSON if code == "MI-ACCOUNT-QUERY" else None,
        )
        query = spec(code)
        assert query is not None and rows is not None, code
        assert all(list(r) == [f.name for f in query.fields] for r in rows.rows), code


def test_names_and_personal_numbers_are_masked_before_anyone_sees_them(
    source: HttpQuerySource,
) -> None:
    [row] = ask(source, "Q-PROGRESS", reference="202611200042").rows
    raw = QueryAnswers(lambda: TODAY).answer("Q-PROGRESS", "202611200042", None)[0]
    assert len(raw["applicant"]) >= 2 and row["applicant"] != raw["applicant"]
    assert row["applicant"][0] == raw["applicant"][0] and "*" in row["applicant"]
    hotlines = ask(source, "Q-HOTLINE").rows
    assert hotlines[0]["name"] == "值班手机 139****1111"


def test_a_record_the_upstream_does_not_have_is_none(source: HttpQuerySource) -> None:
    assert ask(source, "Q-PROGRESS", reference="202611200000") is None
    assert ask(source, "MI-ACCOUNT-QUERY", person="0" * 64) is None


@pytest.mark.parametrize("fault", ["error", "malformed", "slow", "down"])
def test_a_fault_is_upstream_unavailable_in_plain_words(
    peer: QueryPeer, source: HttpQuerySource, fault: str
) -> None:
    peer.set_fault(fault)
    with pytest.raises(UpstreamUnavailable) as raised:
        ask(source, "Q-MIN-WAGE")
    assert raised.value.status_code == 503
    assert raised.value.extra["upstream"] == "queries"
    assert "查询服务暂时无法连接" in raised.value.extra["detail_zh"]
    # A read is safe to repeat: a 5xx or a timeout is tried again once (retries=1); a malformed
    # answer is not (it came back whole); a refused connection is tried again too.
    expected_calls = {"error": 2, "malformed": 1, "slow": 2, "down": 0}[fault]
    assert peer.calls == expected_calls
    peer.set_fault("none")
    assert ask(source, "Q-MIN-WAGE") is not None


def test_the_circuit_opens_after_three_failures_and_a_trial_closes_it(
    peer: QueryPeer, source: HttpQuerySource
) -> None:
    peer.set_fault("error")
    for _ in range(3):
        with pytest.raises(UpstreamUnavailable):
            ask(source, "Q-MIN-WAGE")
    calls = peer.calls
    with pytest.raises(UpstreamUnavailable):
        ask(source, "Q-MIN-WAGE")
    assert peer.calls == calls  # failed at once, without asking
    assert source.client.breaker.state == "open"

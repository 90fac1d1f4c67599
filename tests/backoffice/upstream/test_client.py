"""The shared upstream client against a real HTTP peer: retries only what is safe to repeat,
the circuit breaker, contract checks, and adapters chosen by a setting."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from backoffice.settings import Settings, StartupRefused
from backoffice.upstream import (
    CircuitBreaker,
    Contract,
    Limits,
    Upstream,
    UpstreamClient,
    UpstreamUnavailable,
    base_url,
    load_adapter,
)
from simulators.http_peer import HttpPeer, Reply

THING = Upstream("card_issuer", "card issuer's key service", "社保卡发卡机构密钥服务")
FAST = Limits(timeout_s=0.5, connect_timeout_s=0.5, retries=2, backoff_s=0, breaker_failures=3)


@pytest.fixture
def peer() -> Iterator[HttpPeer]:
    peer = HttpPeer()

    def check(params: dict[str, str], body: Any, query: dict[str, str]) -> Reply:
        return Reply(200, {"valid": params["card"] == "A01"})

    peer.route("POST", "/v1/cards/{card}/mac-checks", check)
    peer.start()
    yield peer
    peer.stop()


def client(peer: HttpPeer, limits: Limits = FAST) -> UpstreamClient:
    return UpstreamClient(THING, peer.url, limits, sleep=lambda _s: None)


ANSWERS = {200: "MacVerdict"}
BODY = {"message": "00", "mac": "00" * 8}


def test_a_good_answer_passes_its_schema(peer: HttpPeer) -> None:
    status, body = client(peer).call(
        "POST", "/v1/cards/A01/mac-checks", idempotent=True, answers=ANSWERS, json_body=BODY
    )
    assert (status, body) == (200, {"valid": True})


@pytest.mark.parametrize(("idempotent", "calls"), [(True, 3), (False, 1)])
def test_a_5xx_is_retried_only_when_the_call_may_be_repeated(
    peer: HttpPeer, idempotent: bool, calls: int
) -> None:
    peer.set_fault("error")
    with pytest.raises(UpstreamUnavailable) as refused:
        client(peer).call(
            "POST", "/v1/cards/A01/mac-checks", idempotent=idempotent, answers=ANSWERS,
            json_body=BODY,
        )  # fmt: skip
    assert peer.calls == calls
    assert refused.value.status_code == 503
    assert refused.value.extra["upstream"] == "card_issuer"
    assert "not answering" in refused.value.message
    assert "暂时无法连接" in refused.value.extra["detail_zh"]


def test_a_malformed_answer_is_the_upstreams_fault(peer: HttpPeer) -> None:
    peer.set_fault("malformed")
    with pytest.raises(UpstreamUnavailable, match="not answering") as refused:
        client(peer).call(
            "POST", "/v1/cards/A01/mac-checks", idempotent=True, answers=ANSWERS, json_body=BODY
        )
    assert "malformed" in refused.value.reason


def test_slow_and_down_peers_are_unavailable_and_open_the_circuit(peer: HttpPeer) -> None:
    limits = Limits(timeout_s=0.2, connect_timeout_s=0.2, retries=0, breaker_failures=2)
    upstream = client(peer, limits)
    peer.set_fault("slow", delay_s=1.0)
    with pytest.raises(UpstreamUnavailable):
        upstream.request("POST", "/v1/cards/A01/mac-checks", idempotent=True, json_body=BODY)
    peer.set_fault("down")
    with pytest.raises(UpstreamUnavailable):
        upstream.request("POST", "/v1/cards/A01/mac-checks", idempotent=False, json_body=BODY)
    assert upstream.breaker.state == "open"
    peer.set_fault("none")
    calls = peer.calls
    with pytest.raises(UpstreamUnavailable, match="not answering"):
        upstream.request("POST", "/v1/cards/A01/mac-checks", idempotent=True, json_body=BODY)
    assert peer.calls == calls  # the open circuit fails at once, without a call


def test_a_malformed_answer_after_each_good_connection_still_opens_the_circuit(
    peer: HttpPeer,
) -> None:
    upstream = client(peer, Limits(retries=0, breaker_failures=2, breaker_reset_s=3600))
    peer.set_fault("malformed")
    for _ in range(2):
        with pytest.raises(UpstreamUnavailable):
            upstream.call(
                "POST", "/v1/cards/A01/mac-checks", idempotent=True, answers=ANSWERS,
                json_body=BODY,
            )  # fmt: skip
    assert upstream.breaker.state == "open"


def test_the_breaker_lets_one_trial_through_after_its_pause() -> None:
    now = [0.0]
    breaker = CircuitBreaker(failures=2, reset_after_s=10, clock=lambda: now[0])
    breaker.failed()
    assert breaker.allow()
    breaker.failed()
    assert not breaker.allow()
    now[0] = 10
    assert breaker.allow()  # the trial
    assert not breaker.allow()  # one at a time
    breaker.failed()  # the trial failed: open again
    assert not breaker.allow()
    now[0] = 20
    assert breaker.allow()
    breaker.succeeded()
    assert breaker.state == "closed" and breaker.allow()


def test_contract_errors_say_where() -> None:
    contract = Contract.load("card_issuer")
    assert contract.errors("MacVerdict", {"valid": True}) == []
    assert contract.errors("MacVerdict", {"valid": "yes"}) == [
        'valid: "yes" is not of type "boolean"'
    ]


def test_outside_demo_mode_a_missing_adapter_or_url_is_refused_by_name(tmp_path: Any) -> None:
    production = Settings(data_dir=tmp_path, demo=False, suishen_adapter="", suishen_url="")
    with pytest.raises(StartupRefused, match="ZHILI_SUISHEN_ADAPTER is not set"):
        load_adapter(production, "suishen_adapter", demo="x:y")
    with pytest.raises(StartupRefused, match="ZHILI_SUISHEN_URL is not set"):
        base_url(production, "suishen_url", demo="http://127.0.0.1:9201")
    wrong = Settings(data_dir=tmp_path, demo=False, suishen_adapter="no.such.module:thing")
    with pytest.raises(StartupRefused, match=r"ZHILI_SUISHEN_ADAPTER='no\.such\.module:thing'"):
        load_adapter(wrong, "suishen_adapter", demo="x:y")
    demo = Settings(data_dir=tmp_path, demo=True, suishen_url="")
    assert base_url(demo, "suishen_url", demo="http://127.0.0.1:9201") == "http://127.0.0.1:9201"
    assert load_adapter(demo, "suishen_adapter", demo="builtins:repr").startswith("Settings(")

"""What the HTTP adapters send fits the contracts their upstreams publish (the answers are
checked by the adapters themselves, and the peers' answers by the peers' tests)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx

from backoffice.keys import Keys
from backoffice.medical.upstream import MEDICAL, HttpMedicalSource
from backoffice.settings import Settings
from backoffice.suishen.cards import card_message
from backoffice.suishen.personal import keyed_hash
from backoffice.suishen.upstream import CARD_ISSUER, SUISHEN, HttpCardVerifier, HttpSuishenVerifier
from backoffice.upstream import Contract, Limits, UpstreamClient
from tests.cards import card_answer
from tests.conftest import in_process_settings
from tests.upstreams import upstream_peers

ID_NUMBER = "11010519491231002X"


class Recording(httpx.HTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return super().handle_request(request)


def _path_parameter(contract: Contract, template: str, name: str, value: str) -> list[str]:
    [parameter] = [
        p for p in contract.document["paths"][template]["post" if "mac" in template else "get"][
            "parameters"
        ] if p["name"] == name
    ]  # fmt: skip
    probe = Contract({"components": {"schemas": {"P": parameter["schema"]}}})
    return probe.errors("P", value)


def test_the_adapters_requests_fit_their_contracts(tmp_path: Path) -> None:
    peers = upstream_peers()
    settings = Settings(**in_process_settings(tmp_path))
    keys = Keys.of(settings)

    suishen = Recording()
    verifier = HttpSuishenVerifier(
        UpstreamClient(SUISHEN, peers.suishen.url, Limits(), transport=suishen), keys
    )
    verifier.verify(peers.suishen.issue(ID_NUMBER, "张三"), datetime.now(UTC))
    [sent] = suishen.requests
    contract = Contract.load("suishen")
    assert sent.url.path == "/v1/codes/verify" and sent.method == "POST"
    assert contract.errors("VerifyRequest", json.loads(sent.content)) == []

    issuer = Recording()
    cards = HttpCardVerifier(
        UpstreamClient(CARD_ISSUER, peers.card_issuer.url, Limits(), transport=issuer)
    )
    challenge = "0011223344556677"
    message = card_message(bytes.fromhex(challenge), "A01234567", ID_NUMBER, "王秀英")
    assert cards.verify(
        "A01234567", message, bytes.fromhex(card_answer(challenge, ID_NUMBER, "王秀英"))
    )
    [sent] = issuer.requests
    contract = Contract.load("card_issuer")
    assert sent.url.path == "/v1/cards/A01234567/mac-checks"
    assert contract.errors("MacCheck", json.loads(sent.content)) == []
    template = "/v1/cards/{card_number}/mac-checks"
    assert _path_parameter(contract, template, "card_number", "A01234567") == []

    medical = Recording()
    source = HttpMedicalSource(
        UpstreamClient(MEDICAL, peers.medical.url, Limits(), transport=medical)
    )
    person = keyed_hash(keys, ID_NUMBER)
    source.records(person)
    [sent] = medical.requests
    contract = Contract.load("medical")
    assert sent.method == "GET" and sent.url.path == f"/v1/insured/{person}/visits"
    assert _path_parameter(contract, "/v1/insured/{person}/visits", "person", person) == []

"""The upstream peers (simulators/upstream_peers.py) the tests' back offices talk to: started
once per test process, on free ports. Their addresses go into this process's environment, so
every back office the tests start (in-process apps, live servers, demo-mode servers started as
processes) uses the real HTTP adapters against them, as production does against the upstreams.

Tests that put someone upstream use their own person (a pseudonym no other test uses) or
replace the person's records first; a test that injects a fault puts it back (`fault`)."""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
from collections.abc import Iterator
from datetime import date

from simulators.http_peer import HttpPeer
from simulators.upstream_peers import UpstreamPeers

_lock = threading.Lock()
_peers: UpstreamPeers | None = None

# The HTTP adapters as production names them (ZHILI_*_ADAPTER), for back offices outside demo
# mode; in demo mode an unset one means the same adapter.
ADAPTERS = {
    "card_verifier": "backoffice.suishen.upstream:http_card_verifier",
    "suishen_adapter": "backoffice.suishen.upstream:http_suishen_verifier",
    "medical_adapter": "backoffice.medical.upstream:http_medical_source",
    "query_adapter": "backoffice.queries.upstream:http_query_source",
}


def upstream_peers() -> UpstreamPeers:
    """This process's peers, started on first use; their addresses in os.environ."""
    global _peers
    with _lock:
        if _peers is None:
            _peers = UpstreamPeers().start()
            os.environ.update(_peers.env())
            atexit.register(_peers.stop)
        return _peers


def adapter_settings() -> dict[str, str]:
    """Settings of an in-process back office that point its adapters at the peers."""
    peers = upstream_peers()
    return {
        **ADAPTERS,
        "suishen_url": peers.suishen.url,
        "medical_url": peers.medical.url,
        "card_verifier_url": peers.card_issuer.url,
        "query_url": peers.queries.url,
    }


@contextlib.contextmanager
def fault(peer: HttpPeer, name: str, delay_s: float | None = None) -> Iterator[HttpPeer]:
    """`peer` failing with `name` for the block, then answering again."""
    peer.set_fault(name, delay_s)
    try:
        yield peer
    finally:
        peer.set_fault("none")


def put_insured(id_number: str, today: date | None = None, count: int | None = None) -> int:
    """The person known to the medical peer with generated records (replacing any), under the
    pseudonym every back office of the suite computes (they share the suite's secret); returns
    how many records."""
    from backoffice.keys import Keys
    from backoffice.settings import Settings
    from backoffice.suishen.personal import keyed_hash

    person = keyed_hash(Keys.of(Settings()), id_number)
    return upstream_peers().medical.add_person(person, today or date.today(), count)

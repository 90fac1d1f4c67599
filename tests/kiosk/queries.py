"""The query upstream's peer for kiosk tests: started once per module, its address in this
process's environment while the module runs, so the back offices the module starts (live
servers, in demo mode) send their queries to it through the real HTTP adapter."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from simulators.query_peer import QueryPeer


@pytest.fixture(scope="module")
def query_peer() -> Iterator[QueryPeer]:
    peer = QueryPeer()
    peer.start()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ZHILI_QUERY_URL", peer.url)
        env.setenv("ZHILI_UPSTREAM_RETRIES", "0")
        yield peer
    peer.stop()


@pytest.fixture
def healthy_peer(query_peer: QueryPeer) -> Iterator[QueryPeer]:
    """The module's peer answering; a fault a test injects is cleared after it."""
    query_peer.set_fault("none")
    yield query_peer
    query_peer.set_fault("none")

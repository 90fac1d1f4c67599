"""The query upstream's HTTP adapter (`contracts/queries.openapi.json`) on the shared upstream
client; each answer is checked against its query's row in the catalog's query table. In demo
mode it talks to `simulators.query_peer.QueryPeer`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from backoffice.catalog.queries import Malformed, QuerySpec, checked_rows
from backoffice.settings import Settings
from backoffice.upstream import Upstream, UpstreamClient, client_for

QUERIES = Upstream("queries", "query service", "查询服务")
DEMO_QUERY_URL = "http://127.0.0.1:9204"


@dataclass(frozen=True)
class Rows:
    """An upstream answer that fits the table: when it was true, and its rows."""

    as_of: datetime
    rows: list[dict[str, Any]]


class QuerySource(Protocol):
    def answer(
        self, code: str, query: QuerySpec, *, reference: str | None, person: str | None
    ) -> Rows | None:
        """The answer, or None when the upstream has no record for that reference or person.
        UpstreamUnavailable when it cannot be asked or answers something unusable."""
        ...


class HttpQuerySource:
    def __init__(self, client: UpstreamClient) -> None:
        self.client = client

    def answer(
        self, code: str, query: QuerySpec, *, reference: str | None, person: str | None
    ) -> Rows | None:
        params = {k: v for k, v in (("reference", reference), ("person", person)) if v}
        status, body = self.client.call(
            "GET",
            f"/v1/queries/{code}",
            idempotent=True,  # a look-up: safe to repeat
            answers={200: code, 404: "Problem"},
            params=params,
        )
        if status == 404:
            return None
        try:
            return Rows(datetime.fromisoformat(body["as_of"]), checked_rows(code, query, body))
        except (Malformed, ValueError) as exc:
            self.client.breaker.failed()  # an answer it cannot use counts as a failure
            raise self.client.unavailable(f"{code}: {exc}"[:300]) from exc

    def close(self) -> None:
        self.client.close()


def http_query_source(settings: Settings) -> HttpQuerySource:
    """ZHILI_QUERY_ADAPTER=backoffice.queries.upstream:http_query_source, at ZHILI_QUERY_URL."""
    return HttpQuerySource(client_for(settings, QUERIES, "query_url", demo_url=DEMO_QUERY_URL))

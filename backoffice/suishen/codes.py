"""Suishen code verification: what a verified code tells the back office, and the adapter
interface. The adapter is chosen by ZHILI_SUISHEN_ADAPTER (`backoffice.wiring`); the HTTP one
is in `upstream`. A code is used once (`service.identify` records its digest)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

MAX_PAYLOAD = 1024
# A code on a phone refreshes every minute; a little slack covers the two clocks.
CLOCK_SLACK = timedelta(seconds=30)


@dataclass(frozen=True)
class VerifiedCode:
    id_hash: str
    masked_name: str
    expires_at: datetime
    # Names this code and nothing else: the used-codes table keeps it, so it is used once.
    code_digest: str


class SuishenVerifier(Protocol):
    def verify(self, payload: str, now: datetime) -> VerifiedCode:
        """The holder of a scanned code; raises NotAuthenticated/BadInput when refused,
        UpstreamUnavailable when the Suishen service cannot say."""
        ...


def code_digest(payload: str) -> str:
    return hashlib.sha256(payload.strip().encode()).hexdigest()

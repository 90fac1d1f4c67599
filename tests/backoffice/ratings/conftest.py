"""What the ratings tests share: an enrolled kiosk over the seeded catalog and taxonomy, and a
rating sent from it."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.cases.taxonomy import seed_taxonomy
from backoffice.clock import ManualClock
from tests.backoffice.kiosk_terminals import enrolled_terminal, seed_catalog
from tests.conftest import StaffFactory

MATTER = "MI-BOOKLET-PRINT"


@pytest.fixture
def kiosk(
    client: TestClient, db: Session, clock: ManualClock, staff_headers: StaffFactory
) -> dict[str, str]:
    """The headers of a kiosk enrolled over the seeded catalog and case taxonomy."""
    seed_catalog(db, clock)
    seed_taxonomy(db)
    return enrolled_terminal(client, staff_headers(Role.TERMINAL_MANAGER))


def rate(client: TestClient, kiosk: dict[str, str], key: str, **body: object) -> httpx.Response:
    """POST /api/v1/ratings from the kiosk with an idempotency key."""
    return client.post("/api/v1/ratings", json=body, headers={**kiosk, "Idempotency-Key": key})

"""Helpers for the kiosk-facing domains' tests: an enrolled terminal and the seeded catalog."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from backoffice.catalog.service import load_seed
from backoffice.clock import ManualClock
from tests.cards import card_answer
from tests.conftest import bearer


def enrolled_terminal(
    client: TestClient,
    manager: dict[str, str],
    code: str = "JSL-CAC-01",
    kind: str = "community_centre",
) -> dict[str, str]:
    """Register and enroll a terminal; returns its Authorization headers."""
    body = {"code": code, "name": f"{code} 自助终端", "kind": kind, "place": "愚园路1000号一楼"}
    reply = client.post("/api/v1/fleet/terminals", json=body, headers=manager)
    assert reply.status_code == 201, reply.text
    enrolled = client.post(
        "/api/v1/fleet/enroll",
        json={"code": reply.json()["enrollment_code"], "app_version": "0.1.0"},
    )
    assert enrolled.status_code == 201, enrolled.text
    return bearer(enrolled.json()["token"])


def seed_catalog(db: Session, clock: ManualClock) -> int:
    return load_seed(db, clock.now())


def report_visit(
    client: TestClient, kiosk: dict[str, str], matters: list[str], **changes: Any
) -> str:
    visit_id = str(uuid.uuid4())
    body = {
        "visit_id": visit_id,
        "outcome": "finished",
        "matters": matters,
        "duration_s": 95.5,
        "language": "zh",
        "elder_mode": False,
        "identified_by": "card",
        **changes,
    }
    reply = client.post("/api/v1/visits", json=body, headers=kiosk)
    assert reply.status_code == 201, reply.text
    return visit_id


def card_evidence(
    client: Any, kiosk: dict[str, str], id_number: str, name: str, card_number: str = "A01234567"
) -> dict[str, Any]:
    """A card read proven by the card: a fresh challenge for this terminal, answered."""
    reply = client.post("/api/v1/identifications/challenges", headers=kiosk)
    assert reply.status_code == 201, reply.text
    challenge = reply.json()["challenge"]
    return {
        "proof": "card",
        "card": {"card_number": card_number, "id_number": id_number, "name": name},
        "challenge": challenge,
        "answer": card_answer(challenge, id_number, name, card_number),
    }


def identify_by_card(
    client: Any, kiosk: dict[str, str], id_number: str, name: str, card_number: str = "A01234567"
) -> dict[str, Any]:
    """Identify the card's holder at the terminal; returns the answer's body."""
    body = card_evidence(client, kiosk, id_number, name, card_number)
    reply = client.post("/api/v1/identifications", json=body, headers=kiosk)
    assert reply.status_code == 201, reply.text
    answer: dict[str, Any] = reply.json()
    return answer

"""Helpers of the renovation tests: a drawn signature, a renovation point with a slot, and
registrations by both sides."""

from __future__ import annotations

import base64
import io
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.clock import ManualClock
from backoffice.identity.service import issue_unit_token
from backoffice.units.models import ResponsibleUnit
from tests.conftest import bearer

POINT = "JSL-CPC088"  # 宣化小区堆放点88, in compound JSL-P08
COMPOUND = "JSL-P08"  # 宣化小区, managed by JSL-PM-WY
PROPERTY = "JSL-PM-WY"
SANITATION = "JSL-CLEAR"
OWNER_ID = "11010519491231002X"


def signature_b64() -> str:
    """A signature as a finger draws it on the kiosk's pad: a few strokes on white, a PNG."""
    image = Image.new("RGB", (480, 160), "white")
    draw = ImageDraw.Draw(image)
    draw.line([(40, 120), (90, 40), (140, 110), (200, 50), (260, 120)], fill="black", width=5)
    draw.line([(300, 60), (420, 100)], fill="black", width=5)
    out = io.BytesIO()
    image.save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode()


def unit_headers(db: Session, clock: ManualClock, code: str) -> dict[str, str]:
    unit = db.scalars(select(ResponsibleUnit).where(ResponsibleUnit.code == code)).one()
    return bearer(issue_unit_token(db, unit, clock.now()))


def flat(**changes: Any) -> dict[str, Any]:
    return {
        "compound_code": COMPOUND,
        "building": "3",
        "room": "402",
        "period_start": "2026-11-02",
        "period_end": "2026-11-30",
        **changes,
    }


def owner_at_counter(**changes: Any) -> dict[str, Any]:
    return {
        **flat(),
        "volume_m3": 4,
        "waste_kind": "rubble",
        "phone": "139 1234 5678",
        "id_number": OWNER_ID,
        "name": "张三丰",
        "signature_png_base64": signature_b64(),
        **changes,
    }


def set_up_point(
    client: TestClient, admin: dict[str, str], starts: str, ends: str, capacity: float = 6
) -> int:
    """JSL-CPC088 takes renovation waste (0.1 fill per booked m³, 30 min grace) with one slot;
    returns the slot's id."""
    point = {"place_code": POINT, "fill_per_m3": 0.1, "grace_minutes": 30, "min_fill": 0.1}
    reply = client.put("/api/v1/renovations/points", json=point, headers=admin)
    assert reply.status_code == 200, reply.text
    slot = {"place_code": POINT, "starts_at": starts, "ends_at": ends, "capacity_m3": capacity}
    reply = client.post("/api/v1/renovations/slots", json=slot, headers=admin)
    assert reply.status_code == 201, reply.text
    slot_id: int = reply.json()["id"]
    return slot_id


def local(text: str) -> datetime:
    return datetime.fromisoformat(text)

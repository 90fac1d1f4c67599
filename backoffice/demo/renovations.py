"""Demo renovation for `make demo`: a flat in Xuanhua Estate registered by its owner (at the
counter, signature drawn) and its property company, the fee paid, and a drop-off booked at the
estate's collection point tomorrow morning."""

from __future__ import annotations

import base64
import io
from datetime import datetime, time, timedelta

from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.keys import Keys
from backoffice.places.models import Place
from backoffice.renovations import service
from backoffice.renovations.models import Channel, Renovation, WasteKind
from backoffice.renovations.schemas import (
    BookingIn,
    OwnerRegistrationIn,
    PointIn,
    PropertyRegistrationIn,
    SlotIn,
)

DEMO_POINT = "JSL-CPC088"  # 宣化小区堆放点88
DEMO_COMPOUND = "JSL-P08"  # 宣化小区 (JSL-PM-WY)
DEMO_OWNER_ID = "11010519491231002X"  # GB 11643's published example, not a person


def _signature() -> str:
    image = Image.new("RGB", (480, 160), "white")
    draw = ImageDraw.Draw(image)
    draw.line([(40, 110), (80, 50), (120, 115), (170, 45), (220, 110)], fill="black", width=5)
    draw.line([(260, 80), (330, 60), (400, 95), (440, 70)], fill="black", width=5)
    out = io.BytesIO()
    image.save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode()


def seed_renovation_demo(db: Session, now: datetime, keys: Keys) -> Renovation:
    """One active, paid renovation with one booking; safe to run again."""
    place = db.scalars(select(Place).where(Place.code == DEMO_COMPOUND)).one()
    existing = db.scalars(
        select(Renovation).where(
            Renovation.compound_id == place.id, Renovation.building == "3", Renovation.room == "402"
        )
    ).first()
    if existing is not None:
        return existing
    service.set_point(
        db, PointIn(place_code=DEMO_POINT, fill_per_m3=0.1, grace_minutes=60, min_fill=0.1), now
    )
    today = now.astimezone(service.LOCAL_ZONE).date()
    tomorrow = today + timedelta(days=1)
    slot = service.add_slot(
        db,
        SlotIn(
            place_code=DEMO_POINT,
            starts_at=datetime.combine(tomorrow, time(9), service.LOCAL_ZONE),
            ends_at=datetime.combine(tomorrow, time(11), service.LOCAL_ZONE),
            capacity_m3=8,
        ),
        now,
    )
    flat = {
        "compound_code": DEMO_COMPOUND,
        "building": "3",
        "room": "402",
        "period_start": today,
        "period_end": today + timedelta(days=30),
    }
    service.register_property(
        db,
        PropertyRegistrationIn(**flat, volume_m3=3, waste_kind=WasteKind.RUBBLE),
        None,
        channel=Channel.PAGES,
        actor="demo-operator",
        now=now,
    )
    owner = OwnerRegistrationIn(
        **flat,
        volume_m3=3,
        waste_kind=WasteKind.RUBBLE,
        phone="13912345678",
        signature_png_base64=_signature(),
    )
    renovation = service.register_owner(
        db,
        keys,
        owner,
        service.owner_from_id_number(keys, DEMO_OWNER_ID, "张三丰"),
        channel=Channel.COUNTER,
        actor="demo-operator",
        now=now,
    )
    service.record_fee(db, renovation, "DEMO-0001", "demo-operator", now)
    service.book(db, renovation, BookingIn(slot_id=slot.id, volume_m3=3), "demo-operator", now)
    return renovation

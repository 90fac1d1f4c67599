"""What a renovation refuses, each with a 4xx that names the fix and nothing written: a booking
for an inactive registration, before the fee, over a slot's capacity, outside the period; a
second registration of the same room and period; a bad ID number, signature or compound."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.clock import ManualClock
from backoffice.contacts.models import Contact
from backoffice.renovations.models import Booking, Renovation
from tests.backoffice.renovations.helpers import (
    PROPERTY,
    flat,
    owner_at_counter,
    set_up_point,
    signature_b64,
    unit_headers,
)
from tests.conftest import StaffFactory

API = "/api/v1/renovations"


def count(db: Session, model: Any) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def active_paid(
    client: TestClient, counter: dict[str, str], company: dict[str, str], room: str
) -> str:
    body = {**flat(room=room), "volume_m3": 4, "waste_kind": "mixed"}
    assert (
        client.post(f"{API}/property-registrations", json=body, headers=company).status_code == 201
    )
    reply = client.post(
        f"{API}/owner-registrations", json=owner_at_counter(room=room), headers=counter
    )
    assert reply.json()["status"] == "active", reply.text
    ref: str = reply.json()["reference"]
    assert client.post(
        f"{API}/{ref}/fee", json={"receipt": f"R-{room}"}, headers=counter
    ).is_success
    return ref


def test_a_booking_waits_for_both_registrations_the_signed_commitment_and_the_fee(
    client: TestClient, seeded: Session, clock: ManualClock, staff_headers: StaffFactory
) -> None:
    counter = staff_headers(Role.OPERATOR)
    slot = set_up_point(
        client, staff_headers(Role.ADMIN), "2026-11-03T09:00:00+08:00", "2026-11-03T11:00:00+08:00"
    )
    company = unit_headers(seeded, clock, PROPERTY)
    booking = {"slot_id": slot, "volume_m3": 2}

    body = {**flat(), "volume_m3": 4, "waste_kind": "rubble"}
    ref = client.post(f"{API}/property-registrations", json=body, headers=company).json()[
        "reference"
    ]
    refused = client.post(f"{API}/{ref}/bookings", json=booking, headers=company)
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        f"Renovation {ref} is not active yet: it waits for the owner's registration (at a kiosk "
        "or the counter); the owner's signed commitment. Book once it is complete."
    )

    unsigned = owner_at_counter(signature_png_base64=None)
    reply = client.post(f"{API}/owner-registrations", json=unsigned, headers=counter)
    assert reply.json()["missing"] == ["signed_commitment"]
    refused = client.post(f"{API}/{ref}/bookings", json=booking, headers=company)
    assert refused.status_code == 409
    assert "waits for the owner's signed commitment" in refused.json()["detail"]

    signed = client.post(
        f"{API}/{ref}/commitment", json={"signature_png_base64": signature_b64()}, headers=counter
    )
    assert signed.json()["status"] == "active"
    refused = client.post(f"{API}/{ref}/bookings", json=booking, headers=company)
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        f"Record the clearance fee of ¥450.00 for {ref} first "
        f"(POST /api/v1/renovations/{ref}/fee); the fee is paid before any booking."
    )
    assert count(seeded, Booking) == 0

    client.post(f"{API}/{ref}/fee", json={"receipt": "R-1"}, headers=counter)
    again = client.post(f"{API}/{ref}/fee", json={"receipt": "R-2"}, headers=counter)
    assert again.status_code == 409
    assert "(receipt R-1)" in again.json()["detail"]
    assert client.post(f"{API}/{ref}/bookings", json=booking, headers=company).status_code == 201


def test_a_slot_over_its_capacity_or_outside_the_period_is_refused(
    client: TestClient, seeded: Session, clock: ManualClock, staff_headers: StaffFactory
) -> None:
    admin, counter = staff_headers(Role.ADMIN), staff_headers(Role.OPERATOR)
    company = unit_headers(seeded, clock, PROPERTY)
    slot = set_up_point(client, admin, "2026-11-03T09:00:00+08:00", "2026-11-03T11:00:00+08:00")
    first, second = (
        active_paid(client, counter, company, "402"),
        active_paid(client, counter, company, "502"),
    )

    assert client.post(
        f"{API}/{first}/bookings", json={"slot_id": slot, "volume_m3": 4}, headers=company
    ).is_success
    full = client.post(
        f"{API}/{second}/bookings", json={"slot_id": slot, "volume_m3": 3}, headers=company
    )
    assert full.status_code == 409
    assert full.json()["detail"] == (
        f"Slot {slot} has 2 m³ left of its 6 m³; book at most that, or choose another slot."
    )
    more = client.post(
        f"{API}/{first}/bookings", json={"slot_id": slot, "volume_m3": 1}, headers=company
    )
    assert more.status_code == 409 and "has booked slot" in more.json()["detail"]

    december = {
        "place_code": "JSL-CPC088",
        "starts_at": "2026-12-05T09:00:00+08:00",
        "ends_at": "2026-12-05T11:00:00+08:00",
        "capacity_m3": 6,
    }
    late = client.post(f"{API}/slots", json=december, headers=admin).json()["id"]
    outside = client.post(
        f"{API}/{second}/bookings", json={"slot_id": late, "volume_m3": 2}, headers=company
    )
    assert outside.status_code == 422
    assert outside.json()["detail"] == (
        f"Slot {late} (2026-12-05 09:00) lies outside the renovation's period 2026-11-02 to "
        "2026-11-30; choose a slot inside it."
    )
    assert outside.json()["field"] == "slot_id"
    assert count(seeded, Booking) == 1


def test_a_second_registration_of_the_same_room_and_period_is_refused(
    client: TestClient, seeded: Session, clock: ManualClock, staff_headers: StaffFactory
) -> None:
    counter = staff_headers(Role.OPERATOR)
    company = unit_headers(seeded, clock, PROPERTY)
    ref = client.post(
        f"{API}/owner-registrations", json=owner_at_counter(), headers=counter
    ).json()["reference"]
    twice = client.post(
        f"{API}/owner-registrations",
        json=owner_at_counter(room="402", building="3"),
        headers=counter,
    )
    assert twice.status_code == 409
    assert twice.json()["detail"] == (
        f"The owner of JSL-P08 building 3 room 402 has registered this period already (reference "
        f"{ref}, 2026-11-02 to 2026-11-30); use that registration."
    )
    overlapping = {**flat(period_start="2026-11-20", period_end="2026-12-20"), "volume_m3": 2}
    other = client.post(f"{API}/property-registrations", json=overlapping, headers=company)
    assert other.status_code == 409
    assert other.json()["detail"] == (
        "JSL-P08 building 3 room 402 is registered for 2026-11-02 to 2026-11-30 "
        f"(reference {ref}); register that same period, or have the owner correct theirs first."
    )
    assert client.post(f"{API}/property-registrations", json=flat(), headers=company).is_success
    again = client.post(f"{API}/property-registrations", json=flat(), headers=company)
    assert again.status_code == 409
    assert (
        f"(reference {ref}, 2026-11-02 to 2026-11-30); use that registration."
        in again.json()["detail"]
    )
    assert count(seeded, Renovation) == 1
    assert count(seeded, Contact) == 1


def test_bad_fields_are_refused_before_anything_is_kept(
    client: TestClient, seeded: Session, clock: ManualClock, staff_headers: StaffFactory
) -> None:
    counter = staff_headers(Role.OPERATOR)
    cases = [
        (owner_at_counter(id_number="110105194912310021"), 422, "id_number"),
        (owner_at_counter(signature_png_base64="bm90IGEgcG5n"), 422, "signature_png_base64"),
        (owner_at_counter(phone="12"), 422, None),
        (owner_at_counter(compound_code="JSL-P99"), 422, "compound_code"),
        (owner_at_counter(period_end="2026-10-01"), 422, "period_end"),
    ]
    for body, status, field in cases:
        reply = client.post(f"{API}/owner-registrations", json=body, headers=counter)
        assert reply.status_code == status, reply.text
        if field:
            assert reply.json()["field"] == field
    foreign = unit_headers(seeded, clock, "JSL-PM-HS")
    reply = client.post(f"{API}/property-registrations", json=flat(), headers=foreign)
    assert reply.status_code == 422
    assert reply.json()["detail"] == (
        "Compound JSL-P08 is managed by another property company; register only the compounds "
        "your unit manages."
    )
    kiosk_less = client.post(f"{API}/kiosk-registrations", json=owner_at_counter(), headers=counter)
    assert kiosk_less.status_code == 403
    assert count(seeded, Renovation) == 0
    assert count(seeded, Contact) == 0

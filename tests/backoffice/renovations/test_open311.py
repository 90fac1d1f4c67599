"""A public report of rubble at a renovation point carries the booking check: inside a booked
window the reporter is told it is a booked drop-off and when it will be cleared; outside every
booking the report is kept as a pile outside bookings for the compound."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.cases.models import Case
from backoffice.clock import ManualClock
from backoffice.open311.service import issue_key
from backoffice.places.models import Place
from backoffice.renovations.models import PileFinding, RenovationCase
from tests.backoffice.renovations.helpers import (
    COMPOUND,
    POINT,
    PROPERTY,
    flat,
    local,
    owner_at_counter,
    set_up_point,
    unit_headers,
)
from tests.conftest import StaffFactory

API = "/api/v1/renovations"


def report(client: TestClient, key: str) -> dict[str, str]:
    fields = {
        "api_key": key,
        "service_code": "E-0108",
        "address_id": POINT,
        "attribute[pile_size]": "medium",
        "description": "小区堆放点有一堆装修垃圾",
    }
    answer = client.post("/open311/v2/requests.json", data=fields)
    assert answer.status_code == 200, answer.text
    posted: dict[str, str] = answer.json()[0]
    return posted


def booked(
    client: TestClient, db: Session, clock: ManualClock, staff_headers: StaffFactory
) -> tuple[str, int]:
    """A renovation booked at the point from 10:00 to 12:00 (clear by 12:30); its reference and
    booking id."""
    counter = staff_headers(Role.OPERATOR)
    slot = set_up_point(
        client, staff_headers(Role.ADMIN), "2026-11-02T10:00:00+08:00", "2026-11-02T12:00:00+08:00"
    )
    company = unit_headers(db, clock, PROPERTY)
    body = {**flat(), "volume_m3": 4, "waste_kind": "rubble"}
    client.post(f"{API}/property-registrations", json=body, headers=company)
    ref = client.post(
        f"{API}/owner-registrations", json=owner_at_counter(), headers=counter
    ).json()["reference"]
    client.post(f"{API}/{ref}/fee", json={"receipt": "R-1"}, headers=counter)
    booking = client.post(
        f"{API}/{ref}/bookings", json={"slot_id": slot, "volume_m3": 4}, headers=company
    ).json()["id"]
    return ref, int(booking)


def test_rubble_reported_in_a_booked_window_is_told_it_is_booked(
    client: TestClient, seeded: Session, clock: ManualClock, staff_headers: StaffFactory
) -> None:
    ref, booking = booked(client, seeded, clock, staff_headers)
    key = issue_key(seeded, "resident app", clock.now())
    clock.advance(local("2026-11-02T10:30:00+08:00") - clock.now())
    posted = report(client, key)
    assert posted["service_notice"] == (
        "这是已预约的装修垃圾投放, 将于 11-02 12:30 前清运 (a booked renovation drop-off; it "
        "will be cleared by 11-02 12:30)"
    )
    case = seeded.scalars(select(Case).where(Case.number == posted["service_request_id"])).one()
    assert f"装修垃圾预约投放中：登记 {ref}，预约 {booking}，时段 11-02 10:00–12:00" in (
        case.description
    )
    assert seeded.scalars(select(RenovationCase)).all() == []


def test_rubble_reported_outside_every_booking_counts_for_the_compound(
    client: TestClient, seeded: Session, clock: ManualClock, staff_headers: StaffFactory
) -> None:
    booked(client, seeded, clock, staff_headers)
    key = issue_key(seeded, "resident app", clock.now())
    clock.advance(local("2026-11-02T09:30:00+08:00") - clock.now())  # before the window
    posted = report(client, key)
    assert (
        posted["service_notice"] == "已受理, 将由受理员立案 (received; a call-taker will file it)"
    )
    case = seeded.scalars(select(Case).where(Case.number == posted["service_request_id"])).one()
    assert (
        "该堆放点此时无装修垃圾预约 (no renovation booking at this point now)" in case.description
    )
    found = seeded.scalars(select(RenovationCase)).one()
    assert (found.case_id, found.finding, found.booking_id) == (
        case.id,
        PileFinding.NO_BOOKING,
        None,
    )
    assert found.compound_id is not None
    assert seeded.get_one(Place, found.compound_id).code == COMPOUND

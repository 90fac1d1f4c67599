"""A renovation from both registrations to its clearance, with the piles at its collection point
drawn as camera frames and seen by the real patrol and detector: a pile inside the booked window
files nothing and is linked to the booking; a pile with no booking, one bigger than booked and
one left after the window each file a case for the property company (the booking attached);
clearance that comes late files a case for the sanitation unit; the week's figures count it."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.cases import descriptions
from backoffice.cases.models import Case
from backoffice.clock import ManualClock
from backoffice.renovations.models import PileFinding, RenovationCase
from backoffice.renovations.service import file_overdue_clearances
from backoffice.vision import service as cameras
from backoffice.vision.detector import YoloDetector
from backoffice.vision.models import SourceKind
from backoffice.vision.patrol import Patrol
from backoffice.vision.rules import RuleKind
from backoffice.vision.schemas import CameraCreate, ZoneCreate
from backoffice.vision.training.synth import Thing
from backoffice.workcal import SHANGHAI
from tests.backoffice.renovations.helpers import (
    COMPOUND,
    POINT,
    PROPERTY,
    SANITATION,
    flat,
    local,
    owner_at_counter,
    set_up_point,
    unit_headers,
)
from tests.backoffice.vision.scenes import COLLECTION_ZONE, Street
from tests.conftest import TEST_LIMITS, StaffFactory


class PointCamera:
    """A camera over JSL-CPC088 read by the patrol from a still image, redrawn before each look."""

    def __init__(
        self, db: Session, clock: ManualClock, detector: YoloDetector, folder: Path
    ) -> None:
        self.db, self.clock = db, clock
        self.street = Street()
        self.still = folder / "cpc088.jpg"
        self.still.write_bytes(self.street.jpeg([]))
        self.photos = folder / "photos"
        camera = cameras.create_camera(
            db,
            CameraCreate(
                code="CAM-XH-88",
                name="Xuanhua Estate collection point",
                lon=121.429913,
                lat=31.215851,
                source_kind=SourceKind.FILE,
                source_url=str(self.still),
            ),
            clock.now(),
            TEST_LIMITS.reach,
        )
        zone = ZoneCreate(
            name="point 88",
            rule=RuleKind.COLLECTION_POINT,
            polygon=COLLECTION_ZONE,
            place_code=POINT,
            threshold=0.4,
            dwell_s=120,
            inertia=2,
        )
        cameras.add_zone(db, camera, zone, clock.now())
        self.patrol = Patrol(detector=lambda: detector, limits=TEST_LIMITS, photo_dir=self.photos)

    def look(self, things: list[Thing], minutes: int) -> list[int]:
        """One patrol visit a minute for `minutes`; the ids of the cases it filed."""
        filed = []
        for _ in range(minutes):
            self.still.write_bytes(self.street.jpeg(things))
            outcome = self.patrol.visit(self.db, "CAM-XH-88", self.clock.now())
            assert outcome.ok, outcome.error
            assert outcome.result is not None
            filed += [z.filing.case_id for z in outcome.result.zones if z.filing is not None]
            self.clock.advance(minutes=1)
        return filed

    def until(self, moment: str) -> None:
        delta = local(moment) - self.clock.now()
        assert delta.total_seconds() >= 0
        self.clock.advance(delta)


def test_a_renovation_from_both_registrations_to_its_clearance(
    client: TestClient,
    seeded: Session,
    clock: ManualClock,
    staff_headers: StaffFactory,
    detector: YoloDetector,
    tmp_path: Path,
) -> None:
    db = seeded
    admin, counter = staff_headers(Role.ADMIN), staff_headers(Role.OPERATOR)
    slot = set_up_point(client, admin, "2026-11-02T10:00:00+08:00", "2026-11-02T12:00:00+08:00")

    # The property company registers the flat with its unit token; the owner at the counter.
    company = unit_headers(db, clock, PROPERTY)
    body = {**flat(), "volume_m3": 4, "waste_kind": "rubble"}
    first = client.post("/api/v1/renovations/property-registrations", json=body, headers=company)
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "pending"
    assert first.json()["missing"] == ["owner_registration", "signed_commitment"]
    ref = first.json()["reference"]
    owner = client.post(
        "/api/v1/renovations/owner-registrations", json=owner_at_counter(), headers=counter
    )
    assert owner.status_code == 201, owner.text
    registered = owner.json()
    assert registered["reference"] == ref
    assert registered["status"] == "active"
    assert registered["owner_masked_id"] == "110***********002X"
    assert registered["owner_masked_name"] == "张*丰"
    assert registered["owner_phone_masked"] == "139****5678"
    assert registered["fee_cents"] == 45000  # 4 m³: the 2-5 m³ tier

    paid = client.post(
        f"/api/v1/renovations/{ref}/fee", json={"receipt": "R-0001"}, headers=counter
    )
    assert paid.status_code == 200, paid.text
    booked = client.post(
        f"/api/v1/renovations/{ref}/bookings",
        json={"slot_id": slot, "volume_m3": 4},
        headers=company,
    )
    assert booked.status_code == 201, booked.text
    booking_id = booked.json()["id"]
    assert local(booked.json()["clearance_due_at"]) == local("2026-11-02T12:30:00+08:00")

    camera = PointCamera(db, clock, detector, tmp_path)
    street = camera.street
    small, big = [street.waste_small], [street.waste_big]

    # 09:10, no booking yet: rubble put out files a case for the property company.
    camera.until("2026-11-02T09:10:00+08:00")
    no_booking = camera.look(small, 3)
    assert camera.look([], 2) == []
    # 10:05, inside the booked window: the same pile is planned work, linked to the booking.
    camera.until("2026-11-02T10:05:00+08:00")
    assert camera.look(small, 5) == []
    # 10:10, still inside: a pile bigger than the 4 m³ booked (fill over 4 × 0.1).
    over = camera.look(big, 3)
    assert camera.look([], 2) == []
    # Within the grace time after the window the pile waits for clearance; after it, a case.
    camera.until("2026-11-02T12:25:00+08:00")
    after = camera.look(small, 9)

    assert len(no_booking) == len(over) == len(after) == 1
    found = {
        rc.finding: rc for rc in db.scalars(select(RenovationCase).order_by(RenovationCase.id))
    }
    assert set(found) == {
        PileFinding.NO_BOOKING,
        PileFinding.OVER_VOLUME,
        PileFinding.AFTER_WINDOW,
    }
    assert found[PileFinding.NO_BOOKING].booking_id is None
    assert found[PileFinding.OVER_VOLUME].booking_id == booking_id
    assert found[PileFinding.AFTER_WINDOW].booking_id == booking_id
    assert found[PileFinding.OVER_VOLUME].allowed_fill == 0.4
    assert found[PileFinding.OVER_VOLUME].fill is not None
    assert found[PileFinding.OVER_VOLUME].fill > 0.4
    for case_id, finding, at in (
        (no_booking[0], PileFinding.NO_BOOKING, "09:12"),
        (over[0], PileFinding.OVER_VOLUME, "10:12"),
        (after[0], PileFinding.AFTER_WINDOW, "12:33"),
    ):
        case = db.get_one(Case, case_id)
        assert found[finding].case_id == case.id
        assert case.unit is not None and case.unit.code == PROPERTY
        assert case.type.code == "E-0109"
        assert case.place is not None and case.place.code == POINT
        assert f"{found[finding].at.astimezone(SHANGHAI):%H:%M}" == at
    wording = descriptions.render(db.get_one(Case, over[0]).description_fact, "en", "")
    assert wording.startswith("AI patrol: the pile at renovation point 'point 88' is bigger ")
    assert f"the bookings allow 40%; booking {booking_id}; camera CAM-XH-88)." in wording

    seen = client.get(f"/api/v1/renovations/{ref}", headers=counter).json()["bookings"][0]
    assert local(seen["first_seen_at"]) == local("2026-11-02T10:05:00+08:00")
    assert seen["max_fill"] == found[PileFinding.OVER_VOLUME].fill  # the biggest it was seen

    # 12:40: clearance is overdue; the watch files a case for the sanitation unit.
    camera.until("2026-11-02T12:40:00+08:00")
    assert file_overdue_clearances(db, clock.now()) == 1
    assert file_overdue_clearances(db, clock.now()) == 0
    overdue = db.scalars(
        select(RenovationCase).where(RenovationCase.finding == PileFinding.CLEARANCE_OVERDUE)
    ).one()
    overdue_case = db.get_one(Case, overdue.case_id)
    assert overdue_case.unit is not None and overdue_case.unit.code == SANITATION
    assert overdue_case.due_at is not None  # its time limit runs, and escalates like any case

    schedule = client.get(
        "/api/v1/renovations/clearances", headers=unit_headers(db, clock, SANITATION)
    )
    assert [b["id"] for b in schedule.json()] == [booking_id]
    camera.until("2026-11-02T13:00:00+08:00")
    cleared = client.post(
        f"/api/v1/renovations/bookings/{booking_id}/clearance",
        json={},
        headers=unit_headers(db, clock, SANITATION),
    )
    assert cleared.status_code == 200, cleared.text
    assert client.get("/api/v1/renovations/clearances", headers=counter).json() == []

    week = client.get("/api/v1/renovations/reports/weekly?week=2026-W45", headers=counter).json()
    summary = {row["code"]: row["this_week"] for row in week["summary"]}
    assert summary == {
        "registrations": 1,
        "bookings": 1,
        "on_time_clearance_rate": 0.0,
        "clearance_hours": 1.0,
    }
    assert week["piles_outside_bookings_by_compound"] == [
        {"code": COMPOUND, "name": "宣化小区", "this_week": 3, "last_week": 0}
    ]

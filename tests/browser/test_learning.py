"""The camera page shows what the patrol learned from outcomes: a learned background spot an
operator clears, a threshold change an operator reverts; the cameras page counts false
detections a day; an operator fixes the boxes of a labelled frame by drawing on it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from backoffice.access import Role
from backoffice.cases.models import Case
from backoffice.demo.history import OpsData
from backoffice.vision import service
from backoffice.vision.learning import background, thresholds
from backoffice.vision.learning.models import CaseFrame, Label, StaticSpot
from backoffice.vision.training.street import Street
from tests.browser.conftest import Ops, shoot
from tests.conftest import LiveServer


def test_an_operator_clears_learned_background_and_reverts_a_threshold(
    pages: Ops, ops: OpsData, live_server: LiveServer
) -> None:
    now = datetime.now(UTC)
    with live_server.session() as db:
        camera = service.get_camera(db, ops.camera_code)
        zone = camera.zones[0]
        db.add(
            StaticSpot(
                camera_id=camera.id,
                kind="waste",
                box=[0.1, 0.2, 0.3, 0.4],
                look=bytes(background.LOOK * background.LOOK),
                hits=30,
                first_at=now - timedelta(hours=13),
                last_at=now,
                learned=True,
                learned_at=now,
                suppressed=12,
            )
        )
        background.count_false(db, camera.id, now, suppressed=12, alarms=1)
        thresholds.log_change(
            db, zone.camera, zone, 0.62, now, "outcomes", "1 false alarm(s), 0 verified"
        )

    page = pages.sign_in("demo-operator", ops.logins[Role.OPERATOR].password)
    page.goto("/ops/cameras")
    expect(page.locator(f".false-days[data-camera='{ops.camera_code}']")).to_contain_text(" 13")
    page.goto(f"/ops/cameras/{ops.camera_code}")
    spots = page.locator("#learned-background tbody tr[data-spot]")
    expect(spots).to_have_count(1)
    expect(spots.first).to_contain_text("12")
    changes = page.locator("#threshold-changes tbody tr[data-change]")
    expect(changes.first).to_contain_text("0.40 → 0.62")
    shoot(page, "camera-learning")

    with page.expect_navigation():
        spots.first.locator("button").click()
    expect(page.locator("#learned-background tbody tr[data-spot]")).to_have_count(0)
    with page.expect_navigation():
        page.locator("#threshold-changes tbody tr[data-change]").first.locator("button").click()
    expect(page.locator("#threshold-changes tbody tr[data-change]").first).to_contain_text("已撤销")
    expect(page.locator("#threshold-changes button")).to_have_count(0)


def test_an_operator_draws_the_real_objects_on_a_labelled_frame(
    pages: Ops, ops: OpsData, live_server: LiveServer
) -> None:
    now = datetime.now(UTC)
    street = Street()
    with live_server.session() as db:
        camera = service.get_camera(db, ops.camera_code)
        case_id = db.scalar(select(Case.id).order_by(Case.id).limit(1))
        assert case_id is not None
        bike = street.bike_a.box
        row = CaseFrame(
            case_id=case_id,
            camera_id=camera.id,
            zone_id=camera.zones[0].id,
            at=now,
            jpeg=street.jpeg([street.bike_a, street.bike_b]),
            width=320,
            height=240,
            boxes=[{"kind": "bike", "score": 0.91, "box": [round(v, 1) for v in bike]}],
            label=Label.TRUE,
            labelled_by="op1",
            labelled_at=now,
        )
        db.add(row)
        db.flush()
        frame_id = row.id

    page = pages.sign_in("demo-operator", ops.logins[Role.OPERATOR].password)
    page.goto(f"/ops/cameras/{ops.camera_code}")
    page.locator("#labelled-frames a").click()
    page.locator(f"tr[data-frame='{frame_id}'] a.btn").click()
    objects = page.locator("#object-table tbody tr")
    expect(objects).to_have_count(1)  # the verified case's bike
    # The other bike, missed by the patrol: dragged on the frame (320x240 shown wider).
    canvas = page.locator("#review-overlay")
    area = canvas.bounding_box()
    assert area is not None
    sx, sy = area["width"] / 320, area["height"] / 240
    x1, y1, x2, y2 = street.bike_b.box
    page.mouse.move(area["x"] + x1 * sx, area["y"] + y1 * sy)
    page.mouse.down()
    page.mouse.move(area["x"] + (x1 + x2) / 2 * sx, area["y"] + (y1 + y2) / 2 * sy, steps=4)
    page.mouse.move(area["x"] + x2 * sx, area["y"] + y2 * sy, steps=4)
    page.mouse.up()
    expect(objects).to_have_count(2)
    shoot(page, "frame-review")
    with page.expect_navigation():
        page.locator("#review-form button[type=submit]").click()
    expect(page.locator("#object-table tbody tr")).to_have_count(2)

    with live_server.session() as db:
        saved = db.get_one(CaseFrame, frame_id)
        assert saved.truth is not None and [o["kind"] for o in saved.truth] == ["bike", "bike"]
        drawn = saved.truth[1]["box"]
        assert all(abs(a - b) <= 3 for a, b in zip(drawn, street.bike_b.box, strict=True))
        assert saved.reviewed_by and saved.label is Label.TRUE

    # A wrong box removed: the first one.
    page.locator("#object-table tbody tr").first.locator("button").click()
    expect(page.locator("#object-table tbody tr")).to_have_count(1)
    with page.expect_navigation():
        page.locator("#review-form button[type=submit]").click()
    with live_server.session() as db:
        saved = db.get_one(CaseFrame, frame_id)
        assert saved.truth is not None and len(saved.truth) == 1

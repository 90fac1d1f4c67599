"""The camera page shows what the patrol learned from outcomes: a learned background spot an
operator clears, a threshold change an operator reverts; the cameras page counts false
detections a day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from backoffice.access import Role
from backoffice.demo.history import OpsData
from backoffice.vision import service
from backoffice.vision.learning import background, thresholds
from backoffice.vision.learning.models import StaticSpot
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

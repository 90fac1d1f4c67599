"""The AI-patrol alarm stays until acknowledged, however old, and escalates to the shift
leader after the configured time (15 min by default)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from backoffice.access import Role
from backoffice.cases import descriptions
from backoffice.cases.intake import CaseReport, file_report
from backoffice.cases.states import CaseSource
from backoffice.demo.history import OpsData
from tests.browser.conftest import Ops, shoot
from tests.conftest import LiveServer


def file_old_patrol_case(server: LiveServer, days: int) -> str:
    fact = descriptions.fact(
        descriptions.AI_NO_PARKING, zone="长宁路北侧", count=3, minutes=10, camera="CAM-CN-01"
    )
    with server.session() as db:
        filed = file_report(
            db,
            CaseReport(
                source=CaseSource.AI_PATROL,
                type_code="E-0506",
                description=descriptions.render(fact, "zh", ""),
                description_fact=fact,
                lon=121.4245,
                lat=31.2268,
                reporter="AI patrol CAM-CN-01",
                dedupe_key="camera:CAM-CN-01/zone:1",
            ),
            datetime.now(UTC) - timedelta(days=days),
            photo_dir=server.data_dir / "photos",
        )
        return filed.case_number


def test_an_alarm_older_than_a_day_rings_escalated_until_acknowledged(
    pages: Ops, ops: OpsData, live_server: LiveServer
) -> None:
    old = file_old_patrol_case(live_server, days=2)
    operator = pages.sign_in("demo-operator", ops.logins[Role.OPERATOR].password)
    banner = operator.locator("#alarm")
    expect(banner).to_be_visible()
    expect(banner.locator(f"a.alarm-case[data-number='{old}']")).to_have_count(1)
    expect(banner.locator(f"a.alarm-case[data-number='{ops.patrol_number}']")).to_have_count(1)
    # Two days unacknowledged: escalated; the two-minute-old alarm is not yet.
    expect(banner.locator(f".alarm-escalated[data-number='{old}']")).to_contain_text(
        "已升级至值班长"
    )
    expect(banner.locator(f".alarm-escalated[data-number='{ops.patrol_number}']")).to_have_count(0)
    expect(operator.locator("body")).to_have_attribute("data-alarm-escalated", "on")

    leader = pages.sign_in("demo-shift-leader", ops.logins[Role.SHIFT_LEADER].password)
    expect(leader.locator(f".alarm-escalated[data-number='{old}']")).to_be_visible()
    shoot(leader, "dashboard-alarm-escalated", full_page=False)

    leader.click("#alarm-ack")
    expect(leader.locator("#alarm")).to_be_hidden()
    operator.reload()
    operator.wait_for_timeout(500)  # the first poll of the summary has answered
    expect(operator.locator("#alarm")).to_be_hidden()

"""The renovation pages in a real browser: the property company registers a flat, the owner
registers at the counter and signs the commitment on the page's pad, the fee is recorded, a
slot is added and booked (a booking over the registered volume is refused and nothing kept),
and the sanitation unit clears a booking from its schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from backoffice.access import Role
from backoffice.demo.history import OpsData
from backoffice.identity.service import create_staff
from backoffice.workcal import SHANGHAI
from tests.browser.conftest import Ops, shoot
from tests.conftest import LiveServer

PASSWORD = "correct horse battery"


def unit_staff(server: LiveServer, username: str, unit_code: str) -> None:
    with server.session() as db:
        create_staff(
            db,
            username=username,
            password=PASSWORD,
            role=Role.UNIT_STAFF,
            unit_code=unit_code,
            now=datetime.now(UTC),
        )


def fill_flat(form: Page, scope: str, start: str, end: str) -> None:
    form.select_option(f"{scope} select[name=compound_code]", "JSL-P08")
    form.fill(f"{scope} input[name=building]", "7")
    form.fill(f"{scope} input[name=room]", "1201")
    form.fill(f"{scope} input[name=period_start]", start)
    form.fill(f"{scope} input[name=period_end]", end)
    form.fill(f"{scope} input[name=volume_m3]", "2")
    form.select_option(f"{scope} select[name=waste_kind]", "mixed")


def sign(page: Page, scope: str) -> None:
    """The owner signs with the mouse, as with a finger on the counter's tablet."""
    pad = page.locator(f"{scope} canvas.signature-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None
    x, y = box["x"], box["y"]
    page.mouse.move(x + 30, y + 120)
    page.mouse.down()
    for dx, dy in ((80, 40), (130, 110), (190, 50), (250, 120), (330, 70)):
        page.mouse.move(x + dx, y + dy, steps=4)
    page.mouse.up()


def test_a_renovation_registered_signed_paid_booked_and_cleared_on_the_pages(
    pages: Ops, ops: OpsData, live_server: LiveServer
) -> None:
    unit_staff(live_server, "reno-wuyi-pm", "JSL-PM-WY")
    unit_staff(live_server, "reno-clearance", "JSL-CLEAR")
    today = datetime.now(SHANGHAI).date()
    start, end = today.isoformat(), (today + timedelta(days=20)).isoformat()

    company = pages.sign_in("reno-wuyi-pm", PASSWORD)
    company.goto("/ops/renovations")
    # A property company registers only the compounds it manages.
    options = company.locator("#property-form select[name=compound_code] option")
    expect(options).to_have_count(2)  # 武夷新村 and 宣化小区
    fill_flat(company, "#property-form", start, end)
    company.click("#property-form button[type=submit]")
    expect(company.locator("#status")).to_have_text("待完成")
    reference = company.url.rsplit("/", 1)[1]
    shoot(company, "renovation-property-registered")

    operator = pages.sign_in("demo-operator", ops.logins[Role.OPERATOR].password)
    operator.goto("/ops/renovations")
    expect(operator.locator(f"#renovations tr[data-ref='{reference}']")).to_contain_text("待完成")
    fill_flat(operator, "#owner-form", start, end)
    operator.fill("#owner-form input[name=id_number]", "11010519491231002X")
    operator.fill("#owner-form input[name=name]", "李四")
    operator.fill("#owner-form input[name=phone]", "139-1234-5678")
    sign(operator, "#owner-form")
    operator.click("#owner-form button[type=submit]")
    expect(operator).to_have_url(f"{live_server.url}/ops/renovations/{reference}")
    expect(operator.locator("#status")).to_have_text("已生效")
    facts = operator.locator("#facts")
    expect(facts).to_contain_text("李* 110***********002X · 139****5678 · 窗口")
    signature = operator.locator("img.signature")
    expect(signature).to_be_visible()
    assert operator.evaluate("document.querySelector('img.signature').naturalWidth") == 480

    operator.fill("#fee-form input[name=receipt]", "R-2026-0042")
    operator.click("#fee-form button[type=submit]")
    expect(operator.locator("#fee")).to_contain_text("¥200.00 · 已缴")

    operator.goto("/ops/renovations")
    tomorrow = (today + timedelta(days=1)).isoformat()
    operator.fill("#slot-form input[name=starts_at]", f"{tomorrow}T09:00")
    operator.fill("#slot-form input[name=ends_at]", f"{tomorrow}T11:00")
    operator.fill("#slot-form input[name=capacity_m3]", "5")
    operator.click("#slot-form button[type=submit]")
    slot_row = operator.locator("#slots tbody tr", has_text="09:00 – 11:00")
    expect(slot_row.last).to_contain_text("0 / 5")

    operator.goto(f"/ops/renovations/{reference}")
    slot_option = operator.locator(
        "#booking-form select[name=slot_id] option", has_text=tomorrow[5:]
    )
    operator.select_option(
        "#booking-form select[name=slot_id]", slot_option.first.get_attribute("value")
    )
    operator.fill("#booking-form input[name=volume_m3]", "3")
    operator.click("#booking-form button[type=submit]")
    expect(operator.locator(".flash.bad")).to_contain_text("最多还可预约 2 立方米")
    expect(operator.locator("#bookings")).to_contain_text("暂无预约")
    operator.select_option(
        "#booking-form select[name=slot_id]", slot_option.first.get_attribute("value")
    )
    operator.fill("#booking-form input[name=volume_m3]", "2")
    operator.click("#booking-form button[type=submit]")
    expect(operator.locator("#bookings tbody tr")).to_have_count(1)
    expect(operator.locator("#bookings")).to_contain_text("09:00 – 11:00")
    shoot(operator, "renovation-booked")

    # The dashboard counts the active renovations (the demo's and this one); the weekly report
    # has the renovation figures.
    operator.goto("/ops/")
    expect(operator.locator("#v-renovations_active")).to_have_text("2")
    operator.goto("/ops/report")
    expect(operator.locator("#report-renovations")).to_contain_text("按时清运率")

    # The sanitation unit's schedule: the demo's booking (its window long past, overdue) and
    # the new one; clearing the overdue one takes it off.
    clearance = pages.sign_in("reno-clearance", PASSWORD)
    clearance.goto("/ops/renovations")
    rows = clearance.locator("#clearances tbody tr[data-booking]")
    expect(rows).to_have_count(2)
    overdue = clearance.locator("#clearances tr.row-bad")
    expect(overdue).to_have_count(1)
    shoot(clearance, "renovation-clearance-schedule")
    overdue.locator("button[type=submit]").click()
    expect(clearance.locator("#clearances tbody tr[data-booking]")).to_have_count(1)
    expect(clearance.locator("#clearances")).to_contain_text(reference)

"""The subdistrict map and the call-taker's location picker, in a real browser."""

from __future__ import annotations

import re
from datetime import datetime

from playwright.sync_api import Page, expect

from backoffice.access import Role
from backoffice.demo.history import OpsData
from tests.browser.conftest import Ops, shoot

CASE_PAGE = re.compile(r".*/ops/cases/(JSL-\d{4}-\d{6})$")


def click_centre(page: Page, selector: str) -> None:
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def file_call_at(page: Page, selector: str, type_code: str, text: str) -> str:
    """Take a hotline call whose place is the centre of what `selector` draws on the map."""
    page.goto("/ops/calls/new")
    expect(page.locator("#pick-map")).to_have_attribute("data-ready", "1")
    page.select_option("select[name=type_code]", type_code)
    click_centre(page, selector)
    expect(page.locator("#pick-info")).to_have_attribute("data-grid", re.compile(r"JSL-G\d{4}"))
    page.fill("textarea[name=description]", text)
    page.click("#call-form button[type=submit]")
    page.wait_for_url(CASE_PAGE)
    match = CASE_PAGE.match(page.url)
    assert match is not None
    return match.group(1)


def test_a_case_reported_at_a_point_is_drawn_inside_that_points_grid(
    pages: Ops, ops: OpsData
) -> None:
    page = pages.sign_in("demo-operator", ops.logins[Role.OPERATOR].password)
    number = file_call_at(
        page, "polygon.grid[data-code='JSL-G0102']", "C-0109", "长宁路一盏路灯不亮"
    )
    expect(page.locator(".facts")).to_contain_text("长新第2网格")

    page.goto("/ops/map")
    expect(page.locator("#map")).to_have_attribute("data-ready", "1")
    marker = page.locator(f"circle.case[data-number='{number}']")
    expect(marker).to_have_attribute("data-grid", "JSL-G0102")
    inside = marker.evaluate(
        """m => {
          const grid = document.querySelector("polygon.grid[data-code='JSL-G0102']");
          const p = new DOMPoint(+m.getAttribute("cx"), +m.getAttribute("cy"));
          const others = [...document.querySelectorAll("polygon.grid")]
            .filter(g => g !== grid && g.isPointInFill(p)).map(g => g.dataset.code);
          return { inside: grid.isPointInFill(p), others };
        }"""
    )
    assert inside == {"inside": True, "others": []}
    shoot(page, "map")

    # Filters and the week's time slider decide what is shown; a marker leads to its case.
    shown = page.locator("circle.case[data-shown='1']")
    everything = shown.count()
    assert everything >= 6
    page.select_option("#map-filters select[name=type]", "C-0109")
    # Today's street lamp, last week's one still waiting for its check, and this call.
    expect(shown).to_have_count(3)
    page.select_option("#map-filters select[name=type]", "")
    page.select_option("#map-filters select[name=state]", "")
    page.locator("#map-time").fill("0")
    # At the week's start: only the cases reported before it, still open (last week's, awaiting
    # a check). How many were reported before the window depends on the hour of the week: the
    # seed's last week is Shanghai's calendar week, the map's the last 168 hours.
    data = page.request.get("/ops/api/map").json()
    start = datetime.fromisoformat(data["week_start"])
    older = [c for c in data["cases"] if datetime.fromisoformat(c["reported_at"]) <= start]
    assert all(c["open"] for c in older)
    expect(page.locator("circle.case-closed[data-shown='1']")).to_have_count(0)
    handled = [c for c in older if c["state"] == "handled"]
    expect(page.locator("circle.case[data-state='handled'][data-shown='1']")).to_have_count(
        len(handled)
    )
    expect(shown).to_have_count(len([c for c in older if c["lon"] is not None]))
    page.locator("#map-time").fill("168")
    # The whole week in every state: each case the map was given that has a point.
    expect(shown).to_have_count(len([c for c in data["cases"] if c["lon"] is not None]))
    expect(page.locator("rect.camera[data-code='CAM-YA-01']")).to_have_count(1)
    expect(page.locator("path.terminal")).to_have_count(1)
    assert page.locator("circle.collection").count() > 50  # the ones in use today
    marker.click()
    page.wait_for_url(re.compile(rf".*/ops/cases/{number}$"))


def test_a_hotline_report_picked_on_the_map_merges_with_the_camera_case(
    pages: Ops, ops: OpsData
) -> None:
    page = pages.sign_in("demo-operator", ops.logins[Role.OPERATOR].password)
    # Without a place the call is refused, saying what to do.
    page.goto("/ops/calls/new")
    page.select_option("select[name=type_code]", "E-0506")
    page.fill("textarea[name=description]", "共享单车乱停")
    page.click("#call-form button[type=submit]")
    expect(page.locator(".flash.bad")).to_have_text("请在地图上选点，或选择道路和地标/门牌号。")

    number = file_call_at(
        page, "rect.camera[data-code='CAM-YA-01']", "E-0506", "延安西路人行道上共享单车乱停"
    )
    assert number == ops.patrol_number
    expect(page.locator(".facts")).to_contain_text("2 次上报")
    expect(page.locator(".flash.ok")).to_contain_text(ops.patrol_number)
    shoot(page, "call-merged")

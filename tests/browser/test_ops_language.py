"""The pages in the reader's language: what the system wrote on a case, the AI case's before
photo, and the error pages a browser gets."""

from __future__ import annotations

import httpx
from playwright.sync_api import expect

from backoffice.access import Role
from backoffice.demo.history import OpsData
from tests.browser.conftest import Ops, shoot


def test_a_system_written_description_reads_in_the_pages_language_with_its_before_photo(
    pages: Ops, ops: OpsData
) -> None:
    page = pages.sign_in("demo-operator", ops.logins[Role.OPERATOR].password)
    page.goto(f"/ops/cases/{ops.patrol_number}")
    description = page.locator("#case-description")
    expect(description).to_have_text(
        "AI智能巡屏：禁停区「人行道禁停区」内停放共享单车 6 辆，"
        "已持续 10 分钟（摄像头 CAM-YA-01）。"
    )
    # The frame that filed the case is its before photo, and it loads.
    before = page.locator("img.before-photo")
    expect(before).to_have_count(1)
    assert before.evaluate("img => img.complete && img.naturalWidth") == 64
    # The rule's dispatch line of the timeline is worded on the page too.
    expect(page.locator("#timeline")).to_contain_text("按派单规则")
    shoot(page, "case-ai-zh")

    page.click("a.lang")
    expect(description).to_have_text(
        "AI patrol: 6 shared bike(s) parked in no-parking zone '人行道禁停区' for 10 min "
        "(camera CAM-YA-01)."
    )
    expect(page.locator("#timeline")).to_contain_text("Dispatched by rule")
    shoot(page, "case-ai-en")


def test_a_mistyped_page_address_answers_a_page_in_the_readers_language(
    pages: Ops, ops: OpsData
) -> None:
    page = pages.sign_in("demo-operator", ops.logins[Role.OPERATOR].password)
    response = page.goto("/ops/casess")
    assert response is not None and response.status == 404
    assert response.headers["content-type"].startswith("text/html")
    expect(page.locator("main h1")).to_have_text("未找到")
    expect(page.locator("main")).to_contain_text("此地址没有页面")
    expect(page.locator("main a.btn")).to_have_attribute("href", "/ops/")
    shoot(page, "not-found-zh")

    english = pages.sign_in("demo-operator", ops.logins[Role.OPERATOR].password, lang="en")
    response = english.goto("/ops/no-such-page")
    assert response is not None and response.status == 404
    expect(english.locator("main h1")).to_have_text("Not found")

    # A refused page in Chinese, its service message worded in Chinese too.
    unit = pages.sign_in("demo-unit-staff", ops.logins[Role.UNIT_STAFF].password)
    response = unit.goto("/ops/terminals")
    assert response is not None and response.status == 403
    expect(unit.locator("main h1")).to_have_text("无权访问")
    expect(unit.locator("main")).to_contain_text("您的角色「责任单位」无权访问自助终端。")

    # The API stays JSON.
    api = httpx.get(f"{pages.url}/api/v1/no-such-thing", timeout=10)
    assert api.status_code == 404
    assert api.json() == {"detail": "Not Found"}

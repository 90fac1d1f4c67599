"""The ops-centre pages in a real browser: the case loop, a zone-free terminal command with
the kiosk's answer, the weekly report, the alarm, and what each role may see."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from backoffice.access import Role
from backoffice.demo.history import OpsData, png
from tests.browser.conftest import Ops, shoot
from tests.conftest import LiveServer


def server_log(server: LiveServer) -> str:
    log = server.data_dir.parent / "server.log"
    return log.read_text()[-4000:] if log.exists() else ""


def open_case(page: Page, number: str) -> None:
    page.click(f"a:text-is('{number}')")
    page.wait_for_url(re.compile(rf".*/ops/cases/{number}$"))


def take(page: Page, action: str, **fields: str) -> None:
    box = page.locator(f"details[data-action={action}]")
    if box.count() == 0:
        shoot(page, f"missing-{action}")
        raise AssertionError(f"no {action} on {page.url}: {page.locator('main').inner_text()}")
    box.locator("summary").click()
    for name, value in fields.items():
        field = box.locator(f"[name={name}]")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    with page.expect_navigation():
        box.locator("button[type=submit]").click()


def test_an_overdue_case_is_sent_back_dispatched_and_closed_with_photos(
    pages: Ops, ops: OpsData
) -> None:
    number = ops.overdue_number
    dispatcher = pages.sign_in("demo-dispatcher", ops.logins[Role.DISPATCHER].password)
    expect(dispatcher.locator("#v-overdue")).to_have_text("1")
    shoot(dispatcher, "dashboard-dispatcher")
    dispatcher.click("#tile-overdue")
    expect(dispatcher.locator("#case-table tbody tr")).to_have_count(1)
    shoot(dispatcher, "cases-overdue")
    open_case(dispatcher, number)
    expect(dispatcher.locator(".badge.bad")).to_have_text("超期")
    # The case is with a unit, so dispatching is not offered now.
    expect(dispatcher.locator("details[data-action=dispatch]")).to_have_count(0)

    # The bike company it went to says the bikes are not theirs.
    hello = pages.sign_in("demo-unit-staff", ops.logins[Role.UNIT_STAFF].password)
    hello.goto("/ops/cases?overdue=1")
    open_case(hello, number)
    take(hello, "send_back", reason="车辆为美团单车，不属于哈啰")
    expect(hello.locator(".flash.ok")).to_contain_text(f"{number}：回退 ✓")
    expect(hello.locator("#case-table")).not_to_contain_text(number)

    dispatcher.goto("/ops/cases?state=filed")
    open_case(dispatcher, number)
    take(dispatcher, "dispatch", unit_code="BIKE-MEITUAN")
    expect(dispatcher.locator("#case-state")).to_have_text("已派遣")
    expect(dispatcher.locator(".facts")).to_contain_text("美团")

    meituan = pages.sign_in(ops.meituan.username, ops.meituan.password)
    meituan.goto(f"/ops/cases/{number}")
    take(meituan, "accept")
    box = meituan.locator("details[data-action=report_handled]")
    box.locator("summary").click()
    box.locator("input[name=photos]").set_input_files(
        files=[{"name": "after.png", "mimeType": "image/png", "buffer": png(rgb=(60, 150, 90))}]
    )
    box.locator("input[name=reason]").fill("已调度车辆清运，禁停区恢复通行")
    with meituan.expect_navigation():
        box.locator("button[type=submit]").click()
    expect(meituan.locator("#case-state")).to_have_text("已处置")

    inspector = pages.sign_in("demo-inspector", ops.logins[Role.INSPECTOR].password)
    inspector.goto(f"/ops/cases/{number}")
    take(inspector, "verify", reason="前后照片对比，已清理")
    take(inspector, "close")
    expect(inspector.locator("#case-state")).to_have_text("已结案")
    expect(inspector.locator(".photos figure img")).to_have_count(2)
    inspector.wait_for_function(
        "() => [...document.querySelectorAll('.photos img')].every(i => i.complete)"
    )
    widths = inspector.locator(".photos figure img").evaluate_all(
        "imgs => imgs.map(i => i.naturalWidth)"
    )
    assert widths == [64, 64]
    expect(inspector.locator("#timeline li")).to_have_count(10)
    shoot(inspector, "case-closed")


def test_a_call_taker_files_a_110_call(pages: Ops, ops: OpsData) -> None:
    page = pages.sign_in("demo-call-taker", ops.logins[Role.CALL_TAKER].password)
    page.goto("/ops/calls/new")
    # The map script binds the road and landmark lists once it has drawn the map.
    expect(page.locator("#pick-map")).to_have_attribute("data-ready", "1")
    page.select_option("select[name=source]", "police_110")
    page.fill("input[name=incident_number]", "110-20261206-0815")
    page.select_option("select[name=type_code]", "E-0502")
    page.select_option("select[name=road_code]", "JSL-R02")
    # No map click: the road's landmark gives the point (the crossing with Jiangsu Road).
    expect(page.locator("select[name=landmark]")).to_have_attribute("data-loaded", "JSL-R02")
    page.select_option("select[name=landmark]", "x:JSL-R01")
    expect(page.locator("#pick-info")).to_have_attribute("data-grid", re.compile(r"JSL-G\d{4}"))
    page.fill("textarea[name=description]", "愚园路路口有流动摊贩占道经营")
    page.fill("input[name=caller_name]", "李建国")
    page.fill("input[name=caller_phone]", "13912345678")
    shoot(page, "call-form")
    page.click("#call-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/ops/cases/JSL-\d{4}-\d{6}$"))
    expect(page.locator(".facts")).to_contain_text("李** 139****5678")
    expect(page.locator("#incident-number")).to_have_text("110-20261206-0815")
    expect(page.locator("body")).not_to_contain_text("13912345678")


def test_a_terminal_manager_sends_a_screenshot_command_and_sees_the_kiosks_answer(
    pages: Ops, ops: OpsData, live_server: LiveServer
) -> None:
    kiosk = httpx.Client(base_url=live_server.url)
    enrolled = kiosk.post(
        "/api/v1/fleet/enroll", json={"code": ops.enrollment_code, "app_version": "1.4.0"}
    )
    assert enrolled.status_code == 201, (enrolled.text, server_log(live_server))
    token = enrolled.json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    beat = {
        "app_version": "1.4.0",
        "screen": "home",
        "language": "zh",
        "elder_mode": False,
        "devices": {
            "printer": {"state": "fault", "reason": "paper out"},
            "card_reader": {"state": "ready"},
            "qr_camera": {"state": "ready"},
        },
    }
    kiosk.post("/api/v1/fleet/heartbeat", json=beat, headers=auth).raise_for_status()

    page = pages.sign_in("demo-terminal-manager", ops.logins[Role.TERMINAL_MANAGER].password)
    page.goto("/ops/terminals")
    expect(page.locator("#terminal-table")).to_contain_text("在线")
    expect(page.locator("#terminal-table")).to_contain_text("paper out")
    shoot(page, "terminals")
    page.click(f"a:text-is('{ops.terminal_code}')")
    page.select_option("select[name=kind]", "screenshot")
    page.click("#command-form button[type=submit]")
    expect(page.locator(".flash.ok")).to_contain_text("已排队，随下次心跳下发")
    expect(page.locator("#commands tbody tr").first).to_contain_text("待下发")

    # The kiosk's side: the next heartbeat carries the command; it uploads and acknowledges.
    commands = kiosk.post("/api/v1/fleet/heartbeat", json=beat, headers=auth).json()["commands"]
    assert [c["kind"] for c in commands] == ["screenshot"]
    command_id = commands[0]["id"]
    shot = png(320, 180, (30, 80, 140))
    kiosk.put(
        f"/api/v1/fleet/commands/{command_id}/screenshot",
        content=shot,
        headers={**auth, "Content-Type": "image/png"},
    ).raise_for_status()
    kiosk.post(
        f"/api/v1/fleet/commands/{command_id}/ack",
        json={"ok": True, "result": "saved 320x180"},
        headers=auth,
    ).raise_for_status()
    page.reload()
    expect(page.locator("#commands tbody tr").first).to_contain_text("成功")
    expect(page.locator("#commands tbody tr").first).to_contain_text("saved 320x180")
    page.wait_for_function("() => document.querySelector('img.shot').complete")
    assert page.locator("img.shot").evaluate("e => e.naturalWidth") == 320
    shoot(page, "terminal")


def test_the_weekly_report_shows_hotspots_with_charts(pages: Ops, ops: OpsData) -> None:
    page = pages.sign_in("demo-shift-leader", ops.logins[Role.SHIFT_LEADER].password)
    page.click("nav a:text-is('周报')")
    assert ops.last_week_cases >= 16  # last week's, and today's when Shanghai's week just began
    expect(page.locator("#r-cases")).to_have_text(str(ops.last_week_cases))
    first_road = page.locator("#heat-table tbody tr").first
    expect(first_road.locator("td").first).to_have_text("江苏路")
    # Chart.js drew every chart: each canvas has pixels (waited for: the charts are drawn by a
    # script that may run after the tables are on the page, later on a busy machine).
    for chart in ("chart-types", "chart-roads", "chart-daily", "chart-units"):
        page.wait_for_function(
            "id => { const c = document.getElementById(id);"
            " return typeof Chart !== 'undefined' && Chart.getChart(c) !== undefined"
            " && c.width > 0; }",
            arg=chart,
        )
    shoot(page, "weekly-report")
    page.goto("/ops/lang?to=en&next=/ops/report")
    expect(page.locator("h1")).to_contain_text("Weekly report")
    shoot(page, "weekly-report-en")


def test_the_ai_patrol_alarm_rings_until_acknowledged(pages: Ops, ops: OpsData) -> None:
    page = pages.sign_in("demo-operator", ops.logins[Role.OPERATOR].password)
    banner = page.locator("#alarm")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(ops.patrol_number)
    shoot(page, "dashboard-alarm", full_page=False)
    page.click("#alarm-ack")
    expect(banner).to_be_hidden()
    page.reload()
    page.wait_for_timeout(500)  # the first poll of the summary has answered
    expect(banner).to_be_hidden()
    shoot(page, "dashboard")


def test_the_rule_tester_answers(pages: Ops, ops: OpsData) -> None:
    page = pages.sign_in("demo-dispatcher", ops.logins[Role.DISPATCHER].password, lang="en")
    page.goto("/ops/rules")
    page.select_option("#tester select[name=type_code]", "E-0506")
    page.select_option("#tester select[name=road_code]", "JSL-R05")
    page.click("#tester button[type=submit]")
    expect(page.locator("#tester-result")).to_contain_text("BIKE-MEITUAN")
    shoot(page, "rules")


def test_each_role_sees_only_what_it_may(pages: Ops, ops: OpsData) -> None:
    hello = pages.sign_in(
        "demo-unit-staff",
        ops.logins[Role.UNIT_STAFF].password,
        viewport={"width": 1366, "height": 768},
    )
    nav = [a.inner_text() for a in hello.locator("nav.nav a").all()]
    # a unit's staff: its cases, the map, and renovations (a property company registers them,
    # the sanitation unit records clearances)
    assert nav == ["总览", "案件", "地图", "装修垃圾"]
    hello.goto("/ops/cases")
    shoot(hello, "cases-unit-staff-laptop")
    rows = hello.locator("#case-table tbody tr")
    assert rows.count() >= 1
    expect(hello.locator("#case-table")).not_to_contain_text(ops.patrol_number)  # Meituan's
    response = hello.goto(f"/ops/cases/{ops.patrol_number}")
    assert response is not None and response.status == 403
    shoot(hello, "forbidden")
    assert hello.goto("/ops/terminals").status == 403  # type: ignore[union-attr]
    expect(hello.locator("#alarm")).to_be_hidden()

    manager = pages.sign_in("demo-terminal-manager", ops.logins[Role.TERMINAL_MANAGER].password)
    nav = [a.inner_text() for a in manager.locator("nav.nav a").all()]
    assert nav == ["总览", "案件", "地图", "派单规则", "自助终端"]
    viewer = pages.sign_in("demo-viewer", ops.logins[Role.VIEWER].password)
    viewer.goto(f"/ops/cases/{ops.patrol_number}")
    expect(viewer.locator("details.action")).to_have_count(0)
    assert viewer.goto("/ops/calls/new").status == 403  # type: ignore[union-attr]


def test_an_operator_draws_a_zone_on_the_latest_frame(
    pages: Ops, ops: OpsData, live_server: LiveServer
) -> None:
    import cv2

    from backoffice.vision.training import synth

    api = httpx.Client(base_url=live_server.url, timeout=60)
    token = api.post(
        "/api/v1/auth/token",
        json={"username": "demo-operator", "password": ops.logins[Role.OPERATOR].password},
    ).json()["token"]
    frame = synth.render(synth.random_scene(7, synth.Split.HELDOUT, bikes=(4, 4), wastes=(1, 1)))
    ok, jpeg = cv2.imencode(".jpg", frame)
    assert ok
    pushed = api.post(
        f"/api/v1/vision/cameras/{ops.camera_code}/frames",
        content=jpeg.tobytes(),
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "image/jpeg",
            "Idempotency-Key": "browser-test-1",
        },
    )
    assert pushed.status_code == 200, pushed.text
    detections = len(pushed.json()["detections"])

    page = pages.sign_in("demo-operator", ops.logins[Role.OPERATOR].password)
    page.click("nav a:text-is('摄像头')")
    shoot(page, "cameras")
    page.click(f"a[href='/ops/cameras/{ops.camera_code}']")
    page.wait_for_function("() => document.getElementById('frame').complete")
    page.locator("#frame-wrap").scroll_into_view_if_needed()
    box = page.locator("#overlay").bounding_box()
    assert box is not None
    corners = [(0.55, 0.55), (0.95, 0.55), (0.95, 0.95), (0.55, 0.95), (0.55, 0.55)]
    for x, y in corners:  # the last click on the first corner closes the polygon
        page.mouse.click(box["x"] + x * box["width"], box["y"] + y * box["height"])
    expect(page.locator("#polygon-status")).to_have_text("4 ✓")
    page.fill("#zone-form input[name=name]", "路口东侧禁停区")
    page.select_option("#zone-form select[name=rule]", "no_parking")
    page.fill("#zone-form input[name=dwell_s]", "300")
    page.fill("#zone-form input[name=min_count]", "3")
    with page.expect_navigation():
        page.click("#zone-form button[type=submit]")
    expect(page.locator("#zone-table tbody tr")).to_have_count(2)
    row = page.locator("#zone-table tbody tr").filter(has_text="路口东侧禁停区")
    expect(row).to_contain_text("300")
    expect(row).to_contain_text("3 辆")
    polygon = page.evaluate(
        "JSON.parse(document.getElementById('overlay-data').textContent)"
        ".zones.find(z => z.name === '路口东侧禁停区').polygon"
    )
    assert len(polygon) == 4
    for (x, y), (want_x, want_y) in zip(polygon, corners[:4], strict=True):
        assert abs(x - want_x) < 0.01
        assert abs(y - want_y) < 0.01
    assert (
        page.locator("#overlay-data").evaluate("e => JSON.parse(e.textContent).detections.length")
        == detections
    )
    shoot(page, "camera-zones")


def test_ratings_and_the_consult_queue(pages: Ops, ops: OpsData) -> None:
    leader = pages.sign_in("demo-shift-leader", ops.logins[Role.SHIFT_LEADER].password)
    expect(leader.locator("#v-satisfaction_rate")).to_have_text("87.5%")  # 14 of 16
    leader.click("nav a:text-is('好差评')")
    expect(leader.locator("#r-rate")).to_have_text("87.5%")
    expect(leader.locator("#rectifications tbody tr.rect")).to_have_count(2)
    shoot(leader, "ratings")

    taker = pages.sign_in("demo-call-taker", ops.logins[Role.CALL_TAKER].password)
    taker.click("nav a:text-is('一键通')")
    expect(taker.locator("article.consult")).to_have_count(2)
    shoot(taker, "consults")
    first = taker.locator("article.consult").first
    first.locator("textarea[name=answer]").fill(
        "带身份证原件，到社区事务受理服务中心 2 号窗口，当场可取。"
    )
    with taker.expect_navigation():
        first.locator("button[type=submit]").click()
    expect(taker.locator("article.consult")).to_have_count(1)

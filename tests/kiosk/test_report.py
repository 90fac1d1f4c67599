"""Reporting a problem in the real window: the type, the road, then the case number from the live
back office, or the outbox while it cannot be reached (filed once however often it is sent)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx

from backoffice.access import Role
from kiosk.outbox import ItemState, Kind
from tests.conftest import LiveServer
from tests.kiosk.conftest import KioskUI, seed_report_choices
from tests.kiosk.test_guides import _enrolled, _pump_until
from tests.kiosk.test_live_fleet import _staff


def _choose(ui: KioskUI, title: str) -> None:
    ui.tap(ui.find(title))


def test_type_then_road_then_kept_in_the_outbox_while_offline(kiosk_ui: KioskUI) -> None:
    ui = kiosk_ui
    ui.tap(ui.find("问题上报"))
    assert ui.find("list_title").text == "问题上报：是什么问题？"
    shown = [t.title for t in reversed(ui.app.screens.get_screen("matters").ids.choices.children)]
    names = [t["name_zh"] for t in seed_report_choices()["types"]]
    assert shown == names[:6]
    ui.screenshot("report-types-zh")

    _choose(ui, "共享单车违停")
    assert ui.find("list_title").text == "在哪条路上？"
    ui.screenshot("report-roads-zh")
    _choose(ui, "江苏路")

    assert ui.app.screens.current == "report_done"
    assert ui.find("report_summary").text == "共享单车违停，江苏路"
    assert ui.find("report_outcome").text == "已保存，网络恢复后自动提交。感谢您的反映！"
    ui.screenshot("report-queued-zh")
    [item] = [i for i in ui.app.outbox.items() if i.kind == Kind.REPORT]
    assert item.path == "/api/v1/kiosk-reports"
    assert item.body["type_code"] == "E-0506"
    assert item.body["road_code"] == "JSL-R01"
    assert item.idempotency_key == item.body["report_id"]

    ui.tap(ui.find("结束本次服务"))
    assert ui.app.screens.current == "home"
    assert ui.app.visit is None


def street_photo() -> bytes:
    """A JPEG as the kiosk camera would take it: a generated street scene with bikes."""
    import cv2

    from backoffice.vision.training.synth import Split, random_scene, render

    ok, jpeg = cv2.imencode(".jpg", render(random_scene(7, Split.HELDOUT, bikes=(2, 3))))
    assert ok
    return bytes(jpeg.tobytes())


def test_a_photo_from_the_kiosk_camera_goes_with_the_report(kiosk_ui: KioskUI) -> None:
    from tests.kiosk.test_identify import FakeScanner

    ui = kiosk_ui
    photo = street_photo()
    scanner = FakeScanner(jpeg=None)
    ui.app.devices.qr_scanner = scanner
    ui.tap(ui.find("问题上报"))
    _choose(ui, "共享单车违停")
    _choose(ui, "江苏路")
    assert ui.app.screens.current == "report_photo"
    assert ui.find("photo_how").text == "把手机里的照片对准下方摄像头，再点“拍照”"
    ui.tap(ui.find("拍照"))
    assert ui.find("photo_how").text == "摄像头没有拍到画面，可以不加照片直接提交"
    scanner.jpeg = photo
    ui.tap(ui.find("拍照"))
    screen = ui.app.screens.get_screen("report_photo")
    assert screen.taken and screen.ids.photo.texture is not None
    ui.screenshot("report-photo-taken-zh")
    ui.tap(ui.find("用这张照片提交"))

    assert ui.app.screens.current == "report_done"
    [item] = [i for i in ui.app.outbox.items() if i.kind == Kind.REPORT]
    assert base64.b64decode(item.body["photo_jpeg_base64"]) == photo
    ui.tap(ui.find("结束本次服务"))
    assert screen.ids.photo.texture is None and not screen.taken  # wiped with the visit


def test_without_choices_the_list_says_plainly_to_wait(make_kiosk_ui: Any) -> None:
    ui = make_kiosk_ui(language="en")
    ui.app.report_choices.choices = None
    ui.tap(ui.find("Report a problem"))
    assert ui.find("empty").text == (
        "Reporting must wait for the connection; try later or call 12345."
    )


def test_a_report_gets_its_case_number_online_and_a_resend_files_once(
    live_server: LiveServer, tmp_path: Path, make_kiosk_ui: Any
) -> None:
    ui = _enrolled(live_server, tmp_path, make_kiosk_ui)
    assert ui.app.report_choices.choices is None
    ui.app.flows.catalog.refresh()
    _pump_until(ui, lambda: ui.app.report_choices.choices is not None)
    saved = json.loads(ui.app.report_choices.path.read_text("utf-8"))
    landmarks = saved.pop("landmarks")
    assert saved == seed_report_choices()
    assert landmarks["JSL-R01"][0]["name_en"] == "Jiangsu Road at Yan'an Road West"

    from tests.kiosk.test_identify import FakeScanner

    ui.app.devices.qr_scanner = FakeScanner(jpeg=street_photo())
    ui.tap(ui.find("English"))
    ui.tap(ui.find("Report a problem"))
    _choose(ui, "Exposed litter")
    _choose(ui, "Jiangsu Road")
    assert ui.find("list_title").text.startswith("Where on the road?")
    ui.screenshot("report-landmarks-en")
    _choose(ui, "Jiangsu Road at Yan'an Road West")
    ui.tap(ui.find("Take photo"))
    ui.screenshot("report-photo-taken-en")
    ui.tap(ui.find("Send with photo"))
    outcome = ui.find("report_outcome")
    _pump_until(ui, lambda: outcome.text.startswith("Received."))
    number = outcome.text.removeprefix("Received. Case number: ").removesuffix(". Thank you!")
    ui.screenshot("report-filed-en")
    staff = _staff(live_server.url, Role.OPERATOR)
    case = httpx.get(f"{live_server.url}/api/v1/cases/{number}", headers=staff).json()
    assert case["source"] == "kiosk"
    assert case["type_code"] == "E-0102"
    assert case["lon"] is not None and case["grid_code"] is not None  # the landmark's point
    photos = httpx.get(f"{live_server.url}/api/v1/cases/{number}/comparison", headers=staff)
    [before] = photos.json()["before"]
    stored = httpx.get(f"{live_server.url}{before['url']}", headers=staff)
    assert stored.content == ui.app.devices.qr_scanner.jpeg
    ui.app.devices.qr_scanner = None  # no camera: the next report goes straight out

    # Offline: kept in the outbox; sent later, and a second delivery of it files nothing new.
    ui.app.agent.state = type(ui.app.agent.state)("offline")
    ui.app._poll_agent(0)
    ui.app.flows.home.go_home()
    ui.pump()
    ui.tap(ui.find("Report a problem"))
    _choose(ui, "Waterlogging")
    _choose(ui, "Jiangsu Road")
    _choose(ui, "Jiangsu Road at Yan'an Road West")
    [item] = [i for i in ui.app.outbox.items() if i.kind == Kind.REPORT]
    assert ui.app.agent.deliver_outbox() is not None
    assert [i.state for i in ui.app.outbox.items() if i.kind == Kind.REPORT] == [ItemState.SENT]
    again = ui.app.agent.send(
        "POST", item.path, item.data, {"Content-Type": "application/json"}
    ).json()
    assert again["created"] is False
    queued = httpx.get(f"{live_server.url}/api/v1/cases/{again['case_number']}", headers=staff)
    assert queued.json()["type_code"] == "E-0405"
    assert again["case_number"] != number

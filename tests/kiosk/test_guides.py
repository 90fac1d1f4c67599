"""Matter guides from the catalog in the real window: the 12 high-frequency matters, categories,
a guide page by page, the material pre-check, a guide slip on the printer peer, one-tap consult
and reading its answer against the live back office, and the catalog cache."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from backoffice.access import Role
from backoffice.catalog.service import load_seed
from backoffice.clock import SystemClock
from kiosk.agent import AgentState, FleetAgent
from kiosk.catalog import CatalogStore, Refresh
from kiosk.config import KioskConfig
from kiosk.outbox import ItemState, Kind
from simulators.escpos_decoder import pieces, texts
from simulators.printer_peer import PrinterPeer
from tests.conftest import LiveServer
from tests.e2e.test_kiosk_enrollment import _seed
from tests.kiosk.conftest import KioskUI, seed_catalog
from tests.kiosk.test_live_fleet import _staff

HIGH_FREQUENCY = seed_catalog()["high_frequency"]
ITEMS = {i["code"]: i for c in seed_catalog()["categories"] for i in c["items"]}


def _name(code: str, language: str = "zh") -> str:
    name: str = ITEMS[code]["name"][language]
    return name


def _pump_until(ui: KioskUI, done: Callable[[], bool], timeout_s: float = 10.0) -> None:
    event = threading.Event()
    for _ in range(int(timeout_s / 0.05)):
        ui.pump(1)
        if done():
            return
        event.wait(0.05)  # a worker thread (HTTP, printer) answers in real time
    raise AssertionError("the kiosk did not get there in time")


def _tile(ui: KioskUI, title: str) -> Any:
    """The list entry whose name is ``title`` (its label; a tap on it reaches the tile)."""
    return ui.find(title)


def _to_page(ui: KioskUI, kind: str) -> None:
    guide = ui.app.screens.get_screen("guide")
    while guide.current().kind.value != kind:
        ui.tap(ui.find("next_page"))


# --- lists ----------------------------------------------------------------------------------------


def test_the_12_high_frequency_matters_come_first_two_pages_of_six(kiosk_ui: KioskUI) -> None:
    ui = kiosk_ui
    ui.tap(ui.find("高频事项"))

    assert len(HIGH_FREQUENCY) == 12
    assert ui.find("list_title").text == "高频事项"
    shown = [t.title for t in reversed(ui.app.screens.get_screen("matters").ids.choices.children)]
    assert shown == [_name(code) for code in HIGH_FREQUENCY[:6]]
    assert ui.find("page_number").text == "第 1/2 页"
    ui.screenshot("matters-high-frequency-zh")

    ui.tap(ui.find("下一页"))

    shown = [t.title for t in reversed(ui.app.screens.get_screen("matters").ids.choices.children)]
    assert shown == [_name(code) for code in HIGH_FREQUENCY[6:]]
    assert ui.find("page_number").text == "第 2/2 页"
    ui.tap(ui.find("返回"))
    assert ui.app.screens.current == "home"


def test_categories_then_a_category_then_back_step_by_step(kiosk_ui: KioskUI) -> None:
    ui = kiosk_ui
    ui.tap(ui.find("English"))
    ui.tap(ui.find("Service guides"))
    assert ui.find("list_title").text == "Service guides"
    ui.screenshot("categories-en")

    ui.tap(_tile(ui, "Medical insurance"))

    assert ui.find("list_title").text == "Medical insurance"
    assert _name("MI-BOOKLET-PRINT", "en") in ui.texts()
    ui.tap(_tile(ui, _name("MI-BOOKLET-PRINT", "en")))
    assert ui.app.screens.current == "guide"
    ui.tap(ui.find("Back"))
    assert ui.find("list_title").text == "Medical insurance"
    ui.tap(ui.find("Back"))
    assert ui.find("list_title").text == "Service guides"
    ui.tap(ui.find("Back"))
    assert ui.app.screens.current == "home"


def test_no_certificate_queries_list_the_catalogs_24_after_reading_an_answer(
    kiosk_ui: KioskUI,
) -> None:
    ui = kiosk_ui
    ui.tap(ui.find("无证件查询"))
    screen = ui.app.screens.get_screen("matters")
    assert [kind for kind, _code in screen.entries] == ["answer"] + ["matter"] * 24
    assert [code for _kind, code in screen.entries[1:]] == seed_catalog()["no_certificate"]
    assert all(ITEMS[code]["kind"] == "query" for _kind, code in screen.entries[1:])
    assert ui.find("page_number").text == "第 1/5 页"
    ui.screenshot("no-certificate-zh")
    ui.tap(_tile(ui, "查看咨询答复"))
    assert ui.app.screens.current == "answer"


# --- a guide --------------------------------------------------------------------------------------


def test_a_guide_page_by_page_with_the_material_pre_check(kiosk_ui: KioskUI) -> None:
    ui = kiosk_ui
    ui.tap(ui.find("English"))
    ui.app.flows.home.open("tile.high_frequency")
    ui.pump()
    ui.tap(_tile(ui, _name("SI-CARD-REPLACE", "en")))
    guide = ITEMS["SI-CARD-REPLACE"]["guide"]

    assert ui.find("guide_title").text == _name("SI-CARD-REPLACE", "en")
    assert ui.find("heading").text == "Steps"
    texts = ui.texts()
    for number, step in enumerate(guide["steps"], start=1):
        assert f"{number}. {step['en']}" in texts
    ui.screenshot("guide-steps-en")

    _to_page(ui, "materials")
    assert ui.find("heading").text == "Materials: tap the ones you have"
    questions = [
        m["question"]["en"] + ("" if m["required"] else " (optional)") for m in guide["materials"]
    ]
    assert [m["required"] for m in guide["materials"]] == [True, False, False]
    assert [q for q in questions if q in ui.texts()] == questions
    ui.tap(ui.find(questions[0]))
    assert ui.find(questions[0]).state == "down"
    ui.screenshot("guide-materials-en")

    _to_page(ui, "place")
    texts = ui.texts()
    assert f"Place: {guide['place']['en']}" in texts
    assert f"Hours: {guide['hours']['en']}" in texts
    assert f"Fee: {guide['fee']['en']}" in texts
    assert f"Time limit: {guide['time_limit']['en']}" in texts

    _to_page(ui, "next")
    ui.screenshot("guide-next-en")
    # Only the ID card is required: with it ticked, nothing is missing.
    assert "You have every material; you can go to the counter" in ui.texts()
    ui.tap(ui.find("Previous"))
    ui.tap(ui.find("Previous"))
    ui.tap(ui.find(questions[0]))
    _to_page(ui, "next")
    assert f"1 missing: {guide['materials'][0]['name']['en']}" in ui.texts()
    assert ui.app.visit.matter == "SI-CARD-REPLACE"


def test_elder_mode_puts_two_steps_on_a_page(make_kiosk_ui: Callable[..., KioskUI]) -> None:
    ui = make_kiosk_ui(elder_mode=True)
    ui.app.flows.browse.open_matter("SI-SURVIVOR")
    ui.pump()
    assert ui.find("heading").text == "办理步骤（1/2）"
    steps = ITEMS["SI-SURVIVOR"]["guide"]["steps"]
    assert [t for t in ui.texts() if t[:2] in ("1.", "2.", "3.")] == [
        f"1. {steps[0]['zh']}",
        f"2. {steps[1]['zh']}",
    ]


@pytest.fixture
def printer_peer() -> Iterator[PrinterPeer]:
    from kiosk.fonts import font_path

    with PrinterPeer(preview_dir=Path("test-artifacts/kiosk/slips"), font_path=font_path()) as peer:
        yield peer


def test_a_guide_slip_prints_through_the_driver(
    kiosk_ui: KioskUI, printer_peer: PrinterPeer
) -> None:
    from kiosk.devices.factory import build_printer

    ui = kiosk_ui
    ui.app.devices.printer = build_printer(
        {"driver": "escpos", "backend": "network", "host": "127.0.0.1", "port": printer_peer.port}
    )
    ui.app.flows.browse.open_matter("SI-RECORD-PRINT")
    ui.pump()
    _to_page(ui, "next")

    ui.tap(ui.find("打印办事指南"))

    _pump_until(ui, lambda: "已打印，请从出纸口取走" in ui.texts())
    ui.screenshot("guide-printed-zh")
    _pump_until(ui, lambda: bool(printer_peer.jobs))
    job = printer_peer.jobs[-1]
    assert job.closed.wait(5)
    [paper] = pieces(job.printed)
    printed = texts(paper)
    guide = ITEMS["SI-RECORD-PRINT"]["guide"]
    joined = "".join(printed)
    assert printed[0] == "个人社保缴费记录查询打印"
    assert printed[1:3] == ["-" * 48, "办理步骤"]
    assert "所需材料" in printed
    assert guide["steps"][1]["zh"] in joined
    assert "还缺 1 项材料：居民身份证原件" in joined
    assert "收费标准：不收费" in joined


def test_without_a_printer_the_guide_says_so(kiosk_ui: KioskUI) -> None:
    ui = kiosk_ui
    ui.app.flows.browse.open_matter("SI-RECORD-PRINT")
    ui.pump()
    _to_page(ui, "next")
    ui.tap(ui.find("打印办事指南"))
    assert "本机没有打印机，请拍照或记下" in ui.texts()


def test_a_consult_while_offline_is_refused_in_plain_words(kiosk_ui: KioskUI) -> None:
    ui = kiosk_ui
    ui.agent.state = AgentState.OFFLINE
    ui.app._poll_agent(0)
    ui.app.flows.browse.open_matter("SI-RECORD-PRINT")
    ui.pump()
    _to_page(ui, "next")
    ui.tap(ui.find("把材料预审发给工作人员"))
    assert "网络中断，咨询需等网络恢复；请到服务窗口咨询。" in ui.texts()


# --- against the live back office ----------------------------------------------------------------


def _enrolled(live_server: LiveServer, tmp_path: Path, make_kiosk_ui: Any) -> KioskUI:
    code = _seed(live_server.database_url)
    with live_server.session() as db:
        load_seed(db, SystemClock().now())
    config = KioskConfig(
        server_url=live_server.url,
        token_path=tmp_path / "kiosk" / "token.json",
        enrollment_code=code,
    )
    ui: KioskUI = make_kiosk_ui(token_path=config.token_path, cached_catalog=False)
    agent = FleetAgent(config, ui.app.kiosk_status, outbox=ui.app.outbox)
    assert agent.enroll_once() is True
    assert agent.heartbeat_once() is True
    ui.app.agent = agent
    ui.app._poll_agent(0)
    return ui


def test_catalog_is_fetched_cached_with_its_etag_and_served_offline(
    live_server: LiveServer, tmp_path: Path, make_kiosk_ui: Any
) -> None:
    ui = _enrolled(live_server, tmp_path, make_kiosk_ui)
    assert ui.app.catalog_store.catalog is None
    ui.app.flows.catalog.refresh()
    _pump_until(ui, lambda: ui.app.catalog_store.catalog is not None)
    store = ui.app.catalog_store
    assert store.catalog.high_frequency == tuple(HIGH_FREQUENCY)
    assert store.etag and store.etag.startswith('"catalog-')
    assert store.refresh(ui.app.agent.send) == Refresh.UNCHANGED  # If-None-Match: 304

    # A later start with the back office gone: the guides come from the disk cache.
    cached = CatalogStore(store.path.parent)
    assert cached.load() is not None
    unreachable = KioskConfig(server_url="http://127.0.0.1:9", token_path=store.path.parent / "t")
    offline_agent = FleetAgent(unreachable, ui.app.kiosk_status)
    offline_agent._token = ui.app.agent._token
    assert cached.refresh(offline_agent.send) == Refresh.OFFLINE
    assert cached.catalog is not None and cached.etag == store.etag
    assert cached.catalog.items["SI-RECORD-PRINT"].name["zh"] == _name("SI-RECORD-PRINT")


def test_offline_kiosk_shows_guides_from_its_cache_with_the_banner(kiosk_ui: KioskUI) -> None:
    ui = kiosk_ui
    ui.agent.state = AgentState.OFFLINE
    ui.app._poll_agent(0)
    ui.tap(ui.find("高频事项"))
    assert ui.find("offline_banner").text.startswith("网络暂时中断")
    ui.tap(_tile(ui, _name("SI-RECORD-PRINT")))
    assert ui.find("guide_title").text == _name("SI-RECORD-PRINT")
    ui.screenshot("guide-offline-zh")


def test_one_tap_consult_reference_answer_and_a_rating_with_the_real_matter_code(
    live_server: LiveServer, tmp_path: Path, make_kiosk_ui: Any
) -> None:
    ui = _enrolled(live_server, tmp_path, make_kiosk_ui)
    ui.app.flows.catalog.refresh()
    _pump_until(ui, lambda: ui.app.catalog_store.catalog is not None)
    ui.tap(ui.find("一键通咨询"))
    ui.tap(_tile(ui, "社会保险"))
    ui.tap(_tile(ui, _name("SI-CARD-REPLACE")))
    _to_page(ui, "materials")
    guide = ITEMS["SI-CARD-REPLACE"]["guide"]
    have = guide["materials"][0]
    ui.tap(ui.find(have["question"]["zh"]))
    _to_page(ui, "next")

    ui.tap(ui.find("把材料预审发给工作人员"))

    screen = ui.app.screens.get_screen("guide")
    _pump_until(ui, lambda: screen.reference != "")
    reference = screen.reference
    assert reference.startswith("ZX") and len(reference) == 10
    assert f"已发送。咨询编号：{reference}。凭编号可在“无证件查询”中查看答复。" in ui.texts()
    ui.screenshot("guide-consult-sent-zh")
    staff = _staff(live_server.url, Role.OPERATOR)
    consult = httpx.get(f"{live_server.url}/api/v1/consults/{reference}", headers=staff).json()
    assert consult["kind"] == "precheck"
    assert consult["matter_code"] == "SI-CARD-REPLACE"
    assert consult["precheck"] == {m["code"]: m is have for m in guide["materials"]}
    assert consult["missing"] == [
        m["code"] for m in guide["materials"] if m["required"] and m is not have
    ]

    # The rating names the catalog's matter code, and the back office takes it.
    visit_id = ui.app.visit.visit_id
    ui.tap(ui.find("办完了，去评价"))
    ui.tap(next(w for w in ui.visible_widgets() if getattr(w, "level", 0) == 5))
    [rating] = [i for i in ui.app.outbox.items() if i.kind == Kind.RATING]
    assert rating.body["matter_code"] == "SI-CARD-REPLACE"
    assert rating.body["visit_id"] == visit_id
    report = ui.app.agent.deliver_outbox()
    assert report is not None and (report.refused, report.pending) == (0, 0)
    assert all(i.state == ItemState.SENT for i in ui.app.outbox.items())

    # Later, the answer is read back by the reference number on the big keypad.
    answer_text = f"请带户口簿到 3 号窗口 {uuid.uuid4().hex[:4]}"
    answered = httpx.post(
        f"{live_server.url}/api/v1/consults/{reference}/answer",
        json={"answer": answer_text},
        headers=staff,
    )
    assert answered.status_code == 200, answered.text
    thanks = ui.app.screens.get_screen("rating")
    thanks._thanks_until = 0.0  # the thanks has been shown its full time
    thanks._leave_thanks(0)  # the thanks screen's own timer
    ui.pump()
    ui.tap(ui.find("无证件查询"))
    ui.tap(_tile(ui, "查看咨询答复"))
    for key in reference[2:]:
        ui.tap(ui.find(key))
    assert ui.find("answer_display").text == f"ZX {reference[2:]}"
    ui.tap(ui.find("查看答复"))
    _pump_until(ui, lambda: ui.find("answer_result").text.startswith("答复："))
    assert ui.find("answer_result").text == f"答复：{answer_text}"
    ui.screenshot("answer-read-zh")

    # A number nobody was given.
    for _ in range(8):
        ui.tap(ui.find("删除"))
    for key in "AAAAAAAA":
        ui.tap(ui.find(key))
    ui.tap(ui.find("查看答复"))
    _pump_until(ui, lambda: ui.find("answer_result").text == "没有这个编号，请核对咨询单")


def test_a_ticked_material_shows_a_check_mark_not_only_a_colour(kiosk_ui: KioskUI) -> None:
    """Read from the screenshot: inside a ticked box lie two colours (the mark on the fill),
    inside an unticked box one."""
    import numpy as np
    from PIL import Image

    ui = kiosk_ui
    ui.app.flows.browse.open_matter("SI-SURVIVOR")
    ui.pump()
    _to_page(ui, "materials")
    toggles = [w for w in ui.visible_widgets() if type(w).__name__ == "MaterialToggle"]
    assert len(toggles) >= 2
    ui.tap(toggles[0])
    assert (toggles[0].state, toggles[1].state) == ("down", "normal")
    image = np.asarray(Image.open(ui.screenshot("guide-materials-ticked-zh")).convert("L"))

    def colours_in_box(toggle: Any) -> int:
        x, y = toggle.to_window(toggle.x, toggle.center_y)
        inner = toggle.box / 2 - 6  # inside the box's outline
        left, centre = int(x + 24 + toggle.box / 2), int(ui.window.height - y)
        crop = image[
            int(centre - inner) : int(centre + inner), int(left - inner) : int(left + inner)
        ]
        _values, counts = np.unique(crop // 32, return_counts=True)
        return int((counts > crop.size * 0.03).sum())

    assert colours_in_box(toggles[0]) == 2
    assert colours_in_box(toggles[1]) == 1

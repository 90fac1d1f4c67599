"""Flows in the real window: idle countdown and wipe, rating, remote commands, hardening."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from PIL import Image

from kiosk.outbox import ItemState, Kind
from kiosk.visit import EndReason, Identity, Proof


def _items(ui: Any, kind: Kind) -> list[Any]:
    return [i for i in ui.app.outbox.items() if i.kind == kind]


def _open_first_matter(ui: Any, tile: str) -> None:
    """From home: the tile's list, then its first entry (a category's first matter if need be),
    which opens the guide of SI-RECORD-PRINT."""
    ui.tap(ui.find(tile))
    while ui.app.screens.current == "matters":
        first = ui.app.screens.get_screen("matters").ids.choices.children[-1]
        ui.tap(first)
    assert ui.app.screens.current == "guide"
    assert ui.app.screens.get_screen("guide").matter_code == "SI-RECORD-PRINT"


# --- idle countdown and wipe --------------------------------------------------------------------


def test_idle_countdown_then_the_visit_ends_and_everything_is_wiped(kiosk_ui: Any) -> None:
    ui = kiosk_ui
    ui.tap(ui.find("English"))
    visit = ui.app.visit
    assert visit is not None
    visit.identify(Identity(Proof.CARD, masked_name="张*明", secret="tok"))
    ui.app.greeting_name = visit.greeting_name
    _open_first_matter(ui, "Service guides")

    ui.tick(59)
    assert ui.overlays() == []
    ui.tick(1)
    overlay = ui.overlays()[0]
    assert overlay.ids.idle_title.text == "Are you still there?"
    assert overlay.ids.idle_countdown.text == (
        "In 30 s this visit ends and your details are cleared"
    )
    ui.screenshot("idle-countdown-en")
    ui.tick(9)
    assert overlay.ids.idle_countdown.text == (
        "In 21 s this visit ends and your details are cleared"
    )

    ui.tick(21)

    assert ui.overlays() == []
    assert ui.app.visit is None
    assert ui.app.screens.current == "home"
    assert ui.app.greeting_name == ""
    assert ui.app.language == "zh"  # the next person starts in the terminal's own language
    assert "张*明" not in " ".join(ui.texts())
    [item] = _items(ui, Kind.VISIT)
    assert item.body["outcome"] == "timed_out"
    assert item.body["matters"] == ["SI-RECORD-PRINT"]
    assert item.body["duration_s"] == 90.0


def test_continue_keeps_the_visit_and_its_screen(kiosk_ui: Any) -> None:
    ui = kiosk_ui
    ui.tap(ui.find("办事指南"))
    ui.tick(70)
    overlay = ui.overlays()[0]
    ui.screenshot("idle-countdown-zh")
    assert overlay.ids.idle_countdown.text == "20 秒后将结束本次服务，并清除您的信息"
    continue_button = overlay.ids.idle_continue
    assert continue_button.text == "继续办理"

    ui.tap(continue_button)

    assert ui.overlays() == []
    assert ui.app.screens.current == "matters"
    ui.tick(59)
    assert ui.overlays() == []
    assert ui.app.visit is not None
    assert _items(ui, Kind.VISIT) == []


def test_idle_countdown_in_elder_mode_is_large(make_kiosk_ui: Any) -> None:
    from kivy.metrics import dp

    ui = make_kiosk_ui(elder_mode=True)
    ui.tap(ui.find("问题上报"))
    ui.tick(120)
    overlay = ui.overlays()[0]
    assert overlay.ids.idle_continue.height >= dp(60) * 2
    assert overlay.ids.idle_countdown.font_size >= dp(30)
    ui.screenshot("idle-countdown-elder-zh")


# --- rating -------------------------------------------------------------------------------------


def _face(ui: Any, level: int) -> Any:
    from kiosk.screens.rating import RatingFace

    faces = [w for w in ui.visible_widgets() if isinstance(w, RatingFace)]
    assert [f.level for f in faces] == [5, 4, 3, 2, 1]
    return next(f for f in faces if f.level == level)


def test_a_good_rating_is_one_tap_and_ends_the_visit(kiosk_ui: Any) -> None:
    ui = kiosk_ui
    _open_first_matter(ui, "一键通咨询")
    visit_id = ui.app.visit.visit_id
    ui.tap(ui.find("办完了，去评价"))
    assert ui.app.screens.current == "rating"
    texts = ui.texts()
    for word in ("请为本次服务评价", "非常满意", "满意", "基本满意", "不满意", "非常不满意"):
        assert word in texts
    ui.screenshot("rating-zh")

    ui.tap(_face(ui, 5))

    assert ui.find("rating_prompt").text == "感谢您的评价！"
    assert ui.app.visit is None
    visit, rating = ui.app.outbox.items()
    assert (visit.kind, rating.kind) == (Kind.VISIT, Kind.RATING)
    assert visit.body["outcome"] == "finished"
    assert rating.body == {
        "visit_id": visit_id,
        "matter_code": "SI-RECORD-PRINT",
        "level": 5,
        "reasons": [],
    }
    assert rating.idempotency_key == f"rating-{visit_id}"
    ui.screenshot("rating-thanks-zh")


def test_a_bad_rating_asks_for_reasons_first(kiosk_ui: Any) -> None:
    ui = kiosk_ui
    ui.tap(ui.find("English"))
    _open_first_matter(ui, "High-frequency matters")
    ui.tap(ui.find("Done: rate this visit"))
    ui.screenshot("rating-en")

    ui.tap(_face(ui, 1))

    assert ui.find("rating_prompt").text == "We are sorry. What went wrong? (choose any)"
    assert ui.app.outbox.items() == []
    assert ui.find("Send rating").disabled is True  # a bad rating needs a reason
    ui.tap(ui.find("The guide was wrong"))
    ui.tap(ui.find("It took too long"))
    ui.screenshot("rating-reasons-en")
    ui.tap(ui.find("Send rating"))
    # Asked first whether they want a callback; no number pad until they say yes.
    assert ui.find("rating_prompt").text == "May we call you back about this?"
    assert not [w for w in ui.visible_widgets() if type(w).__name__ == "PadKey"]
    assert ui.app.outbox.items() == []
    ui.tap(ui.find("No thanks, send rating"))

    [rating] = _items(ui, Kind.RATING)
    assert rating.body["level"] == 1
    assert rating.body["reasons"] == ["guide_inaccurate", "too_slow"]
    assert "callback_phone" not in rating.body
    assert ui.find("rating_prompt").text == "感谢您的评价！"  # visit over: back in Chinese


def _pad(ui: Any, digits: str) -> None:
    keys = {w.key: w for w in ui.visible_widgets() if type(w).__name__ == "PadKey"}
    assert sorted(keys) == list("0123456789")
    for digit in digits:
        ui.tap(keys[digit])


def test_a_bad_rating_takes_a_callback_number_only_after_the_person_agrees(
    kiosk_ui: Any,
) -> None:
    ui = kiosk_ui
    _open_first_matter(ui, "一键通咨询")
    ui.tap(ui.find("办完了，去评价"))
    ui.tap(_face(ui, 2))
    ui.tap(ui.find("用时太长"))
    ui.tap(ui.find("提交评价"))
    assert "电话号码只用于本次回访" in ui.find("callback_detail").text
    ui.tap(ui.find("可以，留下电话"))
    assert ui.find("rating_prompt").text == "请输入您的手机号码"
    assert ui.app.personal_data_shown() == "screen rating shows personal data"
    _pad(ui, "1391234567")
    assert ui.find("phone_send").disabled is True  # ten digits are not a mobile number
    _pad(ui, "88")
    ui.tap(ui.find("删除"))
    assert ui.find("phone_typed").text == "13912345678"
    ui.screenshot("rating-phone-zh")
    ui.tap(ui.find("phone_send"))

    [rating] = _items(ui, Kind.RATING)
    assert rating.body["callback_phone"] == "13912345678"
    assert rating.body["callback_consent"] is True
    assert ui.find("rating_prompt").text == "感谢您的评价！"
    assert ui.app.personal_data_shown() == ""
    assert "13912345678" not in ui.texts()


def test_a_counter_pad_is_one_screen_of_five_faces_for_its_counter(
    make_kiosk_ui: Any,
) -> None:
    from kiosk.config import CounterDesk

    desk = CounterDesk(code="W03", matter="SI-RECORD-PRINT", staff_code="A012", staff_name="王芳")
    ui = make_kiosk_ui(counter=desk)
    ui.pump(10)
    assert ui.app.screens.current == "rating"
    line = ui.find("counter_line").text
    assert line.startswith("W03 窗口 · ") and line.endswith("工号 A012 王芳")
    assert [f.level for f in ui.visible_widgets() if type(f).__name__ == "RatingFace"] == [
        5, 4, 3, 2, 1
    ]  # fmt: skip
    assert "不评价，结束" not in ui.texts()  # nothing to skip: the pad waits for the next rating
    ui.screenshot("counter-pad-zh")

    ui.tap(_face(ui, 4))
    visit, rating = ui.app.outbox.items()
    assert visit.body["matters"] == ["SI-RECORD-PRINT"]
    assert rating.body == {
        "visit_id": visit.body["visit_id"],
        "matter_code": "SI-RECORD-PRINT",
        "level": 4,
        "reasons": [],
        "channel": "counter",
        "counter": "W03",
        "staff_code": "A012",
        "staff_name": "王芳",
    }
    ui.tap(ui.find("继续评价"))
    assert (
        ui.app.screens.current == "rating" and ui.find("rating_prompt").text == "请为本次服务评价"
    )
    ui.tap(_face(ui, 1))  # the next person: a visit of its own
    ui.tap(ui.find("事情没办成"))
    ui.tap(ui.find("提交评价"))
    ui.tap(ui.find("不用了，提交评价"))
    ratings = _items(ui, Kind.RATING)
    assert [r.body["level"] for r in ratings] == [4, 1]
    assert ratings[0].body["visit_id"] != ratings[1].body["visit_id"]
    assert ui.app.screens.current == "rating"


def test_skip_ends_the_visit_without_a_rating(kiosk_ui: Any) -> None:
    ui = kiosk_ui
    _open_first_matter(ui, "办事指南")
    ui.tap(ui.find("办完了，去评价"))
    ui.tap(ui.find("不评价，结束"))
    assert ui.app.screens.current == "home"
    assert [i.kind for i in ui.app.outbox.items()] == [Kind.VISIT]


# --- remote commands ----------------------------------------------------------------------------


def _run(ui: Any, command_id: int, kind: str, **payload: Any) -> dict[str, Any]:
    """Hand the app a command as the heartbeat answer carries it; return its acknowledgement."""
    ui.agent.commands.put({"id": command_id, "kind": kind, "payload": payload})
    ui.app._poll_agent(0)
    ui.pump()
    [item] = [i for i in _items(ui, Kind.COMMAND_RESULT) if i.path.endswith(f"/{command_id}/ack")]
    assert item.path == f"/api/v1/fleet/commands/{command_id}/ack"
    assert item.idempotency_key == f"command-{command_id}"
    body: dict[str, Any] = item.body
    return body


def test_remote_lock_shows_the_message_and_the_uploaded_screenshot_shows_it(
    kiosk_ui: Any,
) -> None:
    ui = kiosk_ui
    ui.tap(ui.find("办事指南"))
    message = "系统升级中，预计 14:30 恢复 (ref 7Q2X)"

    result = _run(ui, 41, "lock", message=message)

    assert result == {"ok": True, "result": f"locked with message: {message}"}
    assert ui.app.screens.current == "out_of_service"
    assert ui.find("lock_message").text == message
    assert ui.find("out_of_service_title").text == "暂停服务"
    # The visit in progress was ended and wiped.
    assert _items(ui, Kind.VISIT)[0].body["outcome"] == "cancelled"
    # Taps do nothing while locked.
    ui.tap(ui.find("out_of_service_title"))
    assert ui.app.screens.current == "out_of_service"
    assert ui.app.visit is None

    shot = _run(ui, 42, "screenshot")
    assert shot["ok"] is True
    upload, ack = [i for i in ui.app.outbox.items() if "/42/" in i.path]
    assert (upload.method, upload.path, upload.content_type) == (
        "PUT",
        "/api/v1/fleet/commands/42/screenshot",
        "image/png",
    )
    assert ack.path == "/api/v1/fleet/commands/42/ack"  # after the picture, as the API asks
    image = Image.open(io.BytesIO(upload.data))
    assert image.size == (1280, 800)
    local = Image.open(ui.screenshot("out-of-service-locked-zh")).convert("RGB")
    assert np.array_equal(np.asarray(image.convert("RGB")), np.asarray(local))
    # The message's own rectangle on the uploaded picture holds the white text.
    label = ui.find("lock_message")
    x, y = label.to_window(label.x, label.y)
    box = (int(x), int(800 - y - label.height), int(x + label.width), int(800 - y))
    crop = np.asarray(image.convert("RGB").crop(box))
    assert int((crop.min(axis=2) > 230).sum()) > 200

    assert _run(ui, 43, "unlock") == {"ok": True, "result": "unlocked"}
    assert ui.app.screens.current == "home"
    ui.tap(ui.find("办事指南"))
    assert ui.app.screens.current == "matters"


def test_config_restart_reload_test_print_and_unknown_commands_report_results(
    kiosk_ui: Any,
) -> None:
    ui = kiosk_ui
    assert _run(ui, 1, "push_config", config={"language": "en", "elder_mode": True}) == {
        "ok": True,
        "result": "applied: language=en, elder_mode=True",
    }
    assert (ui.app.language, ui.app.elder_mode) == ("en", True)
    assert ui.app.kiosk_config.language == "en"
    bad = _run(ui, 2, "push_config", config={"server_url": "http://evil"})
    assert bad == {
        "ok": False,
        "result": "cannot change server_url remotely; allowed: language, elder_mode,"
        " heartbeat_interval_s",
    }
    wrong = _run(ui, 3, "push_config", config={"language": "fr"})
    assert wrong == {"ok": False, "result": "language must be one of zh, en, got 'fr'"}

    assert _run(ui, 4, "print_test_page") == {
        "ok": False,
        "result": "no printer is configured on this kiosk",
    }
    assert _run(ui, 5, "reload_content") == {
        "ok": True,
        "result": "visit reset; no config file to re-read",
    }
    assert ui.restarts == 0
    assert _run(ui, 6, "restart_app") == {"ok": True, "result": "restarting"}
    assert ui.restarts == 1
    unknown = _run(ui, 7, "format_disk")
    assert unknown["ok"] is False
    assert unknown["result"].startswith("unknown command 'format_disk'")
    assert all(i.state == ItemState.PENDING for i in _items(ui, Kind.COMMAND_RESULT))


def test_a_command_delivered_twice_runs_and_is_reported_once(kiosk_ui: Any) -> None:
    ui = kiosk_ui
    _run(ui, 9, "restart_app")
    _run(ui, 9, "restart_app")
    assert ui.restarts == 1
    assert len(_items(ui, Kind.COMMAND_RESULT)) == 1


# --- hardening and offline ----------------------------------------------------------------------


def test_escape_and_window_close_do_not_leave_the_kiosk(kiosk_ui: Any) -> None:
    window = kiosk_ui.window
    assert window.dispatch("on_request_close") is True
    assert window.dispatch("on_keyboard", 27, 41, None, []) is True
    kiosk_ui.pump()
    assert kiosk_ui.app.root.get_root_window() is window


def test_offline_banner_says_plainly_what_cannot_be_done(kiosk_ui: Any) -> None:
    from kiosk.agent import AgentState

    ui = kiosk_ui
    banner = ui.app.root.ids.offline_banner
    assert (banner.text, banner.height, banner.opacity) == ("", 0, 0)
    ui.agent.state = AgentState.OFFLINE
    ui.app._poll_agent(0)
    ui.pump()
    assert ui.find("offline_banner").text == (
        "网络暂时中断：您的评价会在恢复后自动发送；医保记录打印、随申码识别和一键通咨询需等网络恢复。"
    )
    ui.screenshot("home-offline-zh")
    ui.tap(ui.find("English"))
    assert ui.find("offline_banner").text.startswith("No connection: your rating is sent")
    ui.screenshot("home-offline-en")


def test_a_visit_without_a_matter_is_reported_but_has_nothing_to_rate(kiosk_ui: Any) -> None:
    kiosk_ui.app.flows.rating.submit(4, [])
    assert [i.kind for i in kiosk_ui.app.outbox.items()] == [Kind.VISIT]
    assert kiosk_ui.app.outbox.items()[0].body["outcome"] == EndReason.FINISHED.value

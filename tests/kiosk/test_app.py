"""The kiosk shell in a real window: tiles, language and elder mode."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kiosk.catalog import CATALOG_TILES
from kiosk.i18n import tr
from kiosk.screens.home import HOME_TILES


def test_home_shows_title_hint_and_six_tiles_in_chinese(kiosk_ui: Any) -> None:
    texts = kiosk_ui.texts()
    assert "智理自助服务终端" in texts
    assert "请插入社保卡或出示随申码" in texts
    for key in HOME_TILES:
        assert tr(key, "zh") in texts
        assert tr(f"{key}.sub", "zh") in texts
    assert kiosk_ui.find("language_toggle").text == "English"
    assert kiosk_ui.find("elder_toggle").text == "长辈模式"


@pytest.mark.parametrize("key", sorted(CATALOG_TILES | {"tile.report_problem"}))
def test_tile_opens_its_list_with_its_title_and_back_returns_home(kiosk_ui: Any, key: str) -> None:
    kiosk_ui.tap(kiosk_ui.find(tr(key, "zh")))

    assert kiosk_ui.app.screens.current == "matters"
    title = "问题上报：是什么问题？" if key == "tile.report_problem" else tr(key, "zh")
    assert kiosk_ui.find("list_title").text == title
    assert kiosk_ui.app.kiosk_status().screen == "matters"

    kiosk_ui.tap(kiosk_ui.find("返回"))

    assert kiosk_ui.app.screens.current == "home"
    assert kiosk_ui.app.kiosk_status().screen == "home"


def test_language_toggle_switches_to_english_and_back(kiosk_ui: Any) -> None:
    kiosk_ui.tap(kiosk_ui.find("English"))

    texts = kiosk_ui.texts()
    assert "Zhili self-service terminal" in texts
    assert "Medical record booklet" in texts
    assert "Report a problem" in texts
    assert "智理自助服务终端" not in texts
    assert kiosk_ui.find("language_toggle").text == "中文"
    assert kiosk_ui.find("agent_state").text == "● Online"
    assert kiosk_ui.app.kiosk_status().language == "en"
    kiosk_ui.screenshot("home-en")

    kiosk_ui.tap(kiosk_ui.find("Service guides"))
    assert kiosk_ui.find("list_title").text == "Service guides"
    assert "Social insurance" in kiosk_ui.texts()
    kiosk_ui.tap(kiosk_ui.find("Back"))

    kiosk_ui.tap(kiosk_ui.find("中文"))
    assert "智理自助服务终端" in kiosk_ui.texts()
    assert kiosk_ui.app.kiosk_status().language == "zh"


def test_home_screenshot_in_chinese(kiosk_ui: Any) -> None:
    path = kiosk_ui.screenshot("home-zh")
    assert path.stat().st_size > 10_000


def _assert_elder_sizes(widgets: list[Any]) -> None:
    from kivy.metrics import dp
    from kivy.uix.behaviors import ButtonBehavior
    from kivy.uix.label import Label

    controls = [w for w in widgets if isinstance(w, ButtonBehavior)]
    labels = [w for w in widgets if isinstance(w, Label) and w.text]
    assert controls and labels
    for control in controls:
        assert control.height >= dp(60), (getattr(control, "text", control), control.height)
        assert control.width >= dp(60), (getattr(control, "text", control), control.width)
    for label in labels:
        assert label.font_size >= dp(18), (label.text, label.font_size)
    assert max(label.font_size for label in labels) >= dp(30)


def test_elder_mode_makes_every_control_and_text_large(kiosk_ui: Any) -> None:
    from kivy.metrics import dp

    kiosk_ui.tap(kiosk_ui.find("长辈模式"))

    assert kiosk_ui.app.elder_mode is True
    assert kiosk_ui.app.kiosk_status().elder_mode is True
    assert kiosk_ui.find("elder_toggle").text == "标准模式"
    assert kiosk_ui.find("identify_hint").font_size >= dp(36)
    _assert_elder_sizes(kiosk_ui.visible_widgets())
    kiosk_ui.screenshot("home-elder")

    kiosk_ui.tap(kiosk_ui.find("问题上报"))
    _assert_elder_sizes(kiosk_ui.visible_widgets())
    kiosk_ui.screenshot("report-types-elder")

    kiosk_ui.tap(kiosk_ui.find("返回"))
    kiosk_ui.tap(kiosk_ui.find("标准模式"))
    assert kiosk_ui.app.elder_mode is False
    assert kiosk_ui.find("identify_hint").font_size == pytest.approx(dp(24))


def test_elder_mode_from_config(make_kiosk_ui: Callable[..., Any]) -> None:
    from kivy.metrics import dp

    ui = make_kiosk_ui(elder_mode=True, language="en")

    assert ui.find("elder_toggle").text == "Standard mode"
    for key in HOME_TILES:
        assert ui.find(tr(key, "en")).parent.height >= dp(120)
    ui.screenshot("home-elder-en")


def test_status_bar_follows_the_agent_and_commands_reach_the_ui(kiosk_ui: Any) -> None:
    from kiosk.agent import AgentState

    assert kiosk_ui.find("agent_state").text == "● 在线"
    assert kiosk_ui.find("terminal").text == "终端 T-0001"

    received: list[dict[str, Any]] = []
    kiosk_ui.app.bind(on_fleet_command=lambda _app, command: received.append(command))
    kiosk_ui.agent.state = AgentState.REJECTED
    kiosk_ui.agent.commands.put({"type": "reload_catalog"})
    kiosk_ui.app._poll_agent(0)
    kiosk_ui.pump()

    assert kiosk_ui.find("agent_state").text == "● 登记被拒绝"
    assert received == [{"type": "reload_catalog"}]
    assert kiosk_ui.agent.commands.empty()


def test_screens_are_built_when_first_shown(kiosk_ui: Any) -> None:
    """The kiosk starts with its home screen only; a screen is built the first time it is shown
    or a flow fills it, under the name its kv rule gives it, once."""
    from kiosk.screens.registry import SCREEN_CLASSES

    manager = kiosk_ui.app.screens
    assert [s.name for s in manager.screens] == ["home"]
    assert all(manager.has_screen(name) for name in SCREEN_CLASSES)
    kiosk_ui.app.flows.home.open("tile.guides")  # a flow fills the list, then shows it
    kiosk_ui.pump()
    assert kiosk_ui.app.showing() == "matters" and manager.built("matters")
    assert manager.current_screen.ids.choices.children  # the flow's list reached the screen
    for name, screen_class in SCREEN_CLASSES.items():
        screen = manager.get_screen(name)
        assert isinstance(screen, screen_class) and screen.name == name
        assert screen.flows is kiosk_ui.app.flows
        assert manager.get_screen(name) is screen
    assert sorted(s.name for s in manager.screens) == sorted(SCREEN_CLASSES)
    with pytest.raises(Exception, match='No Screen with name "nowhere"'):
        manager.get_screen("nowhere")

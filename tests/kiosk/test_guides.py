"""Matter guides from the catalog in the real window: the 12 high-frequency matters, categories,
a guide page by page, the material pre-check, a guide slip, one-tap consult, and the cache."""

from __future__ import annotations

from typing import Any

from kiosk.outbox import Kind


def test_smoke(kiosk_ui: Any) -> None:
    ui = kiosk_ui
    ui.tap(ui.find("高频事项"))
    print(ui.texts())
    ui.screenshot("x-matters")
    ui.tap(ui.find(ui.app.screens.get_screen("matters").ids.choices.children[-1].title))
    print(ui.texts())
    ui.screenshot("x-guide")
    for _ in range(4):
        ui.tap(ui.find("next_page"))
        print(ui.texts())
        ui.screenshot(f"x-guide-{_}")

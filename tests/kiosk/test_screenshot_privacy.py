"""A remote screenshot (fleet command) never carries personal data: taken while a screen marked
personal is shown, or while the visit is identified, everything below the title bar is blanked
and the command's result says why. The test decodes the PNG the kiosk uploads."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from kiosk.outbox import Kind
from kiosk.visit import Identity, Proof

ID_NUMBER = "11010519491231002X"


def uploaded_screenshot(ui: Any, command_id: int) -> Image.Image:
    """The PNG waiting in the outbox for the back office, decoded."""
    [item] = [i for i in ui.app.outbox.items() if i.kind is Kind.SCREENSHOT and
              i.idempotency_key == f"screenshot-{command_id}"]  # fmt: skip
    assert item.content_type == "image/png"
    return Image.open(io.BytesIO(item.data)).convert("RGB")


def colours_below(picture: Image.Image, top_px: int) -> int:
    """How many colours the picture has under its first `top_px` rows (text needs two)."""
    region = picture.crop((0, top_px, picture.width, picture.height))
    return len(region.getcolors(maxcolors=1 << 24) or [])


def screenshot(ui: Any, command_id: int) -> tuple[str, Image.Image]:
    result = ui.app.commands.run({"id": command_id, "kind": "screenshot", "payload": {}})
    assert result.ok, result.detail
    ui.pump()
    return result.detail, uploaded_screenshot(ui, command_id)


def test_the_keypad_with_a_typed_id_number_is_blanked(kiosk_ui: Any) -> None:
    ui = kiosk_ui
    ui.app.show("keypad")
    ui.pump()
    keypad = ui.app.screens.get_screen("keypad")
    for key in ID_NUMBER:
        keypad.press(key)
    ui.pump()
    assert ui.find("keypad_display").text == "110105 19491231 002X"
    # What the screen looks like: the number is drawn below the title bar.
    top = ui.app.public_top_px()
    assert 0 < top < ui.window.height // 4
    seen = Image.open(ui.screenshot("keypad-typed-for-remote-shot")).convert("RGB")
    assert colours_below(seen, top) > 2

    detail, uploaded = screenshot(ui, 41)

    assert detail.startswith("screenshot of screen keypad, blanked below the title bar: "
                             "screen keypad shows personal data")  # fmt: skip
    assert uploaded.size == tuple(ui.window.size)
    assert colours_below(uploaded, top) == 1  # one flat colour: no text of any kind
    # The title bar is left as it was, so an operator still sees a live kiosk.
    assert uploaded.crop((0, 0, uploaded.width, top)).tobytes() == (
        seen.crop((0, 0, seen.width, top)).tobytes()
    )
    [ack] = [i for i in ui.app.outbox.items() if i.idempotency_key == "command-41"]
    assert "shows personal data" in ack.body["result"]


def test_an_identified_visit_is_blanked_on_any_screen(kiosk_ui: Any) -> None:
    ui = kiosk_ui
    visit = ui.app.visits.ensure()
    visit.identify(Identity(proof=Proof.CARD, masked_name="张*", secret="token-1"))
    ui.app.show("home")
    ui.pump()

    detail, uploaded = screenshot(ui, 42)

    assert "blanked below the title bar: a visit is identified" in detail
    assert colours_below(uploaded, ui.app.public_top_px()) == 1


def test_the_home_screen_with_nobody_identified_is_sent_as_it_is(kiosk_ui: Any) -> None:
    ui = kiosk_ui
    assert ui.app.visits.current is None or ui.app.visits.current.identity is None

    detail, uploaded = screenshot(ui, 43)

    assert "blanked" not in detail and detail.startswith("screenshot of screen home")
    assert colours_below(uploaded, ui.app.public_top_px()) > 2

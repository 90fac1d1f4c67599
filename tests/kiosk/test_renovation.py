"""Renovation sign-up in the real window against a live back office: the owner identified by
card picks the estate, period, volume and kind, types building, room and phone, signs the
commitment with a finger; the registration is kept with the signature as drawn, the phone as
an encrypted contact, and the owner as a masked identity. The same flat again is refused."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from PIL import Image
from sqlalchemy import select

from backoffice.contacts.models import Contact
from backoffice.renovations.models import Channel, Renovation, RenovationStatus
from tests.conftest import LiveServer
from tests.kiosk.conftest import KioskUI
from tests.kiosk.test_guides import _enrolled, _pump_until
from tests.kiosk.test_identify import CARD, FakeReader


def sign_on(ui: KioskUI, pad: Any) -> None:
    """A finger's signature on the pad: two strokes."""
    from kivy.tests.common import UnitTestTouch

    for stroke in (((0.1, 0.3), (0.2, 0.7), (0.3, 0.35), (0.4, 0.7)), ((0.5, 0.5), (0.8, 0.4))):
        points = [
            pad.to_window(pad.x + fx * pad.width, pad.y + fy * pad.height) for fx, fy in stroke
        ]
        touch = UnitTestTouch(*points[0])
        touch.touch_down()
        for x, y in points[1:]:
            touch.touch_move(x, y)
        touch.touch_up()
    ui.pump()


def _type(ui: KioskUI, field: str, digits: str) -> None:
    ui.tap(ui.find(f"field_{field}"))
    keys = ui.app.screens.get_screen("renovation").ids.renovation_keys
    by_key = {b.key: b for b in keys.children}
    for key in digits:
        ui.tap(by_key[key])


def _registrations(live_server: LiveServer) -> list[tuple[Renovation, int]]:
    with live_server.session() as db:
        rows = []
        for r in db.scalars(select(Renovation).order_by(Renovation.id)):
            contacts = db.scalars(
                select(Contact).where(
                    Contact.owner_kind == "renovation", Contact.owner_id == str(r.id)
                )
            ).all()
            db.expunge(r)
            rows.append((r, len(contacts)))
        return rows


def test_an_owner_signs_up_a_renovation_at_the_kiosk_signing_with_a_finger(
    live_server: LiveServer, tmp_path: Path, make_kiosk_ui: Any
) -> None:
    from tests.cards import proven

    ui: KioskUI = _enrolled(live_server, tmp_path, make_kiosk_ui)
    before = len(_registrations(live_server))  # the demo's own
    reader = FakeReader()
    ui.app.devices.card_readers = [reader]

    ui.tap(ui.find("装修报备"))
    assert ui.app.screens.current == "identify"
    reader.events.put(proven(CARD, ui.app.backoffice.card_challenge))
    _pump_until(ui, lambda: ui.app.screens.current == "matters")
    assert ui.find("list_title").text == "装修报备：在哪个小区？"
    ui.pump(10)  # the list screen has come forward (a transition takes no taps)
    ui.tap(ui.find("岐山村"))
    assert ui.find("list_title").text == "装修多长时间？"
    ui.tap(ui.find("1 个月（自今天起）"))
    ui.tap(ui.find("2 立方米 · 清运费 ¥200"))
    ui.tap(ui.find("渣土碎砖"))
    assert ui.app.screens.current == "renovation"

    _type(ui, "building", "5")
    _type(ui, "room", "301")
    ui.tap(ui.find("renovation_next"))
    assert ui.find("renovation_message").text == "请填写 11 位手机号"
    _type(ui, "phone", "139123456789")  # the twelfth digit is not taken
    assert ui.find("field_phone").text == "13912345678"
    ui.tap(ui.find("renovation_next"))
    assert ui.app.screens.current == "renovation_sign"
    screen = ui.app.screens.get_screen("renovation_sign")
    ui.tap(ui.find("sign_submit"))
    assert ui.find("sign_message").text == "请先签名"
    pad = screen.ids.pad
    sign_on(ui, pad)
    ui.screenshot("renovation-signed-zh")
    ui.tap(ui.find("sign_submit"))
    _pump_until(ui, lambda: screen.phase in ("done", "failed"))
    message = ui.find("sign_message").text
    assert message.startswith("报备成功，编号 ZR"), message
    assert message.endswith("。待物业公司报备后生效；清运费 ¥200。")
    ui.screenshot("renovation-registered-zh")

    rows = _registrations(live_server)
    assert len(rows) == before + 1
    renovation, contacts = rows[-1]
    assert renovation.reference in message
    assert renovation.status is RenovationStatus.PENDING  # the property company has not yet
    assert (renovation.building, renovation.room) == ("5", "301")
    assert renovation.owner_channel is Channel.KIOSK
    assert renovation.owner_masked_id == "110***********002X"
    assert renovation.volume_m3 == 2 and renovation.waste_kind.value == "rubble"
    assert contacts == 1
    assert renovation.signature_png is not None
    drawn = Image.open(io.BytesIO(renovation.signature_png))
    assert drawn.size == (round(pad.width), round(pad.height))
    histogram = drawn.convert("L").histogram()
    assert sum(histogram[:128]) > 200  # the strokes, dark on white

    # The same flat for the same period again: refused in plain words, nothing added.
    ui.app.show("renovation")
    ui.pump(10)
    ui.tap(ui.find("renovation_next"))
    ui.pump(10)
    sign_on(ui, pad)
    ui.tap(ui.find("sign_submit"))
    _pump_until(ui, lambda: screen.phase in ("done", "failed"))
    assert ui.find("sign_message").text == "该房屋本期已报备过，请到窗口查询"
    assert len(_registrations(live_server)) == before + 1

"""Devices built from config, and the booklet layout's rules."""

from __future__ import annotations

import pytest

from kiosk.devices import DeviceHealth, DeviceState
from kiosk.devices.base import LayoutError, LinePosition
from kiosk.devices.escpos_printer import ChineseMode, EscposPrinter
from kiosk.devices.factory import DeviceConfigError, build_devices
from kiosk.devices.layouts import booklet_job, next_position, text_columns
from kiosk.devices.pcsc import PcscCardReader
from kiosk.devices.qr import OpenCvQrScanner


def test_factory_builds_the_configured_drivers() -> None:
    devices = build_devices(
        {
            "card_reader": {"driver": "pcsc", "reader": "Virtual PCD 00 00"},
            "printer": {"driver": "escpos", "backend": "network", "host": "10.0.0.9",
                        "chinese": "raster", "line_pitch_dots": 48},
            "qr_camera": {"driver": "opencv", "source": "var/demo/camera.avi"},
        }
    )  # fmt: skip
    assert isinstance(devices.card_reader, PcscCardReader)
    assert devices.card_reader.reader_name == "Virtual PCD 00 00"
    assert isinstance(devices.printer, EscposPrinter)
    assert devices.printer.settings.chinese is ChineseMode.RASTER
    assert devices.printer.settings.line_pitch_dots == 48
    assert isinstance(devices.qr_camera, OpenCvQrScanner)
    assert build_devices({}).health() == {
        name: DeviceHealth(DeviceState.ABSENT, "not configured")
        for name in ("card_reader", "printer", "qr_camera", "id_card_reader")
    }


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"scanner": {}}, "unknown device(s) in devices: scanner"),
        ({"printer": {"driver": "cups"}}, "devices.printer.driver must be 'escpos'"),
        ({"printer": {"driver": "escpos", "backend": "lpt"}}, "devices.printer.backend must be"),
        (
            {"printer": {"driver": "escpos", "backend": "network"}},
            "devices.printer.host is missing",
        ),
        ({"card_reader": {"driver": "pcsc"}}, "devices.card_reader.reader is missing"),
        ({"qr_camera": {"driver": "opencv", "source": True}}, "devices.qr_camera.source must be"),
    ],
)
def test_bad_config_names_the_key(config: dict[str, dict[str, object]], message: str) -> None:
    with pytest.raises(DeviceConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        build_devices(config)


def test_booklet_rules() -> None:
    assert next_position(LinePosition(2, 20)) == LinePosition(3, 1)
    assert next_position(LinePosition(2, 7), page_lines=8) == LinePosition(2, 8)
    assert text_columns("门诊 35.20元“统筹”") == 4 + 1 + 5 + 2 + 8
    job = booklet_job(LinePosition(1, 19), ["a", "b", "c"], "张*  110***********002X")
    assert job.positions == (LinePosition(1, 19), LinePosition(1, 20), LinePosition(2, 1))
    assert [len(page.lines) for page in job.pages] == [6, 5]
    with pytest.raises(LayoutError, match="not on a 20-line page"):
        booklet_job(LinePosition(1, 21), ["a"], "张*  110***********002X")
    with pytest.raises(LayoutError, match="line 1 is 46 columns wide"):
        booklet_job(LinePosition(1, 1), ["字" * 23], "张*  110***********002X")
    with pytest.raises(LayoutError, match="control characters"):
        booklet_job(LinePosition(1, 1), ["a\x1bb"], "张*  110***********002X")

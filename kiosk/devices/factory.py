"""Builds the kiosk's devices from the ``[devices]`` part of its config (a plain dict).

Each device names its driver; a missing device is simply not built (the heartbeat reports it
absent). Example (TOML)::

    [devices.card_reader]
    driver = "pcsc"                 # the social security card over PC/SC
    reader = "Virtual PCD 00 00"    # as pcscd lists it
    layout = "social_security_card"

    [devices.id_card_reader]         # the resident ID card (居民身份证) reader module
    driver = "serial"
    port = "/dev/ttyUSB0"           # or any pyserial URL: "socket://127.0.0.1:9192"
    baudrate = 115200

    [devices.printer]
    driver = "escpos"
    backend = "network"             # network | usb | serial | file
    host = "127.0.0.1"
    port = 9100
    chinese = "text"                # text (FS & + GB18030) | raster (CJK font images)
    line_pitch_dots = 64
    # usb: vendor_id = 0x0416, product_id = 0x5011; serial: device = "/dev/ttyUSB0",
    # baudrate = 9600; file: device = "/dev/usb/lp0"

    [devices.qr_camera]
    driver = "opencv"
    source = 0                      # camera index, or a video file path
    realtime = true
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kiosk.devices.base import CardReader, Printer, QrScanner
from kiosk.devices.escpos_printer import ChineseMode, EscposPrinter, PrinterSettings
from kiosk.devices.health import DeviceHealth, DeviceState
from kiosk.fonts import font_path


class DeviceConfigError(ValueError):
    """A device's config names an unknown driver or misses a key; the message says which."""


@dataclass
class Devices:
    card_reader: CardReader | None = None
    printer: Printer | None = None
    qr_camera: QrScanner | None = None
    id_card_reader: CardReader | None = None

    def health(self) -> dict[str, DeviceHealth]:
        """For the heartbeat: every device, absent ones included."""
        absent = DeviceHealth(DeviceState.ABSENT, "not configured")
        return {
            "card_reader": self.card_reader.health() if self.card_reader else absent,
            "printer": self.printer.health() if self.printer else absent,
            "qr_camera": self.qr_camera.health() if self.qr_camera else absent,
            "id_card_reader": self.id_card_reader.health() if self.id_card_reader else absent,
        }


def _get(section: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in section:
        raise DeviceConfigError(f"devices.{where}.{key} is missing")
    value = section[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise DeviceConfigError(f"devices.{where}.{key} must be a {kind.__name__}, got {value!r}")
    return value


def build_card_reader(section: Mapping[str, Any]) -> CardReader:
    driver = section.get("driver")
    if driver != "pcsc":
        raise DeviceConfigError(f"devices.card_reader.driver must be 'pcsc', got {driver!r}")
    layout = section.get("layout", "social_security_card")
    if layout != "social_security_card":
        raise DeviceConfigError(f"devices.card_reader.layout {layout!r} is not known")
    from kiosk.devices.pcsc import PcscCardReader
    from kiosk.devices.sscard import SocialSecurityCard

    return PcscCardReader(_get(section, "reader", str, "card_reader"), SocialSecurityCard())


def build_id_card_reader(section: Mapping[str, Any]) -> CardReader:
    """The resident ID card reader module on a serial line (``kiosk.devices.idcard``)."""
    driver = section.get("driver")
    if driver != "serial":
        raise DeviceConfigError(f"devices.id_card_reader.driver must be 'serial', got {driver!r}")
    port = _get(section, "port", str, "id_card_reader")
    baudrate = section.get("baudrate", 115200)
    if isinstance(baudrate, bool) or not isinstance(baudrate, int) or baudrate <= 0:
        raise DeviceConfigError(f"devices.id_card_reader.baudrate must be a rate, got {baudrate!r}")
    from kiosk.devices.idcard import SerialIdCardReader

    return SerialIdCardReader(port, baudrate=baudrate)


def printer_connection(section: Mapping[str, Any]) -> Callable[[], Any]:
    """A function making a new python-escpos printer object for the configured backend."""
    from escpos import printer as backends

    backend = section.get("backend")
    timeout = float(section.get("timeout_s", 5))
    if backend == "network":
        host = _get(section, "host", str, "printer")
        port = int(section.get("port", 9100))
        return lambda: backends.Network(host, port=port, timeout=timeout)
    if backend == "usb":
        vendor = _get(section, "vendor_id", int, "printer")
        product = _get(section, "product_id", int, "printer")
        return lambda: backends.Usb(vendor, product, timeout=int(timeout * 1000))
    if backend == "serial":
        device = _get(section, "device", str, "printer")
        baudrate = int(section.get("baudrate", 9600))
        return lambda: backends.Serial(device, baudrate=baudrate, timeout=timeout)
    if backend == "file":
        device = _get(section, "device", str, "printer")
        return lambda: backends.File(device)
    raise DeviceConfigError(
        f"devices.printer.backend must be network, usb, serial or file, got {backend!r}"
    )


def build_printer(section: Mapping[str, Any]) -> Printer:
    driver = section.get("driver")
    if driver != "escpos":
        raise DeviceConfigError(f"devices.printer.driver must be 'escpos', got {driver!r}")
    chinese = section.get("chinese", "text")
    if chinese not in ("text", "raster"):
        raise DeviceConfigError(f"devices.printer.chinese must be text or raster, got {chinese!r}")
    pitch = section.get("line_pitch_dots", 64)
    if not isinstance(pitch, int) or isinstance(pitch, bool) or not 24 <= pitch <= 255:
        raise DeviceConfigError(f"devices.printer.line_pitch_dots must be 24..255, got {pitch!r}")
    settings = PrinterSettings(ChineseMode(chinese), pitch, font_path())
    return EscposPrinter(printer_connection(section), settings)


def build_qr_camera(section: Mapping[str, Any]) -> QrScanner:
    driver = section.get("driver")
    if driver != "opencv":
        raise DeviceConfigError(f"devices.qr_camera.driver must be 'opencv', got {driver!r}")
    source = section.get("source", 0)
    if isinstance(source, bool) or not isinstance(source, int | str):
        raise DeviceConfigError(f"devices.qr_camera.source must be an index or a path: {source!r}")
    from kiosk.devices.qr import OpenCvQrScanner

    return OpenCvQrScanner(source, realtime=bool(section.get("realtime", True)))


def build_devices(config: Mapping[str, Any]) -> Devices:
    """``config`` is the ``devices`` table; unknown device names are an error."""
    unknown = sorted(set(config) - {"card_reader", "id_card_reader", "printer", "qr_camera"})
    if unknown:
        raise DeviceConfigError(f"unknown device(s) in devices: {', '.join(unknown)}")
    return Devices(
        card_reader=build_card_reader(config["card_reader"]) if "card_reader" in config else None,
        printer=build_printer(config["printer"]) if "printer" in config else None,
        qr_camera=build_qr_camera(config["qr_camera"]) if "qr_camera" in config else None,
        id_card_reader=(
            build_id_card_reader(config["id_card_reader"]) if "id_card_reader" in config else None
        ),
    )

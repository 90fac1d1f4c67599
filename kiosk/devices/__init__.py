"""Kiosk devices: card reader, receipt printer, QR camera; small typed interfaces, real drivers.

Interfaces (``kiosk.devices.base``; build them from config with
``kiosk.devices.factory.build_devices(config["devices"])``):

- ``CardReader``: ``start()``, ``stop()``, ``health()``, and ``events``, a ``queue.Queue`` of
  ``CardInserted(identity)``, ``CardRemoved()`` or ``CardError(reason_code, message_zh,
  message_en)``. Drivers: ``pcsc.PcscCardReader`` (pyscard + pcscd) with the card layout in
  ``sscard.SocialSecurityCard``, APDU/TLV handling in ``apdu``; ``idcard.SerialIdCardReader``
  (the resident ID card reader module on a serial line, frames in ``idframe``): its
  ``CardInserted`` carries an ``idcard.ResidentIdentity`` and it never puts ``CardRemoved`` (an
  ID card is shown, once per placement, not held in a slot).
- ``QrScanner``: ``start()``, ``stop()``, ``health()``, and ``events`` of ``QrScanned(payload)``,
  ``QrRejected(...)`` (garbage) or ``CameraFault(...)``. Driver: ``qr.OpenCvQrScanner``.
- ``Printer``: ``status() -> PrinterStatus``, ``print_job(PrintJob) -> PrintResult``,
  ``health()``. ``print_job`` blocks (run it off the UI thread) and raises ``PaperOut``,
  ``PrinterOffline`` or ``PrinterUnreachable``, each carrying ``progress.printed``: the booklet
  lines that reached the paper for sure. Confirm only those, and after a refill print again from
  ``layouts.next_position(progress.last_printed)``. Jobs come from ``layouts.booklet_job`` and
  ``layouts.guide_slip_job``. Driver: ``escpos_printer.EscposPrinter`` (python-escpos).

Threads never touch widgets: drain ``events`` from a Kivy ``Clock`` callback. Every error shown
to a person has ``message_zh`` and ``message_en``. ``health()`` never does I/O; the heartbeat
reads ``Devices.health()``. The printer's health is its last answer: call ``status()`` from a
worker thread before each heartbeat (the card reader and camera update theirs by themselves).
ID-number rules and masks: ``kiosk.devices.idnumber``.
"""

from __future__ import annotations

from kiosk.devices.health import DeviceHealth, DeviceState

__all__ = ["DeviceHealth", "DeviceState"]

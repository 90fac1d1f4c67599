"""Device latencies through the real drivers and peers: card inserted to identity (pyscard,
pcscd, the virtual card on reader 0), QR decode of a 1280x720 frame, first printed byte of a
booklet page (python-escpos Network to the printer peer). Needs pcscd: run it inside
scripts/with-services.sh. Last line: JSON with card_to_identity_s, qr_decode_ms, first_byte_s."""

from __future__ import annotations

import argparse
import json
import statistics
import time

from kiosk.devices.base import CardInserted, CardRemoved, LinePosition
from kiosk.devices.factory import build_printer
from kiosk.devices.layouts import booklet_job
from kiosk.devices.pcsc import PcscCardReader
from kiosk.devices.qr import QrDecoder
from kiosk.devices.sscard import SocialSecurityCard
from simulators.camera import scene
from simulators.printer_peer import PrinterPeer
from simulators.vpcd_card import DEMO_HOLDER, SocialSecurityCardModel, VirtualCard

VISITS = [f"2026-10-{day:02d} 瑞金医院 门诊 自付{day}.20元" for day in range(1, 21)]


def card_to_identity(rounds: int) -> list[float]:
    reader = PcscCardReader("Virtual PCD 00 00", SocialSecurityCard())
    reader.start()
    times = []
    try:
        for _ in range(rounds):
            card = VirtualCard(SocialSecurityCardModel(DEMO_HOLDER), reader=0)
            started = time.perf_counter()
            card.insert()
            event = reader.events.get(timeout=10)
            times.append(time.perf_counter() - started)
            if not isinstance(event, CardInserted):
                raise SystemExit(f"card not read: {event}")
            card.pull()
            if not isinstance(reader.events.get(timeout=10), CardRemoved):
                raise SystemExit("no removal event")
    finally:
        reader.stop()
    return times


def qr_decode(rounds: int) -> list[float]:
    decoder = QrDecoder()
    frame = scene("SUISHEN:DEMO:31010119491231", offset=(3, -2))
    decoder.decode(frame)  # warm-up
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        if not decoder.decode(frame):
            raise SystemExit("QR not decoded")
        times.append((time.perf_counter() - started) * 1000)
    return times


def first_byte(rounds: int) -> list[float]:
    times = []
    with PrinterPeer() as peer:
        config = {"driver": "escpos", "backend": "network", "host": "127.0.0.1"}
        printer = build_printer({**config, "port": peer.port})
        for _ in range(rounds):
            job = booklet_job(LinePosition(1, 1), VISITS, "王*英  110***********002X")
            started = time.perf_counter()
            printer.print_job(job)
            received = peer.jobs[-1]
            received.closed.wait(5)
            if received.first_print_at is None:
                raise SystemExit("nothing printed")
            times.append(received.first_print_at - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    card = card_to_identity(args.rounds)
    qr = qr_decode(args.rounds * 5)
    printed = first_byte(args.rounds)
    print(
        f"card inserted -> identity: median {statistics.median(card):.3f} s, max {max(card):.3f} s"
    )
    print(f"QR decode 1280x720: median {statistics.median(qr):.1f} ms, max {max(qr):.1f} ms")
    print(f"first printed byte of a booklet page: median {statistics.median(printed):.4f} s")
    print(
        json.dumps(
            {
                "card_to_identity_s": round(statistics.median(card), 3),
                "qr_decode_ms": round(statistics.median(qr), 1),
                "first_byte_s": round(statistics.median(printed), 4),
            }
        )
    )


if __name__ == "__main__":
    main()

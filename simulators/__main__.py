"""``python -m simulators``: run the device peers for ``make demo`` and inject faults into them.

printer --port 9100 --control-port 9190 --previews var/demo/printer
card --reader 0 --control-port 9191 [--fault corrupt_record]
camera --folder var/demo/camera --link var/demo/camera.avi --use qr|garbage|empty|blurry|missing
idcard --port 9192 | --pty, --control-port 9193 [--place] [--fault expired]
upstreams --suishen-port 9201 --medical-port 9202 --card-issuer-port 9203 --control-port 9194
fault --control-port 9190 paper_out | near_end | offline | cover_open | ready
      | paper_out_after --count 12 | cover_open_after --count 5 | drop_after --count 200
      | drop_after_lines --count 7
fault --control-port 9191 insert | pull | pull_after --count 3 | none | other_kind
      | corrupt_record | bad_id_number | unreadable | malformed_response
fault --control-port 9193 place | remove | remove_after --count 2 | none
      | garbled_frame | bad_check_byte | silent | expired | unreadable
fault --control-port 9194 --peer suishen|medical|card_issuer|queries slow | error | malformed | down
      | none [--delay 3]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from simulators.camera import make_demo_videos, point_camera
from simulators.control import ControlServer, send
from simulators.escpos_decoder import preview_font
from simulators.idcard_module import FAULTS, IdCardModule, PtyLink, TcpLink
from simulators.printer_peer import PrinterPeer
from simulators.upstream_peers import DEMO_PORTS, UpstreamPeers
from simulators.vpcd_card import (
    DEMO_HOLDER,
    CardFault,
    SocialSecurityCardModel,
    VirtualCard,
)

DEMO_QR_PAYLOAD = "SUISHEN:DEMO:31010119491231"


def _wait_forever() -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()


def run_printer(args: argparse.Namespace) -> int:
    peer = PrinterPeer(port=args.port, preview_dir=Path(args.previews), font_path=preview_font())

    def handle(request: dict[str, Any]) -> dict[str, Any]:
        peer.set_fault(str(request["fault"]), request.get("count"))
        return peer.state()

    control = ControlServer(handle, args.control_port).start()
    peer.start()
    print(f"printer peer on 127.0.0.1:{peer.port}, control on {control.port}", flush=True)
    _wait_forever()
    peer.stop()
    control.stop()
    return 0


def run_card(args: argparse.Namespace) -> int:
    model = SocialSecurityCardModel(DEMO_HOLDER, CardFault(args.fault))
    card = VirtualCard(model, reader=args.reader)

    def handle(request: dict[str, Any]) -> dict[str, Any]:
        fault = str(request["fault"])
        if fault == "insert":
            card.insert()
        elif fault == "pull":
            card.pull()
        elif fault == "pull_after":
            card.pull_after = request.get("count")
        else:
            model.fault = CardFault(fault)
        return {
            "inserted": card.inserted,
            "fault": model.fault.value,
            "pull_after": card.pull_after,
        }

    control = ControlServer(handle, args.control_port).start()
    print(f"virtual card for reader {args.reader}, control on {control.port}", flush=True)
    _wait_forever()
    card.pull()
    control.stop()
    return 0


def run_idcard(args: argparse.Namespace) -> int:
    module = IdCardModule()
    module.control(args.fault)
    if args.place:
        module.control("place")
    link = PtyLink(module).start() if args.pty else TcpLink(module, port=args.port).start()

    def handle(request: dict[str, Any]) -> dict[str, Any]:
        count = request.get("count")
        return module.control(str(request["fault"]), count if isinstance(count, int) else None)

    control = ControlServer(handle, args.control_port).start()
    print(f"ID card reader module on {link.url}, control on {control.port}", flush=True)
    _wait_forever()
    link.stop()
    control.stop()
    return 0


def run_upstreams(args: argparse.Namespace) -> int:
    peers = UpstreamPeers(
        {"suishen": args.suishen_port, "medical": args.medical_port,
         "card_issuer": args.card_issuer_port, "queries": args.queries_port}
    ).start()  # fmt: skip

    def handle(request: dict[str, Any]) -> dict[str, Any]:
        peer = peers.all()[str(request.get("peer", ""))]
        delay = request.get("delay_s")
        return peer.set_fault(str(request["fault"]), float(delay) if delay else None)

    control = ControlServer(handle, args.control_port).start()
    urls = ", ".join(f"{name} {peer.url}" for name, peer in peers.all().items())
    print(f"upstream peers: {urls}; control on {control.port}", flush=True)
    _wait_forever()
    peers.stop()
    control.stop()
    return 0


def run_camera(args: argparse.Namespace) -> int:
    folder = Path(args.folder)
    videos = make_demo_videos(folder, args.payload)
    point_camera(Path(args.link), None if args.use == "missing" else videos[args.use])
    print(f"camera {args.link} -> {args.use}", flush=True)
    return 0


def run_fault(args: argparse.Namespace) -> int:
    request: dict[str, Any] = {"fault": args.fault}
    if args.count is not None:
        request["count"] = args.count
    if args.peer is not None:
        request["peer"] = args.peer
    if args.delay is not None:
        request["delay_s"] = args.delay
    answer = send(args.control_port, request)
    print(json.dumps(answer, ensure_ascii=False))
    return 0 if answer.get("ok") else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m simulators",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    printer = commands.add_parser("printer", help="run the network printer peer")
    printer.add_argument("--port", type=int, default=9100)
    printer.add_argument("--control-port", type=int, default=9190)
    printer.add_argument("--previews", default="var/demo/printer")
    card = commands.add_parser("card", help="run the virtual social security card")
    card.add_argument("--reader", type=int, default=0)
    card.add_argument("--control-port", type=int, default=9191)
    card.add_argument("--fault", default="none", choices=[f.value for f in CardFault])
    camera = commands.add_parser("camera", help="write the demo videos and point the camera")
    camera.add_argument("--folder", default="var/demo/camera")
    camera.add_argument("--link", default="var/demo/camera.avi")
    camera.add_argument("--payload", default=DEMO_QR_PAYLOAD)
    camera.add_argument(
        "--use", default="qr", choices=["qr", "garbage", "empty", "blurry", "missing"]
    )
    idcard = commands.add_parser("idcard", help="run the resident ID card reader module")
    where = idcard.add_mutually_exclusive_group()
    where.add_argument("--port", type=int, default=9192, help="TCP port (socket:// for pyserial)")
    where.add_argument("--pty", action="store_true", help="a pseudo-terminal instead of TCP")
    idcard.add_argument("--control-port", type=int, default=9193)
    idcard.add_argument("--place", action="store_true", help="start with the card placed")
    idcard.add_argument("--fault", default="none", choices=FAULTS)
    upstreams = commands.add_parser(
        "upstreams",
        help="run the upstream peers (Suishen, medical insurance, card issuer, queries)",
    )
    upstreams.add_argument("--suishen-port", type=int, default=DEMO_PORTS["suishen"])
    upstreams.add_argument("--medical-port", type=int, default=DEMO_PORTS["medical"])
    upstreams.add_argument("--card-issuer-port", type=int, default=DEMO_PORTS["card_issuer"])
    upstreams.add_argument("--queries-port", type=int, default=DEMO_PORTS["queries"])
    upstreams.add_argument("--control-port", type=int, default=9194)
    fault = commands.add_parser("fault", help="tell a running peer to fail (or recover)")
    fault.add_argument("--control-port", type=int, required=True)
    fault.add_argument("fault")
    fault.add_argument("--count", type=int)
    fault.add_argument("--peer", help="which upstream peer (upstreams only)")
    fault.add_argument("--delay", type=float, help="seconds a slow upstream peer waits")
    args = parser.parse_args(argv)
    runners = {
        "printer": run_printer,
        "card": run_card,
        "camera": run_camera,
        "idcard": run_idcard,
        "upstreams": run_upstreams,
        "fault": run_fault,
    }
    return runners[args.command](args)


if __name__ == "__main__":
    sys.exit(main())

"""``python -m simulators``: faults sent to a running peer through its control port."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.devices.base import CardError, CardInserted, CardRemoved
from kiosk.devices.idcard import SerialIdCardReader
from kiosk.devices.pcsc import PcscCardReader
from kiosk.devices.sscard import SocialSecurityCard
from simulators.__main__ import main
from simulators.control import ControlServer, send
from simulators.printer_peer import PrinterPeer


def test_fault_command_reaches_the_printer_peer() -> None:
    with PrinterPeer() as peer:

        def handle(request: dict[str, object]) -> dict[str, object]:
            count = request.get("count")
            peer.set_fault(str(request["fault"]), count if isinstance(count, int) else None)
            return peer.state()

        control = ControlServer(handle).start()
        try:
            assert main(["fault", "--control-port", str(control.port), "paper_out"]) == 0
            assert peer.status_byte(4) == 0x7E
            assert main(["fault", "--control-port", str(control.port), "ready"]) == 0
            assert peer.status_byte(4) == 0x12
            assert main(["fault", "--control-port", str(control.port), "jam"]) == 1
        finally:
            control.stop()


def test_camera_command_points_the_link(tmp_path: Path) -> None:
    link = tmp_path / "camera.avi"
    args = ["camera", "--folder", str(tmp_path / "videos"), "--link", str(link)]
    assert main([*args, "--use", "empty"]) == 0
    assert link.resolve() == (tmp_path / "videos" / "empty.avi").resolve()
    assert main([*args, "--use", "missing"]) == 0
    assert not link.exists()


def test_help_lists_the_commands() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "simulators", "--help"], capture_output=True, text=True, check=True
    )
    for command in ("printer", "card", "camera", "idcard", "fault"):
        assert command in result.stdout


@pytest.mark.pcsc
def test_card_command_inserts_and_pulls_through_pcscd() -> None:
    listening = subprocess.run(["ss", "-ltnH", "sport = :35963"], capture_output=True, text=True)
    if "LISTEN" not in listening.stdout:
        pytest.fail("pcscd with vsmartcard-vpcd is not running: use scripts/with-services.sh")
    reader = PcscCardReader("Virtual PCD 00 00", SocialSecurityCard())
    reader.start()
    process = subprocess.Popen(
        [sys.executable, "-m", "simulators", "card", "--reader", "0", "--control-port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline().rsplit(" ", 1)[1])
        assert send(port, {"fault": "insert"})["state"]["inserted"] is True
        event = reader.events.get(timeout=10)
        assert isinstance(event, CardInserted) and event.identity.masked_name == "王*英"
        send(port, {"fault": "pull"})
        assert isinstance(reader.events.get(timeout=10), CardRemoved)
        send(port, {"fault": "other_kind"})
        send(port, {"fault": "insert"})
        event = reader.events.get(timeout=10)
        assert isinstance(event, CardError) and event.reason_code == "unsupported_card"
        send(port, {"fault": "pull"})
        assert isinstance(reader.events.get(timeout=10), CardRemoved)
    finally:
        process.terminate()
        process.wait(10)
        reader.stop()


def test_idcard_module_serves_the_driver_over_tcp_and_takes_faults() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "simulators", "idcard", "--port", "0", "--control-port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    reader: SerialIdCardReader | None = None
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        url = line.split(" on ", 1)[1].split(",", 1)[0]
        assert url.startswith("socket://127.0.0.1:")
        port = line.rsplit(" ", 1)[1].strip()
        reader = SerialIdCardReader(url, poll_s=0.02)
        reader.start()
        assert main(["fault", "--control-port", port, "place"]) == 0
        event = reader.events.get(timeout=10)
        assert isinstance(event, CardInserted) and event.identity.masked_name == "王*英"
        assert main(["fault", "--control-port", port, "expired"]) == 0
        assert main(["fault", "--control-port", port, "place"]) == 0
        event = reader.events.get(timeout=10)
        assert isinstance(event, CardError) and event.reason_code == "card_expired"
        assert main(["fault", "--control-port", port, "jam"]) == 1
    finally:
        if reader is not None:
            reader.stop()
        process.terminate()
        process.wait(10)


def test_idcard_module_is_written_without_the_driver() -> None:
    """The peer has its own encoder: importing it loads nothing from kiosk or backoffice."""
    probe = (
        "import sys, simulators.idcard_module; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('kiosk', 'backoffice')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"

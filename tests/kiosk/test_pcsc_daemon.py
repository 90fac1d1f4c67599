"""The PC/SC daemon that `make test` starts shows the two virtual readers to pyscard."""

import subprocess

import pytest


@pytest.mark.pcsc
def test_pyscard_lists_the_virtual_readers() -> None:
    # Look with ss: connecting to the vpcd port would look like a virtual card to the daemon.
    listening = subprocess.run(["ss", "-ltnH", "sport = :35963"], capture_output=True, text=True)
    if "LISTEN" not in listening.stdout:
        pytest.fail("pcscd with vsmartcard-vpcd is not running: use scripts/with-services.sh")
    from smartcard.System import readers

    names = [str(r) for r in readers()]
    assert "Virtual PCD 00 00" in names
    assert "Virtual PCD 00 01" in names

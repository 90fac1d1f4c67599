"""The fault table against a live back office at a small fixed size: notifications with a
receiver down, hanging, misnamed and with a URL httpx cannot encode; the kiosk outbox after a
re-enrollment, killed mid-send and corrupt; the same keys sent at the same moment; a full disk.
Nothing lost, doubled or stuck, counted from the receivers and the database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import faults
from tests.conftest import LiveServer

SIZE = 3


@pytest.mark.pg
@pytest.mark.server_env(ZHILI_SCHEDULER_POLL_S="0")  # the table runs the delivery job itself
def test_every_fault_loses_doubles_and_strands_nothing(
    live_server: LiveServer, tmp_path: Path
) -> None:
    office = faults.Office(
        live_server.url, live_server.database_url, live_server.data_dir, live_server.pid
    )
    table = faults.run_table(office, SIZE, tmp_path)

    assert set(table) == set(faults.FAULTS)
    summary = json.dumps(table, sort_keys=True)
    for fault, row in table.items():
        assert (row["lost"], row["doubled"], row["stuck"]) == (0, 0, 0), (fault, summary)
    assert table["same_key_race"]["errors"] == 0, summary
    assert table["print_race"]["errors"] == 0, summary
    assert table["disk_full"]["unclear_errors"] == 0, summary
    assert table["disk_full"]["errors_500"] == 0, summary
    assert table["disk_full"]["connection_resets"] == 0, summary
    assert table["disk_full"]["refused_while_full"] >= SIZE, summary  # every photo, at least
    assert table["outbox_corrupt"]["moved_aside"] == 1, summary
    assert table["outbox_corrupt"]["reported"] == 1, summary
    assert table["receiver_hanging"]["deliveries"] == SIZE

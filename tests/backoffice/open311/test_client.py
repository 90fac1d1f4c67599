"""An Open311 client written by someone else (the `georeport` package) lists services and reads
requests back from the real back office; it cannot post, so the post follows the GeoReport v2
spec with plain httpx (form-encoded). The key comes from `zhili-backoffice open311 issue-key`."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
from georeport import GeoReport

from backoffice.cases.seed import seed_reference_data
from tests.conftest import LiveServer


def issue_key(server: LiveServer, name: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "backoffice.cli", "open311", "issue-key", name],
        env={
            **os.environ,
            "ZHILI_DATABASE_URL": server.database_url,
            "ZHILI_DATA_DIR": str(server.data_dir),
        },
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "shown only once" in done.stderr
    return done.stdout.strip()


def test_a_third_party_client_lists_posts_and_reads_back(live_server: LiveServer) -> None:
    with live_server.session() as db:
        seed_reference_data(db)
    key = issue_key(live_server, "江苏路随手拍")
    assert key.startswith("o311_") and len(key) > 40
    root = f"{live_server.url}/open311/v2"

    for fmt in ("json", "xml"):
        services = GeoReport(root, output_format=fmt).get_service_list()
        lamp = next(s for s in services if s["service_code"] == "C-0110")
        assert lamp["service_name"] == "景观灯"
        assert lamp["group"] == "公用设施"
        assert lamp["type"] == "realtime"
        assert lamp["metadata"] in (False, "false")
        definition = GeoReport(root, output_format=fmt).get_service_definition("C-0110")
        assert definition["service_code"] == "C-0110"

    posted = httpx.post(
        f"{root}/requests.json",
        data={
            "api_key": key,
            "service_code": "C-0110",
            "lat": "31.2145",
            "long": "121.43",
            "description": "延安西路上的景观灯不亮了",
            "email": "someone@example.org",
        },
        timeout=10,
    )
    assert posted.status_code == 200, posted.text
    [answer] = posted.json()
    number = answer["service_request_id"]
    assert "token" not in answer  # realtime services: the id itself, no token (GeoReport v2)
    assert number.startswith("JSL-2026-") or number.startswith("JSL-20")
    assert answer["service_notice"].startswith("已受理")

    json_client = GeoReport(root, output_format="json")
    request = json_client.get_service_request(number)
    assert request["service_request_id"] == number
    assert request["status"] == "open"
    assert request["service_code"] == "C-0110"
    assert request["description"] == "延安西路上的景观灯不亮了"
    assert request["address"] == "延安西路"
    assert (request["lat"], request["long"]) == (31.2145, 121.43)
    assert request["status_notes"].startswith("已受理, 待立案")

    xml_request = GeoReport(root, output_format="xml").get_service_request(number)
    assert xml_request["service_request_id"] == number
    assert xml_request["status"] == "open"
    assert xml_request["lat"] == "31.2145"

    listed = json_client.get_service_requests(service_code="C-0110", status="open")
    assert [r["service_request_id"] for r in listed] == [number]

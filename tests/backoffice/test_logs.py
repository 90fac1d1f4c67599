"""The access log keeps no values of sensitive query parameters, no bodies and no ID or mobile
numbers; an ID number in a URL is refused before any handler runs. (Every live server's log is
also checked for personal numbers when its test ends: `live_server` in tests/conftest.py.)"""

from __future__ import annotations

import logging
import sys

import httpx
import pytest
from fastapi.testclient import TestClient

from backoffice.logs import MaskPersonalNumbers, redact_path
from backoffice.privacy import personal_numbers_in
from tests.conftest import LiveServer

ID_NUMBER = "11010519491231002X"
MOBILE = "13900001111"


@pytest.mark.parametrize(
    ("target", "logged"),
    [
        ("/api/v1/medical/records?id_number=11010519491231002X",
         "/api/v1/medical/records?id_number=[redacted]"),
        ("/open311/v2/requests.json?api_key=o311_abc&status=open",
         "/open311/v2/requests.json?api_key=[redacted]&status=open"),
        ("/ops/cases?q=13900001111&state=open", "/ops/cases?q=139****1111&state=open"),
        ("/api/v1/cases/13900001111", "/api/v1/cases/139****1111"),
        ("/api/v1/fleet/heartbeat", "/api/v1/fleet/heartbeat"),
        ("/ops/cases?state=open&type=E-0506", "/ops/cases?state=open&type=E-0506"),
    ],
)  # fmt: skip
def test_the_access_log_line_keeps_the_route_but_not_the_secrets(target: str, logged: str) -> None:
    assert redact_path(target) == logged


def test_log_messages_and_tracebacks_are_masked() -> None:
    try:
        raise ValueError(f"bad input {ID_NUMBER}")
    except ValueError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "caller %s", (MOBILE,), sys.exc_info()
        )
    MaskPersonalNumbers().filter(record)
    assert record.getMessage() == "caller 139****1111"
    assert record.exc_text is not None and "110***********002X" in record.exc_text
    assert ID_NUMBER not in record.exc_text


@pytest.mark.parametrize("name", ["id_number", "ID_NUMBER", "id-number", "idNumber", "sfzh"])
def test_an_id_number_in_the_url_is_refused_before_any_handler(
    client: TestClient, name: str
) -> None:
    # No token: a handler would have answered 401; the guard answers first.
    answer = client.get(f"/api/v1/medical/records?{name}={ID_NUMBER}")
    assert answer.status_code == 400
    assert answer.json()["detail"].startswith("An ID number may not be sent in the URL")
    assert client.post(f"/api/v1/identifications?{name}=1", json={}).status_code == 400


def test_the_live_servers_log_keeps_no_personal_numbers_keys_or_bodies(
    live_server: LiveServer,
) -> None:
    url = live_server.url
    refused = httpx.get(f"{url}/api/v1/medical/records?id_number={ID_NUMBER}")
    assert refused.status_code == 400
    httpx.get(f"{url}/open311/v2/requests.json?api_key=o311_not-for-logs&phone={MOBILE}")
    httpx.get(f"{url}/ops/cases?q={MOBILE}", follow_redirects=False)
    httpx.get(f"{url}/api/v1/cases/{MOBILE}")
    body = {"evidence": {"proof": "card", "id_number": ID_NUMBER, "name": "张三"}}
    httpx.post(f"{url}/api/v1/identifications", json=body)
    httpx.post(f"{url}/api/v1/auth/token", json={"username": MOBILE, "password": ID_NUMBER})

    log = (live_server.data_dir.parent / "server.log").read_text(errors="replace")
    assert '"GET /api/v1/medical/records?id_number=[redacted] HTTP/1.1" 400' in log
    assert "api_key=[redacted]&phone=[redacted]" in log
    assert personal_numbers_in(log) == []
    assert ID_NUMBER not in log and MOBILE not in log
    assert "o311_not-for-logs" not in log and "张三" not in log

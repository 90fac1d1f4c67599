"""The one error path: every refusal is a 4xx JSON answer that serialises whatever the input
held; ids and dates are parsed strictly; an unhandled error is a JSON 500 on a connection that
stays open. Each test reproduces one finding of issue 15 (a 500 before)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.testclient import TestClient
from pydantic import BaseModel, TypeAdapter, ValidationError

from backoffice.access import Role
from backoffice.errors import ErrorOut, install_error_handler
from backoffice.inputs import parse_id
from tests.conftest import StaffFactory, free_port

# Bodies as an outside client may send them: Python's json module writes NaN, and a lone
# surrogate escape is valid JSON syntax.
NAN_BODY = '{"username": NaN, "password": "x"}'
SURROGATE_BODY = '{"username": "\\ud800", "password": 1}'


def _json(client: TestClient, method: str, url: str, body: str, **headers: str):  # type: ignore[no-untyped-def]
    return client.request(
        method, url, content=body, headers={"Content-Type": "application/json", **headers}
    )


@pytest.mark.parametrize(
    "url", ["/api/v1/auth/token", "/api/v1/fleet/heartbeat", "/api/v1/fleet/enroll"]
)
@pytest.mark.parametrize("body", [NAN_BODY, SURROGATE_BODY, '{"code": 1e400}'])
def test_nan_huge_numbers_and_lone_surrogates_are_refused_before_sign_in(
    client: TestClient, url: str, body: str
) -> None:
    answer = _json(client, "POST", url, body)
    assert answer.status_code == 400
    ErrorOut.model_validate(answer.json())
    assert "JSON" in answer.json()["detail"]


def test_a_body_without_content_type_is_checked_too(client: TestClient) -> None:
    # FastAPI reads a body without Content-Type as JSON, so the guard must as well.
    answer = client.post("/api/v1/fleet/enroll", content=NAN_BODY)
    assert answer.status_code == 400


@pytest.mark.parametrize("depth", [33, 5000, 200_000])
def test_deeply_nested_json_is_refused_with_400(client: TestClient, depth: int) -> None:
    body = "[" * depth + "]" * depth
    answer = _json(client, "POST", "/api/v1/auth/token", body)
    assert answer.status_code == 400
    assert "nested deeper than 32" in answer.json()["detail"]


def test_integers_past_two_to_the_53_are_refused(client: TestClient) -> None:
    answer = _json(client, "POST", "/api/v1/fleet/enroll", '{"code": "x", "n": ' + "9" * 30 + "}")
    assert answer.status_code == 400 and "integer beyond" in answer.json()["detail"]


def test_nul_in_the_path_or_query_is_refused(client: TestClient) -> None:
    assert client.get("/api/v1/units/U%00X").status_code == 400
    assert client.get("/api/v1/cases?unit_code=%00").status_code == 400


def test_a_validation_error_holding_nan_and_a_surrogate_still_serialises() -> None:
    app = FastAPI()
    install_error_handler(app)

    class Probe(BaseModel):
        n: int

    @app.post("/probe")
    async def probe(request: Request) -> None:
        try:
            TypeAdapter(Probe).validate_python({"n": float("nan"), "\ud800": "\udc00"})
        except ValidationError as exc:
            errors = [{**e, "msg": e["msg"] + " \udfff"} for e in exc.errors()]
            raise RequestValidationError(errors) from exc

    answer = TestClient(app).post("/probe")
    assert answer.status_code == 422
    body = ErrorOut.model_validate(answer.json())
    assert isinstance(body.detail, list) and body.detail[0].loc == ["n"]
    assert body.detail[0].msg.endswith("\ufffd")  # the lone surrogate, made representable
    assert "input" not in answer.json()["detail"][0]  # the input is not echoed back


def test_the_validation_error_array_keeps_its_shape(client: TestClient) -> None:
    answer = client.post("/api/v1/auth/token", json={"username": "x"})
    assert answer.status_code == 422
    assert answer.json()["detail"] == [
        {"loc": ["body", "password"], "msg": "Field required", "type": "missing"}
    ]


@pytest.mark.parametrize(
    "ref", ["²", "٣", "1²", "+1", " 1", "1_0", "-1", "9" * 30, str(2**31), "", "1.0"]
)
def test_ids_are_ascii_digits_within_bounds(ref: str) -> None:
    assert parse_id(ref) is None


def test_ids_in_bounds_parse() -> None:
    assert parse_id("42") == 42 and parse_id(str(2**31 - 1)) == 2**31 - 1


def test_unicode_digits_and_huge_ids_in_paths_are_404(
    client: TestClient, staff_headers: StaffFactory
) -> None:
    admin = staff_headers(Role.ADMIN)
    for url in ("/api/v1/fleet/commands/%C2%B2", "/api/v1/fleet/commands/" + "9" * 30):
        assert client.get(url, headers=admin).status_code == 404, url
    deleted = client.delete("/api/v1/notify/subscriptions/" + "1" * 30, headers=admin)
    assert deleted.status_code == 404
    outcome = client.post(
        "/api/v1/ratings/rectifications/%C2%B2/outcome",
        json={"outcome": "rectified"},
        headers=admin,
    )
    assert outcome.status_code == 404
    for photo in ("1" * 30, "-1", "²", str(2**31)):
        answer = client.get(f"/api/v1/cases/X/photos/{photo}", headers=admin)
        assert answer.status_code in (404, 422), photo
    assert client.get("/api/v1/cases?offset=" + "9" * 30, headers=admin).status_code == 422
    zone = client.delete(f"/api/v1/vision/cameras/00/zones/{2**53 - 2}", headers=admin)
    assert zone.status_code == 422  # past PostgreSQL's integer: found by the fuzzer there


@pytest.mark.parametrize(
    "query",
    [
        "/api/v1/public/ratings/summary?until=9999-12-31",
        "/api/v1/public/ratings/summary?since=0001-01-01",
        "/api/v1/reports/weekly?week=9999-W52",
        "/api/v1/reports/weekly?week=0001-W01",
        "/api/v1/reports/weekly?week=²⁰²⁶-W01",
        "/api/v1/reports/trend?week=0001-01-01",
        "/api/v1/reports/monthly?month=9999-12",
        "/api/v1/reports/monthly?month=0001-01",
        "/api/v1/reports/collection-points?from=0001-01-01&to=0001-12-31",
        "/api/v1/reports/collection-points.csv?from=9999-01-01&to=9999-12-31",
        "/api/v1/cases/stats/dispatch?until=9999-12-31T23:59:59-12:00",
        "/api/v1/cases/stats/dispatch?since=0001-01-01T00:00:00%2B08:00",
        "/api/v1/cases/stats/dispatch?since=2026-01-01T00:00:00",
    ],
)
def test_dates_outside_what_the_back_office_holds_are_refused(
    client: TestClient, staff_headers: StaffFactory, query: str
) -> None:
    answer = client.get(query, headers=staff_headers(Role.ADMIN))
    assert answer.status_code == 422, answer.text
    ErrorOut.model_validate(answer.json())


def test_a_print_ticket_with_unicode_digits_is_malformed(
    client: TestClient, staff_headers: StaffFactory
) -> None:
    from tests.backoffice.kiosk_terminals import enrolled_terminal

    kiosk = enrolled_terminal(client, staff_headers(Role.TERMINAL_MANAGER))
    for ticket in ("².x", "9" * 30 + ".x"):
        answer = client.post(
            "/api/v1/medical/prints", json={"page": 1, "line": 1, "ticket": ticket}, headers=kiosk
        )
        assert answer.status_code == 422 and "malformed" in answer.json()["detail"]


# --- an unhandled error keeps the connection ----------------------------------------------------


@pytest.fixture
def failing_server() -> Iterator[int]:
    app = FastAPI()
    install_error_handler(app)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("a bug")

    @app.get("/ok")
    async def ok() -> dict[str, bool]:
        return {"ok": True}

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="critical", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the probe server did not start"
        time.sleep(0.02)
    yield port
    server.should_exit = True
    thread.join(10)


def _read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    length = int(headers["content-length"])
    while len(rest) < length:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection"
        rest += chunk
    return int(lines[0].split()[1]), headers, rest[:length]


def test_an_unhandled_error_is_json_and_the_connection_stays_open(failing_server: int) -> None:
    with socket.create_connection(("127.0.0.1", failing_server), timeout=10) as sock:
        sock.sendall(b"GET /boom HTTP/1.1\r\nHost: x\r\n\r\n")
        status, headers, body = _read_response(sock)
        assert status == 500 and headers["content-type"] == "application/json"
        assert "went wrong" in json.loads(body)["detail"]
        assert headers.get("connection", "") != "close"
        sock.sendall(b"GET /ok HTTP/1.1\r\nHost: x\r\n\r\n")  # the same connection
        assert _read_response(sock)[:1] == (200,)

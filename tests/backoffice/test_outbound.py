"""Outbound requests guarded against server-side request forgery (issue 15, finding 5): URLs
checked when saved, the host resolved and checked at each use and connected to at the checked
address, redirects checked again, file cameras kept to their folders, no answer body logged."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.clock import ManualClock
from backoffice.notify.models import ChannelKind
from backoffice.notify.service import Notice, create_subscription, enqueue
from backoffice.notify.worker import deliver_due
from backoffice.outbound import (
    NO_PRIVATE_ADDRESSES,
    BadUrl,
    OutboundPolicy,
    OutboundRefused,
    check_url,
    guarded_request,
)
from backoffice.settings import Settings
from backoffice.vision.sources import Reach, SnapshotSource, SourceError, VideoFileSource
from tests.backoffice.notify.test_delivery import make_unit
from tests.backoffice.vision.scenes import Street
from tests.conftest import TEST_PEERS, StaffFactory

HTTP = ("http", "https")


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks..example.com/x",
        "http://-hooks.example.com/",
        "http://hooks.example.com:99999/",
        "http://exa mple.com/",
        "http://2130706433/",  # 127.0.0.1 written as one number
        "http://127.0.0.1:8000/api/v1/cases",
        "http://127.1.2.3/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.5/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://localhost:8000/",
        "http://api.localhost/",
        "ftp://example.com/x",
        "http:///no-host",
    ],
)
def test_urls_that_are_malformed_or_not_public_are_refused_when_saved(url: str) -> None:
    with pytest.raises(BadUrl):
        check_url(url, HTTP, NO_PRIVATE_ADDRESSES)


@pytest.mark.parametrize(
    "url", ["https://hooks.example.com/zhili", "http://93.184.216.34:8080/x", "https://例子.测试/"]
)
def test_public_urls_are_accepted(url: str) -> None:
    check_url(url, HTTP, NO_PRIVATE_ADDRESSES)


def test_the_allow_list_names_the_private_addresses_that_may_be_reached() -> None:
    policy = OutboundPolicy.from_entries(["127.0.0.1", "10.2.0.0/16"])
    check_url("http://127.0.0.1:9/hook", HTTP, policy)
    check_url("http://10.2.3.4/hook", HTTP, policy)
    with pytest.raises(BadUrl):
        check_url("http://10.3.0.1/hook", HTTP, policy)
    with pytest.raises(BadUrl):
        check_url("http://[::1]/hook", HTTP, policy)


# --- at use: resolve, check, connect to that address --------------------------------------------


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """A resolver the test controls: name -> addresses."""
    answers: dict[str, list[str]] = {}

    def getaddrinfo(host: str, port: int, *_args: Any, **_kwargs: Any) -> list[Any]:
        if host not in answers:
            raise socket.gaierror(f"unknown host {host}")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in answers[host]]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


def recording_client(
    status: int = 200, body: bytes = b"{}", headers: dict[str, str] | None = None
) -> tuple[httpx.Client, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, content=body, headers=headers)

    return httpx.Client(transport=httpx.MockTransport(handle)), seen


def test_the_connection_goes_to_the_address_that_was_checked(dns: dict[str, list[str]]) -> None:
    dns["hooks.example.com"] = ["93.184.216.34"]
    client, seen = recording_client()
    answer = guarded_request(
        client, "POST", "https://hooks.example.com:8443/zhili?x=1", NO_PRIVATE_ADDRESSES
    )
    assert answer.status_code == 200
    (request,) = seen
    assert str(request.url) == "https://93.184.216.34:8443/zhili?x=1"
    assert request.headers["host"] == "hooks.example.com:8443"
    assert request.extensions["sni_hostname"] == "hooks.example.com"  # TLS checks the name


def test_a_name_that_resolves_to_a_private_address_is_refused_at_use(
    dns: dict[str, list[str]],
) -> None:
    # DNS rebinding: public when saved, private now, or one private among public ones.
    client, seen = recording_client()
    for addresses in (["127.0.0.1"], ["93.184.216.34", "10.0.0.1"], ["169.254.169.254"]):
        dns["rebind.example.com"] = addresses
        with pytest.raises(OutboundRefused, match="non-public"):
            guarded_request(client, "GET", "http://rebind.example.com/", NO_PRIVATE_ADDRESSES)
    assert seen == []


def test_redirects_are_checked_again(dns: dict[str, list[str]]) -> None:
    dns["camera.example.com"] = ["93.184.216.34"]
    client, seen = recording_client(302, b"", {"Location": "http://127.0.0.1:8000/api/v1/units"})
    url = "http://camera.example.com/snap.jpg"
    with pytest.raises(OutboundRefused, match="non-public"):
        guarded_request(client, "GET", url, NO_PRIVATE_ADDRESSES, max_redirects=3)
    assert len(seen) == 1  # the loopback target was never asked
    not_followed = guarded_request(client, "GET", url, NO_PRIVATE_ADDRESSES)
    assert not_followed.status_code == 302


def test_a_long_answer_is_cut_off(dns: dict[str, list[str]]) -> None:
    dns["big.example.com"] = ["93.184.216.34"]
    client, _ = recording_client(body=b"x" * 10_000)
    with pytest.raises(OutboundRefused, match="longer than 1000"):
        guarded_request(
            client, "GET", "http://big.example.com/", NO_PRIVATE_ADDRESSES, max_bytes=1000
        )


# --- webhooks ---------------------------------------------------------------------------------


def strict(app: FastAPI, settings: Settings) -> None:
    """The app as deployed: no allow-list (the test settings name loopback for the peers)."""
    app.state.settings = settings.model_copy(update={"outbound_allow": []})


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/api/v1/cases",
        "http://[::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://hooks..example.com/",
    ],
)
def test_a_unit_cannot_subscribe_a_webhook_to_a_private_or_malformed_address(
    app: FastAPI,
    client: TestClient,
    db: Session,
    settings: Settings,
    staff_headers: StaffFactory,
    url: str,
) -> None:
    strict(app, settings)
    make_unit(db)
    unit = staff_headers(Role.UNIT_STAFF, unit_code="U-SANITATION")
    answer = client.post(
        "/api/v1/notify/units/U-SANITATION/subscriptions",
        json={"kind": "webhook", "url": url},
        headers=unit,
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == "url"


def test_the_delivery_log_keeps_status_and_timing_never_the_answer(
    db: Session, clock: ManualClock
) -> None:
    unit = make_unit(db)
    create_subscription(
        db, unit, kind=ChannelKind.WEBHOOK, url="http://127.0.0.1:9/hook", events=["*"],
        now=clock.now(), outbound=TEST_PEERS,
    )  # fmt: skip
    enqueue(db, Notice("case.dispatched", unit.id, "新案件"), clock.now())
    client, seen = recording_client(500, b'{"secret": "the local service\'s password"}')
    deliver_due(db, clock.now(), client=client, outbound=TEST_PEERS)
    assert len(seen) == 1
    from backoffice.notify.models import Delivery

    (delivery,) = db.query(Delivery).all()
    assert delivery.last_error == "HTTP 500"
    (attempt,) = delivery.attempt_log
    assert (attempt.status_code, attempt.error) == (500, "HTTP 500")
    assert attempt.duration_ms >= 0


def test_a_delivery_to_an_address_no_longer_allowed_is_refused_not_sent(
    db: Session, clock: ManualClock
) -> None:
    unit = make_unit(db)
    create_subscription(
        db, unit, kind=ChannelKind.WEBHOOK, url="http://127.0.0.1:9/hook", events=["*"],
        now=clock.now(), outbound=TEST_PEERS,
    )  # fmt: skip
    enqueue(db, Notice("case.dispatched", unit.id, "新案件"), clock.now())
    client, seen = recording_client()
    assert deliver_due(db, clock.now(), client=client) == 0  # the default: no private address
    assert seen == []
    from backoffice.notify.models import Delivery

    (delivery,) = db.query(Delivery).all()
    assert "OutboundRefused" in delivery.last_error


# --- cameras ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "url"),
    [
        ("snapshot", "http://127.0.0.1:8000/api/v1/units"),
        ("snapshot", "http://169.254.169.254/latest/meta-data/"),
        ("rtsp", "rtsp://[::1]:554/cam"),
        ("rtsp", "rtsp://cam..example.com/"),
        ("file", "/etc/passwd"),
        ("file", "../../etc/passwd"),
    ],
)
def test_an_operator_cannot_point_a_camera_at_a_private_address_or_any_file(
    app: FastAPI,
    client: TestClient,
    settings: Settings,
    staff_headers: StaffFactory,
    kind: str,
    url: str,
) -> None:
    strict(app, settings)
    camera = {"code": "CAM-X", "name": "x", "source_kind": kind, "source_url": url}
    answer = client.post("/api/v1/vision/cameras", json=camera, headers=staff_headers(Role.ADMIN))
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == "source_url"


def test_a_file_camera_under_a_configured_folder_is_accepted(
    client: TestClient, settings: Settings, staff_headers: StaffFactory, tmp_path: Path
) -> None:
    still = tmp_path / "still.jpg"
    still.write_bytes(Street().jpeg([]))
    camera = {"code": "CAM-F", "name": "f", "source_kind": "file", "source_url": str(still)}
    answer = client.post("/api/v1/vision/cameras", json=camera, headers=staff_headers(Role.ADMIN))
    assert answer.status_code == 201, answer.text


def test_a_link_out_of_the_folder_is_refused_at_read(tmp_path: Path) -> None:
    folder = tmp_path / "cams"
    folder.mkdir()
    outside = tmp_path / "secret.jpg"
    outside.write_bytes(Street().jpeg([]))
    (folder / "cam.jpg").symlink_to(outside)
    with pytest.raises(SourceError, match="not under the folders"):
        VideoFileSource(folder / "cam.jpg", reach=Reach(file_dirs=(folder,))).grab()


@pytest.fixture
def redirecting_camera() -> Iterator[str]:
    """A snapshot URL on 127.0.0.1 that redirects to 127.0.0.2 (loopback, not allowed)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.2:{self.server.server_address[1]}/x")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/snapshot.jpg"
    server.shutdown()
    server.server_close()


def test_a_snapshot_redirect_to_a_private_address_is_not_followed(redirecting_camera: str) -> None:
    only_the_camera = OutboundPolicy.from_entries(["127.0.0.1/32"])
    source = SnapshotSource(
        redirecting_camera, timeout_s=5, max_bytes=10_000, max_side=1000, outbound=only_the_camera
    )
    with pytest.raises(SourceError, match=r"127\.0\.0\.2"):
        source.grab()

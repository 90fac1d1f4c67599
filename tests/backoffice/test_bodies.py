"""The request-size limit in front of every route, and images measured by Pillow before they are
decoded: photos, pushed frames and screenshots (issue 15, findings 3 and 4)."""

from __future__ import annotations

import base64
import io
import struct
import zlib
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from backoffice.access import Role
from backoffice.bodies import BodyGuard, UploadLimit
from backoffice.errors import ErrorOut
from backoffice.images import BadImage, inspect_image
from tests.conftest import StaffFactory

MIB = 1024 * 1024


def real_jpeg(size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, "JPEG")
    return out.getvalue()


def real_png(size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (40, 40, 200)).save(out, "PNG")
    return out.getvalue()


def jpeg_claiming(width: int, height: int, junk_after_app0: bool = True) -> bytes:
    """A small JPEG whose frame header claims width x height, with one stray byte after APP0
    (which stopped the old hand-written header reader, so the size went unchecked)."""
    data = bytearray(real_jpeg())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    if junk_after_app0:
        app0_end = 2 + 2 + int.from_bytes(data[4:6], "big")
        data[app0_end:app0_end] = b"\x00"
    return bytes(data)


def png_claiming(width: int, height: int) -> bytes:
    """A small PNG whose IHDR (with a correct checksum) claims width x height."""
    data = bytearray(real_png())
    ihdr = data.index(b"IHDR")
    data[ihdr + 4 : ihdr + 12] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr : ihdr + 17]))
    data[ihdr + 17 : ihdr + 21] = struct.pack(">I", crc)
    return bytes(data)


# --- the size limit ---------------------------------------------------------------------------


def chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b" " * min(size, total - sent)
        sent += size


def test_a_large_json_body_without_a_token_is_cut_off_at_the_limit_before_sign_in(
    client: TestClient,
) -> None:
    # Streamed (no Content-Length): read up to the 1 MiB limit, then 413, never 401.
    answer = client.post(
        "/api/v1/cases", content=chunks(30 * MIB), headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 413
    assert "over the limit" in ErrorOut.model_validate(answer.json()).detail  # type: ignore[operator]


def test_a_declared_length_over_the_limit_is_refused_unread(client: TestClient) -> None:
    answer = client.post(
        "/api/v1/auth/token",
        content=b"{}",
        headers={"Content-Type": "application/json", "Content-Length": str(300 * MIB)},
    )
    assert answer.status_code == 413
    assert answer.headers["connection"] == "close"


def test_the_limit_is_per_endpoint_and_uploads_get_theirs(client: TestClient) -> None:
    guard = client.app.middleware_stack  # type: ignore[attr-defined]
    while not isinstance(guard, BodyGuard):
        guard = guard.app
    assert guard.limit_for("POST", "/api/v1/auth/token") == MIB
    assert guard.limit_for("PUT", "/api/v1/fleet/commands/7/screenshot") > 8 * MIB
    assert guard.limit_for("POST", "/api/v1/vision/cameras/CAM-1/frames") == 8 * MIB
    assert guard.limit_for("POST", "/api/v1/cases") > 20 * MIB
    assert guard.limit_for("GET", "/api/v1/cases") == MIB
    assert UploadLimit("PUT", "/a/[^/]+", 5).matches("PUT", "/a/b")
    assert not UploadLimit("PUT", "/a/[^/]+", 5).matches("PUT", "/a/b/c")


def test_a_screenshot_over_its_limit_is_refused_before_it_is_read(client: TestClient) -> None:
    answer = client.put(
        "/api/v1/fleet/commands/1/screenshot",
        content=chunks(9 * MIB),
        headers={"Content-Type": "image/png"},
    )
    assert answer.status_code == 413  # not 401: measured before the token is looked at


def test_a_small_body_passes_through_whole(client: TestClient) -> None:
    answer = client.post("/api/v1/auth/token", json={"username": "nobody", "password": "x" * 50})
    assert answer.status_code == 401


# --- images measured before decoding ------------------------------------------------------------


def test_pillow_reads_the_real_size_past_a_stray_byte() -> None:
    with pytest.raises(BadImage, match="16000x16000 pixels, it has 256,000,000"):
        inspect_image(jpeg_claiming(16000, 16000), formats=frozenset({"JPEG"}))
    with pytest.raises(BadImage, match="largest side allowed is 4096"):
        inspect_image(jpeg_claiming(5000, 100), formats=frozenset({"JPEG"}), max_side=4096)
    with pytest.raises(BadImage, match="8000x8000 pixels, it has 64,000,000"):  # over our cap
        inspect_image(jpeg_claiming(8000, 8000), formats=frozenset({"JPEG"}))
    info = inspect_image(real_jpeg((64, 48)), formats=frozenset({"JPEG"}))
    assert (info.format, info.width, info.height) == ("JPEG", 64, 48)


def test_not_an_image_or_a_damaged_one_is_refused() -> None:
    for data in (b"", b"GIF89a" + bytes(20), b"\xff\xd8\xff" + bytes(20), real_png()[:40]):
        with pytest.raises(BadImage):
            inspect_image(data, formats=frozenset({"JPEG", "PNG"}))
    with pytest.raises(BadImage):  # a PNG where only JPEG is taken
        inspect_image(real_png(), formats=frozenset({"JPEG"}))


def test_a_decompression_bomb_frame_is_refused_with_422(
    client: TestClient, staff_headers: StaffFactory
) -> None:
    admin = staff_headers(Role.ADMIN)
    camera = {"code": "CAM-BOMB", "name": "bomb", "source_kind": "push", "source_url": ""}
    assert client.post("/api/v1/vision/cameras", json=camera, headers=admin).status_code == 201
    answer = client.post(
        "/api/v1/vision/cameras/CAM-BOMB/frames",
        content=jpeg_claiming(16000, 16000),
        headers={**admin, "Content-Type": "image/jpeg", "Idempotency-Key": "k1"},
    )
    assert answer.status_code == 422
    assert "16000x16000 pixels" in answer.json()["detail"]


def test_a_huge_png_screenshot_header_is_refused(
    client: TestClient, staff_headers: StaffFactory
) -> None:
    from tests.backoffice.fleet.test_commands import enrolled

    manager = staff_headers(Role.TERMINAL_MANAGER)
    kiosk = enrolled(client, manager)
    sent = client.post(
        "/api/v1/fleet/terminals/JSL-01/commands", json={"kind": "screenshot"}, headers=manager
    ).json()
    client.post("/api/v1/fleet/heartbeat", json=_beat(), headers=kiosk)  # delivers it
    answer = client.put(
        f"/api/v1/fleet/commands/{sent['id']}/screenshot",
        content=png_claiming(200_000, 200_000),
        headers={**kiosk, "Content-Type": "image/png"},
    )
    assert answer.status_code == 422
    assert "200000x200000 pixels" in answer.json()["detail"]


def _beat() -> dict[str, object]:
    from tests.backoffice.fleet.test_enrollment import BEAT

    return BEAT


def test_a_photo_is_measured_too(client: TestClient, staff_headers: StaffFactory) -> None:
    inspector = staff_headers(Role.INSPECTOR)
    photo = {
        "kind": "before",
        "content_type": "image/jpeg",
        "data_base64": base64.b64encode(jpeg_claiming(20000, 20000)).decode(),
    }
    body = {
        "type_code": "E-0506",
        "description": "共享单车",
        "lon": 121.4326,
        "lat": 31.2235,
        "photos": [photo],
    }
    answer = client.post("/api/v1/cases", json=body, headers=inspector)
    assert answer.status_code == 422
    assert "400,000,000 pixels" in answer.json()["detail"]

"""Uploaded photos are kept without EXIF, XMP or text chunks (camera, time, place), upright;
a photo without metadata is kept byte for byte; what no decoder reads is refused."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from PIL import Image, PngImagePlugin
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.cases.photos import Photo, PhotoKind
from backoffice.errors import BadInput
from tests.backoffice.cases.helpers import ON_JIANGSU_ROAD, jpeg, photo_json
from tests.conftest import StaffFactory

CAMERA = {0x010F: "Apple", 0x0110: "iPhone 15", 0x0132: "2026:11:02 09:00:00", 0x0112: 6}
GPS = {1: "N", 2: (31.0, 13.0, 24.6), 3: "E", 4: (121.0, 25.0, 57.4)}


def tagged(image_format: str) -> bytes:
    """A 40x20 photo taken with the phone turned (orientation 6), with its camera, time and
    place in EXIF, and XMP (JPEG) or a text chunk (PNG) naming a person."""
    exif = Image.Exif()
    exif.update(CAMERA)
    exif[0x8825] = GPS
    out = io.BytesIO()
    picture = Image.new("RGB", (40, 20), (200, 30, 30))
    if image_format == "JPEG":
        xmp = "<x:xmpmeta>张三 13900001111</x:xmpmeta>".encode()
        picture.save(out, "JPEG", exif=exif, xmp=xmp)
    else:
        text = PngImagePlugin.PngInfo()
        text.add_text("Author", "张三 13900001111")
        picture.save(out, "PNG", exif=exif, pnginfo=text)
    return out.getvalue()


@pytest.mark.parametrize(
    ("image_format", "content_type"), [("JPEG", "image/jpeg"), ("PNG", "image/png")]
)
def test_an_uploaded_photo_is_kept_without_its_metadata_and_upright(
    seeded: Session,
    client: TestClient,
    staff_headers: StaffFactory,
    image_format: str,
    content_type: str,
) -> None:
    original = tagged(image_format)
    assert b"Apple" in original and b"13900001111" in original
    body = {
        "type_code": "E-0506",
        "description": "共享单车停在盲道上",
        "lon": ON_JIANGSU_ROAD[0],
        "lat": ON_JIANGSU_ROAD[1],
        "photos": [photo_json("before", original, content_type)],
    }
    inspector = staff_headers(Role.INSPECTOR)
    filed = client.post("/api/v1/cases", json=body, headers=inspector)
    assert filed.status_code == 201, filed.text
    [stored_photo] = filed.json()["case"]["photos"]

    served = client.get(stored_photo["url"], headers=inspector)
    assert served.status_code == 200
    assert served.headers["x-content-type-options"] == "nosniff"
    stored = served.content
    assert b"Apple" not in stored and b"iPhone" not in stored and b"13900001111" not in stored
    picture = Image.open(io.BytesIO(stored))
    assert picture.format == image_format
    assert dict(picture.getexif()) == {}
    assert not {"exif", "xmp", "XML:com.adobe.xmp", "Author"} & set(picture.info)
    # Orientation 6 turned into pixels: the 40x20 landscape photo stands 20x40.
    assert picture.size == (20, 40)


def test_a_photo_without_metadata_is_kept_byte_for_byte() -> None:
    clean = jpeg(b"clean")
    assert Photo(PhotoKind.BEFORE, clean, "image/jpeg").content == clean


def test_a_photo_no_decoder_reads_is_refused() -> None:
    with pytest.raises(BadInput, match="could not be read as one"):
        Photo(PhotoKind.BEFORE, b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(64), "image/jpeg")
    png = io.BytesIO()
    Image.new("RGB", (4, 4)).save(png, "PNG")
    with pytest.raises(BadInput, match="is not one"):
        Photo(PhotoKind.BEFORE, png.getvalue(), "image/jpeg")

"""Uploaded and fetched images measured by a real image library (Pillow) before anyone decodes
them: the format is what its parser finds, and the width and height are those its decoder will
use, so a small file that unpacks into a huge image (a decompression bomb) is refused unread."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import BmpImagePlugin, ImageFile, JpegImagePlugin, PngImagePlugin

# The formats the back office takes, by Pillow's name, with their media types.
MEDIA_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "BMP": "image/bmp"}
_MAGIC = {"JPEG": b"\xff\xd8\xff", "PNG": b"\x89PNG\r\n\x1a\n", "BMP": b"BM"}
_PARSERS: dict[str, type[ImageFile.ImageFile]] = {
    "JPEG": JpegImagePlugin.JpegImageFile,
    "PNG": PngImagePlugin.PngImageFile,
    "BMP": BmpImagePlugin.BmpImageFile,
}
# 50 megapixels: more than a phone's photo (12 MP) or a camera frame; at 3 bytes a pixel an
# image at the cap decodes to 150 MB.
MAX_PIXELS = 50_000_000


class BadImage(ValueError):
    """Not an acceptable image; the message says why, for a person."""


@dataclass(frozen=True)
class ImageInfo:
    format: str
    width: int
    height: int

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]


def inspect_image(
    data: bytes,
    *,
    formats: frozenset[str],
    max_pixels: int = MAX_PIXELS,
    max_side: int | None = None,
    what: str = "image",
) -> ImageInfo:
    """The format and size of `data` read from its headers (no pixel is decoded), after checking
    that the file's structure holds together; BadImage when it is not one of `formats`, or has
    more than `max_pixels` pixels or a side longer than `max_side`. Messages call it `what`."""
    names = " or ".join(sorted(formats))
    if not data:
        raise BadImage(f"The {what} is empty; send the {names} bytes themselves.")
    found = next((name for name, magic in _MAGIC.items() if data.startswith(magic)), None)
    if found is None or found not in formats:
        raise BadImage(f"The {what} could not be read as one ({names}); send a real image.")
    try:
        # The format's own parser, called directly: Image.open is patched by ultralytics (when
        # vision is loaded) to try an optional HEIF plugin on what it cannot read.
        with _PARSERS[found](io.BytesIO(data)) as image:
            width, height = image.size
            _check_size(width, height, max_pixels, max_side, what)
            image.verify()  # the structure (PNG chunk checksums, JPEG markers), no pixels
    except BadImage:
        raise
    except Exception as exc:  # Pillow raises many kinds (SyntaxError, struct.error, OSError...)
        raise BadImage(
            f"The {what} could not be read as one ({names}): it is damaged ({type(exc).__name__})."
        ) from None
    return ImageInfo(found, width, height)


def _check_size(width: int, height: int, max_pixels: int, max_side: int | None, what: str) -> None:
    if width < 1 or height < 1:
        raise BadImage(f"The {what} is {width}x{height} pixels; it has no picture.")
    if max_side is not None and max(width, height) > max_side:
        raise BadImage(
            f"The {what} is {width}x{height} pixels; the largest side allowed is {max_side}."
        )
    if width * height > max_pixels:
        raise BadImage(
            f"The {what} is {width}x{height} pixels, it has {width * height:,} pixels; at most "
            f"{max_pixels:,} pixels are allowed."
        )

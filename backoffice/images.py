"""Uploaded and fetched images measured by a real image library (Pillow) before anyone decodes
them: the format is what its parser finds, and the width and height are those its decoder will
use, so a small file that unpacks into a huge image (a decompression bomb) is refused unread."""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

# The formats the back office takes, by Pillow's name, with their media types.
MEDIA_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "BMP": "image/bmp"}
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
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=sorted(formats)) as image:
                found, (width, height) = str(image.format), image.size
                _check_size(width, height, max_pixels, max_side, what)
                image.verify()  # the structure (PNG chunk checksums, JPEG markers), no pixels
    except BadImage:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow's own guard, far above ours, met first: its message holds the pixel count.
        found_pixels = re.search(r"\((\d+) pixels\)", str(exc))
        count = f"{int(found_pixels.group(1)):,}" if found_pixels else "too many"
        raise BadImage(
            f"The {what} has {count} pixels; at most {max_pixels:,} pixels are allowed."
        ) from None
    except UnidentifiedImageError:
        raise BadImage(f"The {what} is not a {names} image that can be read.") from None
    except Exception as exc:  # Pillow raises many kinds (SyntaxError, struct.error, OSError...)
        raise BadImage(f"The {what} is a damaged {names} image ({type(exc).__name__}).") from None
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

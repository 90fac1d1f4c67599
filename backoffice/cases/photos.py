"""Case photos: checked by their magic bytes, size and a decoder; stored content-addressed under
data_dir without their metadata (EXIF: camera, time, often the place it was taken)."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from PIL import Image, ImageOps, JpegImagePlugin, PngImagePlugin, UnidentifiedImageError

from backoffice.errors import BadInput
from backoffice.storage import write_atomically

MAX_PHOTO_BYTES = 5 * 1024 * 1024
_MAGIC = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
PHOTO_SUFFIX = {"image/jpeg": ".jpg", "image/png": ".png"}
# What Pillow reports of an image that is not metadata about the picture's taking: kept as is.
_PICTURE_INFO = frozenset(
    {
        "jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi", "adobe", "adobe_transform",
        "progressive", "progression", "icc_profile", "gamma", "srgb", "transparency", "aspect",
        "interlace", "chromaticity",
    }
)  # fmt: skip
# The decoder of the declared type, called directly: Image.open is patched by ultralytics
# (when vision is loaded) to try an optional HEIF plugin on what it cannot read.
_DECODERS: dict[str, type[JpegImagePlugin.JpegImageFile | PngImagePlugin.PngImageFile]] = {
    "image/jpeg": JpegImagePlugin.JpegImageFile,
    "image/png": PngImagePlugin.PngImageFile,
}


class PhotoKind(StrEnum):
    BEFORE = "before"
    AFTER = "after"
    EVIDENCE = "evidence"


@dataclass(frozen=True)
class Photo:
    """One image handed in with a report or an action; refused (422) unless a real JPEG/PNG."""

    kind: PhotoKind
    content: bytes
    content_type: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", PhotoKind(self.kind))
        check_image(self.content, self.content_type)
        object.__setattr__(self, "content", without_metadata(self.content, self.content_type))

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def check_image(content: bytes, content_type: str) -> None:
    if content_type not in _MAGIC:
        raise BadInput(
            f"Photos must be image/jpeg or image/png, not '{content_type}'.",
            field="photos",
        )
    if not content:
        raise BadInput("A photo is empty; attach the image itself.", field="photos")
    if len(content) > MAX_PHOTO_BYTES:
        raise BadInput(
            f"A photo has {len(content)} bytes; the limit is {MAX_PHOTO_BYTES} "
            f"({MAX_PHOTO_BYTES // (1024 * 1024)} MiB). Send a smaller image.",
            field="photos",
        )
    if not content.startswith(_MAGIC[content_type]):
        raise BadInput(
            f"A photo declared as {content_type} is not one (its first bytes do not match); "
            "send a real JPEG or PNG image.",
            field="photos",
        )


def without_metadata(content: bytes, content_type: str) -> bytes:
    """The image without EXIF, XMP, comments or text chunks; its bytes unchanged when it has
    none. The EXIF orientation is applied to the pixels first, so the photo still stands up."""
    try:
        with _DECODERS[content_type](io.BytesIO(content)) as image:
            # Anything else is metadata; "mp" is a phone's multi-picture JPEG (MPO), which
            # hides more pictures, with their own EXIF, behind the first.
            metadata = set(image.info) - _PICTURE_INFO
            if not metadata and not image.getexif():
                return content
            upright = ImageOps.exif_transpose(image)
            out = io.BytesIO()
            keep = {"icc_profile": image.info["icc_profile"]} if "icc_profile" in image.info else {}
            if content_type == "image/jpeg":
                upright.save(out, "JPEG", quality=92, **keep)
            else:
                upright.save(out, "PNG", **keep)
            return out.getvalue()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError) as error:
        raise BadInput(
            f"A photo declared as {content_type} could not be read as one; "
            "send a real JPEG or PNG image.",
            field="photos",
        ) from error


def store_photo(photo_dir: Path, photo: Photo) -> str:
    """Write the photo once (named by its SHA-256) and return its path relative to photo_dir.

    Content addressing makes a rolled-back request harmless: a file left behind is only ever
    reused by a later identical upload, never shown on its own.
    """
    digest = photo.sha256
    relative = f"{digest[:2]}/{digest}{PHOTO_SUFFIX[photo.content_type]}"
    target = photo_dir / relative
    if not target.exists():
        write_atomically(target, photo.content)
    return relative

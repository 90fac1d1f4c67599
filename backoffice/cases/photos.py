"""Case photos: checked by their magic bytes and size, stored content-addressed under data_dir."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from backoffice.errors import BadInput
from backoffice.storage import write_atomically

MAX_PHOTO_BYTES = 5 * 1024 * 1024
_MAGIC = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
PHOTO_SUFFIX = {"image/jpeg": ".jpg", "image/png": ".png"}


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

"""Files the back office keeps (photos, screenshots): written whole or not at all; a full disk
is a clear 503 (StorageFull) and leaves no partial file behind."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from backoffice.errors import StorageFull, is_storage_full


def write_atomically(target: Path, data: bytes) -> None:
    """Write `data` to a unique `.part` file beside `target`, sync it, then rename it into
    place. On any failure the `.part` file is removed; a full disk raises StorageFull."""
    tmp = target.with_name(f"{target.name}.{uuid.uuid4().hex[:12]}.part")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if is_storage_full(exc):
            raise StorageFull() from exc
        raise

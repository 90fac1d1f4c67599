"""Files written whole or not at all: a full disk is StorageFull (503) and leaves no .part; an
unexpected error answers JSON."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from backoffice.errors import STORAGE_FULL_MESSAGE, StorageFull, install_error_handler
from backoffice.storage import write_atomically


def test_a_full_disk_leaves_no_part_file_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(_fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(StorageFull) as raised:
        write_atomically(tmp_path / "photos" / "ab" / "x.jpg", b"\xff\xd8" * 1000)
    assert raised.value.status_code == 503
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == []


def test_a_write_that_works_leaves_only_the_file(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b.png"
    write_atomically(target, b"png")
    assert target.read_bytes() == b"png"
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["b.png"]


def test_every_error_answers_json() -> None:
    app = FastAPI()
    install_error_handler(app)

    @app.get("/disk")
    def disk() -> None:
        raise OSError(errno.EFBIG, "File too large")

    @app.get("/db")
    def db_full() -> None:
        raise OperationalError("INSERT", {}, Exception("database or disk is full"))

    @app.get("/bug")
    def bug() -> None:
        raise RuntimeError("a bug")

    with TestClient(app) as client:
        for path in ("/disk", "/db"):
            answer = client.get(path)
            assert (answer.status_code, answer.json()) == (503, {"detail": STORAGE_FULL_MESSAGE})
        answer = client.get("/bug")
        assert answer.status_code == 500
        assert answer.headers["content-type"] == "application/json"
        assert "logged" in answer.json()["detail"]

"""Calls the kiosk makes to the back office while a person waits (identification); each runs on
a worker thread and hands its result to the UI thread. What can wait goes through the outbox."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from kiosk import api
from kiosk.outbox import Sender

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Identification:
    """The back office's answer: a short-lived token for personal records, and masks."""

    token: str = field(repr=False)
    proof: str
    masked_name: str
    masked_id: str | None


@dataclass(frozen=True)
class CallFailed:
    """Why a call did not work: ``offline`` when the back office was unreachable."""

    offline: bool
    detail: str


class BackOfficeClient:
    def __init__(self, send: Sender, on_ui: Callable[[Callable[[], None]], None]) -> None:
        self._send = send
        self._on_ui = on_ui

    def identify_card(
        self,
        id_number: str,
        name: str,
        done: Callable[[Identification | CallFailed], None],
    ) -> None:
        body = {"proof": "card", "id_number": id_number, "name": name}
        self._in_background(lambda: self._identify(body), done)

    def identify_suishen(
        self, payload: str, done: Callable[[Identification | CallFailed], None]
    ) -> None:
        body = {"proof": "suishen", "payload": payload}
        self._in_background(lambda: self._identify(body), done)

    def _identify(self, body: dict[str, Any]) -> Identification | CallFailed:
        headers = {"Content-Type": "application/json"}
        try:
            response = self._send("POST", api.IDENTIFICATIONS, json.dumps(body).encode(), headers)
        except requests.RequestException as exc:
            return CallFailed(True, f"back office unreachable: {type(exc).__name__}")
        if response.status_code != 201:
            return CallFailed(False, _detail(response))
        data = response.json()
        return Identification(
            token=str(data["token"]),
            proof=str(data["proof"]),
            masked_name=str(data["masked_name"]),
            masked_id=data.get("masked_id"),
        )

    def _in_background(
        self,
        call: Callable[[], Identification | CallFailed],
        done: Callable[[Identification | CallFailed], None],
    ) -> None:
        def run() -> None:
            try:
                result = call()
            except (ValueError, KeyError, TypeError) as exc:
                result = CallFailed(False, f"unexpected answer: {type(exc).__name__}")
            self._on_ui(lambda: done(result))

        threading.Thread(target=run, name="backoffice-call", daemon=True).start()


def _detail(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if isinstance(body, dict) and isinstance(body.get("detail"), str):
        return str(body["detail"])
    return f"HTTP {response.status_code}"

"""Calls the kiosk makes to the back office while a person waits (identification, a consult, the
booklet's records); each runs through the kiosk's background runner and hands its result to the
UI thread. What can wait goes through the outbox."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import requests

from kiosk import api
from kiosk.background import Runner
from kiosk.devices.base import CardAnswer, CardIdentity
from kiosk.outbox import Sender

logger = logging.getLogger(__name__)
# A social security card read without the card's answer to a back-office challenge proves
# nothing; it is not sent. (A resident ID card goes as identify_id_card, on the terminal's token.)
NOT_PROVEN = "the card read carries no answer of the card to a challenge, so it proves nothing"
T = TypeVar("T")


@dataclass(frozen=True)
class Identification:
    """The back office's answer: a short-lived token for personal records, and masks."""

    token: str = field(repr=False)
    proof: str
    masked_name: str
    masked_id: str | None


@dataclass(frozen=True)
class Answer:
    """A JSON answer from the back office with a 2xx status."""

    status: int
    body: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class CallFailed:
    """Why a call did not work: ``offline`` when the back office was unreachable."""

    offline: bool
    detail: str
    # The HTTP status of a refusal; 0 when the back office was not reached.
    status: int = 0


class BackOfficeClient:
    """``sender`` gives the fleet agent's authenticated sender (None before there is one);
    ``online`` says whether the back office answered the last heartbeat."""

    def __init__(
        self,
        sender: Callable[[], Sender | None],
        runner: Runner,
        online: Callable[[], bool] = lambda: True,
    ) -> None:
        self._sender = sender
        self._runner = runner
        self._online = online

    def online(self) -> bool:
        return self._sender() is not None and self._online()

    def _send(
        self, method: str, path: str, data: bytes, headers: dict[str, str]
    ) -> requests.Response:
        send = self._sender()
        if send is None:
            raise requests.ConnectionError("this kiosk has no connection to a back office")
        return send(method, path, data, headers)

    def card_challenge(self) -> bytes | None:
        """A one-time challenge for the card in a reader (asked on the reader's thread, while
        the card is in); None when the back office cannot give one."""
        try:
            response = self._send("POST", api.CARD_CHALLENGES, b"", {})
            if response.status_code != 201:
                logger.warning("no card challenge: %s", _detail(response))
                return None
            return bytes.fromhex(str(response.json()["challenge"]))
        except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
            logger.warning("no card challenge: %s", type(exc).__name__)
            return None

    def identify_card(
        self,
        card: CardIdentity,
        answer: CardAnswer | None,
        done: Callable[[Identification | CallFailed], None],
    ) -> None:
        """The card's records and its answer to the challenge; the back office takes the ID
        number from the answered records only."""
        if answer is None:
            done(CallFailed(False, NOT_PROVEN))
            return
        body = {
            "proof": "card",
            "card": {
                "card_number": card.card_number,
                "id_number": card.id_number,
                "name": card.name,
            },
            "challenge": answer.challenge,
            "answer": answer.answer,
        }
        self._in_background(lambda: self._identify(body), done)

    def identify_id_card(
        self,
        id_number: str,
        name: str,
        valid_to: dt.date | None,
        done: Callable[[Identification | CallFailed], None],
    ) -> None:
        """A resident ID card read: taken on the terminal's token (the card proves nothing to
        the back office), recorded as an ``id_card`` identification."""
        body = {
            "proof": "id_card",
            "id_number": id_number,
            "name": name,
            "valid_to": valid_to.isoformat() if valid_to is not None else None,
        }
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
            return CallFailed(False, _detail(response), response.status_code)
        data = response.json()
        return Identification(
            token=str(data["token"]),
            proof=str(data["proof"]),
            masked_name=str(data["masked_name"]),
            masked_id=data.get("masked_id"),
        )

    def call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        done: Callable[[Answer | CallFailed], None],
        headers: dict[str, str] | None = None,
    ) -> None:
        """One JSON request while the person waits (a consult, a look-up); ``done`` gets the
        answer on the UI thread. ``headers`` adds to the kiosk's own (an identification)."""
        data = json.dumps(body, ensure_ascii=False).encode() if body is not None else b""
        extra = dict(headers or {})

        def run() -> Answer | CallFailed:
            headers = {"Content-Type": "application/json"} if body is not None else {}
            headers.update(extra)
            try:
                response = self._send(method, path, data, headers)
            except requests.RequestException as exc:
                return CallFailed(True, f"back office unreachable: {type(exc).__name__}")
            if not 200 <= response.status_code < 300:
                return CallFailed(False, _detail(response), response.status_code)
            answer = response.json()
            if not isinstance(answer, dict):
                return CallFailed(False, "unexpected answer: not an object", response.status_code)
            return Answer(response.status_code, answer)

        self._in_background(run, done)

    def _in_background(
        self,
        call: Callable[[], T | CallFailed],
        done: Callable[[T | CallFailed], None],
    ) -> None:
        def run() -> T | CallFailed:
            try:
                return call()
            except (ValueError, KeyError, TypeError) as exc:
                return CallFailed(False, f"unexpected answer: {type(exc).__name__}")

        self._runner.run("backoffice-call", run, done)


def _detail(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if isinstance(body, dict) and isinstance(body.get("detail"), str):
        return str(body["detail"])
    return f"HTTP {response.status_code}"

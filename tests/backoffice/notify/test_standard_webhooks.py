"""A unit's developer receives Zhili's webhooks with the `standardwebhooks` library, as its
README shows: deliveries verify, a replay is applied once, a changed timestamp breaks the
signature, and a delivery signed more than five minutes ago is refused (then re-signed and
delivered by the retry)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from backoffice.clock import ManualClock
from backoffice.notify.formats import new_secret, signed_headers, verify
from backoffice.notify.models import ChannelKind, Delivery, DeliveryStatus
from backoffice.notify.service import create_subscription, enqueue
from backoffice.notify.worker import deliver_due
from tests.backoffice.notify.test_delivery import make_unit, notice


class UnitReceiver:
    """The unit's endpoint: verify with the library, apply each webhook-id once."""

    def __init__(self) -> None:
        self.secret = ""
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.applied: list[dict[str, Any]] = []
        self.refusals: list[str] = []
        self._seen: set[str] = set()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                headers = dict(self.headers.items())
                receiver.requests.append((headers, raw))
                try:
                    payload = Webhook(receiver.secret).verify(raw, headers)
                except WebhookVerificationError as refused:
                    receiver.refusals.append(str(refused))
                    self.send_response(401)
                else:
                    if headers["webhook-id"] not in receiver._seen:
                        receiver._seen.add(headers["webhook-id"])
                        receiver.applied.append(payload)
                    self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/zhili"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def unit_receiver() -> Iterator[UnitReceiver]:
    receiver = UnitReceiver()
    yield receiver
    receiver.close()


@pytest.fixture
def wall_clock() -> ManualClock:
    """The back office's clock at the real time: the library checks timestamps against it."""
    return ManualClock(datetime.now(UTC))


def subscribe(db: Session, clock: ManualClock, receiver: UnitReceiver) -> None:
    unit = make_unit(db)
    sub = create_subscription(
        db, unit, kind=ChannelKind.WEBHOOK, url=receiver.url, events=["*"], now=clock.now()
    )
    assert sub.secret.startswith("whsec_")
    receiver.secret = sub.secret
    enqueue(db, notice(unit), clock.now())


def test_deliveries_verify_with_the_library_and_a_replay_is_applied_once(
    db: Session, wall_clock: ManualClock, unit_receiver: UnitReceiver
) -> None:
    subscribe(db, wall_clock, unit_receiver)

    assert deliver_due(db, wall_clock.now()) == 1
    [(headers, raw)] = unit_receiver.requests
    assert unit_receiver.refusals == []
    assert [p["subject"] for p in unit_receiver.applied] == ["JSL-2026-000007"]
    assert headers["webhook-id"] == db.scalars(select(Delivery)).one().id

    # Someone who captured the request sends it again at once: it verifies, but the
    # receiver has seen its id.
    captured = {k: v for k, v in headers.items() if k.lower().startswith("webhook-")}
    again = httpx.post(unit_receiver.url, content=raw, headers=captured)
    assert again.status_code == 204 and len(unit_receiver.applied) == 1
    # A fresher timestamp would pass the age check, but it is signed: the signature fails.
    fresher = {**captured, "webhook-timestamp": str(int(wall_clock.now().timestamp()) + 60)}
    forged = httpx.post(unit_receiver.url, content=raw, headers=fresher)
    assert forged.status_code == 401
    assert unit_receiver.refusals == ["No matching signature found"]
    # And a changed body fails too.
    changed = raw.replace(b"JSL-2026-000007", b"JSL-2026-000008")
    assert httpx.post(unit_receiver.url, content=changed, headers=captured).status_code == 401
    assert len(unit_receiver.applied) == 1


def test_a_delivery_signed_too_long_ago_is_refused_and_the_retry_is_signed_afresh(
    db: Session, wall_clock: ManualClock, unit_receiver: UnitReceiver
) -> None:
    # The back office's clock ten minutes behind the unit's: what the unit gets is what a
    # delivery captured and replayed ten minutes later looks like.
    late = ManualClock(wall_clock.now() - timedelta(minutes=10))
    subscribe(db, late, unit_receiver)

    assert deliver_due(db, late.now()) == 0
    assert unit_receiver.refusals == ["Message timestamp too old"]
    delivery = db.scalars(select(Delivery)).one()
    assert delivery.status is DeliveryStatus.PENDING
    assert delivery.last_error.startswith("HTTP 401")

    assert deliver_due(db, wall_clock.now()) == 1
    assert delivery.status is DeliveryStatus.DELIVERED
    first, second = (headers for headers, _raw in unit_receiver.requests)
    assert first["webhook-id"] == second["webhook-id"]  # the same message, signed again
    # Signed when each attempt left (the whole seconds of two instants 600 s apart).
    assert int(second["webhook-timestamp"]) - int(first["webhook-timestamp"]) in (600, 601)
    assert len(unit_receiver.applied) == 1


def test_our_signatures_and_the_librarys_agree() -> None:
    secret = new_secret()
    body = json.dumps({"event": "case.dispatched", "地点": "江苏路"}, ensure_ascii=False).encode()
    now = datetime.now(UTC)
    headers = signed_headers(secret, "msg_2kKX", now, body)

    assert Webhook(secret).verify(body, headers) == json.loads(body)
    library = Webhook(secret).sign("msg_2kKX", now, body.decode())
    assert headers["webhook-signature"] == library
    assert verify(secret, body, headers, now)
    # Ours refuses what the library refuses: an old timestamp, another key, another body.
    assert not verify(secret, body, headers, now + timedelta(minutes=6))
    assert not verify(new_secret(), body, headers, now)
    assert not verify(secret, body + b" ", headers, now)
    # Rotation: several signatures, space-separated; one that matches is enough.
    rotated = {**headers, "webhook-signature": "v1,AAAA " + headers["webhook-signature"]}
    assert verify(secret, body, rotated, now)
    assert Webhook(secret).verify(body, rotated) == json.loads(body)


def test_secrets_issued_before_the_standard_still_verify_with_the_library() -> None:
    legacy = "ab" * 32  # secrets.token_hex(32), as subscriptions were given before
    body = b'{"event":"case.overdue"}'
    headers = signed_headers(legacy, "d-1", datetime.now(UTC), body)
    assert Webhook(legacy).verify(body, headers) == {"event": "case.overdue"}

"""What goes on the wire: the webhook body signed as Standard Webhooks says, and the WeCom
group-robot message (WeCom keeps its own format: the robot's URL carries its key)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

# Standard Webhooks (standardwebhooks.com): the message id (the delivery's id, the same on
# every retry, for the receiver to de-duplicate), the Unix time it was sent, and
# "v1,<base64 HMAC-SHA256 of id.timestamp.body>", keyed by the secret "whsec_<base64 key>".
ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
EVENT_HEADER = "X-Zhili-Event"
SECRET_PREFIX = "whsec_"  # noqa: S105 (the format's prefix, not a secret)
SECRET_BYTES = 32
# Receivers refuse a message whose timestamp is further than this from their clock: a
# captured delivery cannot be replayed later, nor its timestamp changed without the key.
TOLERANCE = timedelta(minutes=5)
# WeCom rejects markdown content over 4096 bytes.
WECOM_MAX_BYTES = 4096


def new_secret() -> str:
    """A subscription's signing secret, in the Standard Webhooks form."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _key(secret: str) -> bytes:
    # As the specification's libraries read it: base64 after the prefix. Secrets issued before
    # (64 hex characters) are base64 too, and read the same way by a receiver's library.
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX) + "==")


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The webhook-signature value: v1,<base64 HMAC-SHA256 of "id.timestamp.body">."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    return (
        "v1," + base64.b64encode(hmac.new(_key(secret), signed, hashlib.sha256).digest()).decode()
    )


def signed_headers(secret: str, message_id: str, sent_at: datetime, body: bytes) -> dict[str, str]:
    timestamp = math.floor(sent_at.timestamp())
    return {
        ID_HEADER: message_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, message_id, timestamp, body),
    }


def verify(secret: str, body: bytes, headers: Mapping[str, str], now: datetime) -> bool:
    """What a receiver does: the timestamp within `TOLERANCE` of its clock, and one of the
    signatures (space-separated, for key rotation) equal to its own, compared in constant time."""
    lower = {k.lower(): v for k, v in headers.items()}
    message_id, stamp = lower.get(ID_HEADER), lower.get(TIMESTAMP_HEADER, "")
    if not message_id or not stamp.isdigit():
        return False
    if abs(now.timestamp() - int(stamp)) > TOLERANCE.total_seconds():
        return False
    try:
        expected = sign(secret, message_id, int(stamp), body)
    except binascii.Error:  # not a secret in the specification's form
        return False
    return any(
        hmac.compare_digest(expected, candidate)
        for candidate in lower.get(SIGNATURE_HEADER, "").split(" ")
    )


def webhook_body(
    *,
    delivery_id: str,
    event: str,
    unit_code: str,
    subject: str,
    title: str,
    facts: dict[str, str],
    data: dict[str, Any],
    occurred_at: datetime,
) -> bytes:
    document = {
        "delivery_id": delivery_id,
        "event": event,
        "unit": unit_code,
        "subject": subject,
        "title": title,
        "facts": facts,
        "data": data,
        "occurred_at": occurred_at.isoformat(),
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def _escape(text: str) -> str:
    # WeCom markdown has no escaping; keep user text from opening tags or headings.
    return text.replace("<", "‹").replace(">", "›").replace("\n", " ")


def wecom_markdown(title: str, facts: dict[str, str]) -> dict[str, Any]:
    """The group robot's markdown message: a bold title and one quoted line per fact."""
    lines = [f"**{_escape(title)}**"]
    lines += [
        f'> {_escape(k)}: <font color="comment">{_escape(v)}</font>' for k, v in facts.items()
    ]
    content = "\n".join(lines)
    while len(content.encode()) > WECOM_MAX_BYTES and len(lines) > 1:
        lines.pop()
        content = "\n".join([*lines, "> …"])
    return {"msgtype": "markdown", "markdown": {"content": content}}


def wecom_body(title: str, facts: dict[str, str]) -> bytes:
    return json.dumps(wecom_markdown(title, facts), ensure_ascii=False).encode()

"""What goes on the wire: the signed webhook body and the WeCom group-robot message."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

SIGNATURE_HEADER = "X-Zhili-Signature"
DELIVERY_HEADER = "X-Zhili-Delivery"
EVENT_HEADER = "X-Zhili-Event"
# WeCom rejects markdown content over 4096 bytes.
WECOM_MAX_BYTES = 4096


def sign(secret: str, body: bytes) -> str:
    """The signature header value: sha256=<hex HMAC-SHA256 of the raw body>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """What a receiver does: recompute over the raw body and compare in constant time."""
    return header is not None and hmac.compare_digest(sign(secret, body), header)


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

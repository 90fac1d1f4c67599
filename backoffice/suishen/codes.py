"""Suishen code verification: an adapter interface and the demo issuer the back office runs.

A demo code is `SSM1.<payload>.<signature>`: base64url JSON {sub, name, iat, exp}, signed with
HMAC-SHA256 under a key derived from the back office's secret key. `sub` is the keyed hash of
the holder's ID number and `name` is already masked, so a code read off a screen gives away
nothing. Expired, tampered and malformed codes are refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from backoffice.errors import BadInput, NotAuthenticated
from backoffice.suishen.personal import keyed_hash, mask_name

PREFIX = "SSM1"
MAX_PAYLOAD = 1024
# A code on a phone refreshes every minute; a little slack covers the two clocks.
CLOCK_SLACK = timedelta(seconds=30)


@dataclass(frozen=True)
class VerifiedCode:
    id_hash: str
    masked_name: str
    expires_at: datetime


class SuishenVerifier(Protocol):
    def verify(self, payload: str, now: datetime) -> VerifiedCode:
        """The holder of a scanned code; raises NotAuthenticated/BadInput when refused."""
        ...


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class DemoIssuer:
    """Issues and verifies demo codes with a key only the back office holds."""

    def __init__(self, secret_key: str) -> None:
        self._secret_key = secret_key
        self._key = hmac.new(secret_key.encode(), b"suishen-demo-issuer", hashlib.sha256).digest()

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self._key, f"{PREFIX}.{body}".encode(), hashlib.sha256).digest())

    def issue(self, id_number: str, name: str, now: datetime, ttl: timedelta) -> str:
        claims = {
            "sub": keyed_hash(self._secret_key, id_number),
            "name": mask_name(name),
            "iat": int(now.timestamp()),
            "exp": int((now + ttl).timestamp()),
        }
        body = _b64(json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode())
        return f"{PREFIX}.{body}.{self._sign(body)}"

    def verify(self, payload: str, now: datetime) -> VerifiedCode:
        payload = payload.strip()
        if len(payload) > MAX_PAYLOAD:
            raise BadInput("This is not a Suishen code (too long). Scan the code again.")
        parts = payload.split(".")
        if len(parts) != 3 or parts[0] != PREFIX:
            raise BadInput("This is not a Suishen code. Scan the code shown in the Suishen app.")
        _, body, signature = parts
        if not hmac.compare_digest(self._sign(body), signature):
            raise NotAuthenticated("This Suishen code's signature does not check out; refused.")
        try:
            claims = json.loads(_unb64(body))
            sub, name = str(claims["sub"]), str(claims["name"])
            issued = datetime.fromtimestamp(int(claims["iat"]), UTC)
            expires = datetime.fromtimestamp(int(claims["exp"]), UTC)
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise BadInput("This Suishen code cannot be read. Scan it again.") from exc
        if expires + CLOCK_SLACK < now:
            raise NotAuthenticated(
                "This Suishen code has expired. Refresh it in the app and scan it again."
            )
        if issued - CLOCK_SLACK > now:
            raise NotAuthenticated("This Suishen code is not valid yet; check the phone's clock.")
        return VerifiedCode(id_hash=sub, masked_name=name, expires_at=expires)

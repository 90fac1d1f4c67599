"""Suishen code verification: an adapter interface and the demo issuer the back office runs.

A demo code is `SSM2.<key id>.<payload>.<signature>`: base64url JSON {sub, name, iat, exp, jti},
signed with HMAC-SHA256 under the Suishen-issuer key (`backoffice.keys`, the key id says which).
`sub` is the keyed hash of the holder's ID number and `name` is already masked, so a code read
off a screen gives away nothing. Expired, tampered and malformed codes are refused; a code is
used once (`service.identify` records it).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from backoffice.errors import BadInput, NotAuthenticated
from backoffice.keys import Keys, Purpose, UnknownKey
from backoffice.suishen.personal import keyed_hash, mask_name

PREFIX = "SSM2"
MAX_PAYLOAD = 1024
# A code on a phone refreshes every minute; a little slack covers the two clocks.
CLOCK_SLACK = timedelta(seconds=30)
DEFAULT_TTL = timedelta(minutes=3)


@dataclass(frozen=True)
class VerifiedCode:
    id_hash: str
    masked_name: str
    expires_at: datetime
    # Names this code and nothing else: the used-codes table keeps it, so it is used once.
    code_digest: str


class SuishenVerifier(Protocol):
    def verify(self, payload: str, now: datetime) -> VerifiedCode:
        """The holder of a scanned code; raises NotAuthenticated/BadInput when refused."""
        ...


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def code_digest(payload: str) -> str:
    return hashlib.sha256(payload.strip().encode()).hexdigest()


class DemoIssuer:
    """Issues and verifies demo codes with a key only the back office holds; a code lives
    `ttl` (minutes) unless the issuer is asked for another lifetime."""

    def __init__(self, keys: Keys, ttl: timedelta = DEFAULT_TTL) -> None:
        self._keys = keys
        self.ttl = ttl

    def _sign(self, key_id: int, signed: str) -> str:
        key = self._keys.key(Purpose.SUISHEN, key_id)
        return _b64(hmac.new(key, signed.encode(), hashlib.sha256).digest())

    def issue(self, id_number: str, name: str, now: datetime, ttl: timedelta | None = None) -> str:
        claims = {
            "sub": keyed_hash(self._keys, id_number),
            "name": mask_name(name),
            "iat": int(now.timestamp()),
            "exp": int((now + (ttl or self.ttl)).timestamp()),
            "jti": secrets.token_urlsafe(9),
        }
        body = _b64(json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode())
        key_id = self._keys.current_id(Purpose.SUISHEN)
        signed = f"{PREFIX}.{key_id}.{body}"
        return f"{signed}.{self._sign(key_id, signed)}"

    def verify(self, payload: str, now: datetime) -> VerifiedCode:
        payload = payload.strip()
        if len(payload) > MAX_PAYLOAD:
            raise BadInput("This is not a Suishen code (too long). Scan the code again.")
        parts = payload.split(".")
        if len(parts) != 4 or parts[0] != PREFIX or not parts[1].isdigit():
            raise BadInput("This is not a Suishen code. Scan the code shown in the Suishen app.")
        _, key_id, body, signature = parts
        try:
            expected = self._sign(int(key_id), f"{PREFIX}.{key_id}.{body}")
        except UnknownKey:
            expected = ""
        if not expected or not hmac.compare_digest(expected, signature):
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
        return VerifiedCode(
            id_hash=sub, masked_name=name, expires_at=expires, code_digest=code_digest(payload)
        )

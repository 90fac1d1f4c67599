"""Keys per purpose, derived from the master secret with HKDF (or configured one by one), each
with a key id so signed tokens say which key made them and keys can rotate.

Key id 0 is the derivation used before keys were separated (HMAC under the raw master secret);
it is kept only for the keyed hashes stored in the database (ID numbers, phone numbers), which
cannot be re-hashed because only the hash is kept: a deployment with such data sets
`ZHILI_HASH_KEY_ID=0`. Signed tokens (Suishen demo codes, print tickets) live minutes to days and
are never accepted under key id 0.
"""

from __future__ import annotations

import hashlib
import hmac
from enum import StrEnum

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from backoffice.settings import Settings


class Purpose(StrEnum):
    ID_HASH = "id-hash"  # keyed hashes of ID numbers
    PHONE = "phone"  # keyed digests of callers' phone numbers
    PRINT_TICKET = "print-ticket"  # medical booklet print tickets
    # The in-process demo Suishen issuer's, before codes came from the Suishen service (its
    # HTTP adapter); kept so that ZHILI_KEYS naming it stays valid.
    SUISHEN = "suishen-issuer"
    CONTACT = "contact"  # AES-GCM encryption of contacts kept for callbacks (backoffice.contacts)
    # Page sessions and card challenges need no key of ours: they are random values stored as
    # digests or rows. Card verification uses the issuer's keys, held by its adapter.


LEGACY_KEY_ID = 0
DERIVED_KEY_ID = 1
# Keyed hashes stored in the database; key id 0 (the raw secret) stays available for them.
HASHED = frozenset({Purpose.ID_HASH, Purpose.PHONE})


class UnknownKey(Exception):
    """A token names a key id this back office does not hold (rotated out, or forged)."""


class Keys:
    """The back office's keys. `sign`/`verify` put and check a key id in front of a MAC."""

    def __init__(
        self,
        master_secret: str,
        configured: dict[str, str] | None = None,
        hash_key_id: int = DERIVED_KEY_ID,
    ) -> None:
        if hash_key_id not in (LEGACY_KEY_ID, DERIVED_KEY_ID):
            raise ValueError("hash_key_id is 0 (the old derivation) or 1 (HKDF)")
        self._master = master_secret.encode()
        self._configured = {Purpose(k): v.encode() for k, v in (configured or {}).items()}
        self.hash_key_id = hash_key_id
        self._derived: dict[Purpose, bytes] = {}

    @classmethod
    def of(cls, settings: Settings) -> Keys:
        return cls(settings.effective_secret_key(), settings.keys, settings.hash_key_id)

    def current_id(self, purpose: Purpose) -> int:
        return self.hash_key_id if purpose in HASHED else DERIVED_KEY_ID

    def key(self, purpose: Purpose, key_id: int | None = None) -> bytes:
        key_id = self.current_id(purpose) if key_id is None else key_id
        if key_id == DERIVED_KEY_ID:
            if purpose in self._configured:
                return self._configured[purpose]
            if purpose in self._derived:
                return self._derived[purpose]
            key = self._derived[purpose] = HKDF(
                algorithm=hashes.SHA256(),
                length=32,
                salt=b"zhili-keys-v1",
                info=f"zhili/{purpose.value}".encode(),
            ).derive(self._master)
            return key
        if key_id == LEGACY_KEY_ID and purpose in HASHED:
            return self._master
        raise UnknownKey(f"no key {key_id} for {purpose.value}")

    def keyed_hash(self, purpose: Purpose, value: str) -> str:
        """HMAC-SHA256 (hex) under the purpose's current key: a stable look-up value."""
        return hmac.new(self.key(purpose), value.encode(), hashlib.sha256).hexdigest()

    def sign(self, purpose: Purpose, message: bytes, size: int = 32) -> str:
        """`<key id>:<hex MAC>` of `message`."""
        key_id = self.current_id(purpose)
        mac = hmac.new(self.key(purpose, key_id), message, hashlib.sha256).hexdigest()[:size]
        return f"{key_id}:{mac}"

    def verify(self, purpose: Purpose, message: bytes, signature: str, size: int = 32) -> bool:
        """True when `signature` is a MAC of `message` under a key this back office holds."""
        kid, _, mac = signature.partition(":")
        if not kid.isdigit() or int(kid) != DERIVED_KEY_ID:
            return False
        expected = hmac.new(self.key(purpose, int(kid)), message, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected[:size], mac)

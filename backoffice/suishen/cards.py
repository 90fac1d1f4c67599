"""Card reads proven by the card: the internal-authentication answer and who checks it.

The kiosk asks the back office for a one-time challenge, the card answers it with a MAC under
its own key, and the back office has a card verifier check the answer. The MAC covers the
challenge, the card number and the cardholder data read from the card, so the ID number the
back office keeps is the one the card vouched for.

The message, as the card computes it (the virtual card in `simulators/` encodes it on its own):

    challenge (8 bytes) || card number (9 bytes ASCII, right-padded with 00)
    || ID number (18 bytes ASCII) || name (30 bytes GBK, right-padded with 00)

MAC: SM4 in CBC mode with a zero IV over the message padded by ISO/IEC 9797-1 method 2 (80,
then 00 to a whole block); the first 8 bytes of the last block. The card's key is SM4-ECB of
the card number (ASCII, left-padded with '0' to 16 bytes) under the issuer's master key: only
the issuer (its key service or encryption machine) and the card can make it.
"""

from __future__ import annotations

import hmac
import importlib
from typing import Protocol

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from backoffice.settings import DEMO_ADAPTER, Settings, StartupRefused

CHALLENGE_BYTES = 8
MAC_BYTES = 8
BLOCK = 16
CARD_NUMBER_BYTES = 9
NAME_BYTES = 30


class CardVerifier(Protocol):
    """The issuer's side of internal authentication (in production its key service)."""

    def verify(self, card_number: str, message: bytes, mac: bytes) -> bool:
        """True when `mac` is the card `card_number`'s answer over `message`."""
        ...


def card_message(challenge: bytes, card_number: str, id_number: str, name: str) -> bytes:
    """What the card's MAC covers (see the module docstring). Raises ValueError when a field
    does not fit the card's records."""
    number = card_number.encode("ascii")
    name_bytes = name.encode("gbk")
    if len(challenge) != CHALLENGE_BYTES or len(number) > CARD_NUMBER_BYTES:
        raise ValueError("challenge or card number of the wrong size")
    if len(id_number) != 18 or len(name_bytes) > NAME_BYTES:
        raise ValueError("ID number or name of the wrong size")
    return (
        challenge
        + number.ljust(CARD_NUMBER_BYTES, b"\x00")
        + id_number.encode("ascii")
        + name_bytes.ljust(NAME_BYTES, b"\x00")
    )


def _sm4_ecb(key: bytes, block: bytes) -> bytes:
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()  # noqa: S305 (one block)
    return encryptor.update(block) + encryptor.finalize()


def sm4_cbc_mac(key: bytes, message: bytes) -> bytes:
    padded = message + b"\x80"
    padded += b"\x00" * (-len(padded) % BLOCK)
    encryptor = Cipher(algorithms.SM4(key), modes.CBC(b"\x00" * BLOCK)).encryptor()
    return (encryptor.update(padded) + encryptor.finalize())[-BLOCK:][:MAC_BYTES]


def diversify(master_key: bytes, card_number: str) -> bytes:
    return _sm4_ecb(master_key, card_number.encode("ascii").rjust(BLOCK, b"0")[-BLOCK:])


class IssuerKeyVerifier:
    """Checks answers with the issuer master key held in this process: the demo adapter's
    way; a production adapter asks the issuer's key service instead."""

    def __init__(self, master_key: bytes) -> None:
        self._master = master_key

    def verify(self, card_number: str, message: bytes, mac: bytes) -> bool:
        expected = sm4_cbc_mac(diversify(self._master, card_number), message)
        return hmac.compare_digest(expected, mac)


# The demo issuer's master key. The virtual card of `simulators/` is personalised from it; a
# real card's key never comes from here (the demo adapter is refused outside demo mode).
DEMO_ISSUER_MASTER_KEY = bytes.fromhex("5a48494c492d44454d4f2d4953535545")


def card_verifier(settings: Settings) -> CardVerifier:
    """The adapter the settings name: 'demo' (demo mode only) or 'package.module:factory'."""
    if settings.card_verifier == DEMO_ADAPTER:
        if not settings.demo:
            raise StartupRefused("ZHILI_CARD_VERIFIER=demo is allowed in demo mode only.")
        return IssuerKeyVerifier(DEMO_ISSUER_MASTER_KEY)
    module_name, _, factory_name = settings.card_verifier.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), factory_name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise StartupRefused(
            f"ZHILI_CARD_VERIFIER={settings.card_verifier!r} names no adapter: give "
            "'package.module:factory'."
        ) from exc
    verifier: CardVerifier = factory(settings)
    return verifier

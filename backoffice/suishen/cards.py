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
the issuer (its key service or encryption machine) and the card can make it, so the back office
asks the issuer (ZHILI_CARD_VERIFIER; the HTTP adapter is `upstream.HttpCardVerifier`).
"""

from __future__ import annotations

from typing import Protocol

CHALLENGE_BYTES = 8
MAC_BYTES = 8
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

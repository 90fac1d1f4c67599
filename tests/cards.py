"""The demo issuer's card answering challenges, for tests that post card reads (the virtual card
of simulators.vpcd_card computes the answer with its own encoder; the back office has the card
issuer peer of simulators.upstream_peers check it)."""

from __future__ import annotations

from collections.abc import Callable

from kiosk.devices.apdu import command
from kiosk.devices.base import CardAnswer, CardIdentity, CardInserted
from simulators.vpcd_card import SSSE_NAME, CardHolder, SocialSecurityCardModel


def card_answer(challenge: str, id_number: str, name: str, card_number: str = "A01234567") -> str:
    """What the virtual social-security card (simulators.vpcd_card, the demo issuer's card)
    answers to `challenge` with these records: its INTERNAL AUTHENTICATE answer, in hex."""
    holder = CardHolder(name=name, id_number=id_number, card_number=card_number)
    card = SocialSecurityCardModel(holder)
    card.respond(command(0x00, 0xA4, 0x04, 0x00, SSSE_NAME))
    raw = card.respond(command(0x00, 0x88, 0x00, 0x00, bytes.fromhex(challenge), le=8))
    assert raw[-2:] == b"\x90\x00", raw.hex()
    return raw[:-2].hex()


def proven(identity: CardIdentity, challenges: Callable[[], bytes | None]) -> CardInserted:
    """A card inserted that answered a fresh challenge of the back office (``challenges``: the
    kiosk's ``BackOfficeClient.card_challenge``), as the PC/SC reader reports it."""
    challenge = challenges()
    assert challenge is not None, "the back office gave no challenge"
    answer = card_answer(challenge.hex(), identity.id_number, identity.name, identity.card_number)
    return CardInserted(identity, CardAnswer(challenge.hex(), answer))

"""The demo issuer's card answering challenges, for tests that post card reads (the virtual card
of simulators.vpcd_card computes the answer with its own encoder)."""

from __future__ import annotations

from collections.abc import Callable

from backoffice.settings import Settings
from backoffice.suishen.cards import DEMO_ISSUER_MASTER_KEY, CardVerifier, IssuerKeyVerifier
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


def issuer_key_service(_settings: Settings) -> CardVerifier:
    """A card-verification adapter named the production way (ZHILI_CARD_VERIFIER=
    'tests.cards:issuer_key_service'), holding the demo issuer's key: what lets a test run the
    back office outside demo mode and still identify the virtual card."""
    return IssuerKeyVerifier(DEMO_ISSUER_MASTER_KEY)


# Settings of a back office outside demo mode, for
# `@pytest.mark.parametrize("settings", [PRODUCTION], indirect=True)`.
PRODUCTION = {"demo": False, "card_verifier": "tests.cards:issuer_key_service"}

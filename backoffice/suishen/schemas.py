"""Identification bodies: the evidence a terminal posts, and what it gets back."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from backoffice.suishen.models import Proof

HEX_8_BYTES = r"^[0-9a-fA-F]{16}$"


class CardRead(BaseModel):
    """The records read off the card, exactly as the card's answer covers them."""

    model_config = ConfigDict(extra="forbid")

    card_number: str = Field(pattern=r"^[A-Za-z0-9]{1,9}$", repr=False)
    id_number: str = Field(min_length=18, max_length=18, repr=False)
    name: str = Field(min_length=1, max_length=15, repr=False)


class CardEvidence(BaseModel):
    """A card read proven by the card: the records read, the challenge the back office gave
    this terminal, and the card's answer (its MAC over both). Hashed and masked on arrival."""

    model_config = ConfigDict(extra="forbid")

    proof: Literal["card"]
    card: CardRead | None = None
    challenge: str | None = Field(default=None, pattern=HEX_8_BYTES)
    answer: str | None = Field(default=None, pattern=HEX_8_BYTES, repr=False)
    # A bare ID number and name (the unproven read of earlier versions): refused, with why.
    id_number: str | None = Field(default=None, max_length=40, repr=False)
    name: str | None = Field(default=None, max_length=40, repr=False)


class ChallengeOut(BaseModel):
    """For the card's internal authentication: 8 bytes in hex, answered once, in time, from
    this terminal."""

    challenge: str
    expires_at: datetime


class IdCardEvidence(BaseModel):
    """What the terminal's resident ID card reader read off the card. Nothing in it is proven
    by the card: it is taken on the terminal's token, and recorded as an ``id_card`` proof."""

    model_config = ConfigDict(extra="forbid")

    proof: Literal["id_card"]
    id_number: str = Field(min_length=18, max_length=18, repr=False)
    name: str = Field(min_length=1, max_length=40, repr=False)
    valid_to: date | None = Field(
        default=None, description="The card's last valid day; null for a long-term (长期) card"
    )


class SuishenEvidence(BaseModel):
    model_config = ConfigDict(extra="forbid")

    proof: Literal["suishen"]
    payload: str = Field(min_length=1, max_length=2048, repr=False)


class TypedEvidence(BaseModel):
    """Accepted only to refuse it with a clear message."""

    model_config = ConfigDict(extra="allow")

    proof: Literal["typed"]


Evidence = Annotated[
    CardEvidence | IdCardEvidence | SuishenEvidence | TypedEvidence, Field(discriminator="proof")
]


class IdentificationOut(BaseModel):
    token: str
    proof: Proof
    masked_id: str | None
    masked_name: str
    expires_at: datetime

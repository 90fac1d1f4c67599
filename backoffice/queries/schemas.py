"""Query answers as a kiosk shows, prints and reads them: each value with its label, unit and
plain words in Chinese and English."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from backoffice.catalog.queries import Asks, Unit, Words


class ValueOut(BaseModel):
    name: str
    label: Words
    unit: Unit
    value: str | int | float = Field(description="As the source gave it; names masked.")
    text: Words = Field(description="The value in plain words, in each language.")


class PersonOut(BaseModel):
    """Whom an identified query was about, masked as on the slip."""

    masked_name: str
    masked_id: str | None


class QueryAnswerOut(BaseModel):
    code: str
    name: Words
    asks: Asks
    reference: str | None = None
    person: PersonOut | None = None
    as_of: datetime
    rows: list[list[ValueOut]] = Field(
        description="One row for a record, one per entry for a list."
    )

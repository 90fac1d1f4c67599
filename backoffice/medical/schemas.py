"""Records as the kiosk prints them, and print confirmations."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class RecordLine(BaseModel):
    seq: int
    page: int
    line: int
    visit_date: date
    institution: str
    department: str
    kind: str
    total_yuan: str
    fund_yuan: str
    self_yuan: str


class RecordsOut(BaseModel):
    masked_name: str
    masked_id: str | None = Field(description="The ID number masked, to head printed pages.")
    print_ticket: str = Field(
        description=(
            "Confirms prints of these lines (POST /prints with `ticket`) for "
            "7 days, without the identification: a kiosk that lost its network sends the "
            "confirmation later. It can confirm lines and nothing else."
        )
    )
    lines_per_page: int
    pages_per_booklet: int
    next_page: int
    next_line: int
    lines: list[RecordLine]
    booklet_full: bool = Field(description="More lines wait than the booklet has room for.")
    booklet_number: int = Field(
        default=1,
        description="Which of the person's booklets the lines go into (1: the first); a new "
        "one starts on page 1. Send it back with the print confirmation.",
    )
    booklet_serial: str | None = Field(
        default=None, description="The booklet's number on its cover, once registered."
    )


class PrintConfirm(BaseModel):
    """The position of the last line printed; everything before it counts as printed."""

    model_config = ConfigDict(extra="forbid")

    page: int = Field(ge=1, le=1000)
    line: int = Field(ge=1, le=1000)
    ticket: str | None = Field(
        default=None,
        max_length=100,
        description="The `print_ticket` of GET /records; or send the X-Identification header.",
    )
    booklet: int | None = Field(
        default=None,
        ge=1,
        le=1000,
        description="The `booklet_number` of GET /records: a confirmation for a booklet "
        "replaced since is refused (409) instead of counted in the new one.",
    )


class ProgressOut(BaseModel):
    printed_through_seq: int
    next_page: int
    next_line: int
    remaining: int

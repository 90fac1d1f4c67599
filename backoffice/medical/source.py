"""The upstream medical-insurance system behind a small interface. The adapter is chosen by
ZHILI_MEDICAL_ADAPTER (`backoffice.wiring`); the HTTP one is in `upstream`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol


@dataclass(frozen=True)
class VisitRecord:
    """One line of the booklet: a visit and what it cost, amounts in fen."""

    seq: int  # upstream order of the record for this person, from 1
    visit_date: date
    institution: str
    department: str
    kind: str  # 门诊 / 急诊 / 住院 / 药店
    total_fen: int
    fund_fen: int  # paid by the insurance fund
    self_fen: int  # paid by the person


@dataclass(frozen=True)
class InsuredRecords:
    """A person's records upstream, in upstream order, and the booklet the upstream says the
    person holds now (None when it does not say)."""

    records: list[VisitRecord]
    booklet_serial: str | None = None


class MedicalRecordSource(Protocol):
    def records(self, id_hash: str) -> InsuredRecords | None:
        """The person's records, or None when upstream does not know them; raises
        UpstreamUnavailable when the upstream cannot say."""
        ...

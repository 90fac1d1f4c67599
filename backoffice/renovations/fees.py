"""The clearance fee by expected volume (缴费前置: paid before any booking), from the schedule
in assets/renovations/fees.json."""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path

FEES_FILE = Path(__file__).resolve().parents[2] / "assets" / "renovations" / "fees.json"


@dataclass(frozen=True)
class FeeSchedule:
    tiers: tuple[tuple[float, int], ...]  # (up to m³, fee in cents), ascending
    per_m3_over_cents: int
    max_m3: float

    def fee_cents(self, volume_m3: float) -> int:
        """The fee for `volume_m3`: the first tier that holds it, else the last tier plus each
        further cubic metre (rounded up)."""
        if not 0 < volume_m3 <= self.max_m3:
            raise ValueError(f"volume must be above 0 and at most {self.max_m3:g} m³")
        for up_to, cents in self.tiers:
            if volume_m3 <= up_to:
                return cents
        last_up_to, last_cents = self.tiers[-1]
        return last_cents + math.ceil(volume_m3 - last_up_to) * self.per_m3_over_cents


@functools.cache
def schedule(path: Path = FEES_FILE) -> FeeSchedule:
    data = json.loads(path.read_text(encoding="utf-8"))
    tiers = tuple(sorted((float(t["up_to_m3"]), int(t["fee_cents"])) for t in data["tiers"]))
    return FeeSchedule(tiers, int(data["per_m3_over_cents"]), float(data["max_m3"]))


def yuan(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"

"""Device health as the fleet heartbeat reports it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class DeviceState(StrEnum):
    READY = "ready"
    BUSY = "busy"
    FAULT = "fault"
    ABSENT = "absent"


@dataclass(frozen=True)
class DeviceHealth:
    """What the fleet heartbeat reports for one device."""

    state: DeviceState
    reason: str | None = None

    def as_json(self) -> dict[str, str | None]:
        return {"state": self.state.value, "reason": self.reason}

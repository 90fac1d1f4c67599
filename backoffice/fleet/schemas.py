"""Request and response bodies of the fleet API."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from backoffice.fleet.models import AlertKind, CommandKind, CommandStatus, TerminalKind
from backoffice.privacy import FreeText

TERMINAL_CODE = r"^[A-Za-z0-9][A-Za-z0-9_-]{1,39}$"
APP_VERSION = r"^\d{1,4}\.\d{1,4}(\.\d{1,4})?([-+.][0-9A-Za-z.]{1,20})?$"
SCREEN_NAME = r"^[a-z][a-z0-9_]{0,59}$"


SERVICE_CODE = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$"


def _both_or_neither(lon: float | None, lat: float | None) -> None:
    if (lon is None) != (lat is None):
        raise ValueError("Give both lon and lat (WGS84 degrees), or neither.")


class TerminalCreate(BaseModel):
    code: str = Field(pattern=TERMINAL_CODE, description="Short id painted on the terminal.")
    name: str = Field(min_length=1, max_length=100)
    kind: TerminalKind
    place: str = Field(default="", max_length=200)
    lon: float | None = Field(
        default=None,
        ge=-180,
        le=180,
        description="Where it stands (WGS84), with lat; else the map uses the site `place` names.",
    )
    lat: float | None = Field(default=None, ge=-90, le=90)
    enabled_services: list[Annotated[str, Field(pattern=SERVICE_CODE)]] = Field(
        default_factory=list,
        max_length=500,
        description="Catalog matter codes this terminal offers; empty: all its kind shows.",
    )

    @model_validator(mode="after")
    def _point(self) -> TerminalCreate:
        _both_or_neither(self.lon, self.lat)
        return self


class TerminalUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=100)
    kind: TerminalKind | None = None
    place: str | None = Field(default=None, max_length=200)
    enabled_services: list[Annotated[str, Field(pattern=SERVICE_CODE)]] | None = Field(
        default=None, max_length=500
    )
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)

    @model_validator(mode="after")
    def _point(self) -> TerminalUpdate:
        _both_or_neither(self.lon, self.lat)
        return self


class EnrollmentCodeOut(BaseModel):
    terminal_code: str
    enrollment_code: str
    expires_at: datetime


class EnrollRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"code": "ABCDE-FGH23", "app_version": "0.1.0"}]}
    )

    code: str = Field(min_length=4, max_length=40)
    app_version: str = Field(pattern=APP_VERSION)


class EnrollResponse(BaseModel):
    terminal_code: str
    token: str
    heartbeat_interval_s: int


class DeviceState(StrEnum):
    READY = "ready"
    BUSY = "busy"
    FAULT = "fault"
    ABSENT = "absent"


class DeviceHealth(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: DeviceState
    reason: FreeText | None = Field(default=None, max_length=200)


class OutboxProblem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["refused", "corrupt"] = Field(
        description="refused: the back office refused an item (kept on the kiosk); corrupt: the "
        "outbox file was corrupt, moved aside and a fresh one started."
    )
    detail: str = Field(max_length=300)


class OutboxReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pending: int = Field(ge=0, le=10_000_000)
    problems: list[OutboxProblem] = Field(default_factory=list, max_length=20)


class HeartbeatIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "app_version": "0.1.0",
                    "screen": "home",
                    "language": "zh",
                    "elder_mode": False,
                    "devices": {"printer": {"state": "ready"}, "card_reader": {"state": "ready"}},
                    "disk_free_mb": 20480,
                }
            ]
        },
    )

    app_version: str = Field(pattern=APP_VERSION)
    screen: str = Field(pattern=SCREEN_NAME)
    language: Literal["zh", "en"]
    elder_mode: bool
    devices: dict[
        Literal["printer", "card_reader", "id_card_reader", "qr_camera"], DeviceHealth
    ] = Field(default_factory=dict)
    disk_free_mb: int | None = Field(default=None, ge=0, le=100_000_000)
    outbox: OutboxReport | None = Field(
        default=None, description="The kiosk outbox: items waiting, and problems since last time."
    )


def _absent(value: object) -> bool:
    return value is None


class CommandPayload(BaseModel):
    """What a command carries: a lock's message, or push_config's settings; absent keys are
    left out of the answer."""

    message: str | None = Field(default=None, exclude_if=_absent)
    config: dict[str, str | int | float | bool] | None = Field(default=None, exclude_if=_absent)


class PendingCommand(BaseModel):
    id: int
    kind: CommandKind
    payload: CommandPayload


class DeviceHealthOut(BaseModel):
    state: DeviceState
    reason: str | None = None


class HeartbeatOut(BaseModel):
    server_time: datetime
    heartbeat_interval_s: int
    commands: list[PendingCommand]


class TerminalOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    kind: TerminalKind
    place: str
    lon: float | None = None
    lat: float | None = None
    enrolled: bool
    online: bool
    last_seen_at: datetime | None
    app_version: str | None
    screen: str | None
    devices: dict[str, DeviceHealthOut]
    enabled_services: list[str] = Field(default_factory=list)
    heartbeat_count: int = 0


class HeartbeatRecordOut(BaseModel):
    received_at: datetime
    app_version: str
    screen: str
    language: str
    elder_mode: bool
    devices: dict[str, DeviceHealthOut]
    disk_free_mb: int | None


class CommandCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: CommandKind
    message: FreeText | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="What the out-of-service screen says (lock only).",
    )
    config: dict[str, str | int | float | bool] | None = Field(
        default=None, description="Settings to push (push_config only)."
    )


class CommandOut(BaseModel):
    id: int
    terminal_code: str
    kind: CommandKind
    payload: CommandPayload
    status: CommandStatus
    created_by: str
    created_at: datetime
    delivered_at: datetime | None
    finished_at: datetime | None
    result: str | None
    has_screenshot: bool


class CommandAck(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ok: bool
    result: FreeText = Field(default="", max_length=500)


class AlertOut(BaseModel):
    id: int
    terminal_code: str
    kind: AlertKind
    message: str
    opened_at: datetime
    closed_at: datetime | None
    device: str | None = Field(default=None, description="The device of a 'device' alert.")
    case_number: str | None = Field(
        default=None, description="The kiosk-fault case a silent or device alert opened."
    )


class AuditOut(BaseModel):
    at: datetime
    actor: str
    action: str
    terminal_code: str | None
    detail: dict[str, str | int | float | bool | list[str] | CommandPayload | None]


class SilentCheckOut(BaseModel):
    changed: int = Field(
        description="Fleet alerts and kiosk-fault cases the check opened or closed."
    )

"""Request and response bodies of the identity API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from backoffice.access import Role

USERNAME = r"^[a-z][a-z0-9_.-]{2,63}$"


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class TokenOut(BaseModel):
    token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth token type, not a secret)
    expires_at: datetime | None = None


class StaffCreate(BaseModel):
    username: str = Field(pattern=USERNAME, description="Lower-case letters, digits, _ . -")
    password: str = Field(min_length=10, max_length=200)
    role: Role
    display_name: str = Field(default="", max_length=100)
    unit_code: str | None = Field(default=None, max_length=40)


class StaffOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    username: str
    display_name: str
    role: Role
    unit_code: str | None
    active: bool


class Me(BaseModel):
    kind: str
    name: str
    role: Role | None
    unit_code: str | None
    terminal_code: str | None


class StaffChange(BaseModel):
    active: bool = Field(description="false disables the account: its tokens and sessions stop")


class UnitTokenOut(BaseModel):
    id: int
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

"""Settings of the ops-centre pages, read from ZHILI_WEB_* environment variables."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ZHILI_WEB_", extra="ignore")

    cookie_secure: bool = Field(
        default=False,
        description=(
            "Send the sign-in cookies only over HTTPS in demo mode too. Outside demo mode "
            "(ZHILI_DEMO) they are always Secure: the pages are served behind TLS."
        ),
    )

    def secure_cookies(self, demo: bool) -> bool:
        return self.cookie_secure or not demo

    session_hours: float = Field(
        default=12, gt=0, le=72, description="Hours a page sign-in lasts (one shift)."
    )
    idle_minutes: float = Field(
        default=120,
        gt=0,
        description="Minutes without a page request after which the sign-in ends.",
    )
    refresh_s: int = Field(
        default=15, ge=2, le=600, description="Seconds between the dashboard's own refreshes."
    )
    alarm_escalate_minutes: float = Field(
        default=15,
        gt=0,
        description=(
            "Minutes an AI-patrol alarm may ring unacknowledged before it is escalated to the "
            "shift leader: their pages mark it, and the subdistrict's ops centre unit is "
            "notified (event alarm.escalated). The alarm itself rings until acknowledged, "
            "however old."
        ),
    )


@lru_cache
def get_web_settings() -> WebSettings:
    return WebSettings()

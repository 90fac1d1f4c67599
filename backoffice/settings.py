"""Back-office settings, read from ZHILI_* environment variables (pydantic-settings)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("var")


class Settings(BaseSettings):
    """Everything an operator may set. Each field says what it does."""

    model_config = SettingsConfigDict(env_prefix="ZHILI_", extra="ignore")

    data_dir: Path = Field(
        default=DEFAULT_DATA_DIR,
        description="Folder for the SQLite file, photos, camera frames and kiosk screenshots.",
    )
    database_url: str = Field(
        default="",
        description=(
            "SQLAlchemy URL of the database. Empty means a SQLite file "
            "zhili.sqlite3 under data_dir; use postgresql+psycopg://… in production."
        ),
    )
    migrate_on_start: bool = Field(
        default=True, description="Apply Alembic migrations when the server starts."
    )
    secret_key: str = Field(
        default="zhili-dev-secret-change-me",
        description=(
            "Key for the keyed hashes of ID numbers and for signatures. "
            "Set a long random value in production and keep it stable."
        ),
    )
    heartbeat_interval_s: int = Field(
        default=30, ge=5, le=3600, description="Seconds between kiosk heartbeats."
    )
    offline_after_s: int = Field(
        default=90,
        ge=10,
        description="A terminal with no heartbeat for this many seconds is reported offline.",
    )
    enrollment_code_ttl_h: int = Field(
        default=72, ge=1, le=24 * 30, description="Hours an enrollment code stays valid."
    )
    heartbeat_flush_interval_s: float = Field(
        default=1.0,
        ge=0,
        le=60,
        description=(
            "Seconds between batched writes of the terminals' latest heartbeat state; "
            "0 writes every heartbeat in its own request."
        ),
    )
    heartbeat_history_every_s: int = Field(
        default=300,
        ge=0,
        description=(
            "Keep one heartbeat history row per terminal this often (and whenever its device "
            "health or app version changes); 0 keeps every heartbeat."
        ),
    )
    token_cache_s: float = Field(
        default=5.0,
        ge=0,
        le=60,
        description=(
            "Seconds a bearer token lookup (kiosk or staff) is cached: a revoked token, or a "
            "disabled account or changed role, takes effect that much later."
        ),
    )
    rating_rectification_working_days: int = Field(
        default=5, ge=1, le=60, description="Working days to rectify after a bad rating."
    )
    log_level: str = Field(default="INFO", description="Python logging level name.")
    demo: bool = Field(
        default=False,
        description=(
            "Demo mode (ZHILI_DEMO=1, what `make demo` runs): the pages on plain "
            "http://127.0.0.1, so their cookies go without Secure; the API documentation is on."
        ),
    )
    api_docs: bool = Field(
        default=False,
        description=(
            "Serve the API documentation at /docs and its schema at /openapi.json (always on "
            "in demo mode). Off in production: the schema maps every endpoint for an attacker."
        ),
    )
    scheduler_poll_s: float = Field(
        default=5.0,
        ge=0,
        description=(
            "Seconds between runs of the periodic jobs (time-limit checks, webhook "
            "deliveries); 0 turns the in-process scheduler off, e.g. when workers run them."
        ),
    )

    @property
    def docs_enabled(self) -> bool:
        return self.api_docs or self.demo

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'zhili.sqlite3').resolve()}"


@lru_cache
def get_settings() -> Settings:
    return Settings()

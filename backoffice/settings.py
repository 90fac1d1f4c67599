"""Back-office settings, read from ZHILI_* environment variables (pydantic-settings)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATA_DIR = Path("var")
# The development secret of earlier versions: accepted in demo mode only.
DEFAULT_SECRET_KEY = "zhili-dev-secret-change-me"  # noqa: S105 (a known, refused value)
DEMO_ADAPTER = "demo"
# The settings that name an upstream adapter ('package.module:factory'). Empty (or 'demo') means
# the HTTP adapter pointed at the demo peers of `simulators/`, in demo mode only; outside it the
# back office refuses to start without each (`check_safe_to_serve`). A new upstream adds its
# setting here.
ADAPTER_SETTINGS: tuple[str, ...] = (
    "card_verifier",
    "suishen_adapter",
    "medical_adapter",
    "query_adapter",
)


class StartupRefused(Exception):
    """The settings are not safe to serve with; the message says what to set."""


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
    demo: bool = Field(
        default=False,
        description=(
            "Demo mode (ZHILI_DEMO=1, set by `make demo`): allows the development secret and "
            "unset upstream adapters (the HTTP adapters then talk to the demo peers), and says "
            "so in the log and on every page; the pages on plain http (cookies without Secure) "
            "and the API documentation on. Never in production."
        ),
    )
    secret_key: str = Field(
        default="",
        description=(
            "Master secret (at least 32 characters) from which each purpose's key is derived "
            "with HKDF: ID-number hashes, phone digests, print tickets. Required outside demo "
            "mode; keep it stable. Generate one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        ),
    )
    keys: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Keys configured one by one instead of derived, as JSON by purpose, e.g. "
            'ZHILI_KEYS=\'{"id-hash": "...", "print-ticket": "..."}\' (purposes: id-hash, '
            "phone, print-ticket, suishen-issuer, contact)."
        ),
    )
    hash_key_id: int = Field(
        default=1,
        ge=0,
        le=1,
        description=(
            "Key id of the keyed hashes of ID numbers and phone numbers: 1 (HKDF-derived "
            "key) for a new installation; 0 keeps the hashes stored before keys were "
            "separated readable (HMAC under the raw secret)."
        ),
    )
    card_verifier: str = Field(
        default=DEMO_ADAPTER,
        description=(
            "Who checks a card's answer to a challenge: 'package.module:factory' naming the "
            "issuer's key service adapter (a callable taking the settings and returning a "
            "CardVerifier); backoffice.suishen.upstream:http_card_verifier is the HTTP one "
            "(ZHILI_CARD_VERIFIER_URL). 'demo' or empty: the HTTP adapter pointed at the demo "
            "card issuer peer (demo mode only)."
        ),
    )
    card_verifier_url: str = Field(
        default="",
        description="Base URL of the card issuer's key service (the HTTP card verifier); in "
        "demo mode empty means the demo peer, http://127.0.0.1:9203.",
    )
    suishen_adapter: str = Field(
        default="",
        description=(
            "Who verifies a scanned Suishen code: 'package.module:factory' (a callable taking "
            "the settings and returning a SuishenVerifier); "
            "backoffice.suishen.upstream:http_suishen_verifier is the HTTP one "
            "(ZHILI_SUISHEN_URL). Empty: the HTTP adapter pointed at the demo peer (demo mode "
            "only)."
        ),
    )
    suishen_url: str = Field(
        default="",
        description="Base URL of the Suishen code verification service; in demo mode empty "
        "means the demo peer, http://127.0.0.1:9201.",
    )
    medical_adapter: str = Field(
        default="",
        description=(
            "Where the medical-insurance visit records come from: 'package.module:factory' (a "
            "callable taking the settings and returning a MedicalRecordSource); "
            "backoffice.medical.upstream:http_medical_source is the HTTP one "
            "(ZHILI_MEDICAL_URL). Empty: the HTTP adapter pointed at the demo peer (demo mode "
            "only)."
        ),
    )
    medical_url: str = Field(
        default="",
        description="Base URL of the medical-insurance records service; in demo mode empty "
        "means the demo peer, http://127.0.0.1:9202.",
    )
    query_adapter: str = Field(
        default="",
        description=(
            "Who answers the catalog's queries (balances, receipts' progress, places, figures; "
            "assets/catalog/queries.json): 'package.module:factory' (a callable taking the "
            "settings and returning a QuerySource); backoffice.queries.upstream:http_query_source "
            "is the HTTP one (ZHILI_QUERY_URL). Empty: the HTTP adapter pointed at the demo peer "
            "(demo mode only)."
        ),
    )
    query_url: str = Field(
        default="",
        description="Base URL of the query service (contracts/queries.openapi.json); in demo "
        "mode empty means the demo peer, http://127.0.0.1:9204.",
    )
    upstream_token: str = Field(
        default="",
        description="Bearer token the HTTP adapters send to the upstreams (empty: none).",
    )
    upstream_timeout_s: float = Field(
        default=5.0,
        gt=0,
        le=60,
        description="Seconds an upstream may take to answer one request (the connection itself "
        "at most 2 s) before it counts as not answering.",
    )
    upstream_retries: int = Field(
        default=2,
        ge=0,
        le=5,
        description="More attempts of a call that is safe to repeat (a look-up, a check) when "
        "the upstream timed out, dropped the connection or answered 429 or 5xx; a call "
        "that never reached it is retried whatever it is.",
    )
    upstream_backoff_s: float = Field(
        default=0.2,
        ge=0,
        le=5,
        description="Seconds before the first retry; each next retry waits twice as long "
        "(at most 2 s, with jitter).",
    )
    upstream_breaker_failures: int = Field(
        default=5,
        ge=1,
        le=100,
        description="Failed calls in a row after which an upstream's circuit opens: calls fail "
        "at once (the kiosk says the service is not answering) instead of waiting.",
    )
    upstream_breaker_reset_s: float = Field(
        default=30.0,
        ge=0,
        le=3600,
        description="Seconds an open circuit waits before one trial call goes through.",
    )
    card_challenge_ttl_s: int = Field(
        default=60,
        ge=5,
        le=600,
        description="Seconds a card challenge may be answered in (it is used once).",
    )
    identify_people_per_hour: int = Field(
        default=60,
        ge=1,
        description=(
            "Distinct people one terminal may identify per hour; above it the terminal is "
            "refused (429) and a fleet alert opens."
        ),
    )
    suishen_code_ttl_s: int = Field(
        default=180,
        ge=30,
        le=3600,
        description="Seconds a code of the demo Suishen peer lives (`make demo`, "
        "`zhili-backoffice suishen-code`); the real Suishen app refreshes about every minute.",
    )
    unit_token_days: int = Field(
        default=90, ge=1, le=3650, description="Days a responsible unit's API token lives."
    )
    signin_account_limits: str = Field(
        default="30/hour;100/day",
        description=(
            "Failed sign-ins one account may have (the API and the pages together), in the "
            "`limits` notation; each tier locks longer (back-off). An admin can unlock."
        ),
    )
    signin_address_limits: str = Field(
        default="10/15minutes;40/day",
        description=(
            "Failed sign-ins from one client address; once throttled, its attempts no longer "
            "count against any account."
        ),
    )
    signin_storage_url: str = Field(
        default="",
        description=(
            "Where the sign-in counters live: empty keeps them in the database; a "
            "redis://host:port/n URL keeps them in Redis."
        ),
    )
    signin_max_hashing: int = Field(
        default=4,
        ge=1,
        le=64,
        description="Password checks (64 MiB Argon2id each) one process runs at once; others "
        "wait up to 5 s, then get 503.",
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
        le=5,
        description=(
            "Seconds (at most 5) a bearer token lookup (kiosk or staff) is cached: in another "
            "process a revoked token or a disabled account takes effect that much later."
        ),
    )
    rating_rectification_working_days: int = Field(
        default=5, ge=1, le=60, description="Working days to rectify after a bad rating."
    )
    contact_retention_days: int = Field(
        default=30,
        ge=0,
        le=3650,
        description=(
            "Days a caller's or rater's phone number is kept (encrypted) after its case closes; "
            "then it is erased and only its masked form stays."
        ),
    )
    log_level: str = Field(default="INFO", description="Python logging level name.")
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

    broker_url: str = Field(
        default="amqp://guest:guest@127.0.0.1:5672//",
        description=(
            "The message broker of the Celery workers and `zhili-backoffice beat` (RabbitMQ; "
            "a redis://host:port/n URL uses Redis). Unused by the embedded default, which runs "
            "the jobs in its own process."
        ),
    )
    queue_prefix: str = Field(
        default="",
        pattern=r"^[A-Za-z0-9_.-]{0,40}$",
        description=(
            "Put before the queue names (vision, notify, jobs), so that two back offices (or "
            "test runs) can share one broker."
        ),
    )
    worker_threads: int = Field(
        default=1,
        ge=1,
        le=64,
        description=(
            "Threads the detector (torch) uses in one worker process; run one worker process "
            "per core with 1 thread rather than one process with many (see README, Production)."
        ),
    )

    notify_concurrency: int = Field(
        default=8,
        ge=1,
        le=64,
        description="Webhook and WeCom requests the delivery job sends at the same time.",
    )
    notify_timeout_s: float = Field(
        default=10.0,
        gt=0,
        le=60,
        description="Seconds one delivery request may take before it counts as a failed attempt.",
    )
    notify_budget_s: float = Field(
        default=30.0,
        gt=0,
        le=600,
        description=(
            "Seconds one run of the delivery job may start requests for; what is left waits for "
            "the next run, so a hanging receiver never holds the other periodic jobs up."
        ),
    )

    @property
    def docs_enabled(self) -> bool:
        return self.api_docs or self.demo

    def effective_secret_key(self) -> str:
        """The master secret; in demo mode the development value when none is set."""
        if self.secret_key:
            return self.secret_key
        return DEFAULT_SECRET_KEY if self.demo else ""

    def check_safe_to_serve(self) -> None:
        """Refuse to serve outside demo mode with a missing or default secret, or a missing or
        demo adapter; the message names what to set."""
        if self.demo:
            return
        if not self.secret_key or self.secret_key == DEFAULT_SECRET_KEY:
            raise StartupRefused(
                "ZHILI_SECRET_KEY is missing or the development default. Set it to a long "
                "random value (python -c 'import secrets; print(secrets.token_urlsafe(48))') "
                "and keep it stable, or set ZHILI_DEMO=1 for a demo."
            )
        if len(self.secret_key) < 32:
            raise StartupRefused("ZHILI_SECRET_KEY must have at least 32 characters.")
        for setting in ADAPTER_SETTINGS:
            value = str(getattr(self, setting) or "").strip()
            if not value or value == DEMO_ADAPTER:
                raise StartupRefused(
                    f"ZHILI_{setting.upper()} is not set ({value or 'empty'}: the demo peer, "
                    "for demo mode only): name the upstream adapter as 'package.module:factory' "
                    "(the README's production section lists them), or set ZHILI_DEMO=1 for a "
                    "demo."
                )

    max_body_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description=(
            "Largest request body, in bytes, for every address that takes no upload (JSON, "
            "forms); a larger one is answered 413 before it is read further. Uploads (photos, "
            "frames, screenshots) have their own limits."
        ),
    )
    outbound_allow: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description=(
            "Addresses (IP networks such as 10.2.0.0/16 or 127.0.0.1) in the private, loopback, "
            "link-local or multicast ranges that webhooks and cameras may still reach; every "
            "other address in those ranges is refused. JSON list or comma-separated."
        ),
    )
    camera_file_dirs: Annotated[list[Path], NoDecode] = Field(
        default_factory=list,
        description=(
            "Folders whose files 'file' cameras may play; a path outside them is refused. "
            "Empty: the folder camera-files under data_dir. JSON list or comma-separated."
        ),
    )

    @field_validator("outbound_allow", "camera_file_dirs", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            if value.strip().startswith("["):
                return json.loads(value)
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    def resolved_camera_file_dirs(self) -> list[Path]:
        return [p.resolve() for p in (self.camera_file_dirs or [self.data_dir / "camera-files"])]

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'zhili.sqlite3').resolve()}"


@lru_cache
def get_settings() -> Settings:
    return Settings()

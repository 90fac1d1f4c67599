"""Apply the Alembic migrations shipped inside the package."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

MIGRATIONS_DIR = Path(__file__).with_name("migrations")  # the Alembic folder beside this file
MIGRATION_LOCK = 0x7A68696C69  # "zhili": one migration at a time per PostgreSQL database


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str) -> None:
    """Bring the database to the newest revision of every domain's branch. On PostgreSQL under
    an advisory lock: several API processes start at once and each migrates on start."""
    # Each domain keeps its own branch of revisions off the foundation, so upgrade every head.
    if make_url(database_url).get_backend_name() != "postgresql":
        command.upgrade(alembic_config(database_url), "heads")
        return
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as lock:
            lock.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            try:
                command.upgrade(alembic_config(database_url), "heads")
            finally:
                lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
                lock.commit()
    finally:
        engine.dispose()

"""Alembic environment: migrates the database named in the config (set by backoffice.migrate)."""

from __future__ import annotations

from alembic import context

from backoffice.db import create_db_engine
from backoffice.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "backoffice.migrate sets sqlalchemy.url"
    engine = create_db_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()

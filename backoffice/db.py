"""Database engine, sessions and the shared declarative base (SQLite by default, PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event, text
from sqlalchemy import Enum as SAEnum
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Session, SessionTransaction, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


SQLITE_POOL_SIZE = 48


def create_db_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with the project's SQLite settings: WAL, foreign keys, real transactions."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, **kwargs)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # A connection for each thread that may hold one (the request threads, the commit
        # threads, the jobs), kept open: past the pool's size every connection is closed again
        # on return, and each new one costs its PRAGMAs (a fifth of an uncached heartbeat).
        kwargs.setdefault("pool_size", SQLITE_POOL_SIZE)
        kwargs.setdefault("max_overflow", SQLITE_POOL_SIZE)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin, so that
        # SAVEPOINT and rollback behave as on PostgreSQL.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")  # an acknowledged write survives power loss
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(_SQLITE_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


_SQLITE_IMMEDIATE = "zhili_sqlite_immediate"
_WRITING = "zhili.sqlite_write_lock"
_RELEASES_LOCK = "zhili.releases_write_lock"
# One writer at a time per SQLite file in this process, queued on a lock rather than polling
# SQLite's busy handler (which sleeps up to 100 ms between tries).
_write_locks: dict[str, threading.Lock] = {}
_write_locks_guard = threading.Lock()


def writing_engine(engine: Engine) -> Engine:
    """The engine whose transactions begin as writers on SQLite (``BEGIN IMMEDIATE``, waiting
    on the busy timeout while another connection writes). In WAL mode a transaction that read
    may not write once another committed since ("database is locked"), so requests that
    change things take the write lock as they begin. The same engine elsewhere."""
    if engine.dialect.name != "sqlite":
        return engine
    return engine.execution_options(**{_SQLITE_IMMEDIATE: True})


T = TypeVar("T")


def create_once(
    db: Session, create: Callable[[], T], existing: Callable[[], T | None]
) -> tuple[T, bool]:
    """Insert-or-return on a unique key, safe when two requests race: `create` runs (and
    flushes) in a savepoint; if the unique constraint says another transaction holds the key
    (on PostgreSQL the insert waits for it to commit), the savepoint is rolled back and
    `existing` reads that row. Returns the row and whether it is new."""
    try:
        with db.begin_nested():
            return create(), True
    except IntegrityError:
        found = existing()
        if found is None:
            raise
        return found, False


def begin_writing(db: Session) -> None:
    """Begin the session's transaction as one that writes. On SQLite that takes the write
    lock now, waiting while another connection writes: in WAL mode a transaction that has
    read may not write once another has committed since, and would fail with 'database is
    locked'. Nothing if the transaction has begun already, or on PostgreSQL."""
    bind = db.get_bind()
    if db.in_transaction() or not isinstance(bind, Engine) or bind.dialect.name != "sqlite":
        return
    if db.info.get(_RELEASES_LOCK):  # a session that cannot release it queues on SQLite's
        with _write_locks_guard:
            lock = _write_locks.setdefault(str(bind.url), threading.Lock())
        # Bounded: past the busy timeout, SQLite's own lock decides as it would without this.
        if lock.acquire(timeout=30):
            db.info[_WRITING] = lock
    db.connection(execution_options={_SQLITE_IMMEDIATE: True})


def _end_writing(db: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None and not transaction.nested:
        lock: threading.Lock | None = db.info.pop(_WRITING, None)
        if lock is not None:
            lock.release()


def make_session_factory(
    engine: Engine, info: dict[str, Any] | None = None
) -> sessionmaker[Session]:
    """Sessions on `engine` that release `begin_writing`'s lock when their transaction ends.
    The back office's own sessions come from `backoffice.wiring.session_factory`, which adds
    the domains' hooks; a bare factory from here runs none of them."""
    factory = sessionmaker(
        bind=engine, expire_on_commit=False, info={**(info or {}), _RELEASES_LOCK: True}
    )
    event.listen(factory, "after_transaction_end", _end_writing)
    return factory


def database_answers(engine: Engine) -> bool:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction per unit of work: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def str_enum(enum_cls: type[StrEnum]) -> SAEnum:
    """A StrEnum column stored as its value (portable VARCHAR), read back as the enum."""
    return SAEnum(
        enum_cls,
        native_enum=False,
        length=max(len(m.value) for m in enum_cls),
        values_callable=lambda cls: [m.value for m in cls],
        validate_strings=True,
    )

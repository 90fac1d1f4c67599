"""In-process caches of reference data (places, dispatch rules, case types, time limits),
checked against a version token per kind of data that every ORM write of it renews.

Every process reads the tokens once per transaction (one small query) and rebuilds a cache
whose token no longer matches, so an edit made through any process is seen by all of them.
The cache is keyed by token, so the apps of one process share it safely; the hooks that renew
the tokens are installed on each session factory (`install`, called by the assembly point).
Tokens are random, never counters: a rolled-back edit's token never comes back, so data read
inside an uncommitted edit can never be taken for committed data.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Select, String, event, insert, select, update
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    SessionTransaction,
    UOWTransaction,
    mapped_column,
    sessionmaker,
)

from backoffice.db import Base

T = TypeVar("T")
K = TypeVar("K")
_TOKENS = "zhili.reference_tokens"
# Kinds of reference data; the migration gives each a first token.
KINDS = ("places", "rules", "types")


class ReferenceVersion(Base):
    """The current version token of one kind of reference data."""

    __tablename__ = "reference_versions"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    token: Mapped[str] = mapped_column(String(32))


# Table -> the kind of reference data whose token a write to it renews (by table name).
WATCHED: dict[str, str] = {
    "places": "places",
    "dispatch_rules": "rules",
    "responsible_units": "rules",
    "case_types": "types",
    "case_categories": "types",
    "case_time_limits": "types",
    # Notification subscriptions route a unit's notices as rules route its cases; they share
    # the token so the outbox can cache them without a token row of their own.
    "notify_subscriptions": "rules",
}
_cache: dict[str, tuple[str, Any]] = {}
_lock = threading.Lock()


def _kind_of(obj: object) -> str | None:
    table = getattr(type(obj), "__tablename__", None)
    return WATCHED.get(table) if isinstance(table, str) else None


_ALL_TOKENS = select(ReferenceVersion.name, ReferenceVersion.token)  # built once: every request


def tokens(db: Session) -> dict[str, str]:
    """The tokens as this transaction sees them (read once per transaction)."""
    current: dict[str, str] | None = db.info.get(_TOKENS)
    if current is None:
        rows = db.execute(_ALL_TOKENS).all()
        current = {name: token for name, token in rows}
        db.info[_TOKENS] = current
    return current


def cached(db: Session, key: str, kind: str, build: Callable[[Session], T]) -> T:
    """`build(db)`, reused while `kind`'s token stays the same. Without a token (a database
    migrated by hand without the version rows) nothing is cached."""
    if db.autoflush and any(_kind_of(o) == kind for o in (*db.new, *db.dirty, *db.deleted)):
        db.flush()  # as a query would autoflush: this session's own edit renews the token
    token = tokens(db).get(kind)
    if token is None:
        return build(db)
    hit = _cache.get(key)
    if hit is not None and hit[0] == token:
        return hit[1]
    value = build(db)
    with _lock:
        _cache[key] = (token, value)
    return value


def detached(
    db: Session, key: str, kind: str, query: Select[T], key_of: Callable[[T], K]
) -> dict[K, T]:
    """The ORM objects `query` loads, detached from every session, by `key_of`, cached like
    `cached`. `attach` puts one into a session as if it had been loaded there, without a
    query: for reference rows a request needs as objects (a case's type, place and unit)."""

    def build(db: Session) -> dict[K, T]:
        # A second session on the same connection: it sees this transaction's own edits, and
        # what it loads belongs to no session anyone else uses, so it can be shared.
        # Closing it detaches them and leaves the transaction as it was.
        side = Session(bind=db.connection(), autoflush=False, join_transaction_mode="rollback_only")
        try:
            objects = side.scalars(query).unique().all()
        finally:
            side.close()
        return {key_of(obj): obj for obj in objects}

    return cached(db, key, kind, build)


def attach(db: Session, obj: T) -> T:
    """This session's copy of a `detached` object (and of the relationships loaded with it),
    made without a query; the cached object itself is never changed."""
    return db.merge(obj, load=False)


def renew(db: Session, kind: str) -> None:
    """Give `kind` a new token in the session's transaction (done by the write hooks)."""
    token = secrets.token_hex(16)
    conn = db.connection()
    done = conn.execute(
        update(ReferenceVersion).where(ReferenceVersion.name == kind).values(token=token)
    )
    if done.rowcount == 0:
        conn.execute(insert(ReferenceVersion).values(name=kind, token=token))
    current: dict[str, str] | None = db.info.get(_TOKENS)
    if current is not None:  # else the next read in this transaction sees the new token
        current[kind] = token


def install(sessions: sessionmaker[Session]) -> None:
    """Renew the tokens on every write of reference data made through these sessions (the
    assembly point installs this on every session factory the back office makes)."""
    event.listen(sessions, "before_flush", _renew_on_flush)
    event.listen(sessions, "do_orm_execute", _renew_on_bulk_write)
    event.listen(sessions, "after_transaction_end", _forget_tokens)


def _renew_on_flush(db: Session, _flush: UOWTransaction, _instances: Any) -> None:
    kinds: set[str] = set()
    for obj in (*db.new, *db.deleted):
        kind = _kind_of(obj)
        if kind is not None:
            kinds.add(kind)
    for obj in db.dirty:
        kind = _kind_of(obj)
        if kind is not None and kind not in kinds and db.is_modified(obj):
            kinds.add(kind)
    for kind in sorted(kinds):
        renew(db, kind)


def _renew_on_bulk_write(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    mapper = state.bind_mapper
    kind = WATCHED.get(mapper.local_table.name) if mapper is not None else None  # type: ignore[attr-defined]
    if kind is not None:
        renew(state.session, kind)


def _forget_tokens(db: Session, transaction: SessionTransaction) -> None:
    # The next transaction reads the tokens afresh: another process may have renewed them.
    # A flush's inner transaction ends nothing; a savepoint may have rolled a renewal back.
    if transaction.parent is None or transaction.nested:
        db.info.pop(_TOKENS, None)

"""Cases reported per local day, type and road (`case_daily_counts`), counted in the same
transaction as each new case, so the trends read a year of weeks from a few hundred thousand
rows. A transition listener counts the case; session hooks write the counts with the flush
that inserts it (both installed by the assembly point)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from backoffice.cases.models import Case, CaseEvent
from backoffice.db import Base
from backoffice.workcal import SHANGHAI

NO_ROAD = 0  # the rollup's road_id for cases away from every road


class CaseDailyCount(Base):
    """Cases reported per local day, type and road (road 0: none)."""

    __tablename__ = "case_daily_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    type_id: Mapped[int] = mapped_column(
        ForeignKey("case_types.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    road_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(Integer)


def local_day(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


@lru_cache(maxsize=4)
def _upsert_statement(dialect: str) -> Any:
    # Built once per dialect and executed with parameters, so SQLAlchemy caches its compilation.
    maker = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = maker(CaseDailyCount)
    return stmt.on_conflict_do_update(
        index_elements=["day", "type_id", "road_id"],
        set_={"n": CaseDailyCount.n + stmt.excluded.n},
    )


def upsert(db: Session, rows: Sequence[dict[str, Any]]) -> None:
    db.execute(_upsert_statement(db.get_bind().dialect.name), list(rows))


_PENDING = "zhili.rollup_pending"


def count_new_case(db: Session, case: Case) -> None:
    """Count the case in its day's row. The count is written with the session's next flush
    (the one that inserts the case), so a filing's rollup costs no flush of its own."""
    type_id = case.type_id if case.type_id is not None else case.type.id
    road_id = case.road_id if case.road_id is not None else (case.road.id if case.road else None)
    pending: Counter[tuple[date, int, int]] = db.info.setdefault(_PENDING, Counter())
    pending[(local_day(case.reported_at), type_id, road_id or NO_ROAD)] += 1


def _write_pending(db: Session) -> None:
    pending: Counter[tuple[date, int, int]] | None = db.info.pop(_PENDING, None)
    if pending:
        rows = [{"day": d, "type_id": t, "road_id": r, "n": n} for (d, t, r), n in pending.items()]
        db.connection().execute(_upsert_statement(db.get_bind().dialect.name), rows)


def install(sessions: sessionmaker[Session]) -> None:
    """Write the pending counts with each flush and commit of these sessions, and forget them
    on rollback (the assembly point installs this on every session factory)."""
    event.listen(sessions, "before_flush", _rollup_on_flush)
    event.listen(sessions, "before_commit", _rollup_on_commit)
    event.listen(sessions, "after_rollback", _rollup_forget)


def _rollup_on_flush(db: Session, _flush: Any, _instances: Any) -> None:
    _write_pending(db)


def _rollup_on_commit(db: Session) -> None:
    _write_pending(db)


def _rollup_forget(db: Session) -> None:
    db.info.pop(_PENDING, None)


def on_transition(db: Session, case: Case, event: CaseEvent) -> None:
    """Transition listener: a new case (its first timeline row) counts in the rollup."""
    if event.from_state is None:
        count_new_case(db, case)

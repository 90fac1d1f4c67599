"""The upstream medical-insurance system behind a small interface, and a demo source.

The demo source keeps its own SQLite file (apart from Zhili's database, as the upstream
would be) with demo residents and plausible records generated from the keyed hash.
"""

from __future__ import annotations

import random
import sqlite3
import threading
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class VisitRecord:
    """One line of the booklet: a visit and what it cost, amounts in fen."""

    seq: int  # upstream order of the record for this person, from 1
    visit_date: date
    institution: str
    department: str
    kind: str  # 门诊 / 急诊 / 住院 / 药店
    total_fen: int
    fund_fen: int  # paid by the insurance fund
    self_fen: int  # paid by the person


class MedicalRecordSource(Protocol):
    def records(self, id_hash: str) -> list[VisitRecord] | None:
        """All the person's records in upstream order, or None when upstream does not know them."""
        ...


INSTITUTIONS = (
    ("长宁区江苏路街道社区卫生服务中心", ("全科", "中医科", "慢病随访")),
    ("上海市第六人民医院", ("心内科", "骨科", "内分泌科")),
    ("复旦大学附属华山医院", ("神经内科", "皮肤科", "感染科")),
    ("长宁区中心医院", ("普外科", "消化内科", "眼科")),
    ("上海市同仁医院", ("呼吸内科", "口腔科", "急诊内科")),
    ("上海交通大学医学院附属仁济医院", ("泌尿外科", "风湿科")),
    ("国药控股国大药房（愚园路店）", ("定点药店",)),
)
KINDS = ("门诊", "门诊", "门诊", "急诊", "药店")


def generate_records(id_hash: str, today: date) -> list[VisitRecord]:
    """Plausible records for a demo resident, the same every time for the same hash."""
    rng = random.Random(int(id_hash[:16], 16))
    count = rng.randint(28, 64)
    day = today - timedelta(days=rng.randint(500, 900))
    out = []
    for seq in range(1, count + 1):
        day += timedelta(days=rng.randint(3, 18))
        if day > today:
            break
        institution, departments = INSTITUTIONS[rng.randrange(len(INSTITUTIONS))]
        kind = "药店" if departments == ("定点药店",) else KINDS[rng.randrange(4)]
        total = rng.randint(1500, 68000)
        fund = total * rng.randint(55, 85) // 100
        out.append(
            VisitRecord(
                seq=seq,
                visit_date=day,
                institution=institution,
                department=rng.choice(departments),
                kind=kind,
                total_fen=total,
                fund_fen=fund,
                self_fen=total - fund,
            )
        )
    return out


class DemoMedicalSource:
    """Demo residents and their records in a SQLite file of its own."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._opening = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    @property
    def _db(self) -> sqlite3.Connection:
        """The file, opened on first use: every app has a source, few ever ask it."""
        if self._conn is not None:
            return self._conn
        with self._opening:
            if self._conn is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
                conn.executescript(
                    """
                    CREATE TABLE IF NOT EXISTS residents (
                        id_hash TEXT PRIMARY KEY, masked_name TEXT);
                    CREATE TABLE IF NOT EXISTS records (
                        id_hash TEXT, seq INTEGER, visit_date TEXT, institution TEXT,
                        department TEXT, kind TEXT, total_fen INTEGER, fund_fen INTEGER,
                        self_fen INTEGER, PRIMARY KEY (id_hash, seq));
                    """
                )
                self._conn = conn
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()

    def add_resident(self, id_hash: str, masked_name: str, today: date) -> int:
        """Add a demo resident with generated records (once); returns how many records."""
        with self._lock:
            known = self._db.execute(
                "SELECT count(*) FROM records WHERE id_hash = ?", (id_hash,)
            ).fetchone()[0]
            if known:
                return int(known)
            records = generate_records(id_hash, today)
            self._db.execute("BEGIN")
            self._db.execute(
                "INSERT OR REPLACE INTO residents VALUES (?, ?)", (id_hash, masked_name)
            )
            self._db.executemany(
                "INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (id_hash, r.seq, r.visit_date.isoformat(), r.institution, r.department,
                     r.kind, r.total_fen, r.fund_fen, r.self_fen)
                    for r in records
                ],
            )  # fmt: skip
            self._db.execute("COMMIT")
            return len(records)

    def add_record(self, id_hash: str, record: VisitRecord) -> None:
        """A new visit upstream (the demo's way to show that the next print continues)."""
        with self._lock:
            self._db.execute(
                "INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (id_hash, record.seq, record.visit_date.isoformat(), record.institution,
                 record.department, record.kind, record.total_fen, record.fund_fen,
                 record.self_fen),
            )  # fmt: skip

    def records(self, id_hash: str) -> list[VisitRecord] | None:
        with self._lock:
            if (
                self._db.execute("SELECT 1 FROM residents WHERE id_hash = ?", (id_hash,)).fetchone()
                is None
            ):
                return None
            rows = self._db.execute(
                "SELECT seq, visit_date, institution, department, kind, total_fen, fund_fen,"
                " self_fen FROM records WHERE id_hash = ? ORDER BY seq",
                (id_hash,),
            ).fetchall()
        return [
            VisitRecord(
                seq=r[0],
                visit_date=date.fromisoformat(r[1]),
                institution=r[2],
                department=r[3],
                kind=r[4],
                total_fen=r[5],
                fund_fen=r[6],
                self_fen=r[7],
            )
            for r in rows
        ]


def demo_source_path(data_dir: Path) -> Path:
    return data_dir / "medical-demo.sqlite3"

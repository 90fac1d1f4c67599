"""De-duplication, the one mechanism every source uses: the same type at the same place (same
dedupe key, or within the type's radius) while a case is open is the same case.

On PostgreSQL two reports of the same spot at the same instant would each read "no open case"
and each file one: a radius is no unique key. So a filing first takes transaction-scoped
advisory locks on the type's grid cells its radius touches (cells twice the radius wide, so a
circle touches at most a few) and on its dedupe key (`lock_spot`): two reports within the
radius share at least the cell of one of them, so the second waits until the first has
committed, then finds its case. SQLite lets one writer in at a time, which serialises them
already.
"""

from __future__ import annotations

import hashlib
import math

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from backoffice.cases.models import Case, CaseType
from backoffice.cases.states import OPEN_STATES
from backoffice.places.geometry import Point, distance_m

_METRES_PER_DEG_LAT = 111_195.0
# Only the positions: most filings find no duplicate, and loading every nearby open case as
# a whole object cost more than the query; the winner alone is loaded. Built once and run as
# Core on the connection, as it runs on every filing.
_NEARBY = select(Case.id, Case.lon, Case.lat).where(
    Case.type_id == bindparam("type_id"),
    Case.state.in_(OPEN_STATES),
    Case.lon.is_not(None),
    Case.lon.between(bindparam("lon_min"), bindparam("lon_max")),
    Case.lat.between(bindparam("lat_min"), bindparam("lat_max")),
)


# All of a filing's keys in one round trip, taken in ascending order (the sorted subquery
# feeds the aggregate row by row), the one order every filing takes them in.
_LOCK = text(
    "SELECT count(pg_advisory_xact_lock(k)) FROM "
    "(SELECT unnest(CAST(:keys AS bigint[])) AS k ORDER BY 1) AS spot_keys"
)


def _lock_key(*parts: object) -> int:
    """A signed 64-bit advisory-lock key for the parts (stable across processes)."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def spot_lock_keys(case_type: CaseType, dedupe_key: str | None, point: Point | None) -> list[int]:
    """The advisory-lock keys a filing of this type at this point takes, in the one global
    order (sorted) every filing takes them in, so two filings never wait on each other in a
    cycle. Every point within the radius of `point` lies in one of the cells the radius's
    bounding box touches, and every filing locks its own cell: two reports within the radius
    share a key."""
    keys = set()
    if dedupe_key:
        keys.add(_lock_key("dedupe-key", case_type.id, dedupe_key))
    radius = case_type.dedupe_radius_m
    if point is not None and radius > 0:
        lon, lat = point
        dlat = radius / _METRES_PER_DEG_LAT
        dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
        cell = 2 * dlat  # degrees on both axes: the bounding box spans 2-3 cells across
        for i in range(math.floor((lon - dlon) / cell), math.floor((lon + dlon) / cell) + 1):
            for j in range(math.floor((lat - dlat) / cell), math.floor((lat + dlat) / cell) + 1):
                keys.add(_lock_key("dedupe-cell", case_type.id, radius, i, j))
    return sorted(keys)


def lock_spot(
    db: Session, case_type: CaseType, dedupe_key: str | None, point: Point | None
) -> None:
    """On PostgreSQL, wait for (then hold until commit) the locks of this type's spot, so that
    the duplicate check and the new case are one step among concurrent filings."""
    if db.get_bind().dialect.name != "postgresql":
        return
    keys = spot_lock_keys(case_type, dedupe_key, point)
    if keys:
        db.connection().execute(_LOCK, {"keys": keys})


def find_open_duplicate(
    db: Session, case_type: CaseType, dedupe_key: str | None, point: Point | None
) -> Case | None:
    """The open case this report belongs to, or None. A shared key wins over distance."""
    if dedupe_key:
        same_key = db.scalars(
            select(Case)
            .where(
                Case.type_id == case_type.id,
                Case.state.in_(OPEN_STATES),
                Case.dedupe_key == dedupe_key,
            )
            .order_by(Case.id)
        ).first()
        if same_key is not None:
            return same_key
    radius = case_type.dedupe_radius_m
    if point is None or radius <= 0:
        return None
    lon, lat = point
    dlat = radius / _METRES_PER_DEG_LAT
    dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
    if db.autoflush:
        db.flush()  # as a session query would: cases changed in this transaction count as such
    nearby = (
        db.connection()
        .execute(
            _NEARBY,
            {
                "type_id": case_type.id,
                "lon_min": lon - dlon,
                "lon_max": lon + dlon,
                "lat_min": lat - dlat,
                "lat_max": lat + dlat,
            },
        )
        .all()
    )
    within = [
        (distance_m(point, (c_lon, c_lat)), case_id)
        for case_id, c_lon, c_lat in nearby
        if c_lon is not None and c_lat is not None
    ]
    within = [entry for entry in within if entry[0] <= radius]
    return db.get_one(Case, min(within)[1]) if within else None

"""De-duplication, the one mechanism every source uses: the same type at the same place (same
dedupe key, or within the type's radius) while a case is open is the same case."""

from __future__ import annotations

import math

from sqlalchemy import bindparam, select
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

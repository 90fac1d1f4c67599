"""De-duplication, the one mechanism every source uses: the same type at the same place (same
dedupe key, or within the type's radius) while a case is open is the same case."""

from __future__ import annotations

import math

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases.models import Case, CaseType
from backoffice.cases.states import OPEN_STATES
from backoffice.places.geometry import Point, distance_m

_METRES_PER_DEG_LAT = 111_195.0


def find_open_duplicate(
    db: Session, case_type: CaseType, dedupe_key: str | None, point: Point | None
) -> Case | None:
    """The open case this report belongs to, or None. A shared key wins over distance."""
    open_of_type = select(Case).where(Case.type_id == case_type.id, Case.state.in_(OPEN_STATES))
    if dedupe_key:
        same_key = db.scalars(
            open_of_type.where(Case.dedupe_key == dedupe_key).order_by(Case.id)
        ).first()
        if same_key is not None:
            return same_key
    radius = case_type.dedupe_radius_m
    if point is None or radius <= 0:
        return None
    lon, lat = point
    dlat = radius / _METRES_PER_DEG_LAT
    dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
    # Only the positions: most filings find no duplicate, and loading every nearby open case
    # as a whole object cost more than the query. The winner alone is loaded.
    nearby = db.execute(
        select(Case.id, Case.lon, Case.lat).where(
            Case.type_id == case_type.id,
            Case.state.in_(OPEN_STATES),
            Case.lon.is_not(None),
            Case.lon.between(lon - dlon, lon + dlon),
            Case.lat.between(lat - dlat, lat + dlat),
        )
    ).all()
    within = [
        (distance_m(point, (c_lon, c_lat)), case_id)
        for case_id, c_lon, c_lat in nearby
        if c_lon is not None and c_lat is not None
    ]
    within = [entry for entry in within if entry[0] <= radius]
    return db.get_one(Case, min(within)[1]) if within else None

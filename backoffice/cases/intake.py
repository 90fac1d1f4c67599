"""The one intake every source files through: validate, de-duplicate, file, dispatch by rule.

Other domains (AI patrol, kiosk ratings, Open311) call `file_report` in-process; the
staff API calls it too, so every source gets the same checks and the same de-duplication.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, joinedload

from backoffice import refcache
from backoffice.cases import dedupe, lifecycle, rules
from backoffice.cases.models import Case, CaseReportRow, CaseType
from backoffice.cases.photos import Photo, PhotoKind
from backoffice.cases.states import CaseSource
from backoffice.db import begin_writing, create_once
from backoffice.errors import BadInput
from backoffice.places import service as places
from backoffice.privacy import mask_personal_numbers
from backoffice.settings import get_settings
from backoffice.units.models import ResponsibleUnit

__all__ = [
    "CaseReport",
    "CaseSource",
    "FilingResult",
    "Photo",
    "PhotoKind",
    "file_report",
]

# Reports from the public reach a call-taker first; every other source is trusted to file.
NEEDS_CALL_TAKER = frozenset({CaseSource.OPEN311})
# Every intake; each API keeps its own, lower limit (2,000 for staff, 4,000 for Open311).
MAX_DESCRIPTION = 6000


@dataclass(frozen=True)
class CaseReport:
    source: CaseSource
    type_code: str
    description: str
    lon: float | None = None  # WGS84
    lat: float | None = None
    road_code: str | None = None
    grid_code: str | None = None
    # Same key and type while a case is open -> attach as evidence ("camera:X/zone:7").
    dedupe_key: str | None = None
    photos: tuple[Photo, ...] = ()
    reporter: str = ""  # who or what reported; no personal data
    unit_code: str | None = None  # send straight to this unit (skips rule dispatch)
    external_ref: str | None = None  # the same source + external_ref files once
    place_code: str | None = None  # a compound, building, park or collection point
    # What the system wrote, as a fact the pages render in their language (cases/descriptions).
    description_fact: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class FilingResult:
    case_id: int
    case_number: str
    created: bool
    dispatched_to: str | None


def default_photo_dir() -> Path:
    return get_settings().data_dir / "photos"


def file_report(
    db: Session, report: CaseReport, now: datetime, *, photo_dir: Path | None = None
) -> FilingResult:
    """File a report: a new case (filed and dispatched by rule), or evidence on an open one.
    ID numbers and mobile numbers in the description are masked before anything keeps it.

    Raises BadInput (422) for an unknown type or place, malformed coordinates or bad photos,
    before anything is written.
    """
    begin_writing(db)  # before the first read: see begin_writing
    photo_dir = photo_dir or default_photo_dir()
    source = CaseSource(report.source)
    if report.external_ref is None:
        return _file(db, report, source, now, photo_dir)
    ref = report.external_ref

    def earlier() -> FilingResult | None:
        row = db.scalars(
            select(CaseReportRow).where(
                CaseReportRow.source == source, CaseReportRow.external_ref == ref
            )
        ).first()
        if row is None:
            return None
        case = db.get_one(Case, row.case_id)
        return FilingResult(case.id, case.number, False, case.unit.code if case.unit else None)

    found = earlier()
    if found is not None:
        return found
    # The same report sent twice at the same moment: one filing wins on the unique
    # (source, external_ref), the other is rolled back to its savepoint and answers the first.
    result, _ = create_once(db, lambda: _file(db, report, source, now, photo_dir), earlier)
    return result


def _file(
    db: Session, report: CaseReport, source: CaseSource, now: datetime, photo_dir: Path
) -> FilingResult:
    case_type = _case_type(db, report.type_code)
    description = mask_personal_numbers(report.description.strip())
    if not description:
        raise BadInput("Describe the problem: the description is empty.", field="description")
    if len(description) > MAX_DESCRIPTION:
        raise BadInput(
            f"The description has {len(description)} characters; keep it under {MAX_DESCRIPTION}.",
            field="description",
        )
    point = _point(report.lon, report.lat)
    where = places.locate(
        db,
        point=point,
        road_code=report.road_code,
        grid_code=report.grid_code,
        place_code=report.place_code,
        now=now,
    )
    unit = _unit(db, report.unit_code) if report.unit_code else None
    photos = tuple(report.photos)

    dedupe.lock_spot(db, case_type, report.dedupe_key, point)
    duplicate = dedupe.find_open_duplicate(db, case_type, report.dedupe_key, point)
    if duplicate is not None:
        lifecycle.attach_evidence(
            db,
            duplicate,
            photos,
            report.reporter or source.value,
            now,
            photo_dir=photo_dir,
            source=source,
        )
        db.flush()
        _record_report(db, duplicate, report, source, created=False, now=now)
        return FilingResult(
            duplicate.id,
            duplicate.number,
            False,
            duplicate.unit.code if duplicate.unit else None,
        )

    # Every read before the case is built (the rule and its unit included), so the new case,
    # its timeline and its report row reach the database in one flush.
    actor = report.reporter or source.value
    decided = None
    if source not in NEEDS_CALL_TAKER and unit is None:
        decided = lifecycle.decide(db, _facts(case_type, where, now))
    case = lifecycle.open_case(
        db,
        source=source,
        case_type=case_type,
        description=description,
        description_fact=dict(report.description_fact) if report.description_fact else None,
        point=point,
        where=where,
        dedupe_key=report.dedupe_key,
        reporter=report.reporter,
        photos=photos,
        now=now,
        photo_dir=photo_dir,
    )
    if source not in NEEDS_CALL_TAKER:
        lifecycle.file_and_dispatch(db, case, actor=actor, now=now, unit=unit, decided=decided)
    db.flush()
    _record_report(db, case, report, source, created=True, now=now)
    return FilingResult(case.id, case.number, True, case.unit.code if case.unit else None)


def _facts(case_type: CaseType, where: places.Location, now: datetime) -> rules.CaseFacts:
    """What the dispatch rules look at, as `rules.facts_for` gives it once the case exists."""
    return rules.CaseFacts(
        type_code=case_type.code,
        category_code=case_type.category.code,
        minute_of_day=rules.minute_of_day(now),
        road_code=where.road.code if where.road else None,
        grid_code=where.grid.code if where.grid else None,
        community_code=where.community.code if where.community else None,
        place_code=where.site.code if where.site else None,
    )


_ALL_TYPES = select(CaseType).options(joinedload(CaseType.category))


def _case_type(db: Session, code: str) -> CaseType:
    # The types with their categories stay in memory until one is edited (see refcache).
    types = refcache.detached(db, "cases.types", "types", _ALL_TYPES, lambda t: t.code)
    case_type = types.get(code)
    if case_type is None or not case_type.active:
        raise BadInput(
            f"Unknown case type '{code}'; GET /api/v1/case-types lists the codes.",
            field="type_code",
        )
    return refcache.attach(db, case_type)


def _point(lon: float | None, lat: float | None) -> tuple[float, float] | None:
    if lon is None and lat is None:
        return None
    if lon is None or lat is None:
        raise BadInput("Give both lon and lat (WGS84 degrees), or neither.", field="lon")
    for name, value, bound in (("lon", lon, 180.0), ("lat", lat, 90.0)):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise BadInput(f"{name} must be a number of degrees.", field=name)
        if not math.isfinite(value) or abs(value) > bound:
            raise BadInput(
                f"{name} {value} is not a WGS84 coordinate (between -{bound:g} and {bound:g}).",
                field=name,
            )
    return (float(lon), float(lat))


def _unit(db: Session, code: str) -> ResponsibleUnit:
    unit = db.scalars(select(ResponsibleUnit).where(ResponsibleUnit.code == code)).first()
    if unit is None:
        raise BadInput(f"No responsible unit has the code '{code}'.", field="unit_code")
    return unit


_INSERT_REPORT = insert(CaseReportRow)


def _record_report(
    db: Session,
    case: Case,
    report: CaseReport,
    source: CaseSource,
    *,
    created: bool,
    now: datetime,
) -> None:
    """The intake row, once the case has its id. Nothing reads it back in the request, so it
    goes in with a Core insert and costs the unit of work nothing."""
    db.connection().execute(
        _INSERT_REPORT,
        {
            "case_id": case.id,
            "source": source,
            "external_ref": report.external_ref,
            "dedupe_key": report.dedupe_key,
            "reporter": report.reporter[:100],
            "description": mask_personal_numbers(report.description.strip())[:MAX_DESCRIPTION],
            "lon": report.lon,
            "lat": report.lat,
            "created_case": created,
            "at": now,
        },
    )

"""Small helpers for the case tests: photos, points with known places, cases in any state."""

from __future__ import annotations

import base64
import hashlib
import io
import itertools
from datetime import datetime, timedelta
from pathlib import Path

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases import lifecycle
from backoffice.cases.intake import CaseReport, file_report
from backoffice.cases.lifecycle import ActionInput
from backoffice.cases.models import Case
from backoffice.cases.photos import Photo, PhotoKind
from backoffice.cases.states import CaseAction, CaseSource, CaseState
from backoffice.units.models import ResponsibleUnit

# On 江苏路 (JSL-R01), 16.9 m from its line, in grid JSL-G0203 of 愚园 community (JSL-C02).
ON_JIANGSU_ROAD = (121.4326, 31.2235)
# On 延安西路 (JSL-R05) in grid JSL-G0403 of 武夷 community (JSL-C04).
ON_YANAN_ROAD = (121.4250, 31.2146)

# A unit token's lifetime in tests (the setting's default, ZHILI_UNIT_TOKEN_DAYS).
UNIT_TOKEN_TTL = timedelta(days=90)


def jpeg(tag: bytes = b"") -> bytes:
    return _image(tag, "JPEG")


def png(tag: bytes = b"") -> bytes:
    return _image(tag, "PNG")


def _image(tag: bytes, image_format: str) -> bytes:
    """A real 8x8 image (the photo check decodes it), its pixels drawn from the tag so that
    different tags give different files."""
    pixels = (hashlib.sha256(tag).digest() * 6)[: 8 * 8 * 3]
    out = io.BytesIO()
    Image.frombytes("RGB", (8, 8), pixels).save(out, image_format)
    return out.getvalue()


def photo(kind: PhotoKind, tag: bytes = b"") -> Photo:
    return Photo(kind, jpeg(tag), "image/jpeg")


def photo_json(kind: str, content: bytes | None = None, content_type: str = "image/jpeg") -> dict:
    data = jpeg(kind.encode()) if content is None else content
    return {
        "kind": kind,
        "content_type": content_type,
        "data_base64": base64.b64encode(data).decode(),
    }


def unit(db: Session, code: str) -> ResponsibleUnit:
    return db.scalars(select(ResponsibleUnit).where(ResponsibleUnit.code == code)).one()


def new_case(
    db: Session,
    now: datetime,
    photo_dir: Path,
    *,
    type_code: str = "E-0506",
    point: tuple[float, float] = ON_JIANGSU_ROAD,
    source: CaseSource = CaseSource.INSPECTOR,
    dedupe_key: str | None = None,
) -> Case:
    result = file_report(
        db,
        CaseReport(
            source=source,
            type_code=type_code,
            description="共享单车停在禁停区",
            lon=point[0],
            lat=point[1],
            dedupe_key=dedupe_key,
            photos=(photo(PhotoKind.BEFORE),),
            reporter="test",
        ),
        now,
        photo_dir=photo_dir,
    )
    return db.get_one(Case, result.case_id)


# How to bring a fresh OPEN311 (reported) case to each state: (action, input) steps.
def _steps(db: Session) -> dict[CaseState, list[tuple[CaseAction, ActionInput]]]:
    hello = unit(db, "BIKE-HELLO")
    after = ActionInput(photos=(photo(PhotoKind.AFTER, b"after"),))
    to_filed = [(CaseAction.FILE, ActionInput())]
    to_dispatched = [*to_filed, (CaseAction.DISPATCH, ActionInput(unit=hello))]
    to_handling = [*to_dispatched, (CaseAction.ACCEPT, ActionInput())]
    to_handled = [*to_handling, (CaseAction.REPORT_HANDLED, after)]
    to_verified = [*to_handled, (CaseAction.VERIFY, ActionInput())]
    return {
        CaseState.REPORTED: [],
        CaseState.FILED: to_filed,
        CaseState.DISPATCHED: to_dispatched,
        CaseState.HANDLING: to_handling,
        CaseState.HANDLED: to_handled,
        CaseState.VERIFIED: to_verified,
        CaseState.CLOSED: [*to_verified, (CaseAction.CLOSE, ActionInput())],
        CaseState.HELD: [*to_filed, (CaseAction.HOLD, ActionInput(reason="等待产权确认"))],
        CaseState.VOIDED: [*to_filed, (CaseAction.VOID, ActionInput(reason="重复上报"))],
    }


_spots = itertools.count()


def spot_on_jiangsu_road() -> tuple[float, float]:
    """One of twelve points along 江苏路, each more than the 30 m de-duplication radius of
    shared-bike cases from the others, so each report opens its own case."""
    k = next(_spots) % 12
    return (121.4326 if k < 6 else 121.4320, 31.2240 + (k % 6) * 0.0004)


def case_in_state(db: Session, state: CaseState, now: datetime, photo_dir: Path) -> Case:
    """A case (shared bike on 江苏路, reported through Open311) brought to `state`."""
    case = new_case(db, now, photo_dir, source=CaseSource.OPEN311, point=spot_on_jiangsu_road())
    assert case.state is CaseState.REPORTED
    for action, data in _steps(db)[state]:
        data = ActionInput(
            reason=data.reason, unit=data.unit, photos=data.photos, photo_dir=photo_dir
        )
        lifecycle.apply_action(db, case, action, data, actor="test", now=now)
    assert case.state is state
    return case

"""The learning loop's API: a false alarm on an AI case (its unit or the desk, with a reason);
a camera's learned background, threshold changes and false detections per day; clearing a
background spot; reverting a threshold change."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import select

from backoffice.access import SUBDISTRICT_ROLES, CurrentPrincipal, Principal, Role, authorize
from backoffice.cases import service as cases
from backoffice.cases.models import Case
from backoffice.cases.states import CaseAction
from backoffice.deps import DbSession, Now
from backoffice.inputs import IdParam
from backoffice.vision import service
from backoffice.vision.learning import background, outcomes, thresholds
from backoffice.vision.learning.models import FalseDaily

MANAGERS = (Role.ADMIN, Role.OPERATOR)
READERS = (*MANAGERS, Role.SHIFT_LEADER, Role.DISPATCHER, Role.INSPECTOR, Role.VIEWER)
Manager = Annotated[Principal, authorize(*MANAGERS)]
Reader = Annotated[Principal, authorize(*READERS)]
CaseInScope = Annotated[
    Case, authorize(*SUBDISTRICT_ROLES, units=True, load=cases.get_case, path_param="number")
]

router = APIRouter(prefix="/api/v1/vision", tags=["vision"])


class FalseAlarmIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


class FalseAlarmOut(BaseModel):
    case_number: str
    frames: int
    action: str
    threshold: float


class SpotOut(BaseModel):
    id: int
    kind: str
    box: list[float]
    hits: int
    first_at: datetime
    last_at: datetime
    learned: bool
    learned_at: datetime | None
    suppressed: int


class ThresholdChangeOut(BaseModel):
    id: int
    zone_id: int | None  # none: the camera's floor under all its zones
    at: datetime
    old_score: float
    new_score: float
    reason: str
    by: str
    reverted_at: datetime | None


class FalseDayOut(BaseModel):
    day: date
    suppressed: int
    false_alarms: int


class LearningOut(BaseModel):
    camera_code: str
    min_score: float  # the camera's floor under its zones' minimum scores
    background: list[SpotOut]
    threshold_changes: list[ThresholdChangeOut]
    false_per_day: list[FalseDayOut]


@router.post("/cases/{number}/false-alarm")
def false_alarm(
    body: FalseAlarmIn, case: CaseInScope, caller: CurrentPrincipal, db: DbSession, now: Now
) -> FalseAlarmOut:
    """Nothing was there: the case's frames become hard negatives and its zone's threshold is
    recomputed; the unit's case goes back to the desk, the desk's is voided."""
    by_unit = cases.is_unit_principal(caller)
    cases.check_may(caller, case, CaseAction.SEND_BACK if by_unit else CaseAction.VOID)
    marked = outcomes.mark_false_alarm(
        db, case, body.reason, actor=cases.actor_name(caller), by_unit=by_unit, now=now
    )
    return FalseAlarmOut(**marked.__dict__)


def learning_of(db: DbSession, code: str) -> LearningOut:
    camera = service.get_camera(db, code)
    spots = background.spots_of(db, camera)
    changes = thresholds.history(db, camera.id)
    days = db.scalars(
        select(FalseDaily).where(FalseDaily.camera_id == camera.id).order_by(FalseDaily.day.desc())
    )
    return LearningOut(
        camera_code=camera.code,
        min_score=camera.min_score,
        background=[SpotOut.model_validate(s, from_attributes=True) for s in spots],
        threshold_changes=[
            ThresholdChangeOut.model_validate(c, from_attributes=True) for c in changes
        ],
        false_per_day=[FalseDayOut.model_validate(d, from_attributes=True) for d in days],
    )


@router.get("/cameras/{code}/learning")
def camera_learning(code: str, db: DbSession, _staff: Reader) -> LearningOut:
    """What the camera learned: background spots, threshold changes, false detections a day."""
    return learning_of(db, code)


@router.delete("/background/{spot_id}", status_code=204)
def clear_spot(spot_id: IdParam, db: DbSession, _staff: Manager) -> None:
    """Forget a learned background spot: its detections count again."""
    background.clear(db, spot_id)


@router.post("/threshold-changes/{change_id}/revert")
def revert_change(
    change_id: IdParam, db: DbSession, now: Now, caller: CurrentPrincipal, _staff: Manager
) -> ThresholdChangeOut:
    """Put the zone's previous minimum score back."""
    change = thresholds.revert(db, change_id, now, cases.actor_name(caller))
    return ThresholdChangeOut.model_validate(change, from_attributes=True)

"""Case outcomes as labels: the frame behind each filing of an AI case is kept with the boxes
the zone counted; a false alarm (a unit or an operator, with a reason) labels them hard
negatives, a verified closing true positives. `export_dataset` writes them as a YOLO dataset."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases.lifecycle import TRANSITIONS, ActionInput, apply_action
from backoffice.cases.models import Case, CaseEvent
from backoffice.cases.states import RUNNING_STATES, CaseAction, CaseSource, CaseState
from backoffice.errors import BadInput, Conflict, NotFound
from backoffice.vision.learning.background import count_false
from backoffice.vision.learning.models import CaseFrame, Label
from backoffice.vision.models import Camera, LatestFrame, Zone
from backoffice.vision.rules import Detection, ObjectKind, measure
from backoffice.vision.service import parse_dedupe_key, zone_rule
from backoffice.vision.training.datasets import CLASS_NAMES, label_lines

KIND_CLASS = {ObjectKind.BIKE.value: 0, ObjectKind.WASTE.value: 1}  # CLASS_NAMES' order
FILINGS = frozenset({"report", "attach_evidence"})
FALSE_ALARM_PREFIX = "false alarm: "


def camera_zone_of(db: Session, case: Case) -> tuple[Camera, Zone] | None:
    """The camera and zone that filed an AI case, if they still exist."""
    if case.source is not CaseSource.AI_PATROL:
        return None
    parsed = parse_dedupe_key(case.dedupe_key)
    if parsed is None:
        return None
    camera = db.scalar(select(Camera).where(Camera.code == parsed[0]))
    zone = db.get(Zone, parsed[1])
    if camera is None or zone is None or zone.camera_id != camera.id:
        return None
    return camera, zone


def on_transition(db: Session, case: Case, event: CaseEvent) -> None:
    """The case listener: keep the frame behind each filing of an AI case; a closing after
    verification labels the case's frames still pending as true positives."""
    if case.source is not CaseSource.AI_PATROL:
        return
    if event.action in FILINGS:
        keep_frame(db, case, event.at)
    elif event.action == CaseAction.CLOSE.value:
        for row in frames_of(db, case):
            if row.label is Label.PENDING:
                row.label, row.labelled_by, row.labelled_at = Label.TRUE, event.actor, event.at


def keep_frame(db: Session, case: Case, now: datetime) -> CaseFrame | None:
    found = camera_zone_of(db, case)
    if found is None:
        return None
    camera, zone = found
    latest = db.get(LatestFrame, camera.id)
    if latest is None or latest.at != now or not camera.frame_width or not camera.frame_height:
        return None  # not filed by the patrol from this camera's frame at this moment
    w, h = camera.frame_width, camera.frame_height
    seen = [Detection(d["kind"], float(d["score"]), tuple(d["box"])) for d in latest.detections]
    counted = set(measure(zone_rule(zone), seen, w, h).boxes)
    boxes = [
        {"kind": d.kind, "score": round(d.score, 4), "box": [round(v, 2) for v in d.box]}
        for d in seen
        if d.box in counted
    ]
    row = CaseFrame(
        case=case,
        camera_id=camera.id,
        zone_id=zone.id,
        at=now,
        jpeg=latest.jpeg,
        width=w,
        height=h,
        boxes=boxes,
        label=Label.PENDING,
    )
    db.add(row)
    return row


def frames_of(db: Session, case: Case) -> list[CaseFrame]:
    db.flush()
    return list(db.scalars(select(CaseFrame).where(CaseFrame.case_id == case.id)))


@dataclass(frozen=True)
class FalseAlarm:
    case_number: str
    frames: int
    action: str  # the lifecycle action taken ("void", "send_back") or "" when none applied
    threshold: float  # the zone's minimum score after the outcome


def mark_false_alarm(
    db: Session, case: Case, reason: str, *, actor: str, by_unit: bool, now: datetime
) -> FalseAlarm:
    """A unit or an operator found nothing where the patrol filed: the case's frames become
    hard negatives, the zone starts over, its threshold is recomputed from the outcomes, and
    the case leaves the queue (voided by the desk, sent back by the unit)."""
    from backoffice.vision.learning import thresholds

    reason = reason.strip()
    if not reason:
        raise BadInput("Give a reason for the false alarm.", field="reason")
    found = camera_zone_of(db, case)
    if found is None:
        raise Conflict(f"Case {case.number} was not filed by a camera of the AI patrol.")
    camera, zone = found
    action = ""
    if by_unit and case.state in RUNNING_STATES:
        action = CaseAction.SEND_BACK.value
    elif not by_unit and case.state in TRANSITIONS[CaseAction.VOID].sources:
        action = CaseAction.VOID.value
    elif case.state not in (CaseState.CLOSED, CaseState.VOIDED, CaseState.HANDLED):
        raise Conflict(f"Case {case.number} cannot be marked a false alarm while {case.state}.")
    rows = frames_of(db, case)
    for row in rows:
        row.label, row.reason, row.labelled_by, row.labelled_at = (
            Label.FALSE_ALARM,
            reason,
            actor[:100],
            now,
        )
    count_false(db, camera.id, now, alarms=1)
    if action:
        text = f"{FALSE_ALARM_PREFIX}{reason}"
        apply_action(db, case, CaseAction(action), ActionInput(reason=text), actor=actor, now=now)
    zone.state = {}  # the condition starts over under the new threshold
    thresholds.from_outcomes(db, zone, now, by=actor)
    db.flush()
    return FalseAlarm(case.number, len(rows), action, zone.min_score)


@dataclass(frozen=True)
class Exported:
    root: Path
    counts: dict[str, int]  # "<camera>/true", "<camera>/false_alarm"


def export_dataset(db: Session, root: Path) -> Exported:
    """The labelled frames as a YOLO set split-ready by camera: images/<camera>/<id>.jpg with
    labels/<camera>/<id>.txt (true positives with their boxes, false alarms with an empty
    file: hard negatives; a reviewed frame with the boxes the operator fixed) and classes.txt,
    the layout `vision evaluate --data [--by-site]` and `vision train --data --from` (which
    holds whole cameras out) read."""
    rows = db.execute(
        select(CaseFrame, Camera.code)
        .join(Camera, Camera.id == CaseFrame.camera_id)
        .where(CaseFrame.label != Label.PENDING)
        .order_by(Camera.code, CaseFrame.id)
    )
    counts: Counter[str] = Counter()
    (root / "images").mkdir(parents=True, exist_ok=True)
    for row, code in rows:
        images, labels = root / "images" / code, root / "labels" / code
        images.mkdir(parents=True, exist_ok=True)
        labels.mkdir(parents=True, exist_ok=True)
        boxes = [
            (KIND_CLASS[b["kind"]], tuple(b["box"]))
            for b in row.real_objects()
            if b["kind"] in KIND_CLASS
        ]
        lines = label_lines(boxes, row.width, row.height)
        (labels / f"{row.id:07d}.txt").write_text("".join(f"{line}\n" for line in lines))
        (images / f"{row.id:07d}.jpg").write_bytes(row.jpeg)
        counts[f"{code}/{row.label.value}"] += 1
    (root / "classes.txt").write_text("".join(f"{name}\n" for name in CLASS_NAMES))
    return Exported(root, dict(counts))


MIN_BOX_PX = 2.0  # a drawn box smaller than this a side is a slip of the hand


def review_frame(
    db: Session,
    frame_id: int,
    objects: list[dict[str, object]],
    label: Label,
    *,
    by: str,
    now: datetime,
) -> CaseFrame:
    """An operator's fix of a labelled frame: the real objects on it (kind and pixel box each)
    and whether the case was real. A frame still pending its case's outcome is not reviewed."""
    row = db.get(CaseFrame, frame_id)
    if row is None:
        raise NotFound(f"No labelled frame {frame_id}.")
    if row.label is Label.PENDING:
        raise Conflict(f"Frame {frame_id} waits for its case's outcome; review it after.")
    if label is Label.PENDING:
        raise BadInput("Say whether the case was real or a false alarm.", field="label")
    fixed = []
    for n, item in enumerate(objects, start=1):
        kind, box = item.get("kind"), item.get("box")
        if kind not in KIND_CLASS:
            raise BadInput(f"Box {n}: the kind is bike or waste.", field="boxes")
        if not (
            isinstance(box, list)
            and len(box) == 4
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in box)
        ):
            raise BadInput(f"Box {n}: draw it on the frame (four numbers).", field="boxes")
        x1, y1 = max(0.0, float(min(box[0], box[2]))), max(0.0, float(min(box[1], box[3])))
        x2 = min(float(row.width), float(max(box[0], box[2])))
        y2 = min(float(row.height), float(max(box[1], box[3])))
        if x2 - x1 < MIN_BOX_PX or y2 - y1 < MIN_BOX_PX:
            raise BadInput(f"Box {n} is too small or off the frame; draw it again.", field="boxes")
        fixed.append({"kind": kind, "box": [round(v, 1) for v in (x1, y1, x2, y2)]})
    if label is not row.label:
        row.label, row.labelled_by, row.labelled_at = label, by[:100], now
    row.truth, row.reviewed_by, row.reviewed_at = fixed, by[:100], now
    db.flush()
    return row

"""A candidate model in the active one's shadow: on the patrols in its sample it looks at the
same frame, and each zone's condition (the rule's count or fill, at the zone's thresholds) is
kept for both with the zone's AI case open then. Once cases are decided, the comparison scores
both against the outcomes: a look during a case verified real counts for the model that saw
the condition (missed by the other), one during a false alarm against it. The labelled frames
behind every decided case are replayed through both models too, so a candidate is judged on
the whole history of outcomes, not only on what happened while it shadowed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import cv2
import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases.models import Case
from backoffice.cases.states import OPEN_STATES, CaseSource
from backoffice.vision.detector import Detector
from backoffice.vision.learning.models import CaseFrame, DetectorModel, Label, ShadowLook
from backoffice.vision.models import Camera, Zone
from backoffice.vision.rules import Detection, measure
from backoffice.vision.service import dedupe_key, zone_rule


def open_case_id(db: Session, camera: Camera, zone: Zone) -> int | None:
    key = dedupe_key(camera, zone)
    return db.scalar(
        select(Case.id)
        .where(
            Case.source == CaseSource.AI_PATROL,
            Case.dedupe_key.startswith(key, autoescape=True),
            Case.state.in_(OPEN_STATES),
        )
        .order_by(Case.id.desc())
        .limit(1)
    )


def record(
    db: Session,
    camera: Camera,
    model_id: int,
    size: tuple[int, int],
    active: Sequence[Detection],
    candidate: Sequence[Detection],
    now: datetime,
) -> list[ShadowLook]:
    """Keep, for each enabled zone, whether each model's detections (both as the detector gave
    them, before the camera's learned background) meet its condition."""
    w, h = size
    looks = []
    for zone in camera.zones:
        if not zone.enabled:
            continue
        rule = zone_rule(zone)
        mine, theirs = measure(rule, active, w, h), measure(rule, candidate, w, h)
        look = ShadowLook(
            model_id=model_id,
            camera_id=camera.id,
            zone_id=zone.id,
            at=now,
            active_met=mine.present(rule),
            candidate_met=theirs.present(rule),
            active_value=mine.value(rule),
            candidate_value=theirs.value(rule),
            case_id=open_case_id(db, camera, zone),
        )
        db.add(look)
        looks.append(look)
    db.flush()
    return looks


@dataclass
class Score:
    """One model against the outcomes."""

    tp: int = 0  # saw the condition while a case later verified was open
    fp: int = 0  # saw it on a case marked a false alarm
    fn: int = 0  # missed it on a verified case
    tn: int = 0  # did not see it on a false alarm

    def add(self, met: bool, real: bool) -> None:
        if real:
            self.tp, self.fn = self.tp + met, self.fn + (not met)
        else:
            self.fp, self.tn = self.fp + met, self.tn + (not met)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def as_json(self) -> dict[str, float | int]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "tn": self.tn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
        }


@dataclass
class Comparison:
    candidate: str
    active: str
    looks: int = 0  # zone looks the candidate shadowed
    agreed: int = 0
    candidate_only: int = 0  # undecided looks where only the candidate saw the condition
    active_only: int = 0
    live: dict[str, Score] = field(
        default_factory=lambda: {"active": Score(), "candidate": Score()}
    )
    replay: dict[str, Score] = field(
        default_factory=lambda: {"active": Score(), "candidate": Score()}
    )
    replayed: int = 0  # labelled frames replayed through both

    def total(self, model: str) -> Score:
        a, b = self.live[model], self.replay[model]
        return Score(a.tp + b.tp, a.fp + b.fp, a.fn + b.fn, a.tn + b.tn)

    @property
    def decided(self) -> int:
        s = self.total("active")
        return s.tp + s.fp + s.fn + s.tn

    @property
    def better(self) -> bool:
        """Worth promoting: scored on decided outcomes, no more false alarms and no fewer
        real finds than the active model, and ahead on at least one of them."""
        a, c = self.total("active"), self.total("candidate")
        return self.decided > 0 and c.fp <= a.fp and c.tp >= a.tp and (c.fp, c.tp) != (a.fp, a.tp)

    def lines(self) -> list[str]:
        out = [
            f"candidate {self.candidate} against active {self.active}",
            f"shadowed zone looks: {self.looks}, the models agreeing on {self.agreed}; of those "
            f"no outcome decides, {self.candidate_only} seen by the candidate only, "
            f"{self.active_only} by the active only",
            f"labelled frames replayed: {self.replayed} (at the zones' thresholds now)",
        ]
        for model in ("active", "candidate"):
            s = self.total(model)
            out.append(
                f"  {model:9} on {self.decided} decided: {s.tp} real found, {s.fn} missed, "
                f"{s.fp} false alarms, {s.tn} avoided; precision {s.precision:.2f}, "
                f"recall {s.recall:.2f}"
            )
        out.append(
            "verdict: promote (fewer false alarms or more real finds, neither worse)"
            if self.better
            else "verdict: keep the active model (the candidate is not better on the outcomes)"
        )
        return out

    def as_json(self) -> dict[str, object]:
        return {
            "candidate": self.candidate,
            "active": self.active,
            "looks": self.looks,
            "agreed": self.agreed,
            "candidate_only": self.candidate_only,
            "active_only": self.active_only,
            "replayed": self.replayed,
            "decided": self.decided,
            "active_score": self.total("active").as_json(),
            "candidate_score": self.total("candidate").as_json(),
            "verdict": "promote" if self.better else "keep",
        }


def _outcomes(db: Session, case_ids: set[int]) -> dict[int, bool]:
    """Decided cases: True verified real, False a false alarm."""
    decided: dict[int, bool] = {}
    if not case_ids:
        return decided
    rows = db.execute(
        select(CaseFrame.case_id, CaseFrame.label).where(
            CaseFrame.case_id.in_(case_ids), CaseFrame.label != Label.PENDING
        )
    )
    for case_id, label in rows:
        real = label is Label.TRUE
        decided[case_id] = decided.get(case_id, real) and real
    return decided


def compare(
    db: Session,
    candidate: DetectorModel,
    active_name: str,
    detectors: tuple[Detector, Detector] | None,
) -> Comparison:
    """Score the candidate and the active model against the outcomes: the shadowed looks, and
    (given both `detectors`, active first) every labelled frame replayed."""
    c = Comparison(candidate.name, active_name)
    looks = list(db.scalars(select(ShadowLook).where(ShadowLook.model_id == candidate.id)))
    outcome = _outcomes(db, {look.case_id for look in looks if look.case_id is not None})
    for look in looks:
        c.looks += 1
        real = outcome.get(look.case_id) if look.case_id is not None else None
        if real is None:
            if look.active_met == look.candidate_met:
                c.agreed += 1
            elif look.candidate_met:
                c.candidate_only += 1
            else:
                c.active_only += 1
            continue
        c.agreed += look.active_met == look.candidate_met
        c.live["active"].add(look.active_met, real)
        c.live["candidate"].add(look.candidate_met, real)
    if detectors is None:
        return c
    frames = db.scalars(
        select(CaseFrame).where(CaseFrame.label != Label.PENDING).order_by(CaseFrame.id)
    )
    for row in frames:
        zone = db.get(Zone, row.zone_id)
        image = cv2.imdecode(np.frombuffer(row.jpeg, np.uint8), cv2.IMREAD_COLOR)
        if zone is None or image is None:
            continue
        rule = zone_rule(zone)
        h, w = image.shape[:2]
        c.replayed += 1
        for name, detector in zip(("active", "candidate"), detectors, strict=True):
            met = measure(rule, detector.detect(image), w, h).present(rule)
            c.replay[name].add(met, row.label is Label.TRUE)
    return c

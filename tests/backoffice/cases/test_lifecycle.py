"""The lifecycle's transition table, exhaustively: every state against every action, in the
service and through the API (allowed ones work, the rest are 409 naming the allowed ones)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.cases import lifecycle
from backoffice.cases.lifecycle import TRANSITIONS, ActionInput
from backoffice.cases.models import CaseEvent
from backoffice.cases.photos import PhotoKind
from backoffice.cases.states import CaseAction, CaseState
from backoffice.clock import ManualClock
from backoffice.errors import Conflict
from backoffice.identity.service import issue_unit_token
from backoffice.settings import Settings
from tests.backoffice.cases.helpers import UNIT_TOKEN_TTL, case_in_state, photo, photo_json, unit
from tests.conftest import StaffFactory, bearer

A = CaseAction
S = CaseState

# Written out by hand, independently of the table, so a change to either shows here.
EXPECTED_ALLOWED: dict[CaseState, set[CaseAction]] = {
    S.REPORTED: {A.FILE, A.VOID},
    S.FILED: {A.DISPATCH, A.HOLD, A.VOID},
    S.DISPATCHED: {A.ACCEPT, A.SEND_BACK, A.HOLD, A.VOID, A.ESCALATE},
    S.HANDLING: {
        A.SEND_BACK,
        A.REPORT_HANDLED,
        A.REQUEST_EXTENSION,
        A.APPROVE_EXTENSION,
        A.REJECT_EXTENSION,
        A.HOLD,
        A.ESCALATE,
    },
    S.HANDLED: {A.VERIFY, A.RETURN, A.ESCALATE},
    S.VERIFIED: {A.CLOSE},
    S.CLOSED: {A.REOPEN},
    S.HELD: {A.RESUME, A.VOID},
    S.VOIDED: {A.REOPEN},
}

# The state each allowed action leads to. Resume and reopen send the case back to filing,
# and the rule for shared bikes on 江苏路 dispatches it again at once.
EXPECTED_TARGET: dict[tuple[CaseState, CaseAction], CaseState] = {
    (S.REPORTED, A.FILE): S.FILED,
    (S.REPORTED, A.VOID): S.VOIDED,
    (S.FILED, A.DISPATCH): S.DISPATCHED,
    (S.FILED, A.HOLD): S.HELD,
    (S.FILED, A.VOID): S.VOIDED,
    (S.DISPATCHED, A.ACCEPT): S.HANDLING,
    (S.DISPATCHED, A.SEND_BACK): S.FILED,
    (S.DISPATCHED, A.HOLD): S.HELD,
    (S.DISPATCHED, A.VOID): S.VOIDED,
    (S.DISPATCHED, A.ESCALATE): S.DISPATCHED,
    (S.HANDLING, A.SEND_BACK): S.FILED,
    (S.HANDLING, A.REPORT_HANDLED): S.HANDLED,
    (S.HANDLING, A.REQUEST_EXTENSION): S.HANDLING,
    (S.HANDLING, A.APPROVE_EXTENSION): S.HANDLING,
    (S.HANDLING, A.REJECT_EXTENSION): S.HANDLING,
    (S.HANDLING, A.HOLD): S.HELD,
    (S.HANDLING, A.ESCALATE): S.HANDLING,
    (S.HANDLED, A.VERIFY): S.VERIFIED,
    (S.HANDLED, A.RETURN): S.HANDLING,
    (S.HANDLED, A.ESCALATE): S.HANDLED,
    (S.VERIFIED, A.CLOSE): S.CLOSED,
    (S.CLOSED, A.REOPEN): S.DISPATCHED,
    (S.HELD, A.RESUME): S.DISPATCHED,
    (S.HELD, A.VOID): S.VOIDED,
    (S.VOIDED, A.REOPEN): S.DISPATCHED,
}

# The back office's own action: it closes a case whose cause went away (a kiosk's device well
# again), from any open state; no person or unit may take it, and it is never listed as allowed.
RESOLVABLE = frozenset(CaseState) - {S.CLOSED, S.VOIDED}

PAIRS = [(state, action) for state in CaseState for action in CaseAction]


def test_the_table_matches_the_lifecycle_written_out_by_hand() -> None:
    for state in CaseState:
        assert set(lifecycle.allowed_actions(state)) == EXPECTED_ALLOWED[state], state
    assert set(EXPECTED_TARGET) == {
        (s, a) for s, actions in EXPECTED_ALLOWED.items() for a in actions
    }
    for (state, action), target in EXPECTED_TARGET.items():
        if action not in (A.RESUME, A.REOPEN):
            assert (TRANSITIONS[action].target or state) is target
    system = {a for a, t in TRANSITIONS.items() if t.system}
    assert system == {A.RESOLVE}
    assert TRANSITIONS[A.RESOLVE].sources == RESOLVABLE
    assert TRANSITIONS[A.RESOLVE].target is S.CLOSED


def _body(action: CaseAction) -> dict[str, object]:
    bodies: dict[CaseAction, dict[str, object]] = {
        A.DISPATCH: {"unit_code": "BIKE-HELLO"},
        A.SEND_BACK: {"reason": "不属于本单位的停放区"},
        A.REPORT_HANDLED: {"photos": [photo_json("after")]},
        A.REQUEST_EXTENSION: {"reason": "车辆过多需调度", "hours": 24},
        A.REJECT_EXTENSION: {"reason": "时限内可完成"},
        A.RETURN: {"reason": "照片中仍有单车"},
        A.HOLD: {"reason": "等待产权确认"},
        A.VOID: {"reason": "重复上报"},
        A.ESCALATE: {"reason": "超期未处置"},
        A.REOPEN: {"reason": "市民反映问题仍在"},
    }
    return bodies.get(action, {})


@pytest.mark.parametrize(("state", "action"), PAIRS, ids=[f"{s}-{a}" for s, a in PAIRS])
def test_every_state_and_action_through_the_api(
    state: CaseState,
    action: CaseAction,
    seeded: Session,
    client: TestClient,
    clock: ManualClock,
    settings: Settings,
    staff_headers: StaffFactory,
) -> None:
    db = seeded
    photo_dir = settings.data_dir / "photos"
    case = case_in_state(db, state, clock.now(), photo_dir)
    hello = unit(db, "BIKE-HELLO")
    by_unit = TRANSITIONS[action].by_unit
    headers = (
        bearer(issue_unit_token(db, hello, clock.now(), UNIT_TOKEN_TTL))
        if by_unit
        else staff_headers(Role.ADMIN)
    )
    if action in (A.APPROVE_EXTENSION, A.REJECT_EXTENSION) and state is S.HANDLING:
        lifecycle.apply_action(
            db,
            case,
            A.REQUEST_EXTENSION,
            ActionInput(reason="需要", hours=24),
            actor="unit:BIKE-HELLO",
            now=clock.now(),
        )
    events_before = len(case.events)

    response = client.post(
        f"/api/v1/cases/{case.number}/actions/{action}", json=_body(action), headers=headers
    )

    db.expire_all()
    if action in EXPECTED_ALLOWED[state]:
        assert response.status_code == 200, response.json()
        assert response.json()["state"] == EXPECTED_TARGET[(state, action)]
        timeline = response.json()["timeline"]
        assert timeline[events_before]["action"] == action
        assert timeline[events_before]["from_state"] == state
        assert timeline[events_before]["actor"] == (
            "unit:BIKE-HELLO" if by_unit else timeline[events_before]["actor"]
        )
    elif TRANSITIONS[action].system:
        # Only the back office resolves a case, never a caller of the API, whatever the state.
        assert response.status_code == 403, response.json()
        assert case.state is state
    elif by_unit and case.unit_id != hello.id:
        # A unit cannot reach a case that is not dispatched to it, whatever its state.
        assert response.status_code == 403
    else:
        assert response.status_code == 409, response.json()
        allowed = response.json()["allowed_actions"]
        assert set(allowed) == {a.value for a in EXPECTED_ALLOWED[state]}
        assert f"is {state}" in response.json()["detail"]
        assert ", ".join(allowed) in response.json()["detail"]
        assert case.state is state
        assert len(case.events) == events_before


def test_the_service_refuses_every_illegal_pair_with_the_allowed_actions(
    seeded: Session, clock: ManualClock, tmp_path: Path
) -> None:
    for state in CaseState:
        case = case_in_state(seeded, state, clock.now(), tmp_path)
        refused_here = set(CaseAction) - EXPECTED_ALLOWED[state]
        if state in RESOLVABLE:
            refused_here.discard(A.RESOLVE)
        for action in refused_here:
            with pytest.raises(Conflict) as refused:
                lifecycle.apply_action(
                    seeded, case, action, ActionInput(reason="x"), actor="t", now=clock.now()
                )
            assert set(refused.value.extra["allowed_actions"]) == {
                a.value for a in EXPECTED_ALLOWED[state]
            }
            assert case.state is state


def test_the_system_resolves_a_case_from_any_open_state(
    seeded: Session, clock: ManualClock, tmp_path: Path
) -> None:
    for state in RESOLVABLE:
        case = case_in_state(seeded, state, clock.now(), tmp_path)
        event = lifecycle.apply_action(
            seeded,
            case,
            A.RESOLVE,
            ActionInput(reason="设备已恢复正常"),
            actor="fleet",
            now=clock.now(),
        )
        assert (case.state, case.closed_at) == (S.CLOSED, clock.now()), state
        assert (event.action, event.from_state, event.reason) == (
            "resolve",
            state,
            "设备已恢复正常",
        )
        assert A.RESOLVE not in lifecycle.allowed_actions(state)


def test_actions_that_need_a_reason_refuse_an_empty_one(
    seeded: Session, clock: ManualClock, tmp_path: Path
) -> None:
    case = case_in_state(seeded, S.DISPATCHED, clock.now(), tmp_path)
    for action in (A.SEND_BACK, A.HOLD, A.VOID, A.ESCALATE, A.RESOLVE):
        with pytest.raises(Exception, match="reason") as refused:
            lifecycle.apply_action(
                seeded, case, action, ActionInput(reason="  "), actor="t", now=clock.now()
            )
        assert getattr(refused.value, "status_code", None) == 422
    assert case.state is S.DISPATCHED


def test_send_back_empties_the_dispatch_and_puts_the_case_in_the_manual_queue(
    seeded: Session, clock: ManualClock, tmp_path: Path
) -> None:
    case = case_in_state(seeded, S.HANDLING, clock.now(), tmp_path)
    lifecycle.apply_action(
        seeded, case, A.SEND_BACK, ActionInput(reason="不是本单位车辆"), actor="u", now=clock.now()
    )
    assert (case.state, case.unit_id, case.due_at, case.dispatched_by_rule) == (
        S.FILED,
        None,
        None,
        None,
    )
    last = seeded.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id.desc())
    ).first()
    assert last is not None
    assert (last.action, last.from_state, last.to_state, last.reason) == (
        "send_back",
        S.HANDLING,
        S.FILED,
        "不是本单位车辆",
    )


def test_close_needs_an_after_photo(seeded: Session, clock: ManualClock, tmp_path: Path) -> None:
    case = case_in_state(seeded, S.DISPATCHED, clock.now(), tmp_path)
    case.state = S.VERIFIED  # forced past handling, which would have demanded the photo
    with pytest.raises(Conflict, match="no after photo"):
        lifecycle.apply_action(seeded, case, A.CLOSE, ActionInput(), actor="t", now=clock.now())
    lifecycle.store_photos(seeded, case, (photo(PhotoKind.AFTER),), "camera", clock.now(), tmp_path)
    lifecycle.apply_action(seeded, case, A.CLOSE, ActionInput(), actor="t", now=clock.now())
    assert case.state is S.CLOSED and case.closed_at == clock.now()

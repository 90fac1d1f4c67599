"""One-tap consult: asked at one kiosk, answered by staff, read back at another by reference."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.clock import ManualClock
from tests.backoffice.kiosk_terminals import enrolled_terminal, seed_catalog
from tests.conftest import StaffFactory


@pytest.fixture
def manager(staff_headers: StaffFactory) -> dict[str, str]:
    return staff_headers(Role.TERMINAL_MANAGER)


def test_a_consult_is_answered_and_read_back_at_any_kiosk_by_its_reference(
    client: TestClient,
    db: Session,
    clock: ManualClock,
    manager: dict[str, str],
    staff_headers: StaffFactory,
) -> None:
    seed_catalog(db, clock)
    centre = enrolled_terminal(client, manager)
    lobby = enrolled_terminal(client, manager, "JSL-LOBBY-01", "lobby")
    asked = client.post(
        "/api/v1/consults",
        json={"kind": "question", "matter_code": "RES-PERMIT-APPLY",
              "question": "租房合同没有登记备案，可以先申请居住证吗？"},
        headers=centre,
    )  # fmt: skip
    assert asked.status_code == 201, asked.text
    reference = asked.json()["reference"]
    assert reference.startswith("ZX") and len(reference) == 10
    assert asked.json()["status"] == "waiting"

    call_taker = staff_headers(Role.CALL_TAKER)
    queue = client.get("/api/v1/consults", headers=call_taker).json()
    assert [c["reference"] for c in queue] == [reference]
    answer = "需先到房屋所在地社区事务受理服务中心办理租赁合同登记备案，再申请居住证。"
    answered = client.post(
        f"/api/v1/consults/{reference}/answer", json={"answer": answer}, headers=call_taker
    )
    assert answered.status_code == 200, answered.text
    twice = client.post(
        f"/api/v1/consults/{reference}/answer", json={"answer": "x"}, headers=call_taker
    )
    assert twice.status_code == 409
    assert client.get("/api/v1/consults", headers=call_taker).json() == []

    typed_loosely = f"{reference[:5].lower()}-{reference[5:]}"
    read = client.get(f"/api/v1/consults/{typed_loosely}", headers=lobby)
    assert read.status_code == 200
    assert read.json()["status"] == "answered" and read.json()["answer"] == answer
    assert client.get("/api/v1/consults/ZXAAAAAAAA", headers=lobby).status_code == 404


def test_a_material_precheck_names_what_is_missing(
    client: TestClient, db: Session, clock: ManualClock, manager: dict[str, str]
) -> None:
    seed_catalog(db, clock)
    kiosk = enrolled_terminal(client, manager)
    precheck = {"id_card": True, "residence_proof": False, "labour_contract": True, "photo": False}
    asked = client.post(
        "/api/v1/consults",
        json={"kind": "precheck", "matter_code": "RES-PERMIT-APPLY", "precheck": precheck},
        headers=kiosk,
    )
    assert asked.status_code == 201, asked.text
    # The photo can be taken at the centre, so only the proof of address is missing.
    assert asked.json()["missing"] == ["residence_proof"]
    partial = client.post(
        "/api/v1/consults",
        json={"kind": "precheck", "matter_code": "RES-PERMIT-APPLY", "precheck": {"id_card": True}},
        headers=kiosk,
    )
    assert partial.status_code == 422 and "residence_proof" in partial.json()["detail"]
    empty = client.post("/api/v1/consults", json={"kind": "question"}, headers=kiosk)
    assert empty.status_code == 422
    assert (
        client.get("/api/v1/consults/" + asked.json()["reference"], headers=manager).status_code
        == 403
    )

"""Every free-text input the API and the pages accept, with ID numbers and mobile numbers
embedded (Hypothesis): the numbers are nowhere in the database, the case CSV export, the
Open311 GET or the case a bad rating opens."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.cases.models import Case
from backoffice.clock import ManualClock
from backoffice.db import Base
from backoffice.open311.service import issue_key
from tests.backoffice.fleet.test_enrollment import BEAT
from tests.backoffice.kiosk_terminals import enrolled_terminal, report_visit, seed_catalog
from tests.backoffice.web.helpers import sign_in_as
from tests.conftest import StaffFactory
from tests.personal_numbers import Embedded, leaked, texts_with_numbers

MATTER = "MI-BOOKLET-PRINT"
EXAMPLES = settings(
    max_examples=6,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass
class World:
    client: TestClient
    db: Session
    kiosk: dict[str, str]
    open311_key: str
    page_csrf: str
    staff: StaffFactory
    counter: itertools.count[int]

    def headers(self, role: Role, unit_code: str | None = None) -> dict[str, str]:
        return self.staff(role, unit_code)

    def everything_kept(self) -> str:
        """Every value of every row of every table, as text."""
        self.db.expire_all()
        parts = []
        connection = self.db.connection()
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(select(table)):
                parts.append(json.dumps(list(row), ensure_ascii=False, default=str))
        return "\n".join(parts)

    def everything_shown(self) -> str:
        """The case CSV export and every Open311 request, as the public gets them."""
        export = self.client.get("/ops/cases.csv")
        assert export.status_code == 200
        published = self.client.get("/open311/v2/requests.json")
        assert published.status_code == 200
        return export.text + "\n" + published.text


@pytest.fixture
def world(
    seeded: Session, client: TestClient, clock: ManualClock, staff_headers: StaffFactory
) -> World:
    seed_catalog(seeded, clock)
    kiosk = enrolled_terminal(client, staff_headers(Role.TERMINAL_MANAGER))
    key = issue_key(seeded, "masking test", clock.now())
    _staff, csrf = sign_in_as(client, seeded, clock, Role.ADMIN)
    return World(client, seeded, kiosk, key, csrf, staff_headers, itertools.count())


def ok(answer: httpx.Response, *codes: int) -> dict[str, Any]:
    assert answer.status_code in (codes or (200, 201)), answer.text
    if not answer.headers.get("content-type", "").startswith("application/json"):
        return {}
    body = answer.json()
    return body if isinstance(body, dict) else {"items": body}


# --- one function per free-text input: sends `text` where a person would write it, and
# returns the case it was copied into, if any -------------------------------------------------


def rating_comment(w: World, text: str) -> str | None:
    visit = report_visit(w.client, w.kiosk, [MATTER])
    body = {"visit_id": visit, "matter_code": MATTER, "level": 1, "comment": text}
    headers = {**w.kiosk, "Idempotency-Key": f"rate-{next(w.counter)}"}
    rated = ok(w.client.post("/api/v1/ratings", json=body, headers=headers))
    return str(rated["rectification"]["case_number"])


def _rectification(w: World) -> str:
    visit = report_visit(w.client, w.kiosk, [MATTER])
    body = {"visit_id": visit, "matter_code": MATTER, "level": 2, "reasons": ["device_fault"]}
    headers = {**w.kiosk, "Idempotency-Key": f"rect-{next(w.counter)}"}
    rated = ok(w.client.post("/api/v1/ratings", json=body, headers=headers))
    return f"/api/v1/ratings/rectifications/{rated['rectification']['id']}"


def rectification_follow_up(w: World, text: str) -> str | None:
    url = _rectification(w)
    unit = w.headers(Role.UNIT_STAFF, "JSL-CAC-MI")
    ok(w.client.post(f"{url}/callback", json={"note": text, "resident_satisfied": True},
                     headers=unit))  # fmt: skip
    ok(w.client.post(f"{url}/outcome", json={"outcome": text}, headers=unit))
    return None


def rectification_appeal(w: World, text: str) -> str | None:
    url = _rectification(w)
    operator = w.headers(Role.OPERATOR)
    ok(w.client.post(f"{url}/appeal", json={"reason": text}, headers=operator))
    leader = w.headers(Role.SHIFT_LEADER)
    ok(w.client.post(f"{url}/appeal-decision", json={"upheld": False, "note": text},
                     headers=leader))  # fmt: skip
    return None


def consult_question_and_answer(w: World, text: str) -> str | None:
    body = {"kind": "question", "matter_code": "RES-PERMIT-APPLY", "question": text}
    asked = ok(w.client.post("/api/v1/consults", json=body, headers=w.kiosk))
    ok(w.client.post(f"/api/v1/consults/{asked['reference']}/answer", json={"answer": text},
                     headers=w.headers(Role.CALL_TAKER)))  # fmt: skip
    return None


def consult_answer_page(w: World, text: str) -> str | None:
    body = {"kind": "question", "matter_code": "RES-PERMIT-APPLY", "question": "居住证怎么办"}
    asked = ok(w.client.post("/api/v1/consults", json=body, headers=w.kiosk))
    form = {"csrf": w.page_csrf, "answer": text}
    ok(w.client.post(f"/ops/consults/{asked['reference']}/answer", data=form,
                     follow_redirects=False), 303)  # fmt: skip
    return None


def open311_request(w: World, text: str) -> str | None:
    body = {
        "api_key": w.open311_key,
        "service_code": "E-0102",
        "description": text,
        "address_string": f"江苏路 {text}",
        "media_url": f"http://example.org/{text}",
    }
    posted = w.client.post("/open311/v2/requests.json", json=body)
    assert posted.status_code == 200, posted.text
    return str(posted.json()[0]["service_request_id"])


def staff_case(w: World, text: str) -> str | None:
    body = {"type_code": "E-0102", "description": text, "road_code": "JSL-R05"}
    filed = ok(w.client.post("/api/v1/cases", json=body, headers=w.headers(Role.CALL_TAKER)))
    return str(filed["case_number"])


def case_action_reason(w: World, text: str) -> str | None:
    number = staff_case(w, "路边垃圾")
    ok(w.client.post(f"/api/v1/cases/{number}/actions/hold", json={"reason": text},
                     headers=w.headers(Role.SHIFT_LEADER)))  # fmt: skip
    return number


def call_taker_form(w: World, text: str) -> str | None:
    form = {"csrf": w.page_csrf, "source": "hotline", "type_code": "E-0102",
            "road_code": "JSL-R01", "landmark": "x:JSL-R02", "description": text,
            "caller_name": "张三",
            "caller_phone": "13900001111"}  # fmt: skip
    taken = w.client.post("/ops/calls", data=form, follow_redirects=False)
    assert taken.status_code == 303 and "/ops/cases/" in taken.headers["location"], taken.text
    return taken.headers["location"].rsplit("/", 1)[1]


def case_action_page(w: World, text: str) -> str | None:
    number = staff_case(w, "路边垃圾")
    form = {"csrf": w.page_csrf, "reason": text}
    ok(w.client.post(f"/ops/cases/{number}/actions/hold", data=form, follow_redirects=False),
       303)  # fmt: skip
    return number


def dispatch_rule_note(w: World, text: str) -> str | None:
    body = {"code": f"NOTE-{next(w.counter)}", "priority": 5, "unit_code": "JSL-EMP",
            "type_code": "E-0102", "note": text[:200]}  # fmt: skip
    ok(w.client.post("/api/v1/dispatch-rules", json=body, headers=w.headers(Role.ADMIN)), 201)
    return None


def lock_message(w: World, text: str) -> str | None:
    body = {"kind": "lock", "message": text[:200]}
    ok(w.client.post("/api/v1/fleet/terminals/JSL-CAC-01/commands", json=body,
                     headers=w.headers(Role.TERMINAL_MANAGER)), 201)  # fmt: skip
    return None


def command_result(w: World, text: str) -> str | None:
    body = {"kind": "lock", "message": "维护中"}
    manager = w.headers(Role.TERMINAL_MANAGER)
    command = ok(w.client.post("/api/v1/fleet/terminals/JSL-CAC-01/commands", json=body,
                               headers=manager), 201)  # fmt: skip
    ok(w.client.post("/api/v1/fleet/heartbeat", json=BEAT, headers=w.kiosk))
    ok(w.client.post(f"/api/v1/fleet/commands/{command['id']}/ack",
                     json={"ok": True, "result": text[:500]}, headers=w.kiosk))  # fmt: skip
    return None


INPUTS: list[Callable[[World, str], str | None]] = [
    rating_comment,
    rectification_follow_up,
    rectification_appeal,
    consult_question_and_answer,
    consult_answer_page,
    open311_request,
    staff_case,
    case_action_reason,
    call_taker_form,
    case_action_page,
    dispatch_rule_note,
    lock_message,
    command_result,
]


@EXAMPLES
@given(
    texts=st.lists(texts_with_numbers(max_numbers=2), min_size=len(INPUTS), max_size=len(INPUTS))
)
def test_personal_numbers_in_free_text_are_masked_everywhere_they_go(
    world: World, texts: list[Embedded]
) -> None:
    # One text for each input in every example: the inputs share one set-up (a kiosk, a key,
    # a page sign-in), which costs more than the examples.
    for send, embedded in zip(INPUTS, texts, strict=True):
        text = f"问题{embedded.text}联系"  # never blank, whatever was drawn
        number = send(world, text)

        where = send.__name__
        assert leaked(world.everything_kept(), embedded.numbers) == [], where
        assert leaked(world.everything_shown(), embedded.numbers) == [], where
        if number is not None:
            case = world.db.scalars(select(Case).where(Case.number == number)).one()
            copied = case.description + " ".join(e.reason for e in case.events)
            assert leaked(copied, embedded.numbers) == [], where
            assert "*" in copied, where  # the masked number went along with the text


def test_a_masked_description_keeps_the_rest_of_the_text(world: World) -> None:
    number = open311_request(world, "单车乱停 联系人张三 13900001111")
    record = world.client.get(f"/open311/v2/requests/{number}.json").json()[0]
    # Read back as posted (GeoReport), the number masked.
    assert record["description"] == "单车乱停 联系人张三 139****1111"
    assert "13900001111" not in world.everything_kept()


def test_a_case_filed_before_masking_is_masked_in_the_export_and_open311(world: World) -> None:
    number = open311_request(world, "乱停车")
    case = world.db.scalars(select(Case).where(Case.number == number)).one()
    case.description = "乱停车 车主电话 13900001111 身份证 11010519491231002X"  # an old row
    world.db.commit()

    shown = world.everything_shown()
    assert "13900001111" not in shown and "11010519491231002X" not in shown
    assert "139****1111" in shown and "110***********002X" in shown

"""A full booklet, then a new one: registered by counter staff on the ops pages, or reported by
the medical-insurance upstream; the next print starts on its page 1 with the first record not
printed yet, nothing lost or repeated."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.clock import ManualClock
from backoffice.keys import Keys
from backoffice.medical.models import BookletSource, NewBooklet, PrintConfirmation
from backoffice.medical.service import LINES_PER_PAGE, PAGES_PER_BOOKLET
from backoffice.settings import Settings
from backoffice.suishen.personal import keyed_hash
from tests.backoffice.kiosk_terminals import enrolled_terminal, identify_by_card
from tests.backoffice.web.helpers import sign_in_as
from tests.conftest import StaffFactory
from tests.upstreams import upstream_peers

ID_NUMBER = "310105194809270012"
FULL = PAGES_PER_BOOKLET * LINES_PER_PAGE  # 640 lines
RECORDS = "/api/v1/medical/records"
PRINTS = "/api/v1/medical/prints"


@pytest.fixture
def person(settings: Settings) -> str:
    return keyed_hash(Keys.of(settings), ID_NUMBER)


@pytest.fixture
def who(
    client: TestClient, staff_headers: StaffFactory, person: str, clock: ManualClock
) -> dict[str, str]:
    """A person with a booklet printed to its last line and 5 records waiting."""
    upstream_peers().medical.add_person(person, clock.now().date(), count=FULL + 5)
    kiosk = enrolled_terminal(client, staff_headers(Role.TERMINAL_MANAGER))
    token = identify_by_card(client, kiosk, ID_NUMBER, "陈建国")["token"]
    headers = {**kiosk, "X-Identification": token}
    done = client.post(PRINTS, json={"page": PAGES_PER_BOOKLET, "line": 16}, headers=headers)
    assert done.json() == {
        "printed_through_seq": FULL,
        "next_page": PAGES_PER_BOOKLET + 1,
        "next_line": 1,
        "remaining": 0,  # nothing more fits this booklet
    }
    return headers


def test_counter_staff_register_a_new_booklet_and_printing_goes_on_at_its_page_1(
    client: TestClient, db: Session, clock: ManualClock, who: dict[str, str]
) -> None:
    full = client.get(RECORDS, headers=who).json()
    assert full["booklet_full"] is True and full["lines"] == []
    assert full["booklet_number"] == 1

    _, csrf = sign_in_as(client, db, clock, Role.CALL_TAKER)
    page = client.get("/ops/booklets")
    assert page.status_code == 200 and "登记新册" in page.text
    bad = client.post(
        "/ops/booklets",
        data={"csrf": csrf, "id_number": "310105194809270013", "serial": "SH-0002"},
        follow_redirects=True,
    )
    assert "身份证号校验不通过" in bad.text
    done = client.post(
        "/ops/booklets",
        data={"csrf": csrf, "id_number": ID_NUMBER, "serial": "sh-0002"},
        follow_redirects=True,
    )
    assert "新册 SH-0002 已登记：下次打印从新册第1页开始。" in done.text
    assert ID_NUMBER not in done.text
    again = client.post(
        "/ops/booklets",
        data={"csrf": csrf, "id_number": ID_NUMBER, "serial": "SH-0002"},
        follow_redirects=True,
    )
    assert "册号 SH-0002 已为此人登记过。" in again.text
    [row] = db.scalars(select(NewBooklet)).all()
    assert (row.serial, row.number, row.starts_after_seq, row.source) == (
        "SH-0002", 2, FULL, BookletSource.COUNTER,
    )  # fmt: skip

    fresh = client.get(RECORDS, headers=who).json()
    assert (fresh["booklet_number"], fresh["booklet_serial"]) == (2, "SH-0002")
    assert fresh["booklet_full"] is False
    assert [(x["seq"], x["page"], x["line"]) for x in fresh["lines"]] == [
        (FULL + n, 1, n) for n in range(1, 6)
    ]
    # A late confirmation for the old booklet is refused, not counted in the new one.
    late = client.post(PRINTS, json={"page": 1, "line": 5, "booklet": 1}, headers=who)
    assert late.status_code == 409 and "replaced by booklet 2" in late.json()["detail"]
    printed = client.post(PRINTS, json={"page": 1, "line": 5, "booklet": 2}, headers=who)
    assert printed.json() == {
        "printed_through_seq": FULL + 5, "next_page": 1, "next_line": 6, "remaining": 0,
    }  # fmt: skip
    confirmed = db.scalars(select(PrintConfirmation.through_seq)).all()
    assert confirmed == [FULL, FULL + 5]


def test_a_viewer_sees_the_registrations_but_registers_nothing(
    client: TestClient, db: Session, clock: ManualClock
) -> None:
    _, csrf = sign_in_as(client, db, clock, Role.VIEWER)
    assert 'name="serial"' not in client.get("/ops/booklets").text
    refused = client.post(
        "/ops/booklets", data={"csrf": csrf, "id_number": ID_NUMBER, "serial": "SH-9"}
    )
    assert refused.status_code == 403


def test_the_upstream_reporting_a_new_booklet_starts_it_once_full(
    client: TestClient, db: Session, who: dict[str, str], person: str
) -> None:
    medical = upstream_peers().medical
    medical.issue_booklet(person, "YB-2")
    fresh = client.get(RECORDS, headers=who).json()
    assert (fresh["booklet_number"], fresh["booklet_serial"]) == (2, "YB-2")
    assert [(x["page"], x["line"]) for x in fresh["lines"]][:2] == [(1, 1), (1, 2)]
    [row] = db.scalars(select(NewBooklet)).all()
    assert row.source is BookletSource.UPSTREAM and row.starts_after_seq == FULL
    # Asked again, nothing changes (the same booklet, not a third one).
    assert client.get(RECORDS, headers=who).json()["lines"] == fresh["lines"]
    assert len(db.scalars(select(NewBooklet)).all()) == 1


def test_a_serial_reported_before_the_booklet_is_full_names_the_current_one(
    client: TestClient, staff_headers: StaffFactory, person: str, clock: ManualClock
) -> None:
    upstream_peers().medical.add_person(person, clock.now().date(), count=20, booklet_serial="YB-1")
    kiosk = enrolled_terminal(client, staff_headers(Role.TERMINAL_MANAGER))
    who = {
        **kiosk,
        "X-Identification": identify_by_card(client, kiosk, ID_NUMBER, "陈建国")["token"],
    }
    answer = client.get(RECORDS, headers=who).json()
    assert (answer["booklet_number"], answer["booklet_serial"]) == (1, "YB-1")
    assert (answer["lines"][0]["page"], answer["lines"][0]["line"]) == (1, 1)

"""Medical records: released to a card or Suishen identification; the booklet continues."""

import itertools
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.clock import ManualClock
from backoffice.keys import Keys
from backoffice.medical.models import PrintConfirmation
from backoffice.settings import Settings
from backoffice.suishen.personal import keyed_hash
from simulators.upstream_peers import MedicalPeer, generate_visits
from tests.backoffice.kiosk_terminals import enrolled_terminal, identify_by_card
from tests.conftest import StaffFactory
from tests.upstreams import upstream_peers

ID_NUMBER = "11010519491231002X"


@pytest.fixture
def source(settings: Settings, clock: ManualClock) -> MedicalPeer:
    """The medical peer, with the person's generated records (replacing any a test left)."""
    peer = upstream_peers().medical
    peer.add_person(keyed_hash(Keys.of(settings), ID_NUMBER), clock.now().date())
    return peer


@pytest.fixture
def manager(staff_headers: StaffFactory) -> dict[str, str]:
    return staff_headers(Role.TERMINAL_MANAGER)


def identify(client: TestClient, kiosk: dict[str, str]) -> dict[str, str]:
    answer = identify_by_card(client, kiosk, ID_NUMBER, "张三")
    return {**kiosk, "X-Identification": answer["token"]}


def test_the_peers_records_are_deterministic_and_plausible() -> None:
    first = generate_visits("ab" * 32, date(2026, 11, 2))
    assert first == generate_visits("ab" * 32, date(2026, 11, 2))
    assert all(r["total_fen"] == r["fund_fen"] + r["self_fen"] for r in first)
    assert [r["seq"] for r in first] == list(range(1, len(first) + 1))
    assert all(a["visit_date"] <= b["visit_date"] for a, b in itertools.pairwise(first))
    assert 28 <= len(first) <= 64


def test_a_booklet_continues_at_the_right_page_and_line_across_two_prints(
    client: TestClient,
    db: Session,
    clock: ManualClock,
    source: MedicalPeer,
    manager: dict[str, str],
    settings: Settings,
) -> None:
    who = identify(client, enrolled_terminal(client, manager))
    waiting = client.get("/api/v1/medical/records", headers=who).json()
    lines = waiting["lines"]
    total = len(lines)
    assert waiting["masked_name"] == "张*" and (waiting["next_page"], waiting["next_line"]) == (
        1,
        1,
    )
    assert [(x["page"], x["line"]) for x in lines[:2]] == [(1, 1), (1, 2)]
    assert (lines[16]["page"], lines[16]["line"]) == (2, 1)

    # The first print stops after page 1 line 16 (the kiosk printed one page).
    first = client.post("/api/v1/medical/prints", json={"page": 1, "line": 16}, headers=who)
    assert first.status_code == 200, first.text
    assert first.json() == {
        "printed_through_seq": 16,
        "next_page": 2,
        "next_line": 1,
        "remaining": total - 16,
    }
    again = client.post("/api/v1/medical/prints", json={"page": 1, "line": 16}, headers=who)
    assert again.json() == first.json()  # the same confirmation twice is harmless
    assert db.scalar(select(func.count()).select_from(PrintConfirmation)) == 1

    # A new visit upstream; the next print starts at page 2 line 1 and includes it.
    source.add_visit(
        keyed_hash(Keys.of(settings), ID_NUMBER),
        {
            "visit_date": clock.now().date().isoformat(),
            "institution": "上海市第六人民医院",
            "department": "骨科",
            "kind": "门诊",
            "total_fen": 12000,
            "fund_fen": 9000,
            "self_fen": 3000,
        },
    )
    second = client.get("/api/v1/medical/records", headers=who).json()
    assert (second["next_page"], second["next_line"]) == (2, 1)
    assert second["lines"][0]["seq"] == 17 and second["lines"][-1]["seq"] == total + 1
    last = second["lines"][-1]
    assert last["institution"] == "上海市第六人民医院" and last["self_yuan"] == "30.00"
    done = client.post(
        "/api/v1/medical/prints", json={"page": last["page"], "line": last["line"]}, headers=who
    )
    assert done.json()["remaining"] == 0 and done.json()["printed_through_seq"] == total + 1
    assert client.get("/api/v1/medical/records", headers=who).json()["lines"] == []


def test_a_confirmation_past_the_end_is_refused_and_nothing_recorded(
    client: TestClient, db: Session, source: MedicalPeer, manager: dict[str, str]
) -> None:
    who = identify(client, enrolled_terminal(client, manager))
    lines = client.get("/api/v1/medical/records", headers=who).json()["lines"]
    last = lines[-1]
    past = {"page": last["page"] + 1, "line": 1}
    reply = client.post("/api/v1/medical/prints", json=past, headers=who)
    assert reply.status_code == 422 and "past the end" in reply.json()["detail"]
    no_line = client.post("/api/v1/medical/prints", json={"page": 1, "line": 17}, headers=who)
    assert no_line.status_code == 422
    assert db.scalar(select(func.count()).select_from(PrintConfirmation)) == 0
    assert client.get("/api/v1/medical/records", headers=who).json()["lines"] == lines


def test_records_are_refused_to_a_typed_id_number_and_to_other_terminals(
    client: TestClient, clock: ManualClock, source: MedicalPeer, manager: dict[str, str]
) -> None:
    kiosk = enrolled_terminal(client, manager)
    in_url = client.get(f"/api/v1/medical/records?id_number={ID_NUMBER}", headers=kiosk)
    assert in_url.status_code == 400  # refused before any handler (backoffice.protect)
    assert in_url.json()["detail"].startswith("An ID number may not be sent in the URL")
    typed = client.get(f"/api/v1/medical/records?id={ID_NUMBER}", headers=kiosk)
    assert typed.status_code == 403 and "typed ID number" in typed.json()["detail"]
    anonymous = client.get("/api/v1/medical/records", headers=kiosk)
    assert anonymous.status_code == 401 and "Identify the person" in anonymous.json()["detail"]
    who = identify(client, kiosk)
    other = enrolled_terminal(client, manager, "JSL-CAC-02")
    stolen = client.get(
        "/api/v1/medical/records", headers={**other, "X-Identification": who["X-Identification"]}
    )
    assert stolen.status_code == 403
    clock.advance(minutes=10)
    expired = client.get("/api/v1/medical/records", headers=who)
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]


def test_a_person_unknown_upstream_gets_404(
    client: TestClient, source: MedicalPeer, manager: dict[str, str]
) -> None:
    kiosk = enrolled_terminal(client, manager)
    answer = identify_by_card(client, kiosk, "440524188001010014", "李四")
    who = {**kiosk, "X-Identification": answer["token"]}
    assert client.get("/api/v1/medical/records", headers=who).status_code == 404


def test_a_print_ticket_confirms_later_without_the_identification_and_nothing_else(
    client: TestClient,
    db: Session,
    clock: ManualClock,
    source: MedicalPeer,
    manager: dict[str, str],
) -> None:
    """A kiosk offline when the print ends confirms from its outbox days later: the ticket works
    after the identification expired, only at its terminal, only for 7 days, never for reading."""
    kiosk = enrolled_terminal(client, manager)
    other = enrolled_terminal(client, manager, "JSL-CAC-02")
    who = identify(client, kiosk)
    waiting = client.get("/api/v1/medical/records", headers=who).json()
    assert waiting["masked_id"] == "110***********002X"
    ticket = waiting["print_ticket"]
    assert ID_NUMBER not in ticket

    clock.advance(days=2)
    assert client.get("/api/v1/medical/records", headers=who).status_code == 401
    reading = client.get("/api/v1/medical/records", headers={**kiosk, "X-Identification": ticket})
    assert reading.status_code == 401  # a ticket opens no records
    confirm = {"page": 1, "line": 5, "ticket": ticket}
    done = client.post("/api/v1/medical/prints", json=confirm, headers=kiosk)
    assert done.status_code == 200, done.text
    assert done.json()["printed_through_seq"] == 5
    assert client.post("/api/v1/medical/prints", json=confirm, headers=kiosk).json() == done.json()

    elsewhere = client.post("/api/v1/medical/prints", json=confirm, headers=other)
    assert elsewhere.status_code == 403
    forged = {**confirm, "ticket": ticket[:-1] + ("0" if ticket[-1] != "0" else "1")}
    assert client.post("/api/v1/medical/prints", json=forged, headers=kiosk).status_code == 403
    malformed = client.post(
        "/api/v1/medical/prints", json={**confirm, "ticket": "nonsense"}, headers=kiosk
    )
    assert malformed.status_code == 422 and "malformed" in malformed.json()["detail"]
    clock.advance(days=6)
    late = client.post("/api/v1/medical/prints", json={**confirm, "line": 6}, headers=kiosk)
    assert late.status_code == 401 and "7 days" in late.json()["detail"]
    assert db.scalar(select(func.count()).select_from(PrintConfirmation)) == 1

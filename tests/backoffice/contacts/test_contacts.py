"""Contacts for callbacks: kept encrypted, shown masked, revealed to callers-back only (every
attempt audited), erased once the case has been closed for the retention period."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.cases.states import CaseState
from backoffice.clock import ManualClock
from backoffice.contacts import service as contacts
from backoffice.contacts.models import Contact, ContactReveal
from backoffice.errors import BadInput, Conflict
from backoffice.keys import Keys, Purpose
from backoffice.settings import Settings
from tests.backoffice.cases.helpers import case_in_state

PHONE = "139 1234 5678"
KEYS = Keys("a-test-master-secret-of-enough-length")


def test_a_contact_is_kept_encrypted_beside_its_hash_and_mask(
    db: Session, clock: ManualClock
) -> None:
    contact = contacts.store(
        db, KEYS, owner_kind="call", owner_id=7, phone=PHONE, name="张三丰", now=clock.now()
    )
    assert (contact.phone_masked, contact.name_masked) == ("139****5678", "张**")
    assert contacts.masked(contact) == "张** 139****5678"
    assert contact.phone_digest == KEYS.keyed_hash(Purpose.PHONE, "13912345678")
    assert contact.key_id == 1 and contact.ciphertext is not None
    assert b"13912345678" not in contact.ciphertext and "张三丰".encode() not in contact.ciphertext
    # Another back office's key does not open it.
    other = Keys("another-master-secret-entirely-different")
    with pytest.raises(Conflict, match="cannot be opened"):
        contacts.reveal(db, other, contact, by_user="op", role=Role.OPERATOR, reason="callback",
                        now=clock.now())  # fmt: skip
    # Stored again for the same owner: one row, the new number.
    again = contacts.store(db, KEYS, owner_kind="call", owner_id="7", phone="+86 138-0000-1111",
                           now=clock.now())  # fmt: skip
    assert again.id == contact.id and again.phone_masked == "138****1111"


def test_a_ciphertext_moved_to_another_owner_does_not_open(db: Session, clock: ManualClock) -> None:
    first = contacts.store(db, KEYS, owner_kind="rating", owner_id=1, phone=PHONE, now=clock.now())
    second = contacts.store(
        db, KEYS, owner_kind="rating", owner_id=2, phone="13800001111", now=clock.now()
    )
    second.ciphertext = first.ciphertext
    with pytest.raises(Conflict):
        contacts.reveal(db, KEYS, second, by_user="op", role=Role.OPERATOR, reason="callback",
                        now=clock.now())  # fmt: skip


@pytest.mark.parametrize(
    ("role", "allowed"),
    [(Role.CALL_TAKER, True), (Role.OPERATOR, True), (Role.SHIFT_LEADER, True),
     (Role.ADMIN, False), (Role.VIEWER, False), (Role.DISPATCHER, False),
     (Role.UNIT_STAFF, False)],
)  # fmt: skip
def test_only_roles_that_call_back_see_the_number_and_every_attempt_is_audited(
    db: Session, clock: ManualClock, role: Role, allowed: bool
) -> None:
    contact = contacts.store(db, KEYS, owner_kind="rating", owner_id=3, phone=PHONE,
                             name="李四", now=clock.now())  # fmt: skip
    clock.advance(timedelta(minutes=5))
    shown = contacts.reveal(db, KEYS, contact, by_user="wang", role=role,
                            reason="回访差评", now=clock.now())  # fmt: skip
    assert shown == (contacts.Revealed("13912345678", "李四") if allowed else None)
    [audit] = contacts.reveals_of(db, contact)
    assert (audit.by_user, audit.role, audit.reason, audit.allowed, audit.at) == (
        "wang",
        role.value,
        "回访差评",
        allowed,
        clock.now(),
    )


def test_a_reveal_needs_a_reason_and_a_number_that_can_be_dialled(
    db: Session, clock: ManualClock
) -> None:
    contact = contacts.store(
        db, KEYS, owner_kind="rating", owner_id=4, phone=PHONE, now=clock.now()
    )
    with pytest.raises(BadInput, match="why"):
        contacts.reveal(db, KEYS, contact, by_user="op", role=Role.OPERATOR, reason=" ",
                        now=clock.now())  # fmt: skip
    with pytest.raises(BadInput, match="digits"):
        contacts.store(db, KEYS, owner_kind="rating", owner_id=5, phone="12-34", now=clock.now())
    assert db.scalars(select(ContactReveal)).all() == []


def test_contacts_are_erased_once_their_case_has_been_closed_for_the_retention_period(
    seeded: Session, clock: ManualClock, tmp_path: Path
) -> None:
    db = seeded
    closed = case_in_state(db, CaseState.CLOSED, clock.now(), tmp_path)
    voided = case_in_state(db, CaseState.VOIDED, clock.now(), tmp_path)
    still_open = case_in_state(db, CaseState.DISPATCHED, clock.now(), tmp_path)
    kept = {
        case.id: contacts.store(
            db,
            KEYS,
            owner_kind="call",
            owner_id=case.id,
            phone=PHONE,
            case_id=case.id,
            now=clock.now(),
        )
        for case in (closed, voided, still_open)
    }
    retention = timedelta(days=30)
    clock.advance(retention - timedelta(minutes=1))
    assert contacts.erase_due(db, clock.now(), retention=retention) == 0
    clock.advance(timedelta(minutes=1))
    assert contacts.erase_due(db, clock.now(), retention=retention) == 2
    for case in (closed, voided):
        contact = db.get_one(Contact, kept[case.id].id)
        assert contact.ciphertext is None and contact.key_id is None
        assert contact.erased_at == clock.now() and contact.phone_masked == "139****5678"
        with pytest.raises(Conflict, match="erased"):
            contacts.reveal(db, KEYS, contact, by_user="op", role=Role.OPERATOR,
                            reason="callback", now=clock.now())  # fmt: skip
    assert kept[still_open.id].ciphertext is not None
    assert contacts.erase_due(db, clock.now(), retention=retention) == 0


@pytest.mark.parametrize("settings", [{"contact_retention_days": 90}], indirect=True)
def test_the_app_runs_the_erasure_with_its_retention_period(
    app: FastAPI, settings: Settings
) -> None:
    jobs = {job.name: job for job in app.state.scheduler.jobs}
    erase = jobs["contacts.erase_due"].run
    assert isinstance(erase, partial) and erase.func is contacts.erase_due
    assert erase.keywords == {"retention": timedelta(days=90)}

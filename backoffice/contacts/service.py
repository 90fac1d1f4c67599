"""The contacts API other domains call: store a contact for an owner, read its masked form,
reveal it in full (roles that call back only, every attempt audited), erase it, and the
periodic erasure of contacts whose case closed more than a retention period ago.

Phone numbers are never logged: log lines name the contact's id and owner only."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.cases.models import Case
from backoffice.cases.states import CaseState
from backoffice.contacts.models import Contact, ContactReveal
from backoffice.errors import BadInput, Conflict
from backoffice.keys import Keys, Purpose, UnknownKey

log = logging.getLogger(__name__)

# The roles whose work is to call people back: the call-taker, the ops-centre operator who
# follows bad ratings, and the shift leader. An administrator or a viewer reads masked forms.
CALLBACK_ROLES = frozenset({Role.CALL_TAKER, Role.OPERATOR, Role.SHIFT_LEADER})
NONCE_BYTES = 12
MIN_DIGITS, MAX_DIGITS = 7, 15  # a landline without area code .. E.164's longest


class OwnerKind:
    """Who a contact belongs to (free strings, so a new domain needs no change here)."""

    CALL = "call"  # a hotline or 110 caller; owner id = the case id
    RATING = "rating"  # a rater who asked to be called back; owner id = the rating id


@dataclass(frozen=True)
class Revealed:
    phone: str
    name: str


def phone_digits(phone: str) -> str:
    """The digits of a phone number as typed (spaces, dashes, a +86 prefix allowed)."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not MIN_DIGITS <= len(digits) <= MAX_DIGITS:
        raise BadInput(
            f"A phone number has {MIN_DIGITS} to {MAX_DIGITS} digits; check the number typed."
        )
    return digits


def mask_phone(phone: str) -> str:
    """139****5678: the first three and last four digits."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < MIN_DIGITS:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


def mask_name(name: str) -> str:
    """张**: the first character only."""
    name = name.strip()
    return (name[0] + "*" * (len(name) - 1))[:20] if name else ""


def phone_digest(keys: Keys, phone: str) -> str:
    """The keyed hash that finds the same caller again without the number."""
    return keys.keyed_hash(Purpose.PHONE, phone_digits(phone))


def _aad(owner_kind: str, owner_id: str) -> bytes:
    # Binds the ciphertext to its owner: a ciphertext copied onto another row will not open.
    return f"zhili-contact:{owner_kind}:{owner_id}".encode()


def _seal(keys: Keys, owner_kind: str, owner_id: str, phone: str, name: str) -> tuple[bytes, int]:
    key_id = keys.current_id(Purpose.CONTACT)
    nonce = os.urandom(NONCE_BYTES)
    plain = json.dumps({"phone": phone, "name": name}, ensure_ascii=False).encode()
    sealed = AESGCM(keys.key(Purpose.CONTACT, key_id)).encrypt(
        nonce, plain, _aad(owner_kind, owner_id)
    )
    return nonce + sealed, key_id


def _open(keys: Keys, contact: Contact) -> Revealed:
    if contact.ciphertext is None or contact.key_id is None:
        raise Conflict("This contact was erased; only its masked form is kept.")
    blob = contact.ciphertext
    try:
        key = keys.key(Purpose.CONTACT, contact.key_id)
        plain = AESGCM(key).decrypt(
            blob[:NONCE_BYTES], blob[NONCE_BYTES:], _aad(contact.owner_kind, contact.owner_id)
        )
    except (InvalidTag, UnknownKey) as error:
        log.error("contact %d (%s) does not open with key %d", contact.id,
                  contact.owner_kind, contact.key_id)  # fmt: skip
        raise Conflict(
            "This contact cannot be opened with the keys this back office holds."
        ) from error
    data = json.loads(plain)
    return Revealed(phone=data["phone"], name=data["name"])


def store(
    db: Session,
    keys: Keys,
    *,
    owner_kind: str,
    owner_id: str | int,
    phone: str,
    name: str = "",
    case_id: int | None = None,
    consent_at: datetime | None = None,
    taken_by: str = "",
    now: datetime,
) -> Contact:
    """Keep a contact for an owner (replacing the one it had): encrypted, hashed and masked."""
    owner = str(owner_id)
    digits = phone_digits(phone)
    name = name.strip()[:64]
    sealed, key_id = _seal(keys, owner_kind, owner, digits, name)
    contact = contact_of(db, owner_kind, owner)
    if contact is None:
        contact = Contact(owner_kind=owner_kind, owner_id=owner, created_at=now)
        db.add(contact)
    contact.case_id = case_id
    contact.phone_digest = keys.keyed_hash(Purpose.PHONE, digits)
    contact.phone_masked = mask_phone(digits)
    contact.name_masked = mask_name(name)
    contact.ciphertext, contact.key_id = sealed, key_id
    contact.consent_at = consent_at
    contact.taken_by = taken_by
    contact.erased_at = None
    db.flush()
    log.info("contact %d stored for %s %s", contact.id, owner_kind, owner)
    return contact


def contact_of(db: Session, owner_kind: str, owner_id: str | int) -> Contact | None:
    return db.scalars(
        select(Contact).where(Contact.owner_kind == owner_kind, Contact.owner_id == str(owner_id))
    ).first()


def masked(contact: Contact) -> str:
    """What pages show: 张** 139****5678."""
    return f"{contact.name_masked} {contact.phone_masked}".strip()


def may_reveal(role: Role | str) -> bool:
    return Role(role) in CALLBACK_ROLES


def reveal(
    db: Session,
    keys: Keys,
    contact: Contact,
    *,
    by_user: str,
    role: Role | str,
    reason: str,
    now: datetime,
) -> Revealed | None:
    """The contact in full for someone about to call back, or None when their role may not see
    it. Either way the attempt is recorded (who, role, when, why); the caller commits it, so a
    refusal is audited too (it is not an exception that would roll the record back)."""
    reason = reason.strip()
    if not reason:
        raise BadInput("Say why you need the number (for example: callback on the bad rating).")
    if contact.erased_at is not None:
        raise Conflict("This contact was erased; only its masked form is kept.")
    allowed = may_reveal(role)
    db.add(
        ContactReveal(
            contact_id=contact.id,
            by_user=by_user[:64],
            role=str(Role(role).value),
            reason=reason[:1000],
            allowed=allowed,
            at=now,
        )
    )
    db.flush()
    if not allowed:
        log.warning("contact %d: reveal refused to %s (role %s)", contact.id, by_user, role)
        return None
    log.info("contact %d revealed to %s", contact.id, by_user)
    return _open(keys, contact)


def reveals_of(db: Session, contact: Contact) -> list[ContactReveal]:
    return list(
        db.scalars(
            select(ContactReveal)
            .where(ContactReveal.contact_id == contact.id)
            .order_by(ContactReveal.at, ContactReveal.id)
        )
    )


def erase(contact: Contact, now: datetime) -> None:
    """Drop the ciphertext; the digest and the masked form stay for the record."""
    if contact.erased_at is None:
        contact.ciphertext, contact.key_id, contact.erased_at = None, None, now


ENDED_STATES = (CaseState.CLOSED, CaseState.VOIDED)


def erase_due(db: Session, now: datetime, *, retention: timedelta) -> int:
    """The periodic job: erase every contact whose case closed (or was voided) more than
    `retention` ago. Returns how many were erased."""
    ended = func.coalesce(Case.closed_at, Case.updated_at)
    due = list(
        db.scalars(
            select(Contact)
            .join(Case, Case.id == Contact.case_id)
            .where(
                Contact.erased_at.is_(None),
                Case.state.in_(ENDED_STATES),
                ended <= now - retention,
            )
            .limit(1000)
        )
    )
    for contact in due:
        erase(contact, now)
    if due:
        db.flush()
        log.info("erased %d contacts past retention", len(due))
    return len(due)

"""Lay unprinted records onto the booklet's pages and lines, confirm what was printed, and start
a new booklet when one is full (registered at a counter, or reported by the upstream): the next
print starts on its page 1 with the first record not yet printed."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.db import create_once
from backoffice.errors import BadInput, Conflict, Forbidden, NotAuthenticated, NotFound
from backoffice.inputs import parse_id
from backoffice.keys import Keys, Purpose
from backoffice.medical.models import BookletProgress, BookletSource, NewBooklet, PrintConfirmation
from backoffice.medical.schemas import ProgressOut, RecordLine, RecordsOut
from backoffice.medical.source import InsuredRecords, MedicalRecordSource, VisitRecord
from backoffice.suishen.models import Identification
from backoffice.suishen.personal import is_valid_id_number, keyed_hash

LINES_PER_PAGE = 16
PAGES_PER_BOOKLET = 40
# How long a kiosk may hold a print confirmation (offline) before the back office refuses it.
PRINT_TICKET_LIFETIME = timedelta(days=7)
SERIAL_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
UPSTREAM_REGISTRAR = "medical-insurance system"


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _progress(db: Session, id_hash: str, now: datetime, *, lock: bool = False) -> BookletProgress:
    """The person's booklet position; `lock` holds the row (PostgreSQL: FOR UPDATE) so two
    confirmations of the same lines at the same moment are recorded once."""
    query = select(BookletProgress).where(BookletProgress.id_hash == id_hash)
    if lock:
        query = query.with_for_update()

    def find() -> BookletProgress | None:
        return db.scalars(query.execution_options(populate_existing=True)).first()

    def create() -> BookletProgress:
        row = BookletProgress(
            id_hash=id_hash, printed_through_seq=0, next_page=1, next_line=1, updated_at=now
        )
        db.add(row)
        db.flush()
        return row

    found = find()
    if found is not None:
        return found
    # A new row is ours (and locked) until we commit; a racing insert reads the winner's.
    row, _ = create_once(db, create, find)
    return row


def _records(source: MedicalRecordSource, who: Identification) -> InsuredRecords:
    found = source.records(who.id_hash)
    if found is None:
        raise NotFound("The medical-insurance system has no records for this person.")
    return found


def _advance(page: int, line: int) -> tuple[int, int]:
    return (page, line + 1) if line < LINES_PER_PAGE else (page + 1, 1)


def lay_out(progress: BookletProgress, records: list[VisitRecord]) -> tuple[list[RecordLine], bool]:
    """The records not yet printed, each at its page and line; True if some do not fit."""
    page, line = progress.next_page, progress.next_line
    lines: list[RecordLine] = []
    for record in records:
        if record.seq <= progress.printed_through_seq:
            continue
        if page > PAGES_PER_BOOKLET:
            return lines, True
        lines.append(
            RecordLine(
                seq=record.seq,
                page=page,
                line=line,
                visit_date=record.visit_date,
                institution=record.institution,
                department=record.department,
                kind=record.kind,
                total_yuan=_yuan(record.total_fen),
                fund_yuan=_yuan(record.fund_fen),
                self_yuan=_yuan(record.self_fen),
            )
        )
        page, line = _advance(page, line)
    return lines, False


def _ticket_message(identification_id: int, terminal_id: int) -> bytes:
    return f"medical-print:{identification_id}:{terminal_id}".encode()


def print_ticket(keys: Keys, who: Identification) -> str:
    """An opaque ticket that confirms prints for ``who`` at its terminal, and nothing else:
    ``<identification>.<key id>:<MAC>``."""
    signature = keys.sign(Purpose.PRINT_TICKET, _ticket_message(who.id, who.terminal_id))
    return f"{who.id}.{signature}"


def resolve_ticket(
    db: Session, keys: Keys, ticket: str, terminal_id: int, now: datetime
) -> Identification:
    """The identification a print ticket stands for; refused at another terminal, when forged,
    or when older than PRINT_TICKET_LIFETIME."""
    number, _, signature = ticket.partition(".")
    identification_id = parse_id(number)
    if identification_id is None or not signature:
        raise BadInput("The print ticket is malformed; send the print_ticket of GET /records.")
    genuine = keys.verify(
        Purpose.PRINT_TICKET, _ticket_message(identification_id, terminal_id), signature
    )
    who = db.get(Identification, identification_id) if genuine else None
    if who is None:
        raise Forbidden("This print ticket was not issued to this terminal.")
    if who.created_at + PRINT_TICKET_LIFETIME <= now:
        raise NotAuthenticated(
            "This print ticket is more than 7 days old; the next print starts where the "
            "booklet was last confirmed."
        )
    return who


def unprinted(
    db: Session, source: MedicalRecordSource, who: Identification, now: datetime, keys: Keys
) -> RecordsOut:
    found = _records(source, who)
    progress = _progress(db, who.id_hash, now)
    follow_upstream_booklet(db, progress, found.booklet_serial, now)
    lines, full = lay_out(progress, found.records)
    return RecordsOut(
        masked_name=who.masked_name,
        masked_id=who.masked_id,
        print_ticket=print_ticket(keys, who),
        lines_per_page=LINES_PER_PAGE,
        pages_per_booklet=PAGES_PER_BOOKLET,
        next_page=progress.next_page,
        next_line=progress.next_line,
        lines=lines,
        booklet_full=full,
        booklet_number=progress.booklet_number,
        booklet_serial=progress.booklet_serial,
    )


def confirm(
    db: Session,
    source: MedicalRecordSource,
    who: Identification,
    *,
    page: int,
    line: int,
    terminal_id: int,
    now: datetime,
    booklet: int | None = None,
) -> ProgressOut:
    """Everything up to (page, line) of booklet number `booklet` (the current one when left
    out) is printed. A position already confirmed changes nothing; one past the last waiting
    line, or in a booklet replaced since, is refused."""
    if line > LINES_PER_PAGE:
        raise BadInput(f"A booklet page has {LINES_PER_PAGE} lines; line {line} does not exist.")
    found = _records(source, who)
    progress = _progress(db, who.id_hash, now, lock=True)
    follow_upstream_booklet(db, progress, found.booklet_serial, now)
    if booklet is not None and booklet != progress.booklet_number:
        raise Conflict(
            f"This print was in booklet {booklet}, which has been replaced by booklet "
            f"{progress.booklet_number}; nothing was recorded. The next print starts on its "
            f"page {progress.next_page}."
        )
    lines, _ = lay_out(progress, found.records)
    if (page, line) < (progress.next_page, progress.next_line):
        return ProgressOut(
            printed_through_seq=progress.printed_through_seq,
            next_page=progress.next_page,
            next_line=progress.next_line,
            remaining=len(lines),
        )
    printed = [x for x in lines if (x.page, x.line) <= (page, line)]
    if not printed or (printed[-1].page, printed[-1].line) != (page, line):
        last = f"page {lines[-1].page} line {lines[-1].line}" if lines else "nothing"
        raise BadInput(
            f"Page {page} line {line} is past the end of what was waiting to print "
            f"(the last waiting line is {last}); nothing was recorded."
        )
    db.add(
        PrintConfirmation(
            id_hash=who.id_hash,
            terminal_id=terminal_id,
            from_seq=printed[0].seq,
            through_seq=printed[-1].seq,
            last_page=page,
            last_line=line,
            at=now,
        )
    )
    progress.printed_through_seq = printed[-1].seq
    progress.next_page, progress.next_line = _advance(page, line)
    progress.updated_at = now
    db.flush()
    return ProgressOut(
        printed_through_seq=progress.printed_through_seq,
        next_page=progress.next_page,
        next_line=progress.next_line,
        remaining=len(lines) - len(printed),
    )


# --- a new booklet ------------------------------------------------------------------------------


def _start_booklet(
    db: Session,
    progress: BookletProgress,
    serial: str,
    source: BookletSource,
    by: str,
    now: datetime,
) -> NewBooklet:
    """From now on the person prints into booklet `serial`, from its page 1 line 1, continuing
    with the first record not yet printed."""
    row = NewBooklet(
        id_hash=progress.id_hash,
        serial=serial,
        number=progress.booklet_number + 1,
        starts_after_seq=progress.printed_through_seq,
        source=source,
        registered_by=by[:100],
        registered_at=now,
    )
    db.add(row)
    progress.booklet_serial = serial
    progress.booklet_number += 1
    progress.next_page, progress.next_line = 1, 1
    progress.updated_at = now
    db.flush()
    return row


def _known_serials(db: Session, id_hash: str) -> set[str]:
    return set(db.scalars(select(NewBooklet.serial).where(NewBooklet.id_hash == id_hash)))


def follow_upstream_booklet(
    db: Session, progress: BookletProgress, serial: str | None, now: datetime
) -> NewBooklet | None:
    """What the upstream says about the person's booklet: the serial of the booklet being
    printed when not known yet; a new booklet when the current one is full and the upstream
    names one not seen before (it handed it out at a counter of its own)."""
    if not serial or serial == progress.booklet_serial:
        return None
    full = progress.next_page > PAGES_PER_BOOKLET
    if not full:
        if progress.booklet_serial is None:
            progress.booklet_serial = serial
            db.flush()
        return None
    if serial in _known_serials(db, progress.id_hash):
        return None  # an older booklet the upstream has not heard was replaced
    return _start_booklet(db, progress, serial, BookletSource.UPSTREAM, UPSTREAM_REGISTRAR, now)


def clean_serial(serial: str) -> str:
    value = serial.strip().upper()
    if not 1 <= len(value) <= 40 or not set(value) <= SERIAL_CHARACTERS:
        raise BadInput(
            "The booklet number is printed on its cover: letters, digits and '-', at most 40.",
            field="serial",
        )
    return value


def register_booklet(
    db: Session, keys: Keys, *, id_number: str, serial: str, by: str, now: datetime
) -> NewBooklet:
    """Counter staff hand a person a new booklet: the next print at any kiosk starts on its
    page 1 with the first record not printed yet. The ID number (read off the person's card at
    the counter) is used for its keyed hash only."""
    number = id_number.strip().upper()
    if not is_valid_id_number(number):
        raise BadInput("This ID number fails its check; read it off the card again.", field="id")
    value = clean_serial(serial)
    progress = _progress(db, keyed_hash(keys, number), now, lock=True)
    if value == progress.booklet_serial or value in _known_serials(db, progress.id_hash):
        raise Conflict(f"Booklet {value} is registered for this person already.", field="serial")
    return _start_booklet(db, progress, value, BookletSource.COUNTER, by, now)


def recent_booklets(db: Session, limit: int = 20) -> list[NewBooklet]:
    return list(db.scalars(select(NewBooklet).order_by(NewBooklet.id.desc()).limit(limit)))

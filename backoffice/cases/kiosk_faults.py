"""Device faults raise work: each fleet fault alert (a terminal gone silent, a device its
heartbeat reports in fault) has one kiosk-fault case, filed and dispatched by rule (the seed's
CAC-C-0604 sends it to the unit that runs the terminals, which hears of it through `notify`,
WeCom included), and resolved by the system when the alert closes (the device well again, the
terminal heard from again).

`check_terminals` is the scheduler job: the fleet's checks, then `sync_cases`, which works from
the alerts' state alone, so it also picks up alerts another caller opened or closed.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from backoffice.cases import descriptions, lifecycle
from backoffice.cases.intake import CaseReport, file_report
from backoffice.cases.models import Case
from backoffice.cases.states import OPEN_STATES, CaseAction, CaseSource
from backoffice.cases.taxonomy import TYPE_KIOSK_FAULT
from backoffice.db import begin_writing
from backoffice.errors import BadInput
from backoffice.fleet.alerts import check_device_faults, check_silent_terminals, device_faults
from backoffice.fleet.models import FAULT_KINDS, AlertKind, FleetAlert, Terminal
from backoffice.fleet.service import terminal_point
from backoffice.places import service as places
from backoffice.workcal import SHANGHAI

log = logging.getLogger(__name__)
ACTOR = "fleet"
_LOCK_KEY = 0x7A4C_0023  # this job's advisory lock on PostgreSQL

# What each heartbeat device is, for people.
DEVICE_NAMES: dict[str, tuple[str, str]] = {
    "printer": ("打印机", "printer"),
    "card_reader": ("社保卡读卡器", "social security card reader"),
    "id_card_reader": ("身份证阅读器", "ID card reader"),
    "qr_camera": ("扫码摄像头", "QR camera"),
}
# What a device's fault reason (its first word, before any ':') means, for people.
FAULT_WORDS: dict[str, tuple[str, str]] = {
    "paper_out": ("缺纸", "is out of paper"),
    "cover_open": ("纸仓盖未合上", "has its cover open"),
    "offline": ("未就绪（可能盖子未合上）", "is offline (its cover may be open)"),
    "unreachable": ("无法连接", "does not answer"),
    "reader_unavailable": ("不可用（未连接或无响应）", "is missing or not answering"),
    "camera_missing": ("不可用（未连接）", "is missing"),
}


def device_words(device: str) -> tuple[str, str]:
    return DEVICE_NAMES.get(device, (device, device))


def fault_words(reason: str) -> tuple[str, str]:
    """The fault in Chinese and English; a reason the table does not know is quoted."""
    code = reason.split(":", 1)[0].strip()
    if code in FAULT_WORDS:
        return FAULT_WORDS[code]
    shown = reason.strip() or "-"
    return f"故障（{shown}）", f"is in fault ({shown})"


def check_terminals(db: Session, now: datetime, offline_after: timedelta | None = None) -> int:
    """The fleet's fault job: silent terminals and device faults as alerts, then their cases;
    returns how many alerts and cases changed. Safe to run as often as you like."""
    _one_run_at_a_time(db)
    changed = check_silent_terminals(db, now, offline_after)
    changed += check_device_faults(db, now)
    return changed + sync_cases(db, now)


def _one_run_at_a_time(db: Session) -> None:
    """Two runs at once (the scheduler's and the API's "check now", or two processes) would
    both open the same alert: the second waits for the first and then sees what it wrote (a
    transaction-scoped advisory lock on PostgreSQL, the write lock on SQLite)."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    else:
        begin_writing(db)


def sync_cases(db: Session, now: datetime) -> int:
    """File a case for each open fault alert that has none; resolve each case whose alerts
    have all closed. Returns how many cases were filed or resolved."""
    changed = 0
    waiting = db.execute(
        select(FleetAlert, Terminal)
        .join(Terminal, Terminal.id == FleetAlert.terminal_id)
        .where(
            FleetAlert.kind.in_(FAULT_KINDS),
            FleetAlert.closed_at.is_(None),
            FleetAlert.case_number.is_(None),
        )
        .order_by(FleetAlert.id)
    ).all()
    for alert, terminal in waiting:
        try:
            with db.begin_nested():
                alert.case_number = _file(db, alert, terminal, now)
        except BadInput as refused:
            # The taxonomy has no active kiosk-fault type (not seeded, or switched off): the
            # alert stands without its case, which the next run files once the type is there.
            log.warning("no kiosk-fault case for fleet alert %s: %s", alert.id, refused)
            continue
        changed += 1
    db.flush()

    closed = db.execute(
        select(FleetAlert, Case)
        .join(Case, Case.number == FleetAlert.case_number)
        .where(
            FleetAlert.kind.in_(FAULT_KINDS),
            FleetAlert.closed_at.is_not(None),
            Case.state.in_(OPEN_STATES),
        )
        .order_by(FleetAlert.id)
    ).all()
    for alert, case in closed:
        if case.state not in OPEN_STATES:  # two closed alerts of one case: resolved already
            continue
        still_open = db.scalar(
            select(FleetAlert.id).where(
                FleetAlert.case_number == case.number, FleetAlert.closed_at.is_(None)
            )
        )
        if still_open is not None:  # a newer alert of the same fault joined this case
            continue
        if any(e.action == CaseAction.RESOLVE.value for e in case.events):
            continue  # resolved once and reopened by a person: theirs to close now
        if alert.kind is AlertKind.DEVICE:
            zh, en = device_words(alert.device)
            fact = descriptions.fact(descriptions.KIOSK_DEVICE_WELL, device_zh=zh, device_en=en)
        else:
            fact = descriptions.fact(descriptions.KIOSK_HEARD_AGAIN)
        lifecycle.apply_action(
            db,
            case,
            CaseAction.RESOLVE,
            lifecycle.ActionInput(reason=descriptions.render(fact, "zh", ""), reason_fact=fact),
            actor=ACTOR,
            now=now,
        )
        changed += 1
    db.flush()
    return changed


def _file(db: Session, alert: FleetAlert, terminal: Terminal, now: datetime) -> str:
    place = terminal.place or terminal.name
    since = alert.opened_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    if alert.kind is AlertKind.DEVICE:
        reason = device_faults(terminal.devices).get(alert.device, "")
        device_zh, device_en = device_words(alert.device)
        fault_zh, fault_en = fault_words(reason)
        fact = descriptions.fact(
            descriptions.KIOSK_DEVICE_FAULT,
            terminal=terminal.code,
            place=place,
            device_zh=device_zh,
            device_en=device_en,
            fault_zh=fault_zh,
            fault_en=fault_en,
            since=since,
        )
    else:
        heard = terminal.last_seen_at
        fact = descriptions.fact(
            descriptions.KIOSK_SILENT,
            terminal=terminal.code,
            place=place,
            since_zh=(
                f"最后心跳 {heard.astimezone(SHANGHAI):%Y-%m-%d %H:%M}" if heard else "从未发送心跳"
            ),
            since_en=(
                f"last heartbeat {heard.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"
                if heard
                else "never sent a heartbeat"
            ),
        )
    # Where the terminal stands (its coordinates, else the site its place text names), as that
    # point's grid, road and site. No point on the case: a radius would merge the faults of two
    # terminals of one centre into one case.
    point = terminal_point(db, terminal)
    site = places.site_named(db, terminal.place) if terminal.lon is None else None
    grid_code = road_code = None
    if point is not None:
        grid = places.grid_at(db, point)
        road = places.nearest_road(db, point)
        site = site or places.site_at(db, point, now)
        grid_code = grid.code if grid is not None else None
        road_code = road[0].code if road is not None else None
    filed = file_report(
        db,
        CaseReport(
            source=CaseSource.FLEET,
            type_code=TYPE_KIOSK_FAULT,
            description=descriptions.render(fact, "zh", ""),
            description_fact=fact,
            reporter=f"terminal {terminal.code}",
            # The same fault of the same terminal while its case is open is that case.
            dedupe_key=f"terminal:{terminal.code}/{alert.device or 'silent'}",
            external_ref=f"fleet-alert:{alert.id}",
            place_code=site.code if site is not None else None,
            grid_code=grid_code,
            road_code=road_code,
        ),
        now,
    )
    return filed.case_number

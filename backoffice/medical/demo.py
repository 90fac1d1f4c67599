"""Demo data for the kiosk services: the catalog, demo residents upstream, their Suishen codes."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from backoffice.catalog.service import load_seed
from backoffice.keys import Keys
from backoffice.medical.source import DemoMedicalSource, demo_source_path
from backoffice.suishen.codes import DemoIssuer
from backoffice.suishen.personal import (
    CHECK_CHARACTERS,
    WEIGHTS,
    keyed_hash,
    mask_id_number,
    mask_name,
)

# Made-up residents with numbers that pass the GB 11643 check (Changning district code 310105).
DEMO_RESIDENTS = (
    # The virtual social-security card of `make demo` (simulators.vpcd_card.DEMO_HOLDER).
    ("11010519491231002", "王秀英"),
    ("31010519480927001", "陈建国"),
    ("31010519850611004", "李梅"),
)


def with_check_character(body: str) -> str:
    total = sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True))
    return body + CHECK_CHARACTERS[total % 11]


def seed_services_demo(
    db: Session, now: datetime, data_dir: Path, keys: Keys, code_ttl: timedelta
) -> Path:
    """Load the catalog, add the demo residents to the demo upstream, and write their Suishen
    codes (masked identities only) to a file to print or show; returns that file."""
    load_seed(db, now)
    source = DemoMedicalSource(demo_source_path(data_dir))
    issuer = DemoIssuer(keys, code_ttl)
    minutes = max(1, int(code_ttl.total_seconds() // 60))
    lines = [
        f"Demo Suishen codes (each used once, valid {minutes} min; scan or paste at the kiosk;"
        " `zhili-backoffice suishen-code ID_NUMBER` prints a fresh one). Residents are made up.",
        "",
    ]
    try:
        for body, name in DEMO_RESIDENTS:
            number = with_check_character(body)
            records = source.add_resident(keyed_hash(keys, number), mask_name(name), now.date())
            code = issuer.issue(number, name, now)
            lines += [f"{mask_name(name)}  {mask_id_number(number)}  {records} records", code, ""]
    finally:
        source.close()
    path = data_dir / "demo-suishen-codes.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path

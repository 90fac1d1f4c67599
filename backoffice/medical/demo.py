"""Demo data for the kiosk services: the catalog, and the demo residents put upstream (the
medical peer's records, the Suishen peer's codes) once the demo's peers run."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy.orm import Session

from backoffice.catalog.service import load_seed
from backoffice.keys import Keys
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
CODES_FILE = "demo-suishen-codes.txt"


def with_check_character(body: str) -> str:
    total = sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True))
    return body + CHECK_CHARACTERS[total % 11]


def seed_services_demo(db: Session, now: datetime) -> None:
    """Load the catalog (the residents go upstream with `residents_upstream`)."""
    load_seed(db, now)


def demo_suishen_code(suishen_url: str, id_number: str, name: str, ttl: timedelta) -> str:
    """A fresh code from the demo Suishen peer, as the resident's phone would show it."""
    answer = httpx.post(
        f"{suishen_url}/_peer/codes",
        json={"id_number": id_number, "name": name, "ttl_s": ttl.total_seconds()},
        timeout=5,
    )
    answer.raise_for_status()
    return str(answer.json()["code"])


def residents_upstream(
    keys: Keys, now: datetime, data_dir: Path, *, suishen_url: str, medical_url: str,
    code_ttl: timedelta,
) -> Path:  # fmt: skip
    """Put the demo residents into the demo peers (their records into the medical peer, under
    this back office's pseudonym of their ID numbers) and write a Suishen code for each
    (masked identities only) to a file to print or show; returns that file."""
    minutes = max(1, int(code_ttl.total_seconds() // 60))
    lines = [
        f"Demo Suishen codes (each used once, valid {minutes} min; scan or paste at the kiosk;"
        " `zhili-backoffice suishen-code ID_NUMBER` prints a fresh one). Residents are made up.",
        "",
    ]
    for body, name in DEMO_RESIDENTS:
        number = with_check_character(body)
        person = keyed_hash(keys, number)
        put = httpx.put(
            f"{medical_url}/_peer/insured/{person}", json={"today": now.date().isoformat()},
            timeout=5,
        )  # fmt: skip
        put.raise_for_status()
        records = int(put.json()["visits"])
        code = demo_suishen_code(suishen_url, number, name, code_ttl)
        lines += [f"{mask_name(name)}  {mask_id_number(number)}  {records} records", code, ""]
    path = data_dir / CODES_FILE
    path.write_text("\n".join(lines), encoding="utf-8")
    return path

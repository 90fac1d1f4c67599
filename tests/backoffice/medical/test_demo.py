"""The demo seed: catalog loaded, demo residents upstream, printable Suishen codes that verify."""

from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.catalog.models import CatalogItem
from backoffice.clock import ManualClock
from backoffice.keys import Keys
from backoffice.medical.demo import DEMO_RESIDENTS, seed_services_demo, with_check_character
from backoffice.medical.source import DemoMedicalSource, demo_source_path
from backoffice.suishen.codes import DemoIssuer
from backoffice.suishen.personal import is_valid_id_number, keyed_hash


def test_the_demo_seed_is_complete_and_safe_to_run_twice(
    db: Session, clock: ManualClock, tmp_path: Path
) -> None:
    keys = Keys("demo-test-key")
    path = seed_services_demo(db, clock.now(), tmp_path, keys, timedelta(minutes=3))
    seed_services_demo(db, clock.now(), tmp_path, keys, timedelta(minutes=3))
    assert db.scalar(select(func.count()).select_from(CatalogItem)) == 101
    text = path.read_text(encoding="utf-8")
    codes = [line for line in text.splitlines() if line.startswith("SSM2.")]
    assert len(codes) == len(DEMO_RESIDENTS) == 3
    assert "王*英" in text and "王秀英" not in text
    source = DemoMedicalSource(demo_source_path(tmp_path))
    try:
        for (body, _), code in zip(DEMO_RESIDENTS, codes, strict=True):
            number = with_check_character(body)
            assert is_valid_id_number(number) and number not in text
            verified = DemoIssuer(keys).verify(code, clock.now())
            assert verified.id_hash == keyed_hash(keys, number)
            records = source.records(verified.id_hash)
            assert records is not None and len(records) >= 20
    finally:
        source.close()

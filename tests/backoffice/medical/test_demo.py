"""The demo seed: catalog loaded; the demo residents put into the demo peers, with printable
Suishen codes that the real HTTP adapter verifies."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.catalog.models import CatalogItem
from backoffice.clock import ManualClock
from backoffice.keys import Keys
from backoffice.medical.demo import (
    DEMO_RESIDENTS,
    residents_upstream,
    seed_services_demo,
    with_check_character,
)
from backoffice.medical.upstream import http_medical_source
from backoffice.settings import Settings
from backoffice.suishen.personal import is_valid_id_number, keyed_hash
from backoffice.suishen.upstream import http_suishen_verifier
from simulators.upstream_peers import CODE_PREFIX
from tests.upstreams import upstream_peers


def test_the_demo_seed_is_complete_and_safe_to_run_twice(
    db: Session, clock: ManualClock, tmp_path: Path, settings: Settings
) -> None:
    seed_services_demo(db, clock.now())
    seed_services_demo(db, clock.now())
    assert db.scalar(select(func.count()).select_from(CatalogItem)) == 101
    peers = upstream_peers()
    keys = Keys.of(settings)
    path = residents_upstream(
        keys, clock.now(), tmp_path, suishen_url=peers.suishen.url,
        medical_url=peers.medical.url, code_ttl=timedelta(minutes=3),
    )  # fmt: skip
    text = path.read_text(encoding="utf-8")
    codes = [line for line in text.splitlines() if line.startswith(CODE_PREFIX)]
    assert len(codes) == len(DEMO_RESIDENTS) == 3
    assert "王*英" in text and "王秀英" not in text
    verifier, source = http_suishen_verifier(settings), http_medical_source(settings)
    for (body, _), code in zip(DEMO_RESIDENTS, codes, strict=True):
        number = with_check_character(body)
        assert is_valid_id_number(number) and number not in text
        verified = verifier.verify(code, datetime.now(UTC))
        assert verified.id_hash == keyed_hash(keys, number)
        found = source.records(verified.id_hash)
        assert found is not None and len(found.records) >= 20

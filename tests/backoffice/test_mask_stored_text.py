"""`zhili-backoffice mask-stored-text`: free text kept before masking came in is masked in place."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select, update

from backoffice.cases.intake import CaseReport, CaseSource, file_report
from backoffice.cases.models import Case, CaseEvent, CaseReportRow, DispatchRule
from backoffice.cases.seed import seed_reference_data
from backoffice.cli import main
from backoffice.clock import ManualClock
from backoffice.db import create_db_engine, session_scope
from backoffice.settings import get_settings
from backoffice.wiring import session_factory

PLAIN = "车主电话 13900001111，身份证 11010519491231002X"
MASKED = "车主电话 139****1111，身份证 110***********002X"


@pytest.fixture
def settings_from_env() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_stored_free_text_is_masked_in_place(
    fresh_database: str,
    monkeypatch: pytest.MonkeyPatch,
    settings_from_env: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    engine = create_db_engine(fresh_database)
    with session_scope(session_factory(engine)) as db:
        seed_reference_data(db)
        report = CaseReport(CaseSource.HOTLINE, "E-0102", "乱堆物", road_code="JSL-R05")
        file_report(db, report, ManualClock().now())
        # As rows written before masking came in.
        db.execute(update(Case).values(description=PLAIN))
        db.execute(update(CaseReportRow).values(description=PLAIN))
        db.execute(update(CaseEvent).values(reason=PLAIN))
        rule = db.scalars(select(DispatchRule).order_by(DispatchRule.id)).first()
        assert rule is not None
        rule.note = "值班 13800002222"
    monkeypatch.setenv("ZHILI_DATABASE_URL", fresh_database)
    get_settings.cache_clear()  # the filing above read the settings before

    assert main(["mask-stored-text"]) == 0
    assert "are masked now" in capsys.readouterr().out

    with session_scope(session_factory(engine)) as db:
        assert {c.description for c in db.scalars(select(Case))} == {MASKED}
        assert {r.description for r in db.scalars(select(CaseReportRow))} == {MASKED}
        assert {e.reason for e in db.scalars(select(CaseEvent))} == {MASKED}
        assert db.get_one(DispatchRule, rule.id).note == "值班 138****2222"
    assert main(["mask-stored-text"]) == 0
    assert capsys.readouterr().out.startswith("0 stored texts")
    engine.dispose()

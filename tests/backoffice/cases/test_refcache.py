"""Reference data kept in memory (places, rules, case types, units, time limits) follows every
edit: made in this session, rolled back, or committed by another process."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backoffice import refcache
from backoffice.cases import rules, time_limits
from backoffice.cases.models import CaseType, DispatchRule
from backoffice.cases.schemas import RuleIn
from backoffice.cases.seed import seed_reference_data
from backoffice.cases.service import get_rule, save_rule
from backoffice.cases.states import CasePriority
from backoffice.db import create_db_engine, session_scope
from backoffice.errors import BadInput
from backoffice.places import service as places
from backoffice.places.models import Place
from backoffice.places.schemas import PlaceCreate, PlaceUpdate
from backoffice.wiring import session_factory
from tests.backoffice.cases.helpers import ON_JIANGSU_ROAD, new_case, spot_on_jiangsu_road

NOW = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
# Somewhere in grid JSL-G0203, away from every collection point.
SPOT = ON_JIANGSU_ROAD


def _facts(road_code: str | None = "JSL-R01") -> rules.CaseFacts:
    return rules.CaseFacts(
        type_code="E-0506",
        category_code="E-05",
        minute_of_day=600,
        road_code=road_code,
        grid_code="JSL-G0203",
        community_code="JSL-C02",
    )


def _new_point(db: Session, code: str, lon: float, lat: float) -> Place:
    return places.create_place(
        db,
        PlaceCreate(
            code=code,
            kind="collection_point",
            name_zh="测试堆放点",
            name_en="test collection point",
            geometry={"type": "Point", "coordinates": [lon, lat]},
        ),
    )


def test_a_new_or_moved_place_is_used_by_the_next_resolve(seeded: Session) -> None:
    assert places.locate(seeded, point=SPOT).site is None  # the index is built now
    point = _new_point(seeded, "JSL-CPS900", SPOT[0] + 0.0001, SPOT[1])
    where = places.locate(seeded, point=SPOT)
    assert where.site is not None and where.site.code == "JSL-CPS900"
    places.update_place(
        seeded,
        point,
        PlaceUpdate(geometry={"type": "Point", "coordinates": [SPOT[0] + 0.002, SPOT[1]]}),
    )
    assert places.locate(seeded, point=SPOT).site is None


def test_a_new_rule_dispatches_the_next_case(seeded: Session) -> None:
    before = rules.dispatch_decision(seeded, _facts())
    assert before is not None and before.code != "T-FIRST"
    save_rule(
        seeded,
        RuleIn(code="T-FIRST", priority=0, unit_code="JSL-CLEAR", type_code="E-0506"),
    )
    chosen = rules.dispatch_decision(seeded, _facts())
    assert chosen is not None and (chosen.code, chosen.unit_code) == ("T-FIRST", "JSL-CLEAR")
    rule = get_rule(seeded, "T-FIRST")
    rule.active = False
    seeded.flush()
    assert rules.dispatch_decision(seeded, _facts()) == before


def test_a_bulk_update_of_rules_is_seen_too(seeded: Session) -> None:
    assert rules.dispatch_decision(seeded, _facts()) is not None
    seeded.execute(update(DispatchRule).values(active=False))
    assert rules.dispatch_decision(seeded, _facts()) is None


def test_an_edited_case_type_and_unit_are_what_the_next_filing_gets(
    seeded: Session, tmp_path: Path
) -> None:
    first = new_case(seeded, NOW, tmp_path)  # the types and units are in memory now
    assert (first.type.name_zh, first.unit is not None) == ("共享单车违停", True)
    bike = seeded.scalars(select(CaseType).where(CaseType.code == "E-0506")).one()
    bike.name_zh = "共享单车乱停放"
    assert first.unit is not None
    first.unit.name_zh = "哈啰单车运维(长宁)"
    seeded.flush()
    second = new_case(seeded, NOW, tmp_path, point=spot_on_jiangsu_road())
    assert second.type.name_zh == "共享单车乱停放"
    assert second.unit is not None and second.unit.name_zh == "哈啰单车运维(长宁)"
    bike.active = False
    with pytest.raises(BadInput, match="Unknown case type 'E-0506'"):
        new_case(seeded, NOW, tmp_path, point=spot_on_jiangsu_road())


def test_a_new_time_limit_applies_to_the_next_dispatch(seeded: Session) -> None:
    lamp = seeded.scalars(select(CaseType).where(CaseType.code == "E-0506")).one()
    default = time_limits.limit_for(seeded, lamp, CasePriority.URGENT)
    time_limits.set_limit(seeded, lamp, CasePriority.URGENT, 3, False)
    assert (
        time_limits.limit_for(seeded, lamp, CasePriority.URGENT)
        == time_limits.Limit(3, False)
        != default
    )


def test_edits_committed_by_another_process_and_rolled_back_edits(fresh_database: str) -> None:
    engine = create_db_engine(fresh_database)
    factory = session_factory(engine)
    try:
        with session_scope(factory) as db:
            seed_reference_data(db)
        with session_scope(factory) as db:
            assert places.locate(db, point=SPOT).site is None
        # Another process moves a collection point next to SPOT: its data and its new token
        # reach the database without passing through this process's sessions.
        with engine.begin() as conn:
            conn.execute(
                update(Place)
                .where(Place.code == "JSL-CPS001")
                .values(
                    geometry={"type": "Point", "coordinates": [SPOT[0], SPOT[1] + 0.0001]},
                    min_lon=SPOT[0],
                    max_lon=SPOT[0],
                    min_lat=SPOT[1] + 0.0001,
                    max_lat=SPOT[1] + 0.0001,
                )
            )
            conn.execute(
                update(refcache.ReferenceVersion)
                .where(refcache.ReferenceVersion.name == "places")
                .values(token="from-another-process")
            )
        with session_scope(factory) as db:
            where = places.locate(db, point=SPOT)
            assert where.site is not None and where.site.code == "JSL-CPS001"
        # An edit rolled back: seen inside its transaction, gone after.
        with factory() as db:
            _new_point(db, "JSL-CPS901", SPOT[0] - 0.0001, SPOT[1])
            inside = places.locate(db, point=(SPOT[0] - 0.0001, SPOT[1]))
            assert inside.site is not None and inside.site.code == "JSL-CPS901"
            db.rollback()
        with session_scope(factory) as db:
            after = places.locate(db, point=(SPOT[0] - 0.0001, SPOT[1]))
            assert after.site is not None and after.site.code == "JSL-CPS001"
    finally:
        engine.dispose()


def test_an_edit_not_yet_flushed_is_seen_like_by_a_query(seeded: Session) -> None:
    assert rules.dispatch_decision(seeded, _facts()) is not None
    for rule in seeded.scalars(select(DispatchRule)):
        rule.active = False  # no flush: the next decision flushes it, as a query would
    assert rules.dispatch_decision(seeded, _facts()) is None

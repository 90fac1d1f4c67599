"""Filing through the one intake: the staff API (base64 photos) and in-process sources,
de-duplication, idempotency, and bad input that leaves nothing behind."""

from __future__ import annotations

import base64
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.cases.intake import CaseReport, CaseSource, FilingResult, file_report
from backoffice.cases.models import Case, CasePhoto, CaseReportRow
from backoffice.cases.photos import MAX_PHOTO_BYTES, Photo, PhotoKind
from backoffice.cases.seed import seed_reference_data
from backoffice.cases.states import CaseAction, CaseState
from backoffice.cases.taxonomy import (
    TYPE_BULKY_WASTE,
    TYPE_SERVICE_COMPLAINT,
    TYPE_SHARED_BIKE_PARKING,
)
from backoffice.clock import ManualClock
from backoffice.db import create_db_engine, session_scope
from backoffice.errors import BadInput
from backoffice.settings import Settings
from backoffice.wiring import session_factory
from tests.backoffice.cases.helpers import (
    ON_JIANGSU_ROAD,
    ON_YANAN_ROAD,
    jpeg,
    new_case,
    photo,
    photo_json,
    png,
)
from tests.conftest import BACKEND, StaffFactory


def _count(db: Session, model: type) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def test_an_inspector_files_a_case_that_a_rule_dispatches_with_photo_and_timeline(
    seeded: Session,
    client: TestClient,
    clock: ManualClock,
    settings: Settings,
    staff_headers: StaffFactory,
) -> None:
    headers = staff_headers(Role.INSPECTOR)
    response = client.post(
        "/api/v1/cases",
        json={
            "type_code": TYPE_SHARED_BIKE_PARKING,
            "description": "江苏路愚园路口东北角 6 辆共享单车停在盲道上",
            "lon": ON_JIANGSU_ROAD[0],
            "lat": ON_JIANGSU_ROAD[1],
            "photos": [photo_json("before", png(b"bikes"), "image/png")],
        },
        headers=headers,
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["created"] is True
    assert body["dispatched_to"] == "BIKE-HELLO"
    assert re.fullmatch(r"JSL-2026-\d{6}", body["case_number"])
    case = body["case"]
    assert case["number"] == body["case_number"]
    assert (case["source"], case["state"], case["type_code"], case["category_code"]) == (
        "inspector",
        "dispatched",
        "E-0506",
        "E-05",
    )
    assert (case["road_code"], case["road_name_zh"], case["grid_code"], case["community_code"]) == (
        "JSL-R01",
        "江苏路",
        "JSL-G0203",
        "JSL-C02",
    )
    assert case["road_distance_m"] == 16.9
    assert (case["unit_code"], case["dispatched_by_rule"], case["dispatch_rule_code"]) == (
        "BIKE-HELLO",
        True,
        "BIKE-R01",
    )
    # Shared bikes: 2 hours on the clock, not working hours.
    assert case["due_at"] == "2026-11-02T03:00:00Z"
    assert [(e["action"], e["from_state"], e["to_state"]) for e in case["timeline"]] == [
        ("report", None, "reported"),
        ("file", "reported", "filed"),
        ("dispatch", "filed", "dispatched"),
    ]
    assert case["timeline"][2]["actor"] == "rule:BIKE-R01"
    assert case["timeline"][0]["actor"].startswith("inspector:inspector-")
    [stored] = case["photos"]
    assert (stored["kind"], stored["content_type"]) == ("before", "image/png")
    row = seeded.scalars(select(CasePhoto)).one()
    assert (settings.data_dir / "photos" / row.path).read_bytes() == png(b"bikes")
    served = client.get(stored["url"], headers=headers)
    assert served.status_code == 200
    assert served.content == png(b"bikes")
    assert served.headers["content-type"] == "image/png"


def test_a_type_without_a_rule_waits_in_the_manual_queue_until_a_dispatcher_sends_it(
    seeded: Session, client: TestClient, staff_headers: StaffFactory
) -> None:
    call_taker = staff_headers(Role.CALL_TAKER)
    response = client.post(
        "/api/v1/cases",
        json={
            "source": "police_110",
            "type_code": "C-0106",  # 通信井盖: no rule
            "description": "通信井盖移位",
            "lon": ON_YANAN_ROAD[0],
            "lat": ON_YANAN_ROAD[1],
        },
        headers=call_taker,
    )
    assert response.status_code == 201
    number = response.json()["case_number"]
    assert response.json()["dispatched_to"] is None
    assert response.json()["case"]["state"] == "filed"
    dispatcher = staff_headers(Role.DISPATCHER)
    queue = client.get("/api/v1/cases", params={"queue": "manual"}, headers=dispatcher).json()
    assert [c["number"] for c in queue] == [number]
    sent = client.post(
        f"/api/v1/cases/{number}/actions/dispatch",
        json={"unit_code": "CN-TELECOM"},
        headers=dispatcher,
    )
    assert sent.status_code == 200
    assert (sent.json()["unit_code"], sent.json()["dispatched_by_rule"]) == ("CN-TELECOM", False)
    assert client.get("/api/v1/cases", params={"queue": "manual"}, headers=dispatcher).json() == []
    stats = client.get("/api/v1/cases/stats/dispatch", headers=dispatcher).json()
    assert stats == {
        "dispatched": 1,
        "by_rule": 0,
        "by_person": 1,
        "auto_dispatch_rate": 0.0,
        "manual_queue": 0,
    }


def test_the_auto_dispatch_rate_counts_rule_and_person(
    seeded: Session,
    client: TestClient,
    clock: ManualClock,
    tmp_path: Path,
    staff_headers: StaffFactory,
) -> None:
    new_case(seeded, clock.now(), tmp_path)  # bike, by rule
    new_case(seeded, clock.now(), tmp_path, type_code="E-0102", point=ON_YANAN_ROAD)  # by rule
    new_case(seeded, clock.now(), tmp_path, type_code="C-0106", point=ON_YANAN_ROAD)  # queue
    stats = client.get("/api/v1/cases/stats/dispatch", headers=staff_headers(Role.VIEWER))
    assert stats.json() == {
        "dispatched": 2,
        "by_rule": 2,
        "by_person": 0,
        "auto_dispatch_rate": 1.0,
        "manual_queue": 1,
    }


def test_call_takers_file_hotline_and_110_calls_but_not_as_inspectors(
    seeded: Session, client: TestClient, staff_headers: StaffFactory
) -> None:
    body = {"type_code": "E-0102", "description": "垃圾", "road_code": "JSL-R05"}
    call_taker = staff_headers(Role.CALL_TAKER)
    hotline = client.post("/api/v1/cases", json=body, headers=call_taker)
    assert hotline.status_code == 201
    assert hotline.json()["case"]["source"] == "hotline"
    refused = client.post("/api/v1/cases", json={**body, "source": "inspector"}, headers=call_taker)
    assert refused.status_code == 403
    assert "hotline, police_110" in refused.json()["detail"]
    viewer = client.post("/api/v1/cases", json=body, headers=staff_headers(Role.VIEWER))
    assert viewer.status_code == 403


def test_ai_patrol_reports_with_the_same_camera_zone_attach_to_the_open_case(
    seeded: Session, clock: ManualClock, tmp_path: Path
) -> None:
    def report(desc: str, tag: bytes) -> CaseReport:
        return CaseReport(
            source=CaseSource.AI_PATROL,
            type_code=TYPE_BULKY_WASTE,
            description=desc,
            lon=121.4250,
            lat=31.2146,
            dedupe_key="camera:JSL-CAM-03/zone:7",
            photos=(Photo(PhotoKind.BEFORE, jpeg(tag), "image/jpeg"),),
            reporter="patrol:JSL-CAM-03",
        )

    first = file_report(seeded, report("填充率 72%", b"1"), clock.now(), photo_dir=tmp_path)
    clock.advance(minutes=20)
    again = file_report(seeded, report("填充率 80%", b"2"), clock.now(), photo_dir=tmp_path)
    assert first.created and not again.created
    assert (again.case_id, again.case_number, again.dispatched_to) == (
        first.case_id,
        first.case_number,
        "JSL-CLEAR",
    )
    case = seeded.get_one(Case, first.case_id)
    assert case.report_count == 2
    assert [p.kind for p in case.photos] == [PhotoKind.BEFORE, PhotoKind.EVIDENCE]
    assert case.events[-1].action == "attach_evidence"
    assert case.events[-1].actor == "patrol:JSL-CAM-03"
    assert _count(seeded, Case) == 1 and _count(seeded, CaseReportRow) == 2


def test_reports_within_the_type_radius_attach_and_farther_ones_open_a_new_case(
    seeded: Session, clock: ManualClock, tmp_path: Path
) -> None:
    first = new_case(seeded, clock.now(), tmp_path)  # shared bike: 30 m radius
    near = new_case(seeded, clock.now(), tmp_path, point=(121.4326, 31.22370))  # 22 m north
    far = new_case(seeded, clock.now(), tmp_path, point=(121.4326, 31.22380))  # 33 m north
    assert near.id == first.id
    assert far.id != first.id
    other_type = new_case(seeded, clock.now(), tmp_path, type_code="E-0102")
    assert other_type.id not in (first.id, far.id)


def test_a_closed_case_no_longer_collects_duplicates(
    seeded: Session, clock: ManualClock, tmp_path: Path
) -> None:
    from backoffice.cases import lifecycle
    from backoffice.cases.lifecycle import ActionInput

    first = new_case(seeded, clock.now(), tmp_path, dedupe_key="camera:C1/zone:1")
    lifecycle.apply_action(
        seeded, first, CaseAction.VOID, ActionInput(reason="误报"), actor="t", now=clock.now()
    )
    second = new_case(seeded, clock.now(), tmp_path, dedupe_key="camera:C1/zone:1")
    assert second.id != first.id and second.state is CaseState.DISPATCHED


def test_the_same_source_and_external_ref_files_once(
    seeded: Session, clock: ManualClock, tmp_path: Path
) -> None:
    report = CaseReport(
        source=CaseSource.RATING,
        type_code=TYPE_SERVICE_COMPLAINT,
        description="评价: 非常不满意 (等候时间过长)",
        place_code="JSL-B04",
        reporter="kiosk:JSL-CAC-01",
        external_ref="rating:8812",
    )
    first = file_report(seeded, report, clock.now(), photo_dir=tmp_path)
    replay = file_report(seeded, report, clock.now(), photo_dir=tmp_path)
    assert first.created and not replay.created
    assert (replay.case_id, first.dispatched_to) == (first.case_id, "JSL-CAC")
    assert _count(seeded, Case) == 1 and _count(seeded, CaseReportRow) == 1
    case = seeded.get_one(Case, first.case_id)
    # 120 working hours are 15 working days of 8 h from Monday 2 Nov 09:00 in Shanghai: the
    # time limit ends on Friday 20 Nov at 18:00 (10:00 UTC).
    assert case.working_hours is True and case.place is not None
    assert case.due_at == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    assert case.place.code == "JSL-B04"


def test_a_unit_code_sends_the_case_straight_to_that_unit(
    seeded: Session, clock: ManualClock, tmp_path: Path
) -> None:
    result = file_report(
        seeded,
        CaseReport(
            source=CaseSource.KIOSK,
            type_code="C-0604",
            description="终端打印机卡纸",
            unit_code="JSL-CAC",
        ),
        clock.now(),
        photo_dir=tmp_path,
    )
    case = seeded.get_one(Case, result.case_id)
    assert (result.dispatched_to, case.dispatched_by_rule, case.lon) == ("JSL-CAC", False, None)


BAD_BODIES = [
    ({"type_code": "X-9999"}, "Unknown case type 'X-9999'"),
    ({"road_code": "JSL-R99"}, "Unknown place 'JSL-R99'"),
    ({"grid_code": "JSL-R01"}, "'JSL-R01' is a road, not a grid"),
    ({"lon": 121.43, "lat": 95.0}, "lat 95.0 is not a WGS84 coordinate"),
    ({"lat": None}, "Give both lon and lat"),
    ({"lon": 31.22, "lat": 121.43}, "lat 121.43 is not a WGS84 coordinate"),
    ({"lon": 121.50, "lat": 31.20}, "outside every grid of the subdistrict"),
    ({"description": "   "}, "description is empty"),
    ({"photos": [photo_json("before", b"GIF89a" + bytes(20), "image/gif")]}, "not 'image/gif'"),
    ({"photos": [photo_json("before", b"not an image at all")]}, "is not one"),
    (
        {"photos": [photo_json("before", jpeg() + bytes(MAX_PHOTO_BYTES))]},
        "larger than 5 MiB",
    ),
    (
        {"photos": [{"kind": "before", "content_type": "image/jpeg", "data_base64": "@@"}]},
        "not valid base64",
    ),
]


@pytest.mark.parametrize(("change", "message"), BAD_BODIES)
def test_bad_input_is_422_with_a_message_and_leaves_nothing_behind(
    change: dict[str, object],
    message: str,
    seeded: Session,
    client: TestClient,
    staff_headers: StaffFactory,
) -> None:
    body: dict[str, object] = {
        "type_code": "E-0102",
        "description": "暴露垃圾",
        "lon": ON_YANAN_ROAD[0],
        "lat": ON_YANAN_ROAD[1],
        "photos": [photo_json("before")],
        **change,
    }
    response = client.post("/api/v1/cases", json=body, headers=staff_headers(Role.OPERATOR))
    assert response.status_code == 422, response.json()
    assert message in response.json()["detail"]
    for model in (Case, CasePhoto, CaseReportRow):
        assert _count(seeded, model) == 0


def test_photos_are_checked_by_their_bytes_in_process_too() -> None:
    with pytest.raises(BadInput, match="is not one"):
        Photo(PhotoKind.BEFORE, b"\x89PNG\r\n\x1a\n" + bytes(8), "image/jpeg")
    with pytest.raises(BadInput, match="has 5242881 bytes; the limit is 5242880"):
        Photo(PhotoKind.BEFORE, jpeg() + bytes(MAX_PHOTO_BYTES + 1 - len(jpeg())), "image/jpeg")
    at_limit = jpeg() + bytes(MAX_PHOTO_BYTES - len(jpeg()))
    assert len(Photo(PhotoKind.BEFORE, at_limit, "image/jpeg").content) == MAX_PHOTO_BYTES
    assert photo(PhotoKind.AFTER).content_type == "image/jpeg"
    assert base64.b64decode(photo_json("after")["data_base64"]).startswith(b"\xff\xd8\xff")


def test_reports_filed_at_the_same_moment_all_get_through(
    fresh_database: str, tmp_path: Path
) -> None:
    """Many filings at once (threads, each its own transaction, as the server runs them): on
    SQLite a transaction that read before another committed could not write, so each filing
    takes the write lock first; on PostgreSQL the year's first case numbers must not collide.
    Every one must be filed, none refused as 'database locked' or a duplicate number."""
    engine = create_db_engine(fresh_database)
    factory = session_factory(engine)
    with session_scope(factory) as db:
        seed_reference_data(db)
    now = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    threads, each = 6, 8
    start = threading.Barrier(threads)

    def file_some(worker: int) -> list[FilingResult]:
        start.wait()
        results = []
        for n in range(each):
            report = CaseReport(
                source=CaseSource.INSPECTOR,
                type_code=TYPE_SHARED_BIKE_PARKING,
                description=f"filing {n} of inspector {worker}",
                lon=ON_JIANGSU_ROAD[0],
                lat=ON_JIANGSU_ROAD[1],
                reporter=f"inspector:{worker}",
            )
            with session_scope(factory) as db:
                results.append(file_report(db, report, now, photo_dir=tmp_path))
        return results

    try:
        with ThreadPoolExecutor(threads) as pool:
            results = [r for batch in pool.map(file_some, range(threads)) for r in batch]
        with factory() as db:
            assert _count(db, CaseReportRow) == len(results) == threads * each
            opened = {r.case_number for r in results if r.created}
            assert set(db.scalars(select(Case.number))) == opened
            reports = db.scalar(select(func.sum(Case.report_count)))
            assert reports == threads * each  # the others attached to one of those cases
    finally:
        engine.dispose()


@pytest.mark.pg
@pytest.mark.skipif(BACKEND != "postgres", reason="SQLite lets one writer in at a time")
def test_same_spot_reports_at_the_same_instant_over_many_connections_open_one_case(
    fresh_database: str, tmp_path: Path
) -> None:
    """Reports of one problem from everywhere at once: each thread its own connection and
    transaction, all released together, a few metres apart (within the type's 30 m radius, some
    across a lock cell's edge) -> one case with every report on it. The duplicate check reads,
    then inserts; without the spot's locks two filings both read 'nothing open' on PostgreSQL."""
    engine = create_db_engine(fresh_database, pool_size=12)
    factory = session_factory(engine)
    with session_scope(factory) as db:
        seed_reference_data(db)
    now = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    threads, rounds = 10, 3
    metre = 1 / 111_195.0
    for round_no in range(rounds):
        start = threading.Barrier(threads)
        # Each round at its own spot, 200 m apart: one new case per round.
        lon0 = ON_JIANGSU_ROAD[0] + round_no * 200 * metre

        def file_one(worker: int, lon0: float = lon0, start: threading.Barrier = start) -> bool:
            offset = (worker % 5 - 2) * 3 * metre  # -6 m .. +6 m around the spot
            report = CaseReport(
                source=CaseSource.INSPECTOR,
                type_code=TYPE_SHARED_BIKE_PARKING,
                description=f"bikes piled up, report {worker}",
                lon=lon0 + offset,
                lat=ON_JIANGSU_ROAD[1] + offset,
                reporter=f"inspector:{worker}",
            )
            with session_scope(factory) as db:
                db.connection()  # the connection is checked out before the start line
                start.wait()
                return file_report(db, report, now, photo_dir=tmp_path).created

        try:
            with ThreadPoolExecutor(threads) as pool:
                created = list(pool.map(file_one, range(threads)))
        except BaseException:
            engine.dispose()
            raise
        assert created.count(True) == 1, f"round {round_no}: {created.count(True)} cases"
    try:
        with factory() as db:
            assert _count(db, Case) == rounds
            assert list(db.scalars(select(Case.report_count))) == [threads] * rounds
    finally:
        engine.dispose()

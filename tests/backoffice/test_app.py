"""The app as a whole: health, the API document, 422s, and the back office assembled per app."""

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from backoffice.app import create_app
from backoffice.cases.intake import CaseReport, file_report
from backoffice.cases.seed import seed_reference_data
from backoffice.cases.states import CaseSource
from backoffice.clock import ManualClock
from backoffice.db import create_db_engine, session_scope
from backoffice.settings import Settings


def test_healthz_says_the_database_answers(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] is True


@pytest.mark.parametrize("settings", [{"api_docs": True}, {"demo": True}], indirect=True)
def test_openapi_lists_the_kiosk_endpoints_when_the_docs_are_on(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/v1/fleet/enroll" in paths
    assert "/api/v1/fleet/heartbeat" in paths
    assert client.get("/docs").status_code == 200


def test_the_api_documentation_is_off_unless_enabled(client: TestClient) -> None:
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert client.get(path).status_code == 404, path


def test_bad_input_gets_a_422_naming_the_field(client: TestClient) -> None:
    response = client.post("/api/v1/auth/token", json={"username": "x"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "password"]


def test_two_apps_in_one_process_share_no_listeners_verifiers_jobs_or_token_caches(
    fresh_database: str, clock: ManualClock, tmp_path: Path
) -> None:
    engine = create_db_engine(fresh_database)
    one, two = (
        create_app(
            Settings(data_dir=tmp_path / name, migrate_on_start=False), clock=clock, engine=engine
        )
        for name in ("one", "two")
    )
    heard: list[str] = []
    one.state.case_hooks.listeners.append(lambda _db, case, event: heard.append(case.number))
    with session_scope(one.state.session_factory) as db:
        seed_reference_data(db)

    def file_through(app: FastAPI) -> str:
        with session_scope(app.state.session_factory) as db:
            report = CaseReport(
                source=CaseSource.HOTLINE,
                type_code="C-0110",
                description="路灯不亮",
                road_code="JSL-R05",
            )
            return file_report(db, report, clock.now(), photo_dir=tmp_path).case_number

    filed_by_two = file_through(two)
    assert heard == []  # the listener added to one app never hears the other's cases
    filed_by_one = file_through(one)
    assert filed_by_one in heard and filed_by_two not in heard
    assert [len(app.state.case_hooks.verifiers) for app in (one, two)] == [1, 1]  # the camera's
    for part in ("case_hooks", "scheduler", "tokens", "patrol", "commit_limiter"):
        assert getattr(one.state, part) is not getattr(two.state, part), part
    engine.dispose()

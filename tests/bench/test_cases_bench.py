"""The cases benchmark runs end to end at a tiny size and ends with the JSON line the issue
names (the figures themselves are not asserted: tests never judge wall-clock time)."""

from __future__ import annotations

import json
import os

import pytest

from bench import cases
from tests.conftest import BACKEND, PG_ADMIN_URL

KEYS = {
    "weekly_report_s_sqlite",
    "weekly_report_s_postgres",
    "trend_s_sqlite",
    "trend_s_postgres",
    "filings_per_s",
    "filings_over_hello",
    "dispatch_decision_ms",
}


@pytest.mark.db
def test_the_benchmark_prints_its_figures_and_the_json_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ["--cases", "3000", "--filings", "5", "--connections", "2"]
    if BACKEND == "postgres":
        monkeypatch.setattr(
            cases, "PG_ADMIN_URL", os.environ.get("ZHILI_TEST_PG_URL", PG_ADMIN_URL)
        )
        monkeypatch.setattr(cases, "PG_DB", f"zhili_bench_t{os.getpid()}")
    else:
        args.append("--no-postgres")
    assert cases.main(args) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    result = json.loads(lines[-1])
    assert set(result) == KEYS
    assert all(
        result[k] > 0
        for k in (
            "weekly_report_s_sqlite",
            "trend_s_sqlite",
            "filings_per_s",
            "filings_over_hello",
            "dispatch_decision_ms",
        )
    )
    sqlite = json.loads(lines[1].removeprefix("sqlite: "))
    # The generated data is the same on every run (seeded): 3,000 cases over 104 weeks.
    assert (sqlite["week"], sqlite["cases_this_week"], sqlite["cases_last_week"]) == (
        "2026-W44",
        30,
        28,
    )
    assert (sqlite["trend_types"], sqlite["trend_total"]) == (154, 1496)
    # Filed through a real server from two connections; the bench itself checks that every
    # filing was answered 2xx and is in the database, and fails otherwise.
    assert (sqlite["filings_created"], sqlite["filing_connections"]) == (5, 2)
    if BACKEND == "postgres":
        assert result["weekly_report_s_postgres"] > 0
        postgres = json.loads(lines[2].removeprefix("postgres: "))
        assert postgres["cases_this_week"] == sqlite["cases_this_week"]
        assert postgres["trend_total"] == sqlite["trend_total"]
    else:
        assert result["weekly_report_s_postgres"] is None

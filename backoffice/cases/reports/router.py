"""Report endpoints: the weekly report, trends, the monthly marking, collection points."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from backoffice.access import Principal, Role, authorize
from backoffice.cases.reports import analytics
from backoffice.deps import DbSession, Now
from backoffice.errors import BadInput
from backoffice.inputs import Day

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])

READERS = (
    Role.ADMIN,
    Role.OPERATOR,
    Role.SHIFT_LEADER,
    Role.DISPATCHER,
    Role.INSPECTOR,
    Role.VIEWER,
)
Reader = Annotated[Principal, authorize(*READERS)]
WeekParam = Annotated[
    str | None, Query(description="ISO week (2026-W45) or a date in it; default: last week.")
]


class CsvResponse(Response):
    """A CSV download (documented as such in the API document)."""

    media_type = "text/csv; charset=utf-8"


def _csv(text: str, filename: str) -> Response:
    return CsvResponse(
        "\ufeff" + text,  # a BOM so spreadsheet programs read the Chinese names as UTF-8
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/weekly")
def weekly(db: DbSession, now: Now, _who: Reader, week: WeekParam = None) -> analytics.WeeklyReport:
    """The week's cases against the week before: frequent types, hotspots per road and grid,
    auto-dispatch rate, on-time rate per unit, hours per stage, clearance per collection point."""
    return analytics.weekly_report(db, analytics.parse_week(week, now), now)


@router.get("/weekly.csv", response_class=CsvResponse)
def weekly_csv(db: DbSession, now: Now, _who: Reader, week: WeekParam = None) -> Response:
    report = analytics.weekly_report(db, analytics.parse_week(week, now), now)
    return _csv(analytics.weekly_csv(report), f"weekly-{report.week}.csv")


@router.get("/trend")
def trend(
    db: DbSession,
    now: Now,
    _who: Reader,
    week: WeekParam = None,
    weeks: Annotated[int, Query(ge=1, le=260)] = 52,
) -> analytics.Trend:
    """Cases per type and per road for each of the `weeks` weeks ending with `week`."""
    return analytics.trend(db, analytics.parse_week(week, now), weeks)


@router.get("/trend.csv", response_class=CsvResponse)
def trend_csv(
    db: DbSession,
    now: Now,
    _who: Reader,
    week: WeekParam = None,
    weeks: Annotated[int, Query(ge=1, le=260)] = 52,
) -> Response:
    result = analytics.trend(db, analytics.parse_week(week, now), weeks)
    return _csv(analytics.trend_csv(result), f"trend-{result.weeks[-1]}-{weeks}w.csv")


@router.get("/monthly")
def monthly(
    db: DbSession,
    now: Now,
    _who: Reader,
    month: Annotated[str | None, Query(description="2026-10; default: last month.")] = None,
) -> analytics.MonthlyMarking:
    """The month's marked frequent case types and hotspot roads and grids."""
    return analytics.monthly_marking(db, analytics.parse_month(month, now))


@router.get("/monthly.csv", response_class=CsvResponse)
def monthly_csv(
    db: DbSession,
    now: Now,
    _who: Reader,
    month: Annotated[str | None, Query(description="2026-10; default: last month.")] = None,
) -> Response:
    marking = analytics.monthly_marking(db, analytics.parse_month(month, now))
    return _csv(analytics.monthly_csv(marking), f"monthly-{marking.month}.csv")


@router.get("/collection-points")
def collection_points(
    db: DbSession,
    _who: Reader,
    start: Annotated[Day, Query(alias="from")],
    end: Annotated[Day, Query(alias="to")],
) -> list[analytics.PointCount]:
    """Active collection points on streets and in compounds, on the first of each month."""
    if (end - start).days > 366 * 20:
        raise BadInput("Ask for at most twenty years at a time.")
    return analytics.active_collection_points(db, start, end)


@router.get("/collection-points.csv", response_class=CsvResponse)
def collection_points_csv(
    db: DbSession,
    _who: Reader,
    start: Annotated[Day, Query(alias="from")],
    end: Annotated[Day, Query(alias="to")],
) -> Response:
    rows = analytics.active_collection_points(db, start, end)
    lines = ["month,street,compound", *(f"{p.day:%Y-%m},{p.street},{p.compound}" for p in rows)]
    return _csv("\n".join(lines) + "\n", f"collection-points-{start}-{end}.csv")

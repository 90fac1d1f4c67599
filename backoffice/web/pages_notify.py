"""The notifications page: units whose endpoint keeps failing (the delivery alerts) and the
deliveries that gave up, each with a retry button."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from backoffice.deps import DbSession, Now
from backoffice.errors import NotFound
from backoffice.notify import service as notify
from backoffice.web import auth
from backoffice.web.auth import CurrentUser, PageMissing
from backoffice.web.forms import attempt
from backoffice.web.render import page
from backoffice.web.roles import NOTIFY_MANAGERS, NOTIFY_READERS

router = APIRouter(prefix="/ops", include_in_schema=False)


@router.get("/deliveries")
def deliveries_page(request: Request, user: CurrentUser, db: DbSession) -> HTMLResponse:
    auth.require(user, NOTIFY_READERS, "the notification deliveries")
    return page(
        request,
        "deliveries.html",
        user,
        title="Notifications",
        alerts=notify.open_alerts(db),
        failed=notify.failed_deliveries(db),
        may_retry=user.role in NOTIFY_MANAGERS,
    )


@router.post("/deliveries/{delivery_id}/retry")
def retry_delivery(
    delivery_id: str,
    user: CurrentUser,
    db: DbSession,
    now: Now,
    csrf: Annotated[str, Form()] = "",
) -> RedirectResponse:
    auth.check_csrf(user, csrf)
    auth.require(user, NOTIFY_MANAGERS, "delivery retries")
    try:
        delivery = notify.get_delivery(db, delivery_id)
    except NotFound as missing:
        raise PageMissing(missing.message) from missing
    attempt(db, user, lambda: notify.retry_delivery(db, delivery, now), f"{delivery.id[:8]} ↻")
    return RedirectResponse("/ops/deliveries", status_code=303)


@router.post("/subscriptions/{ref}/retry")
def retry_subscription(
    ref: str,
    user: CurrentUser,
    db: DbSession,
    now: Now,
    csrf: Annotated[str, Form()] = "",
) -> RedirectResponse:
    auth.check_csrf(user, csrf)
    auth.require(user, NOTIFY_MANAGERS, "delivery retries")
    try:
        sub = notify.get_subscription(db, ref)
    except NotFound as missing:
        raise PageMissing(missing.message) from missing
    attempt(db, user, lambda: notify.retry_failed_of(db, sub, now), f"{sub.unit.code} ↻")
    return RedirectResponse("/ops/deliveries", status_code=303)

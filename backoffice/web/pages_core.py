"""Sign-in, sign-out, language, the dashboard and its JSON summary, alarm acknowledgement."""

from __future__ import annotations

import math
import secrets
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlparse

from fastapi import APIRouter, Form, Header, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import select

from backoffice.cases.time_limits import is_overdue
from backoffice.deps import AppSettings, DbSession, Now
from backoffice.errors import NotAuthenticated, Unavailable
from backoffice.fleet import live
from backoffice.fleet import service as fleet
from backoffice.homeservice import service as homeservice
from backoffice.identity.guard import Throttled
from backoffice.vision import service as vision
from backoffice.vision.models import CameraStatus
from backoffice.web import alarms, auth, queries
from backoffice.web.auth import CurrentUser, PageSettings, PageUser
from backoffice.web.i18n import translate
from backoffice.web.models import AlarmAck, LoginAttempt
from backoffice.web.pages_services import satisfaction_rate
from backoffice.web.render import LANG_COOKIE, language_of, page
from backoffice.web.roles import (
    ALARM_WATCHERS,
    AUDIT_READERS,
    CAMERA_READERS,
    CASE_READERS,
    FLEET_READERS,
    HOME_VISIT_READERS,
    RATING_READERS,
)
from backoffice.web.settings import WebSettings

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "zhili_login_csrf"


def safe_next(target: str | None) -> str:
    """Only same-site paths under /ops/ (no open redirect to another host)."""
    if not target:
        return "/ops/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not parsed.path.startswith("/ops/"):
        return "/ops/"
    return target


@router.get("/")
def root() -> RedirectResponse:
    return RedirectResponse("/ops/", status_code=303)


def _login_page(
    request: Request, *, next_url: str, error: str = "", username: str = "", status: int = 200
) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = page(
        request,
        "login.html",
        None,
        title="Sign in",
        login_csrf=token,
        next=next_url,
        error=error,
        username=username,
        status_code=status,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        path="/ops/login",
        secure=_secure_cookies(request),
    )
    return response


def _secure_cookies(request: Request) -> bool:
    """Secure outside demo mode: the pages are served behind TLS there."""
    settings: WebSettings = request.app.state.web_settings
    return settings.secure_cookies(request.app.state.settings.demo)


@router.get("/ops/login")
def login_form(request: Request, next: str = "/ops/") -> HTMLResponse:
    return _login_page(request, next_url=safe_next(next))


@router.post("/ops/login", response_model=None)
def login(
    request: Request,
    db: DbSession,
    now: Now,
    settings: PageSettings,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/ops/",
) -> Response:
    lang = language_of(request)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    next_url = safe_next(next)
    if not csrf or not expected or not secrets.compare_digest(csrf, expected):
        return _login_page(
            request,
            next_url=next_url,
            error=translate("The form expired; sign in again.", lang),
            username=username,
            status=403,
        )
    try:
        _session, raw = auth.sign_in(
            db,
            username,
            password,
            now=now,
            client=auth.client_of(request),
            settings=settings,
            guard=request.app.state.signin_guard,
        )
    except Throttled as locked:
        minutes = max(1, math.ceil((locked.until - now).total_seconds() / 60))
        which = (
            "Too many failed sign-ins from this address; try again in {minutes} min."
            if "address" in locked.message
            else "Too many failed sign-ins for this username; try again in {minutes} min."
        )
        message = translate(which, lang).format(minutes=minutes)
        return _login_page(request, next_url=next_url, error=message, username=username, status=429)
    except Unavailable:
        return _login_page(
            request,
            next_url=next_url,
            error=translate("The sign-in service is busy; try again in a few seconds.", lang),
            username=username,
            status=503,
        )
    except NotAuthenticated:
        return _login_page(
            request,
            next_url=next_url,
            error=translate("Wrong username or password.", lang),
            username=username,
            status=401,
        )
    response = RedirectResponse(next_url, status_code=303)
    response.set_cookie(
        auth.SESSION_COOKIE,
        raw,
        max_age=int(settings.session_hours * 3600),
        httponly=True,
        samesite="lax",
        secure=_secure_cookies(request),
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/ops/login")
    return response


@router.post("/ops/logout")
def logout(
    request: Request,
    user: CurrentUser,
    db: DbSession,
    now: Now,
    csrf: Annotated[str, Form()] = "",
) -> RedirectResponse:
    auth.check_csrf(user, csrf)
    auth.sign_out(db, user.session, now, auth.client_of(request))
    response = RedirectResponse("/ops/login", status_code=303)
    response.delete_cookie(auth.SESSION_COOKIE, path="/")
    return response


@router.get("/ops/lang")
def switch_language(to: str = "zh", next: str = "/ops/") -> RedirectResponse:
    response = RedirectResponse(safe_next(next), 303)
    response.set_cookie(
        LANG_COOKIE, "en" if to == "en" else "zh", max_age=365 * 86400, samesite="lax"
    )
    return response


def summary(
    request: Request, db: DbSession, now: Now, settings: AppSettings, user: PageUser
) -> dict[str, Any]:
    """What the dashboard shows; the page renders it and then polls it as JSON."""
    data: dict[str, Any] = {}
    if user.role in CASE_READERS:
        counts = queries.case_counts(db, user.principal, now)
        rate = counts.auto_dispatch_rate
        data["cases"] = {
            "new_today": counts.new_today,
            "open": counts.open,
            "overdue": counts.overdue,
            "closed_today": counts.closed_today,
            "dispatched_today": counts.dispatched_today,
            "auto_dispatch_rate": None if rate is None else round(rate * 100, 1),
        }
    if user.role in FLEET_READERS:
        store = live.store_of(request.app)
        offline_after = timedelta(seconds=settings.offline_after_s)
        terminals = [
            fleet.describe(t, now, offline_after, store.live(t.id))
            for t in fleet.list_terminals(db)
        ]
        data["terminals"] = {
            "online": sum(1 for t in terminals if t.online),
            "total": len(terminals),
        }
    if user.role in RATING_READERS:
        rate = satisfaction_rate(db, now)
        data["satisfaction_rate"] = None if rate is None else round(rate * 100, 1)
    if user.role in HOME_VISIT_READERS:
        data["home_visits"] = homeservice.counts(db, now)
    if user.role in CAMERA_READERS:
        cameras = vision.list_cameras(db)
        data["cameras"] = {
            "online": sum(1 for c in cameras if c.status is CameraStatus.ONLINE),
            "total": len(cameras),
        }
    if user.role in ALARM_WATCHERS:
        web_settings: WebSettings = request.app.state.web_settings
        escalate_after = timedelta(minutes=web_settings.alarm_escalate_minutes)
        data["alarms"] = [
            {
                "id": c.id,
                "number": c.number,
                "type": c.type.name_zh if language_of(request) == "zh" else c.type.name_en,
                "road": (c.road.name_zh if language_of(request) == "zh" else c.road.name_en)
                if c.road
                else "",
                "at": c.reported_at.isoformat(),
                "minutes": int((now - c.reported_at).total_seconds() // 60),
                # Past the escalation time: the shift leader has it (web.alarms).
                "escalated": alarms.is_escalated(c, now, escalate_after),
            }
            for c in queries.unacknowledged_alarms(db, now)
        ]
    return data


@router.get("/ops/")
def dashboard(
    request: Request,
    user: CurrentUser,
    db: DbSession,
    now: Now,
    settings: AppSettings,
    page_settings: PageSettings,
) -> HTMLResponse:
    data = summary(request, db, now, settings, user)
    recent = (
        queries.list_cases(db, user.principal, queries.CaseFilter(state="open"), now, limit=12)
        if user.role in CASE_READERS
        else []
    )
    return page(
        request,
        "dashboard.html",
        user,
        title="Dashboard",
        data=data,
        recent=recent,
        now=now,
        is_overdue=is_overdue,
        refresh_s=page_settings.refresh_s,
    )


@router.get("/ops/audit")
def login_audit(request: Request, user: CurrentUser, db: DbSession) -> HTMLResponse:
    """Every sign-in attempt on the pages, newest first (admin only)."""
    auth.require(user, AUDIT_READERS, "the sign-in audit")
    rows = db.scalars(
        select(LoginAttempt).order_by(LoginAttempt.at.desc(), LoginAttempt.id.desc()).limit(300)
    )
    return page(request, "audit.html", user, title="Sign-in audit", attempts=list(rows))


@router.get("/ops/api/summary")
def summary_json(
    request: Request, user: CurrentUser, db: DbSession, now: Now, settings: AppSettings
) -> JSONResponse:
    return JSONResponse(summary(request, db, now, settings, user))


@router.post("/ops/api/alarms/ack")
def acknowledge_alarms(
    user: CurrentUser,
    db: DbSession,
    now: Now,
    x_csrf_token: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """Silence every alarm showing now; each acknowledgement names who and when."""
    auth.check_csrf(user, x_csrf_token)
    auth.require(user, ALARM_WATCHERS, "the AI-patrol alarm")
    cases = queries.unacknowledged_alarms(db, now)
    for case in cases:
        db.add(AlarmAck(case_id=case.id, acknowledged_by=user.username, at=now))
    db.flush()
    return JSONResponse({"acknowledged": [c.number for c in cases]})

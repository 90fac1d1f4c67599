"""Page sign-in: server-side sessions behind an HttpOnly cookie, CSRF tokens; the limits on
failed attempts and the audit are the sign-in guard's, shared with the API (`identity.guard`).

Every page resolves the browser's session to the same `Principal` the API uses, so roles and
object scope are checked by the same rules (`access.can_reach`).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.attributes import set_committed_value

from backoffice.access import Principal, Role, TokenKind
from backoffice.deps import DbSession, Now
from backoffice.identity.guard import Attempt, SignInGuard
from backoffice.identity.models import Staff
from backoffice.web.models import LoginAttempt, WebSession
from backoffice.web.settings import WebSettings

log = logging.getLogger(__name__)

SESSION_COOKIE = "zhili_session"


class LoginRequired(Exception):
    """No live page session: the browser is sent to the sign-in page."""


class PageForbidden(Exception):
    """Signed in, but this role may not see this page or object."""

    status_code = 403

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PageMissing(PageForbidden):
    """The page names something that does not exist."""

    status_code = 404


class CsrfRejected(Exception):
    """A form came without this session's token (another site, or a stale page)."""


@dataclass(frozen=True)
class PageUser:
    """Who is looking at the page: the API's principal plus the page session.

    The names shown in the header are copied when the request starts, so an error page can
    still draw them after the request's transaction was rolled back.
    """

    principal: Principal
    staff: Staff
    session: WebSession
    role: Role
    csrf: str
    username: str
    display_name: str
    unit_name_zh: str
    unit_name_en: str

    @classmethod
    def of(cls, session: WebSession) -> PageUser:
        staff = session.staff
        return cls(
            principal=principal_of(staff),
            staff=staff,
            session=session,
            role=staff.role,
            csrf=session.csrf_token,
            username=staff.username,
            display_name=staff.display_name,
            unit_name_zh=staff.unit.name_zh if staff.unit else "",
            unit_name_en=staff.unit.name_en if staff.unit else "",
        )

    def has(self, *roles: Role) -> bool:
        return self.role in roles


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def principal_of(staff: Staff) -> Principal:
    """The principal a staff account stands for, exactly as a staff bearer token would."""
    return Principal(
        kind=TokenKind.STAFF,
        name=staff.username,
        role=staff.role,
        staff_id=staff.id,
        unit_id=staff.unit_id if staff.role is Role.UNIT_STAFF else None,
    )


def _audit(db: Session, username: str, now: datetime, outcome: str, client: str) -> None:
    db.add(LoginAttempt(username=username[:64], at=now, outcome=outcome, client=client[:64]))
    db.flush()


def sign_in(
    db: Session,
    username: str,
    password: str,
    *,
    now: datetime,
    client: str,
    settings: WebSettings,
    guard: SignInGuard,
) -> tuple[WebSession, str]:
    """Check the password through the sign-in guard the API shares (limits per account and
    per address, the audit) and open a session; returns it and its cookie.

    Raises Throttled past the limits, NotAuthenticated for a wrong username or password,
    Unavailable when too many passwords are being checked at once.
    """
    staff = guard.sign_in(db, Attempt(username, client, "page"), password, now)
    raw = secrets.token_urlsafe(32)
    session = WebSession(
        digest=_digest(raw),
        staff_id=staff.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=settings.session_hours),
        flash_ok=True,
    )
    db.add(session)
    db.flush()
    return session, raw


def sign_out(db: Session, session: WebSession, now: datetime, client: str) -> None:
    session.ended_at = now
    _audit(db, session.staff.username, now, "logout", client)


def end_sessions_of(db: Session, staff_id: int, now: datetime) -> None:
    db.execute(
        update(WebSession)
        .where(WebSession.staff_id == staff_id, WebSession.ended_at.is_(None))
        .values(ended_at=now)
    )


def session_for_cookie(
    db: Session, raw: str | None, now: datetime, settings: WebSettings
) -> WebSession | None:
    if not raw:
        return None
    session = db.scalars(select(WebSession).where(WebSession.digest == _digest(raw))).first()
    if session is None or session.ended_at is not None or session.expires_at <= now:
        return None
    if now - session.last_seen_at > timedelta(minutes=settings.idle_minutes):
        session.ended_at = now
        return None
    if not session.staff.active:
        return None
    if now - session.last_seen_at >= TOUCH_EVERY:
        _touch(db, session, now)
    return session


# How often a page request records that the session is in use (for the idle time-out): not on
# every request, so a page's images and the dashboard's polling do not all write.
TOUCH_EVERY = timedelta(seconds=60)


def _touch(db: Session, session: WebSession, now: datetime) -> None:
    """Record the session's use. On SQLite a parallel request of the same page may hold the
    write lock; then this request's touch is skipped (the other one records the same use)."""
    try:
        with db.begin_nested():
            db.execute(
                update(WebSession)
                .where(WebSession.id == session.id)
                .values(last_seen_at=now)
                .execution_options(synchronize_session=False)
            )
    except OperationalError:
        return
    set_committed_value(session, "last_seen_at", now)


def client_of(request: Request) -> str:
    return request.client.host if request.client else ""


def web_settings_dep(request: Request) -> WebSettings:
    settings: WebSettings = request.app.state.web_settings
    return settings


PageSettings = Annotated[WebSettings, Depends(web_settings_dep)]


def current_user(request: Request, db: DbSession, now: Now, settings: PageSettings) -> PageUser:
    session = session_for_cookie(db, request.cookies.get(SESSION_COOKIE), now, settings)
    if session is None:
        raise LoginRequired()
    user = PageUser.of(session)
    request.state.page_user = user
    return user


CurrentUser = Annotated[PageUser, Depends(current_user)]


def check_csrf(user: PageUser, token: str | None) -> None:
    if not token or not hmac.compare_digest(token, user.csrf):
        raise CsrfRejected()


def require(user: PageUser, roles: frozenset[Role], what: str) -> None:
    if user.role not in roles:
        raise PageForbidden(f"Your role '{user.role.value}' may not open {what}.")


def flash(user: PageUser, message: str, *, ok: bool = True) -> None:
    user.session.flash = message[:500]
    user.session.flash_ok = ok


def take_flash(user: PageUser) -> tuple[str, bool] | None:
    """The message for the page being drawn, cleared as it is shown. A page is read in a
    transaction that began as a reader: on SQLite one that read may not write once another
    connection has committed since, so the clearing is tried in a savepoint and, refused, left
    for the next page (which shows the message once more) instead of failing this one."""
    session = user.session
    if not session.flash:
        return None
    message, ok = session.flash, session.flash_ok
    db = object_session(session)
    if db is not None:
        try:
            with db.begin_nested():
                db.execute(
                    update(WebSession)
                    .where(WebSession.id == session.id)
                    .values(flash=None, flash_ok=True)
                    .execution_options(synchronize_session=False)
                )
        except OperationalError:
            log.info("a page's message stays for the next page (the database was busy)")
    set_committed_value(session, "flash", None)
    set_committed_value(session, "flash_ok", True)
    return message, ok

"""Page sign-in: session cookie, CSRF, lock-out, logout, the login audit, roles in the nav."""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.app import create_app
from backoffice.clock import ManualClock
from backoffice.db import create_db_engine, session_scope
from backoffice.identity.models import SignInCounter
from backoffice.identity.service import create_staff
from backoffice.settings import Settings
from backoffice.web.auth import PageUser, take_flash
from backoffice.web.models import LoginAttempt, WebSession
from backoffice.wiring import session_factory
from tests.backoffice.web.helpers import PASSWORD, csrf_of, hidden, log_in, make_staff
from tests.conftest import BACKEND, in_process_settings


@pytest.fixture
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Small limits, so a test needs few password checks (0.2 s of CPU each); a test changes
    more with `@pytest.mark.parametrize("settings", [{...}], indirect=True)`."""
    changes = {"signin_account_limits": "4/hour", "signin_address_limits": "3/15minutes"}
    return Settings(**in_process_settings(tmp_path, changes | getattr(request, "param", {})))


def outcomes(db: Session, username: str) -> list[str]:
    rows = db.scalars(
        select(LoginAttempt.outcome)
        .where(LoginAttempt.username == username)
        .order_by(LoginAttempt.id)
    )
    return list(rows)


def test_a_page_without_a_session_sends_the_browser_to_sign_in(client: TestClient) -> None:
    response = client.get("/ops/cases?state=open", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/ops/login?next=/ops/cases%3Fstate%3Dopen"
    assert client.get("/ops/api/summary").status_code == 401


def test_signing_in_sets_an_httponly_lax_cookie_and_shows_the_dashboard(
    client: TestClient, db: Session, clock: ManualClock
) -> None:
    staff = make_staff(db, clock, Role.OPERATOR)
    response = log_in(client, staff.username)
    assert response.status_code == 303
    assert response.headers["location"] == "/ops/"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("zhili_session=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "; Secure" in cookie  # in-process back offices run outside demo mode: TLS only
    page = client.get("/ops/")
    assert page.status_code == 200
    assert "operator person" in page.text
    assert outcomes(db, staff.username) == ["ok"]
    # Only the digest of the cookie is stored.
    raw = response.cookies["zhili_session"]
    assert db.scalars(select(WebSession.digest)).all() != [raw]


def test_the_login_form_needs_its_csrf_token(
    client: TestClient, db: Session, clock: ManualClock
) -> None:
    staff = make_staff(db, clock, Role.OPERATOR)
    client.get("/ops/login")
    response = client.post(
        "/ops/login",
        data={"username": staff.username, "password": PASSWORD, "csrf": "forged"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert outcomes(db, staff.username) == []


def test_failures_from_one_address_throttle_it_without_locking_the_account(
    app: FastAPI, client: TestClient, db: Session, clock: ManualClock
) -> None:
    """The page shares the API's guard (here at 3 failures an address per 15 minutes): the
    address is throttled, and its attempts stop counting against the account, which signs in
    from elsewhere."""
    staff = make_staff(db, clock, Role.DISPATCHER)
    client.cookies.set("zhili_lang", "en")
    for _ in range(3):
        assert log_in(client, staff.username, "wrong password").status_code == 401  # type: ignore[attr-defined]
        clock.advance(minutes=2)
    throttled = log_in(client, staff.username)  # the right password, but from this address
    assert throttled.status_code == 429  # type: ignore[attr-defined]
    assert "from this address; try again in 9 min." in throttled.text  # type: ignore[attr-defined]
    with TestClient(app, base_url="https://testserver", client=("10.0.0.7", 50000)) as elsewhere:
        assert log_in(elsewhere, staff.username).status_code == 303  # type: ignore[attr-defined]
    clock.advance(minutes=9)  # the address's 15-minute window ends
    assert log_in(client, staff.username).status_code == 303  # type: ignore[attr-defined]
    assert outcomes(db, staff.username) == ["bad_password"] * 3 + ["throttled", "ok", "ok"]
    mine = LoginAttempt.username == staff.username
    assert set(db.scalars(select(LoginAttempt.channel).where(mine))) == {"page"}


def test_a_success_resets_the_account_count(app: FastAPI, db: Session, clock: ManualClock) -> None:
    staff = make_staff(db, clock, Role.DISPATCHER)
    for round_ in range(2):  # 2 x 2 failures: 4, the account's limit, but never in a row
        with TestClient(
            app, base_url="https://testserver", client=(f"10.0.1.{round_}", 50000)
        ) as browser:
            for _ in range(2):
                log_in(browser, staff.username, "wrong password")
            assert log_in(browser, staff.username).status_code == 303  # type: ignore[attr-defined]
    with TestClient(app, base_url="https://testserver", client=("10.0.1.9", 50000)) as browser:
        for _ in range(2):
            log_in(browser, staff.username, "wrong password")
    with TestClient(app, base_url="https://testserver", client=("10.0.1.8", 50000)) as browser:
        for _ in range(2):
            log_in(browser, staff.username, "wrong password")
        locked = log_in(browser, staff.username)
        assert locked.status_code == 429  # type: ignore[attr-defined]
        assert "该用户名登录失败次数过多" in locked.text  # type: ignore[attr-defined]


def test_demo_mode_is_announced_on_the_pages(app: FastAPI, settings: Settings) -> None:
    with TestClient(app, base_url="https://testserver") as client:
        assert "demo-banner" not in client.get("/ops/login").text
    settings.demo = True  # the pages read it per request
    with TestClient(app, base_url="https://testserver") as client:
        page = client.get("/ops/login")
    assert 'class="demo-banner"' in page.text and "演示模式" in page.text


def test_logout_needs_the_csrf_token_and_ends_the_session(
    client: TestClient, db: Session, clock: ManualClock
) -> None:
    staff = make_staff(db, clock, Role.VIEWER)
    log_in(client, staff.username)
    token = csrf_of(client.get("/ops/").text)
    refused = client.post("/ops/logout", data={"csrf": "nope"}, follow_redirects=False)
    assert refused.status_code == 403
    assert client.get("/ops/", follow_redirects=False).status_code == 200
    done = client.post("/ops/logout", data={"csrf": token}, follow_redirects=False)
    assert done.status_code == 303
    client.cookies.clear()
    # The old cookie no longer opens anything, even if a copy was kept.
    raw = done.request.headers["cookie"].split("zhili_session=")[1].split(";")[0]
    client.cookies.set("zhili_session", raw)
    assert client.get("/ops/", follow_redirects=False).status_code == 303
    assert outcomes(db, staff.username) == ["ok", "logout"]


def test_an_idle_session_ends(client: TestClient, db: Session, clock: ManualClock) -> None:
    staff = make_staff(db, clock, Role.VIEWER)
    log_in(client, staff.username)
    clock.advance(minutes=119)
    assert client.get("/ops/", follow_redirects=False).status_code == 200
    clock.advance(minutes=121)
    assert client.get("/ops/", follow_redirects=False).status_code == 303


def test_next_only_leads_to_ops_pages(client: TestClient, db: Session, clock: ManualClock) -> None:
    staff = make_staff(db, clock, Role.VIEWER)
    form = client.get("/ops/login?next=https://evil.example/")
    assert hidden(form.text, "next") == "/ops/"
    token = hidden(form.text, "csrf")
    response = client.post(
        "/ops/login",
        data={
            "username": staff.username,
            "password": PASSWORD,
            "csrf": token,
            "next": "//evil.example/x",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/ops/"


def test_the_nav_shows_only_what_the_role_may_open(
    client: TestClient, db: Session, clock: ManualClock
) -> None:
    staff = make_staff(db, clock, Role.TERMINAL_MANAGER)
    log_in(client, staff.username)
    client.cookies.set("zhili_lang", "en")
    html = client.get("/ops/").text
    assert 'href="/ops/terminals"' in html
    assert 'href="/ops/calls/new"' not in html
    assert 'href="/ops/report"' not in html
    assert client.get("/ops/calls/new").status_code == 403
    assert client.get("/ops/report").status_code == 403


def test_language_switch_changes_the_page_language(
    client: TestClient, db: Session, clock: ManualClock
) -> None:
    staff = make_staff(db, clock, Role.OPERATOR)
    log_in(client, staff.username)
    assert "今日概况" in client.get("/ops/").text
    client.get("/ops/lang?to=en&next=/ops/")
    html = client.get("/ops/").text
    assert "Today at a glance" in html
    assert "今日概况" not in html


def test_sessions_last_one_shift(client: TestClient, db: Session, clock: ManualClock) -> None:
    staff = make_staff(db, clock, Role.OPERATOR)
    log_in(client, staff.username)
    for _ in range(6):
        clock.advance(timedelta(hours=1, minutes=59))
        assert client.get("/ops/", follow_redirects=False).status_code == 200
    clock.advance(minutes=30)  # 12 h 24 min after sign-in
    assert client.get("/ops/", follow_redirects=False).status_code == 303


def test_an_admin_reads_the_sign_in_audit(
    client: TestClient, db: Session, clock: ManualClock
) -> None:
    target = make_staff(db, clock, Role.OPERATOR)
    log_in(client, target.username, "wrong password")
    admin = make_staff(db, clock, Role.ADMIN)
    log_in(client, admin.username)
    client.cookies.set("zhili_lang", "en")
    html = client.get("/ops/audit").text
    assert html.index(admin.username) < html.index(target.username)  # newest first
    assert ">wrong password<" not in html  # passwords are never recorded
    assert "bad_password" in html
    client.cookies.clear()
    log_in(client, target.username)
    assert client.get("/ops/audit").status_code == 403


REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.mark.parametrize("settings", [{"signin_storage_url": REDIS_URL}], indirect=True)
def test_the_counters_can_live_in_redis_shared_by_every_process(
    app: FastAPI, engine: Engine, db: Session, clock: ManualClock
) -> None:
    """With ZHILI_SIGNIN_STORAGE_URL the guard counts in Redis (a real server), so several
    back-office processes share one count: two apps, each a process of its own, throttle one
    address together, and nothing is counted in the database."""
    # Redis outlives the test and is shared by both passes: a name and an address of its own.
    staff = create_staff(
        db,
        username=f"redis-{secrets.token_hex(6)}",
        display_name="redis person",
        password=PASSWORD,
        role=Role.DISPATCHER,
        now=clock.now(),
    )
    address = (f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.7", 50000)
    second = create_app(app.state.settings, clock=clock, engine=engine)
    second.dependency_overrides = app.dependency_overrides
    with (
        TestClient(app, base_url="https://testserver", client=address) as one,
        TestClient(second, base_url="https://testserver", client=address) as two,
    ):
        for client in (one, two, one):
            assert log_in(client, staff.username, "wrong password").status_code == 401  # type: ignore[attr-defined]
        assert log_in(two, staff.username).status_code == 429  # type: ignore[attr-defined]
    assert db.scalars(select(SignInCounter)).all() == []
    keys = redis.Redis.from_url(REDIS_URL).keys(f"*{address[0]}*")
    assert keys, "the address's count is in Redis"


@pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's readers may not write once outrun")
def test_a_page_shows_its_message_though_another_connection_wrote_since_it_began(
    fresh_database: str,
) -> None:
    """A page is read as a reader; clearing the message it shows is a write, which SQLite
    refuses once another connection has committed since the page began reading. The page is
    still served with its message, and the message stays for the next page."""
    now = ManualClock().now()
    engine = create_db_engine(fresh_database)
    with session_scope(session_factory(engine)) as db:
        staff = create_staff(db, username="op-1", password=PASSWORD, role=Role.OPERATOR, now=now)
        db.add(
            WebSession(
                digest=secrets.token_hex(32),
                staff_id=staff.id,
                csrf_token="csrf",
                created_at=now,
                last_seen_at=now,
                expires_at=now + timedelta(hours=1),
                flash="Saved ✓",
                flash_ok=True,
            )
        )
    page = session_factory(engine)()
    user = PageUser.of(page.scalars(select(WebSession)).one())  # the page begins reading
    with engine.begin() as other:  # another request commits meanwhile
        other.execute(
            insert(LoginAttempt).values(username="x", at=now, outcome="failed", client="c")
        )
    assert take_flash(user) == ("Saved ✓", True)
    page.commit()  # nothing is left to write: the page is served
    page.close()
    with engine.connect() as conn:
        assert conn.scalar(select(WebSession.flash)) == "Saved ✓"  # shown again next time
    engine.dispose()

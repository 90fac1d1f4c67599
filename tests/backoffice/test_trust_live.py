"""Issue 13's attacks against a live back office (`zhili-backoffice serve`, SQLite and
PostgreSQL): forged and replayed card reads and Suishen codes, guessing passwords, and access
that must stop when it is revoked. Each answer is the refusal a person can act on."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import os
import time
from collections.abc import Iterator
from contextlib import redirect_stdout
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, update

from backoffice.access import Role
from backoffice.identity.models import AccessAuditEntry, LoginAttempt
from backoffice.identity.service import create_staff, issue_staff_token
from backoffice.settings import DEFAULT_SECRET_KEY, get_settings
from backoffice.suishen.models import CardChallenge
from simulators.upstream_peers import CODE_PREFIX
from simulators.vpcd_card import CardFault, CardHolder, SocialSecurityCardModel
from tests.backoffice.kiosk_terminals import card_evidence
from tests.conftest import LiveServer, bearer, free_port
from tests.server_launcher import ServerLauncher
from tests.upstreams import upstream_peers

A_NUMBER, A_NAME = "11010519491231002X", "王秀英"
B_NUMBER = "440524188001010014"
IDENTIFY = "/api/v1/identifications"
PASSWORD = "correct horse battery"


def _staff(live: LiveServer, username: str, role: Role) -> dict[str, str]:
    """A staff account in the live server's database; its bearer headers."""
    with live.session() as db:
        now = datetime.now(UTC)
        staff = create_staff(db, username=username, password=PASSWORD, role=role, now=now)
        return bearer(issue_staff_token(db, staff, now))


def _terminal(http: httpx.Client, manager: dict[str, str], code: str) -> dict[str, str]:
    body = {"code": code, "name": code, "kind": "community_centre", "place": "愚园路1000号"}
    made = http.post("/api/v1/fleet/terminals", json=body, headers=manager)
    assert made.status_code == 201, made.text
    enrolled = http.post(
        "/api/v1/fleet/enroll",
        json={"code": made.json()["enrollment_code"], "app_version": "0.1.0"},
    )
    assert enrolled.status_code == 201, enrolled.text
    return bearer(enrolled.json()["token"])


@pytest.fixture
def http(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        yield client


def test_card_reads_count_only_when_the_card_answers_its_own_challenge(
    live_server: LiveServer, http: httpx.Client
) -> None:
    manager = _staff(live_server, "manager", Role.TERMINAL_MANAGER)
    here, there = _terminal(http, manager, "JSL-T1"), _terminal(http, manager, "JSL-T2")

    # The issue's point 1: a terminal posts anyone's ID number as a "card read".
    forged = http.post(
        IDENTIFY, json={"proof": "card", "id_number": B_NUMBER, "name": "x"}, headers=here
    )
    assert forged.status_code == 401 and "answer to a challenge" in forged.json()["detail"]
    assert http.get("/api/v1/medical/records", headers=here).status_code == 401

    # Card A's valid answer, sent with B's ID number.
    swapped = card_evidence(http, here, A_NUMBER, A_NAME)
    swapped["card"]["id_number"] = B_NUMBER
    refused = http.post(IDENTIFY, json=swapped, headers=here)
    assert refused.status_code == 401 and "does not match" in refused.json()["detail"]

    # A genuine answer works once; replayed, it is refused.
    genuine = card_evidence(http, here, A_NUMBER, A_NAME)
    first = http.post(IDENTIFY, json=genuine, headers=here)
    assert first.status_code == 201 and first.json()["masked_id"] == "110***********002X"
    replay = http.post(IDENTIFY, json=genuine, headers=here)
    assert replay.status_code == 401 and "answered already" in replay.json()["detail"]

    # An answer to this terminal's challenge, sent by another terminal.
    elsewhere = http.post(IDENTIFY, json=card_evidence(http, here, A_NUMBER, A_NAME), headers=there)
    assert elsewhere.status_code == 403 and "another terminal" in elsewhere.json()["detail"]

    # An answer after the challenge's lifetime (its end moved into the past in the database).
    late = card_evidence(http, here, A_NUMBER, A_NAME)
    with live_server.session() as db:
        db.execute(
            update(CardChallenge)
            .where(CardChallenge.challenge == late["challenge"])
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    expired = http.post(IDENTIFY, json=late, headers=here)
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]

    # A copied card that holds A's records but not a key the issuer gave it.
    copy = card_evidence(http, here, A_NUMBER, A_NAME)
    card = SocialSecurityCardModel(CardHolder(A_NAME, A_NUMBER, "A01234567"), CardFault.FOREIGN_KEY)
    from tests.cards import card_answer  # the genuine card's answer, for comparison

    card.respond(bytes.fromhex("00A404000F") + b"sx1.sh." + "社会保障".encode("gbk"))
    raw = card.respond(bytes.fromhex("0088000008" + copy["challenge"] + "08"))
    assert raw[:-2].hex() != card_answer(copy["challenge"], A_NUMBER, A_NAME)
    copy["answer"] = raw[:-2].hex()
    assert http.post(IDENTIFY, json=copy, headers=here).status_code == 401


def _old_format_code(secret: str, id_hash: str) -> str:
    """A code as the issuer made them before keys were separated (SSM1, key = HMAC of the
    secret), here under the development default: what the issue's attacker forged."""
    key = hmac.new(secret.encode(), b"suishen-demo-issuer", hashlib.sha256).digest()
    now = int(time.time())
    claims = {"sub": id_hash, "name": "王*英", "iat": now, "exp": now + 3600}
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    mac = hmac.new(key, f"SSM1.{body}".encode(), hashlib.sha256).digest()
    return f"SSM1.{body}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def test_suishen_codes_forged_with_the_old_default_key_or_replayed_are_refused(
    live_server: LiveServer, http: httpx.Client
) -> None:
    """Codes are the Suishen service's (the peer, through the HTTP adapter): a code made by
    anyone else, in any format the demo issuer once used, is unknown to it."""
    manager = _staff(live_server, "manager", Role.TERMINAL_MANAGER)
    kiosk = _terminal(http, manager, "JSL-T1")
    legacy_hash = hmac.new(DEFAULT_SECRET_KEY.encode(), A_NUMBER.encode(), hashlib.sha256)
    forged_old = _old_format_code(DEFAULT_SECRET_KEY, legacy_hash.hexdigest())
    forged_prefix = CODE_PREFIX + "made-up-by-an-attacker"
    for forged in (forged_old, forged_prefix):
        reply = http.post(IDENTIFY, json={"proof": "suishen", "payload": forged}, headers=kiosk)
        assert reply.status_code == 401, reply.text
        assert "does not know this code" in reply.json()["detail"]

    code = upstream_peers().suishen.issue(A_NUMBER, A_NAME)
    first = http.post(IDENTIFY, json={"proof": "suishen", "payload": code}, headers=kiosk)
    assert first.status_code == 201, first.text
    again = http.post(IDENTIFY, json={"proof": "suishen", "payload": code}, headers=kiosk)
    assert again.status_code == 401 and "used already" in again.json()["detail"]


def _sign_in(http: httpx.Client, username: str, password: str, address: str) -> httpx.Response:
    # The server trusts X-Forwarded-For from 127.0.0.1 (uvicorn's default): each guess names
    # the client address it stands for.
    return http.post(
        "/api/v1/auth/token",
        json={"username": username, "password": password},
        headers={"X-Forwarded-For": address},
    )


def test_guessing_passwords_is_limited_per_account_and_per_address(
    live_server: LiveServer, http: httpx.Client
) -> None:
    _staff(live_server, "duty-officer", Role.DISPATCHER)
    _staff(live_server, "night-officer", Role.DISPATCHER)

    # 30 wrong guesses at one account from three addresses (ten each, under the address
    # limit), then the 31st, the right password from a fourth address: refused.
    for n in range(30):
        wrong = _sign_in(http, "duty-officer", f"guess {n}", f"10.9.0.{n // 10 + 1}")
        assert wrong.status_code == 401, (n, wrong.text)
    locked = _sign_in(http, "duty-officer", PASSWORD, "10.9.0.4")
    assert locked.status_code == 429 and "this username" in locked.json()["detail"]
    assert locked.json()["retry_after_s"] > 0

    # Guesses spread over many accounts from one address: the 11th is refused...
    for n in range(10):
        assert _sign_in(http, f"user-{n}", "guess", "10.9.1.1").status_code == 401
    spread = _sign_in(http, "user-10", "guess", "10.9.1.1")
    assert spread.status_code == 429 and "this address" in spread.json()["detail"]
    # ... and once throttled, that address no longer counts against anyone's account.
    for _ in range(30):
        assert _sign_in(http, "night-officer", "guess", "10.9.1.1").status_code == 429
    assert _sign_in(http, "night-officer", PASSWORD, "10.9.1.2").status_code == 201

    with live_server.session() as db:
        attempts = db.scalar(
            select(func.count()).select_from(LoginAttempt).where(LoginAttempt.channel == "api")
        )
    assert attempts == 30 + 1 + 10 + 1 + 30 + 1  # every API attempt is audited


def _page_session(http: httpx.Client, username: str) -> None:
    form = http.get("/ops/login")
    token = form.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    signed = http.post(
        "/ops/login",
        data={"username": username, "password": PASSWORD, "csrf": token, "next": "/ops/"},
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text


def test_revoked_access_stops_at_once(
    live_server: LiveServer, http: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = _staff(live_server, "admin", Role.ADMIN)
    me = "/api/v1/auth/me"

    # Logout revokes the staff token.
    token = _sign_in(http, "admin", PASSWORD, "10.8.0.1").json()["token"]
    assert http.get(me, headers=bearer(token)).status_code == 200
    assert http.post("/api/v1/auth/logout", headers=bearer(token)).status_code == 204
    assert http.get(me, headers=bearer(token)).status_code == 401

    # A disabled account: its token and its page session stop.
    operator = _staff(live_server, "operator", Role.OPERATOR)
    with httpx.Client(base_url=live_server.url, timeout=30) as browser:
        _page_session(browser, "operator")
        assert browser.get("/ops/", follow_redirects=False).status_code == 200
        assert http.get(me, headers=operator).status_code == 200
        off = http.patch("/api/v1/staff/operator", json={"active": False}, headers=admin)
        assert off.status_code == 200 and off.json()["active"] is False
        assert http.get(me, headers=operator).status_code == 401
        page = browser.get("/ops/", follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"].startswith("/ops/login")
        # Enabled again, the account signs in anew: its old session stays ended.
        on = http.patch("/api/v1/staff/operator", json={"active": True}, headers=admin)
        assert on.status_code == 200
        assert browser.get("/ops/", follow_redirects=False).status_code == 303

    # A unit token expires in 90 days and can be revoked.
    units = http.post(
        "/api/v1/units",
        json={
            "code": "JSL-SW",
            "name_zh": "市容所",
            "name_en": "City appearance",
            "kind": "department",
            "level": "subdistrict",
        },
        headers=admin,
    )
    assert units.status_code == 201, units.text
    issued = http.post("/api/v1/units/JSL-SW/tokens", headers=admin)
    assert issued.status_code == 201, issued.text
    expires = datetime.fromisoformat(issued.json()["expires_at"])
    assert timedelta(days=89) < expires - datetime.now(UTC) <= timedelta(days=90)
    unit = bearer(issued.json()["token"])
    assert http.get(me, headers=unit).status_code == 200
    [listed] = http.get("/api/v1/units/JSL-SW/tokens", headers=admin).json()
    gone = http.delete(f"/api/v1/units/JSL-SW/tokens/{listed['id']}", headers=admin)
    assert gone.status_code == 204
    assert http.get(me, headers=unit).status_code == 401

    # An Open311 key, issued and revoked with the CLI.
    from backoffice.cli import main

    monkeypatch.setenv("ZHILI_DATABASE_URL", live_server.database_url)
    monkeypatch.setenv("ZHILI_DATA_DIR", str(live_server.data_dir))
    get_settings.cache_clear()
    try:
        out = io.StringIO()
        with redirect_stdout(out):
            assert main(["open311", "issue-key", "SnapFix"]) == 0
        key = out.getvalue().strip()
        post = {"api_key": key, "description": "bikes on the pavement"}
        accepted_key = http.post("/open311/v2/requests.json", data=post)
        assert accepted_key.status_code == 400 and "service_code" in accepted_key.text
        listing = io.StringIO()
        with redirect_stdout(listing):
            assert main(["open311", "list-keys"]) == 0
            assert main(["open311", "revoke-key", "SnapFix"]) == 0
        assert "SnapFix" in listing.getvalue()
    finally:
        get_settings.cache_clear()
    refused = http.post("/open311/v2/requests.json", data=post)
    assert refused.status_code == 403

    with live_server.session() as db:
        actions = list(db.scalars(select(AccessAuditEntry.action).order_by(AccessAuditEntry.id)))
    assert actions == [
        "logout",
        "disable_staff",
        "enable_staff",
        "issue_unit_token",
        "revoke_unit_token",
        "issue_open311_key",
        "revoke_open311_key",
    ]


@pytest.mark.parametrize("secret", [DEFAULT_SECRET_KEY, ""])
def test_outside_demo_mode_the_back_office_refuses_the_default_or_a_missing_secret(
    secret: str, server_launcher: ServerLauncher, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("ZHILI_DEMO", "ZHILI_SECRET_KEY")}
    env.update(
        ZHILI_DATABASE_URL=f"sqlite:///{tmp_path / 'z.sqlite3'}", ZHILI_DATA_DIR=str(tmp_path)
    )
    if secret:
        env["ZHILI_SECRET_KEY"] = secret
    log = tmp_path / "server.log"
    pid = server_launcher.start(
        ["serve", "--port", str(free_port())], env=env, cwd=tmp_path, log=log
    )
    deadline = time.monotonic() + 60
    while (code := server_launcher.poll(pid)) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert code == 2, log.read_text()
    assert (
        "refusing to start: ZHILI_SECRET_KEY is missing or the development default"
        in log.read_text()
    )

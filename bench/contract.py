"""The API contract swept by a property-based fuzzer (schemathesis 4) as four callers:
anonymous, a kiosk terminal, an admin and a responsible unit's staff.

    .venv/bin/python -m bench.contract [--max-examples 30] [--seed 15] [--phases ...]
                                       [--roles admin,...] [--postgres ADMIN_URL]

A back office runs in its own process (`zhili-backoffice serve`, a SQLite file with the
reference data and the demo history in a temporary data dir). Each role's run drives every
operation of the OpenAPI document, none excluded, and checks that no answer is a 5xx and that
every answer's status, content type and body are the ones the document promises. The last line
printed is one JSON object: failures per role (0 everywhere when the document tells the truth).
The contract test in `make test` (tests/contract) runs the same with a few examples.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from backoffice.access import Role
from backoffice.cases.seed import seed_reference_data
from backoffice.clock import SystemClock
from backoffice.db import create_db_engine, session_scope
from backoffice.fleet import service as fleet
from backoffice.fleet.models import TerminalKind
from backoffice.fleet.schemas import TerminalCreate
from backoffice.identity.service import create_staff, issue_staff_token
from backoffice.migrate import upgrade
from backoffice.wiring import session_factory
from bench.server import free_port

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)
ROLES = ("anonymous", "terminal", "admin", "unit_staff")
UNIT = "BIKE-HELLO"  # a responsible unit of the reference data
PASSWORD = "contract-" + "sweep-pass"  # throwaway accounts of a throwaway database


def prepare(database_url: str) -> dict[str, dict[str, str]]:
    """Reference data and one caller per role in the database; their request headers."""
    engine = create_db_engine(database_url)
    now = SystemClock().now()
    with session_scope(session_factory(engine)) as db:
        seed_reference_data(db)
        admin = create_staff(
            db, username="contract-admin", password=PASSWORD, role=Role.ADMIN, now=now
        )
        unit_staff = create_staff(
            db,
            username="contract-unit",
            password=PASSWORD,
            role=Role.UNIT_STAFF,
            unit_code=UNIT,
            now=now,
        )
        terminal = fleet.register_terminal(
            db, TerminalCreate(code="CONTRACT-01", name="contract", kind=TerminalKind.LOBBY), now
        )
        code, _ = fleet.new_enrollment_code(
            db, terminal, now=now, ttl=timedelta(hours=1), created_by="contract"
        )
        tokens = {
            "admin": issue_staff_token(db, admin, now),
            "unit_staff": issue_staff_token(db, unit_staff, now),
            "terminal": fleet.enroll(db, code, "0.1.0", now)[1],
        }
    engine.dispose()
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    for role, token in tokens.items():
        headers[role] = {"Authorization": f"Bearer {token}"}
    return headers


@contextmanager
def database(workdir: Path, postgres: str | None) -> Iterator[str]:
    """A new database: a SQLite file, or one created on the PostgreSQL server `postgres` (an
    admin URL) and dropped afterwards."""
    if postgres is None:
        yield f"sqlite:///{workdir / 'contract.sqlite3'}"
        return
    name = f"zhili_contract_{os.getpid()}"
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield postgres.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def back_office(
    workdir: Path, postgres: str | None = None
) -> Iterator[tuple[str, dict[str, dict[str, str]]]]:
    """A back office in its own process on a prepared database; (its URL, headers per role)."""
    with database(workdir, postgres) as url, _serving(workdir, url) as served:
        yield served


@contextmanager
def _serving(workdir: Path, url: str) -> Iterator[tuple[str, dict[str, dict[str, str]]]]:
    upgrade(url)
    headers = prepare(url)
    port = free_port()
    env = {
        **os.environ,
        "ZHILI_DATABASE_URL": url,
        "ZHILI_DATA_DIR": str(workdir / "data"),
        "ZHILI_SCHEDULER_POLL_S": "0",  # nothing in the background: answers depend on requests
        "ZHILI_API_DOCS": "1",  # the document the fuzzer reads
        "ZHILI_DEMO": "1",  # the demo card verifier and Suishen issuer, as the test suite runs
        "ZHILI_SECRET_KEY": os.environ.get("ZHILI_SECRET_KEY") or secrets.token_urlsafe(48),
    }
    log = (workdir / "server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "backoffice.cli", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((workdir / "server.log").read_text())
            time.sleep(0.2)
        yield base, headers
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@dataclass(frozen=True)
class Failure:
    operation: str
    message: str


# Operations that end the caller's own session: run after all the others, so that the role's
# token is still good while the rest of the document is driven (none is left out).
LAST = ("/api/v1/auth/logout",)


def run_role(
    base: str,
    headers: Mapping[str, str],
    workdir: Path,
    *,
    max_examples: int,
    seed: int,
    phases: str,
) -> list[Failure]:
    """The fuzzer over the whole document with `headers`: every operation but those in LAST,
    then those; the failures it found."""
    failures = []
    for part, selection in enumerate(
        ([f"--exclude-path={p}" for p in LAST], [f"--include-path={p}" for p in LAST])
    ):
        failures += _run(base, headers, workdir, selection, part, max_examples, seed, phases)
    return failures


def _run(
    base: str,
    headers: Mapping[str, str],
    workdir: Path,
    selection: list[str],
    part: int,
    max_examples: int,
    seed: int,
    phases: str,
) -> list[Failure]:
    report = workdir / f"junit-{abs(hash(tuple(headers.items())))}-{part}.xml"
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"{base}/openapi.json",
        *selection,
        "--checks",
        ",".join(CHECKS),
        "--max-examples",
        str(max_examples),
        "--seed",
        str(seed),
        "--phases",
        phases,
        "--workers",
        "1",
        "--no-shrink",
        "--continue-on-failure",
        "--suppress-health-check",
        "all",
        "--report",
        "junit",
        "--report-junit-path",
        str(report),
        "--request-timeout",
        "30",
    ]
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=workdir)
    if not report.exists():
        raise RuntimeError(f"schemathesis wrote no report:\n{done.stdout}\n{done.stderr}")
    failures = []
    # The report was written by the fuzzer this function ran.
    for case in ET.parse(report).getroot().iter("testcase"):  # noqa: S314
        for problem in (*case.iter("failure"), *case.iter("error")):
            text = (problem.get("message") or "") + "\n" + (problem.text or "")
            failures.append(Failure(case.get("name", "?"), text.strip()))
    return failures


def sweep(
    *,
    max_examples: int,
    seed: int,
    phases: str,
    roles: tuple[str, ...] = ROLES,
    postgres: str | None = None,
) -> dict[str, list[Failure]]:
    workdir = Path(tempfile.mkdtemp(prefix="zhili-contract-"))
    try:
        with back_office(workdir, postgres) as (base, headers):
            return {
                role: run_role(
                    base,
                    headers[role],
                    workdir,
                    max_examples=max_examples,
                    seed=seed,
                    phases=phases,
                )
                for role in roles
            }
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=30)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--phases", default="examples,coverage,fuzzing")
    parser.add_argument(
        "--postgres",
        metavar="ADMIN_URL",
        help="run on a new PostgreSQL database, e.g. postgresql+psycopg://postgres@127.0.0.1/postgres",
    )
    parser.add_argument("--roles", default=",".join(ROLES), help="comma-separated roles")
    args = parser.parse_args()
    started = time.monotonic()
    found = sweep(
        max_examples=args.max_examples,
        seed=args.seed,
        phases=args.phases,
        roles=tuple(args.roles.split(",")),
        postgres=args.postgres,
    )
    for role, failures in found.items():
        print(f"== {role}: {len(failures)} failures")
        for failure in failures:
            print(f"  {failure.operation}: {failure.message[:400]}")
    print(f"{time.monotonic() - started:.0f} s")
    print(json.dumps({role: len(failures) for role, failures in found.items()}))
    return 0 if not any(found.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""`zhili-backoffice`: serve, worker, beat, migrate, seed-demo, create-staff, suishen-code
(demo mode), open311 issue-key | list-keys | revoke-key."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from backoffice.access import Role
from backoffice.clock import SystemClock
from backoffice.db import create_db_engine, session_scope
from backoffice.errors import DomainError
from backoffice.logs import configure_logging, uvicorn_log_config
from backoffice.migrate import upgrade
from backoffice.privacy import mask_personal_numbers
from backoffice.settings import StartupRefused, get_settings
from backoffice.vision.cli import add_vision_commands
from backoffice.wiring import session_factory


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from backoffice.app import create_app

    try:
        app = create_app()  # in this process too: a refused start stops here, with its reason
    except StartupRefused as refused:
        print(f"zhili-backoffice: refusing to start: {refused}", file=sys.stderr)
        return 2
    if args.workers > 1:
        # Each worker process builds its own app (engine, caches, heartbeat writer); they
        # share the database, which holds what must be shared (see README, Production).
        del app
        uvicorn.run(
            "backoffice.app:create_app",
            factory=True,
            workers=args.workers,
            # A process starting on a busy host (imports, the migration check) may take longer
            # than uvicorn's 5 s to answer its supervisor, which would kill and restart it.
            timeout_worker_healthcheck=60,
            host=args.host,
            port=args.port,
            log_level="info",
            log_config=uvicorn_log_config(),
        )
        return 0
    uvicorn.run(
        app, host=args.host, port=args.port, log_level="info", log_config=uvicorn_log_config()
    )
    return 0


def _worker(args: argparse.Namespace) -> int:
    from backoffice.workers import run_worker

    return run_worker([q.strip() for q in args.queues.split(",") if q.strip()])


def _beat(_args: argparse.Namespace) -> int:
    from backoffice.workers import run_beat

    upgrade(get_settings().resolved_database_url())
    return run_beat()


def _migrate(_args: argparse.Namespace) -> int:
    upgrade(get_settings().resolved_database_url())
    print("database is at the newest schema")
    return 0


def _seed_demo(_args: argparse.Namespace) -> int:
    from backoffice.demo.seed import seed_demo

    url = get_settings().resolved_database_url()
    upgrade(url)
    factory = session_factory(create_db_engine(url))
    with session_scope(factory) as session:
        logins = seed_demo(session, SystemClock().now())
    print("demo data is in place. Staff logins (username / password / role):")
    for login in logins:
        print(f"  {login.username:24} {login.password:32} {login.role}")
    return 0


def _free_text_columns() -> list[Any]:
    """Where people's free text was kept before it was masked on the way in (privacy.py)."""
    from backoffice.cases.models import Case, CaseEvent, CaseReportRow, DispatchRule
    from backoffice.consult.models import Consult
    from backoffice.fleet.models import TerminalCommand
    from backoffice.ratings.models import Rating, Rectification

    return [
        Case.description,
        Case.description_fact,
        Case.extension_reason,
        CaseEvent.reason,
        CaseEvent.reason_fact,
        CaseReportRow.description,
        DispatchRule.note,
        Rating.comment,
        Rectification.callback_note,
        Rectification.appeal_reason,
        Rectification.appeal_decision,
        Rectification.outcome,
        Consult.question,
        Consult.answer,
        TerminalCommand.payload,
        TerminalCommand.result,
    ]


def _masked_value(value: Any) -> Any:
    if isinstance(value, str):
        return mask_personal_numbers(value)
    if isinstance(value, dict):
        return {k: _masked_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked_value(v) for v in value]
    return value


def _mask_stored_text(_args: argparse.Namespace) -> int:
    """Mask ID and mobile numbers in free text stored before masking came in."""
    url = get_settings().resolved_database_url()
    upgrade(url)
    factory = session_factory(create_db_engine(url))
    changed = 0
    with session_scope(factory) as session:
        for column in _free_text_columns():
            model = column.class_
            for row in session.scalars(select(model).where(column.is_not(None))):
                value = getattr(row, column.key)
                masked = _masked_value(value)
                if masked != value:
                    setattr(row, column.key, masked)
                    changed += 1
    print(f"{changed} stored texts had ID or mobile numbers; they are masked now")
    return 0


def _create_staff(args: argparse.Namespace) -> int:
    from backoffice.identity.service import create_staff

    password = args.password or getpass.getpass(f"Password for {args.username}: ")
    url = get_settings().resolved_database_url()
    upgrade(url)
    factory = session_factory(create_db_engine(url))
    with session_scope(factory) as session:
        create_staff(
            session,
            username=args.username,
            password=password,
            role=Role(args.role),
            display_name=args.display_name or "",
            unit_code=args.unit,
            now=SystemClock().now(),
        )
    print(f"created {args.role} account '{args.username}'")
    return 0


def _open311_issue_key(args: argparse.Namespace) -> int:
    from backoffice.open311.service import issue_key

    url = get_settings().resolved_database_url()
    upgrade(url)
    factory = session_factory(create_db_engine(url))
    with session_scope(factory) as session:
        key = issue_key(session, args.name, SystemClock().now(), _operator())
    # The key alone on stdout, so scripts can capture it; it is not stored and not shown again.
    print(key)
    print(f"Open311 key for '{args.name}' issued; it is shown only once.", file=sys.stderr)
    return 0


def _suishen_code(args: argparse.Namespace) -> int:
    from datetime import timedelta

    import httpx

    from backoffice.medical.demo import demo_suishen_code
    from backoffice.suishen.upstream import DEMO_SUISHEN_URL

    settings = get_settings()
    if not settings.demo:
        print(
            "error: demo Suishen codes are made in demo mode only (ZHILI_DEMO=1)", file=sys.stderr
        )
        return 2
    url = settings.suishen_url or DEMO_SUISHEN_URL
    try:
        code = demo_suishen_code(
            url, args.id_number, args.name, timedelta(seconds=settings.suishen_code_ttl_s)
        )
    except httpx.HTTPError as exc:
        print(f"error: the demo Suishen peer at {url} did not answer ({exc}); is the demo "
              "running?", file=sys.stderr)  # fmt: skip
        return 1
    # The code alone on stdout: it is used once and lives suishen_code_ttl_s.
    print(code)
    return 0


def _operator() -> str:
    """Who runs a CLI command, for the access audit."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _open311_list_keys(_args: argparse.Namespace) -> int:
    from backoffice.open311.service import list_keys

    url = get_settings().resolved_database_url()
    upgrade(url)
    factory = session_factory(create_db_engine(url))
    with session_scope(factory) as session:
        rows = list_keys(session)
        print(f"{'id':>4}  {'issued (UTC)':16}  {'revoked (UTC)':16}  name")
        for row in rows:
            revoked = f"{row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "-"
            print(f"{row.id:>4}  {row.created_at:%Y-%m-%d %H:%M}  {revoked:16}  {row.name}")
    return 0


def _open311_revoke_key(args: argparse.Namespace) -> int:
    from backoffice.open311.service import revoke_key

    url = get_settings().resolved_database_url()
    upgrade(url)
    factory = session_factory(create_db_engine(url))
    with session_scope(factory) as session:
        revoke_key(session, args.name, SystemClock().now(), _operator())
    print(f"Open311 key of '{args.name}' revoked; its requests are refused from now on.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zhili-backoffice",
        description="Zhili back office. The database is ZHILI_DATABASE_URL (default: SQLite).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="API processes on this port (PostgreSQL; set ZHILI_SCHEDULER_POLL_S=0 when "
        "Celery workers run the jobs)",
    )
    serve.set_defaults(func=_serve)
    worker = sub.add_parser("worker", help="a Celery worker: camera visits, deliveries, jobs")
    worker.add_argument(
        "--queues", default="vision,notify,jobs", help="comma-separated: vision, notify, jobs"
    )
    worker.set_defaults(func=_worker)
    sub.add_parser(
        "beat", help="the scheduler that enqueues the periodic jobs for the workers (run one)"
    ).set_defaults(func=_beat)
    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=_migrate)
    sub.add_parser("seed-demo", help="add the demo data").set_defaults(func=_seed_demo)
    sub.add_parser(
        "mask-stored-text",
        help="mask ID and mobile numbers in free text stored before masking came in",
    ).set_defaults(func=_mask_stored_text)
    staff = sub.add_parser("create-staff", help="create a staff account")
    staff.add_argument("username")
    staff.add_argument("--role", required=True, choices=[r.value for r in Role])
    staff.add_argument("--unit", help="responsible unit code (unit_staff only)")
    staff.add_argument("--display-name")
    staff.add_argument("--password", help="asked for on the terminal when left out")
    staff.set_defaults(func=_create_staff)
    code = sub.add_parser(
        "suishen-code", help="a fresh code from the demo Suishen peer (demo mode only)"
    )
    code.add_argument("id_number")
    code.add_argument("--name", default="王秀英")
    code.set_defaults(func=_suishen_code)
    open311 = sub.add_parser("open311", help="Open311 GeoReport v2 administration")
    open311_sub = open311.add_subparsers(dest="open311_command", required=True)
    issue = open311_sub.add_parser("issue-key", help="issue an API key for a reporting app")
    issue.add_argument("name", help="the app the key is for, e.g. 'Jiangsu Road SnapFix'")
    issue.set_defaults(func=_open311_issue_key)
    open311_sub.add_parser("list-keys", help="list the issued keys").set_defaults(
        func=_open311_list_keys
    )
    revoke = open311_sub.add_parser("revoke-key", help="revoke an app's key (audited)")
    revoke.add_argument("name", help="the app's name, as list-keys shows it")
    revoke.set_defaults(func=_open311_revoke_key)
    add_vision_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(get_settings().log_level)
    try:
        code: int = args.func(args)
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())

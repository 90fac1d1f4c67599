"""GeoReport v2 endpoints: paths end in .json or .xml; errors are lists of {code, description}."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from backoffice.deps import AppSettings, DbSession, Now
from backoffice.errors import BadInput, DomainError, NotFound
from backoffice.open311 import service
from backoffice.open311.render import Format, document, errors, single

router = APIRouter(prefix="/open311/v2", tags=["open311"])

# GeoReport answers bad parameters with 400; the rest of the API says 422.
_STATUS = {422: 400}


def _format(fmt: str) -> Format:
    try:
        return Format(fmt.lower())
    except ValueError:
        raise NotFound(f"Unknown format '.{fmt}': end the path in .json or .xml.") from None


def _answer(db: Session, fmt: str, build: Callable[[Format], Response]) -> Response:
    try:
        chosen = _format(fmt)
    except DomainError as exc:
        return errors(Format.JSON, exc.status_code, exc.message)
    try:
        return build(chosen)
    except DomainError as exc:
        db.rollback()  # nothing half-written stays behind an error answer
        return errors(chosen, _STATUS.get(exc.status_code, exc.status_code), exc.message)


def _date(params: dict[str, str], name: str) -> datetime | None:
    raw = params.get(name)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(f"{name} '{raw}' is not a W3C datetime like 2026-11-02T09:00:00Z.") from None
    if value.tzinfo is None:
        raise BadInput(f"{name} '{raw}' needs a time zone, e.g. 2026-11-02T09:00:00+08:00.")
    return value


def _csv(params: dict[str, str], name: str) -> list[str]:
    return [v.strip() for v in params.get(name, "").split(",") if v.strip()]


def _float(params: dict[str, Any], name: str) -> float | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    try:
        return float(raw)
    except (TypeError, ValueError):
        raise BadInput(f"{name} '{raw}' is not a number of degrees.") from None


@router.get("/services.{fmt}")
def list_services(fmt: str, db: DbSession) -> Response:
    """Every case type the public may report, as a GeoReport service."""
    return _answer(db, fmt, lambda f: document(f, "services", "service", service.services(db)))


@router.get("/services/{code}.{fmt}")
def service_definition(code: str, fmt: str, db: DbSession) -> Response:
    """The definition of one service; Zhili's services ask no extra attributes."""

    def build(f: Format) -> Response:
        case_type = service.service_type(db, code)
        return single(f, "service_definition", {"service_code": case_type.code, "attributes": []})

    return _answer(db, fmt, build)


@router.get("/requests.{fmt}")
def list_requests(fmt: str, request: Request, db: DbSession, now: Now) -> Response:
    """Service requests: by id, or by service code, status and a window of at most 90 days."""
    params = dict(request.query_params)

    def build(f: Format) -> Response:
        query = service.RequestQuery(
            ids=_csv(params, "service_request_id"),
            service_codes=_csv(params, "service_code"),
            start=_date(params, "start_date"),
            end=_date(params, "end_date"),
            status=_csv(params, "status"),
        )
        cases = service.find_requests(db, query, now)
        return document(
            f, "service_requests", "request", [service.request_record(c) for c in cases]
        )

    return _answer(db, fmt, build)


@router.get("/requests/{number}.{fmt}")
def get_request(number: str, fmt: str, db: DbSession) -> Response:
    def build(f: Format) -> Response:
        case = service.get_request(db, number)
        return document(f, "service_requests", "request", [service.request_record(case)])

    return _answer(db, fmt, build)


@router.get("/tokens/{token}.{fmt}")
def get_token(token: str, fmt: str, db: DbSession) -> Response:
    def build(f: Format) -> Response:
        row = service.token_request(db, token)
        record = {"service_request_id": row.case.number, "token": row.token}
        return document(f, "service_requests", "request", [record])

    return _answer(db, fmt, build)


async def _posted_params(request: Request) -> dict[str, Any]:
    """Form-encoded as GeoReport says; JSON bodies are accepted too."""
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            body = json.loads(await request.body())
        except ValueError:
            raise BadInput("The JSON body could not be parsed.") from None
        if not isinstance(body, dict):
            raise BadInput("The JSON body must be an object of parameters.")
        return body
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


@router.post("/requests.{fmt}")
async def post_request(
    fmt: str, request: Request, db: DbSession, now: Now, settings: AppSettings
) -> Response:
    """File a service request (api_key required); answers its id and a token."""
    try:
        params = {**dict(request.query_params), **(await _posted_params(request))}
    except DomainError as exc:
        return errors(Format.JSON, 400, exc.message)

    def build(f: Format) -> Response:
        key = service.key_for(db, params.get("api_key"))
        code = str(params.get("service_code") or "")
        if not code:
            raise BadInput("service_code is required; GET services lists the codes.")
        posted = service.PostedRequest(
            service_code=code,
            description=str(params.get("description") or ""),
            lat=_float(params, "lat"),
            lon=_float(params, "long"),
            address_string=str(params.get("address_string") or ""),
            media_url=str(params.get("media_url") or ""),
        )
        result = service.post_request(db, key, posted, now, photo_dir=settings.data_dir / "photos")
        record = {
            "service_request_id": result.service_request_id,
            "token": result.token,
            "service_notice": result.notice,
            "account_id": "",
        }
        return document(f, "service_requests", "request", [record])

    # The intake is synchronous database work; run it off the event loop.
    return await run_in_threadpool(_answer, db, fmt, build)

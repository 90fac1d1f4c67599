"""GeoReport v2 endpoints: paths end in .json or .xml; errors, on every /open311/ path (unknown
paths and methods included), are lists of {code, description} in the path's format."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from backoffice.deps import AppSettings, DbSession, Now
from backoffice.errors import BadInput, DomainError, NotFound
from backoffice.inputs import check_moment
from backoffice.open311 import service
from backoffice.open311.render import Format, document, errors, single
from backoffice.open311.schemas import (
    DiscoveryOut,
    PostedOut,
    RequestOut,
    ServiceDefinitionOut,
    ServiceOut,
    TokenOut,
    documented,
)
from backoffice.workcal import SHANGHAI

PREFIX = "/open311"
router = APIRouter(prefix=PREFIX, tags=["open311"])

# GeoReport answers bad parameters with 400; the rest of the API says 422.
_STATUS = {422: 400}
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-06T00:00:00Z"  # when this endpoint's behaviour last changed
FormatParam = Annotated[str, Path(description="json or xml (another answers 404).")]


def _format(fmt: str) -> Format:
    try:
        return Format(fmt.lower())
    except ValueError:
        raise NotFound(f"Unknown format '.{fmt}': end the path in .json or .xml.") from None


def error_answer(request: Request, status_code: int, description: str) -> Response:
    """A GeoReport error list in the format the path asks for (JSON unless it ends in .xml)."""
    fmt = Format.XML if request.url.path.lower().endswith(".xml") else Format.JSON
    return errors(fmt, _STATUS.get(status_code, status_code), description)


def _answer(db: Session, fmt: str, build: Callable[[Format], Response]) -> Response:
    chosen = _format(fmt)
    try:
        return build(chosen)
    except DomainError:
        db.rollback()  # nothing half-written stays behind an error answer
        raise


def _date(params: dict[str, str], name: str, end: bool = False) -> datetime | None:
    """A W3C date and time (2026-11-02T09:00:00+08:00, seconds optional) or a date alone
    (2026-11-02: the day in Shanghai, from its start, or through its end for end_date)."""
    raw = params.get(name, "").strip()
    if not raw:
        return None
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            value = datetime.combine(day + timedelta(days=1) if end else day, time(0), SHANGHAI)
            if end:
                value -= timedelta(microseconds=1)
        else:
            value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        return check_moment(value).astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise BadInput(
            f"{name} '{raw}' is not a W3C date like 2026-11-02 or 2026-11-02T09:00:00Z ({exc})."
        ) from None


def _csv(params: dict[str, str], name: str) -> list[str]:
    return [v.strip() for v in params.get(name, "").split(",") if v.strip()]


def _float(params: dict[str, Any], name: str) -> float | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    if not isinstance(raw, str | int | float) or isinstance(raw, bool):
        raise BadInput(f"{name} is not a number of degrees.")
    try:
        value = float(raw)
    except ValueError:
        raise BadInput(f"{name} '{raw}' is not a number of degrees.") from None
    if not math.isfinite(value):
        raise BadInput(f"{name} '{raw}' is not a number of degrees.")
    return value


def _discovery(request: Request, fmt: str) -> Response:
    chosen = _format(fmt)
    base = str(request.base_url).rstrip("/")
    record = {
        "changeset": CHANGESET,
        "contact": "江苏路街道城市运行管理中心 (Jiangsu Road subdistrict operations centre)",
        "key_service": "Ask the subdistrict for an api_key (zhili-backoffice open311 issue-key).",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": f"{base}{PREFIX}/v2",
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return single(chosen, "discovery", record)


@router.get("/discovery.{fmt}", responses=documented(DiscoveryOut, "The discovery document."))
def discovery(fmt: FormatParam, request: Request) -> Response:
    """GeoReport service discovery: where the endpoint is, which formats, how to get a key."""
    return _discovery(request, fmt)


@router.get("/v2/discovery.{fmt}", responses=documented(DiscoveryOut, "The discovery document."))
def discovery_v2(fmt: FormatParam, request: Request) -> Response:
    """The same discovery document, under the endpoint itself."""
    return _discovery(request, fmt)


@router.get("/v2/services.{fmt}", responses=documented(list[ServiceOut], "The services."))
def list_services(fmt: FormatParam, db: DbSession) -> Response:
    """Every case type the public may report, as a GeoReport service."""
    return _answer(db, fmt, lambda f: document(f, "services", "service", service.services(db)))


@router.get(
    "/v2/services/{code}.{fmt}",
    responses=documented(ServiceDefinitionOut, "The service's attributes."),
)
def service_definition(code: str, fmt: FormatParam, db: DbSession) -> Response:
    """A service's definition: the attributes to send with a request (none for most)."""

    def build(f: Format) -> Response:
        definition = service.service_definition(service.service_type(db, code))
        return single(f, "service_definition", definition)

    return _answer(db, fmt, build)


@router.get("/v2/requests.{fmt}", responses=documented(list[RequestOut], "The requests."))
def list_requests(fmt: FormatParam, request: Request, db: DbSession, now: Now) -> Response:
    """Service requests: by id, or by service code, status and a window of at most 90 days."""
    params = dict(request.query_params)

    def build(f: Format) -> Response:
        query = service.RequestQuery(
            ids=_csv(params, "service_request_id"),
            service_codes=_csv(params, "service_code"),
            start=_date(params, "start_date"),
            end=_date(params, "end_date", end=True),
            status=_csv(params, "status"),
        )
        cases = service.find_requests(db, query, now)
        return document(f, "service_requests", "request", service.request_records(db, cases))

    return _answer(db, fmt, build)


@router.get("/v2/requests/{number}.{fmt}", responses=documented(list[RequestOut], "The request."))
def get_request(number: str, fmt: FormatParam, db: DbSession) -> Response:
    def build(f: Format) -> Response:
        case = service.get_request(db, number)
        return document(f, "service_requests", "request", service.request_records(db, [case]))

    return _answer(db, fmt, build)


@router.get("/v2/tokens/{token}.{fmt}", responses=documented(list[TokenOut], "The token's id."))
def get_token(token: str, fmt: FormatParam, db: DbSession) -> Response:
    """The service_request_id of a token given before every service became realtime."""

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
    return {k: v for k, v in form.multi_items() if isinstance(v, str)}


def _text(params: dict[str, Any], name: str) -> str:
    value = params.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadInput(f"{name} must be text.")
    return value


def _attributes(params: dict[str, Any]) -> dict[str, object]:
    """attribute[code]=value pairs (form), or an 'attribute' object (JSON)."""
    found: dict[str, object] = {}
    nested = params.get("attribute")
    if isinstance(nested, dict):
        found.update({str(k): v for k, v in nested.items()})
    elif nested is not None:
        raise BadInput("attribute must be sent as attribute[code]=value.")
    for name, value in params.items():
        if name.startswith("attribute[") and name.endswith("]"):
            found[name[len("attribute[") : -1]] = value
    return found


_POST_FIELDS: dict[str, Any] = {
    "type": "object",
    "required": ["api_key", "service_code"],
    "properties": {
        "api_key": {"type": "string"},
        "service_code": {"type": "string", "examples": ["C-0110"]},
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "long": {"type": "number", "minimum": -180, "maximum": 180},
        "address_string": {"type": "string", "maxLength": 500},
        "address_id": {"type": "string", "description": "A place code from GET requests."},
        "description": {"type": "string", "maxLength": 4000},
        "media_url": {"type": "string", "maxLength": 2000},
        "email": {"type": "string"},
        "device_id": {"type": "string"},
        "account_id": {"type": "string"},
        "first_name": {"type": "string"},
        "last_name": {"type": "string"},
        "phone": {"type": "string"},
    },
    "additionalProperties": {
        "type": "string",
        "description": "attribute[CODE]=value for the service's attributes",
    },
}


@router.post(
    "/v2/requests.{fmt}",
    responses=documented(list[PostedOut], "The new request's id."),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {"schema": _POST_FIELDS},
                "application/json": {"schema": _POST_FIELDS},
            },
        }
    },
)
async def post_request(
    fmt: FormatParam, request: Request, db: DbSession, now: Now, settings: AppSettings
) -> Response:
    """File a service request (api_key required). Every service is realtime: the answer carries
    the service_request_id. Locate it by lat/long, an address_id (a place code the requests
    answer carries), or an address_string naming a road."""
    chosen = _format(fmt)
    params = {**dict(request.query_params), **(await _posted_params(request))}

    def build() -> Response:
        key = service.key_for(db, params.get("api_key"))
        code = _text(params, "service_code")
        if not code:
            raise BadInput("service_code is required; GET services lists the codes.")
        posted = service.PostedRequest(
            service_code=code,
            description=_text(params, "description"),
            lat=_float(params, "lat"),
            lon=_float(params, "long"),
            address_string=_text(params, "address_string"),
            address_id=_text(params, "address_id"),
            media_url=_text(params, "media_url"),
            attributes=_attributes(params),
        )
        result = service.post_request(db, key, posted, now, photo_dir=settings.data_dir / "photos")
        record = {
            "service_request_id": result.service_request_id,
            "service_notice": result.notice,
            "account_id": "",
        }
        return document(chosen, "service_requests", "request", [record])

    # The intake is synchronous database work; run it off the event loop.
    return await run_in_threadpool(_answer, db, fmt, lambda _f: build())

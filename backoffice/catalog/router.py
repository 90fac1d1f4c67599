"""Catalog API: kiosks read it with ETags (304 when unchanged); staff edit it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response

from backoffice.access import CurrentTerminal, Principal, Role, authorize
from backoffice.catalog import service
from backoffice.catalog.schemas import CatalogOut, CategoryIn, CategorySaved, ItemIn, ItemOut
from backoffice.deps import DbSession, Now
from backoffice.fleet.models import Terminal, TerminalKind

NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Unchanged since the ETag sent in If-None-Match."}
}
router = APIRouter(prefix="/api/v1/catalog", tags=["catalog"])
Editor = Annotated[Principal, authorize(Role.ADMIN, Role.OPERATOR)]


@router.get("", response_model=CatalogOut, responses=NOT_MODIFIED)
def get_catalog(
    db: DbSession,
    response: Response,
    kind: Annotated[TerminalKind | None, Query(description="The terminal kind's view.")] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> CatalogOut | Response:
    """The whole catalog for one terminal kind. Send If-None-Match to get 304 when unchanged."""
    tag = service.etag(service.version(db), kind)
    headers = {"ETag": tag, "Cache-Control": "no-cache"}
    if if_none_match is not None and tag in {t.strip() for t in if_none_match.split(",")}:
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return service.build(db, kind)


@router.get("/mine", response_model=CatalogOut, responses=NOT_MODIFIED)
def terminal_catalog(
    db: DbSession,
    response: Response,
    terminal_id: CurrentTerminal,
    if_none_match: Annotated[str | None, Header()] = None,
) -> CatalogOut | Response:
    """The calling terminal's catalog: its kind's items, limited to the services enabled on it."""
    terminal = db.get_one(Terminal, terminal_id)
    enabled = list(terminal.enabled_services or [])
    number = service.version(db)
    tag = f'"catalog-{number}-{terminal.kind.value}-{service.services_tag(enabled)}"'
    headers = {"ETag": tag, "Cache-Control": "no-cache"}
    if if_none_match is not None and tag in {t.strip() for t in if_none_match.split(",")}:
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return service.build(db, terminal.kind, enabled)


@router.get("/items/{code}")
def get_item(code: str, db: DbSession) -> ItemOut:
    return service.item_out(service.get_item(db, code))


@router.put("/items/{code}")
def put_item(
    code: str,
    body: ItemIn,
    db: DbSession,
    now: Now,
    response: Response,
    staff: Editor,
    if_match: Annotated[str | None, Header()] = None,
) -> ItemOut:
    """Create or replace a matter or query; with If-Match, only if nobody changed it since."""
    service.check_if_match(db, if_match)
    item = service.put_item(db, code, body, by=staff.name, now=now)
    response.headers["ETag"] = service.etag(service.version(db), None)
    return service.item_out(item)


@router.delete("/items/{code}", status_code=204)
def retire_item(
    code: str,
    db: DbSession,
    now: Now,
    staff: Editor,
    if_match: Annotated[str | None, Header()] = None,
) -> Response:
    """Take a matter off the kiosks (kept for the ratings and visits that name it)."""
    service.check_if_match(db, if_match)
    service.retire_item(db, service.get_item(db, code), by=staff.name, now=now)
    return Response(status_code=204)


@router.put("/categories/{code}")
def put_category(
    code: str,
    body: CategoryIn,
    db: DbSession,
    now: Now,
    response: Response,
    staff: Editor,
    if_match: Annotated[str | None, Header()] = None,
) -> CategorySaved:
    service.check_if_match(db, if_match)
    category = service.put_category(db, code, body, by=staff.name, now=now)
    number = service.version(db)
    response.headers["ETag"] = service.etag(number, None)
    return CategorySaved(code=category.code, version=number)

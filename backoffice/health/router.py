"""GET /healthz."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from backoffice import __version__
from backoffice.db import database_answers

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(request: Request) -> JSONResponse:
    ok = database_answers(request.app.state.engine)
    body = {"status": "ok" if ok else "degraded", "database": ok, "version": __version__}
    return JSONResponse(body, status_code=200 if ok else 503)

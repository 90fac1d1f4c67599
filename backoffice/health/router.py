"""GET /healthz."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from backoffice import __version__
from backoffice.db import database_answers

router = APIRouter(tags=["health"])


class HealthOut(BaseModel):
    status: Literal["ok", "degraded"]
    database: bool = Field(description="Whether the database answered.")
    version: str


@router.get(
    "/healthz",
    response_model=HealthOut,
    responses={503: {"model": HealthOut, "description": "The database does not answer."}},
)
def healthz(request: Request) -> JSONResponse:
    ok = database_answers(request.app.state.engine)
    body = {"status": "ok" if ok else "degraded", "database": ok, "version": __version__}
    return JSONResponse(body, status_code=200 if ok else 503)

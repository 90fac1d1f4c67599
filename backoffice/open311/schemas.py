"""The GeoReport v2 documents as the API document describes them (their JSON form; each path
also answers XML when it ends in .xml)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class ServiceOut(BaseModel):
    service_code: str
    service_name: str
    description: str
    metadata: bool = Field(description="true: GET services/{code} lists attributes to send.")
    type: Literal["realtime", "batch", "blackbox"]
    keywords: str
    group: str


class AttributeValue(BaseModel):
    key: str
    name: str


class AttributeOut(BaseModel):
    variable: bool
    code: str
    datatype: Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
    required: bool
    datatype_description: str
    order: int
    description: str
    values: list[AttributeValue] | None = None


class ServiceDefinitionOut(BaseModel):
    service_code: str
    attributes: list[AttributeOut]


class RequestOut(BaseModel):
    service_request_id: str
    status: Literal["open", "closed"]
    status_notes: str
    service_name: str
    service_code: str
    description: str
    agency_responsible: str
    service_notice: str
    requested_datetime: str
    updated_datetime: str
    expected_datetime: str | None
    address: str
    address_id: str = Field(description="A place code; POST requests takes it back.")
    zipcode: str
    lat: float | None
    long: float | None
    media_url: str


class PostedOut(BaseModel):
    service_request_id: str = Field(description="Every service is realtime: no token is given.")
    service_notice: str
    account_id: str


class TokenOut(BaseModel):
    service_request_id: str
    token: str


class EndpointOut(BaseModel):
    specification: str
    url: str
    changeset: str
    type: Literal["production", "test"]
    formats: list[str]


class DiscoveryOut(BaseModel):
    changeset: str
    contact: str
    key_service: str
    endpoints: list[EndpointOut]


class GeoReportError(BaseModel):
    code: int
    description: str


XML = {"text/xml": {"schema": {"type": "string"}}}


def documented(model: Any, description: str) -> dict[int | str, dict[str, Any]]:
    """The `responses` of a GeoReport path: `model` (JSON) or XML, errors as GeoReport lists."""
    return {
        200: {"model": model, "description": description, "content": XML},
        "4XX": {
            "model": list[GeoReportError],
            "description": "GeoReport errors: a list of {code, description}.",
            "content": XML,
        },
    }

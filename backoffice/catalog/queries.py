"""The catalog's query table (assets/catalog/queries.json): what each query asks for first, who
answers it, and its answer's fields with their units; checks an upstream answer against it and
words each value for a kiosk (zh/en). `python -m backoffice.catalog.queries --contract` writes the
upstream contract (contracts/queries.openapi.json) from it."""

from __future__ import annotations

import hashlib
import json
import re
import sys
from datetime import date
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from backoffice.privacy import mask_personal_numbers

REPO_ROOT = Path(__file__).resolve().parents[2]
TABLE_FILE = REPO_ROOT / "assets" / "catalog" / "queries.json"
CONTRACT_FILE = REPO_ROOT / "contracts" / "queries.openapi.json"
REFERENCE = r"^[A-Za-z0-9-]{4,32}$"


class Asks(StrEnum):
    NOTHING = "nothing"  # answered at once
    REFERENCE = "reference"  # a receipt or slip number
    IDENTIFICATION = "identification"  # an identified person (card or Suishen code)


class Source(StrEnum):
    UPSTREAM = "upstream"  # the query upstream, through its adapter
    CONSULT = "consult"  # the back office's own one-tap consults
    CATALOG = "catalog"  # the kiosk's own guides; nothing to ask anyone


class Shape(StrEnum):
    RECORD = "record"  # exactly one row
    LIST = "list"  # one row or more


class Unit(StrEnum):
    TEXT = "text"
    STATUS = "status"
    DATE = "date"
    MONTH = "month"
    FEN = "fen"
    PERCENT = "percent"
    COUNT = "count"
    MINUTES = "minutes"
    AREA_M2 = "area_m2"
    PHONE = "phone"
    PERSON_NAME = "person_name"


class Words(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class FieldSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: Words
    unit: Unit
    values: dict[str, Words] | None = None  # the wording of each status


class QuerySpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    source: Source
    asks: Asks
    answer: Shape
    fields: tuple[FieldSpec, ...]


class Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    about: str
    units: dict[Unit, str]
    queries: dict[str, QuerySpec]


@cache
def table() -> Table:
    return Table.model_validate_json(TABLE_FILE.read_bytes())


@cache
def digest() -> str:
    return hashlib.sha256(TABLE_FILE.read_bytes()).hexdigest()[:16]


def spec(code: str) -> QuerySpec | None:
    return table().queries.get(code)


# --- an upstream answer, checked against the table -----------------------------------------------

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_PHONE = re.compile(r"^[0-9+() -]{3,20}$")
MAX_ROWS = 50


class Malformed(ValueError):
    """The answer does not match the table: the upstream answered something unusable."""


def _check_value(field: FieldSpec, value: Any) -> Any:
    unit = field.unit
    if unit in (Unit.COUNT, Unit.MINUTES, Unit.FEN):
        if type(value) is not int or value < 0 or (unit is not Unit.FEN and value > 10**7):
            raise Malformed(f"{field.name}: not a whole number of {unit}")
        return value
    if unit in (Unit.PERCENT, Unit.AREA_M2):
        top = 100 if unit is Unit.PERCENT else 10**4
        if type(value) not in (int, float) or not 0 <= value <= top:
            raise Malformed(f"{field.name}: not a {unit}")
        return value
    if type(value) is not str or not value or len(value) > 400:
        raise Malformed(f"{field.name}: not a text")
    if unit is Unit.DATE:
        if not _DATE.match(value):
            raise Malformed(f"{field.name}: not a date")
        try:
            date.fromisoformat(value)
        except ValueError as exc:
            raise Malformed(f"{field.name}: not a date") from exc
    elif unit is Unit.MONTH and not _MONTH.match(value):
        raise Malformed(f"{field.name}: not a month")
    elif unit is Unit.PHONE and not _PHONE.match(value):
        raise Malformed(f"{field.name}: not a phone number")
    elif unit is Unit.STATUS and value not in (field.values or {}):
        raise Malformed(f"{field.name}: not one of its values")
    elif unit is Unit.PERSON_NAME:
        return mask_name(value)
    elif unit is Unit.TEXT:
        return mask_personal_numbers(value)
    return value


def checked_rows(code: str, query: QuerySpec, body: Any) -> list[dict[str, Any]]:
    """The rows of an upstream answer, each with exactly the table's fields, typed as its units
    say, names masked and ID or mobile numbers in its texts masked. Raises Malformed."""
    if not isinstance(body, dict) or body.get("code") != code:
        raise Malformed("not an answer to this query")
    rows = body.get("rows")
    if not isinstance(rows, list) or not rows or len(rows) > MAX_ROWS:
        raise Malformed("no rows")
    if query.answer is Shape.RECORD and len(rows) != 1:
        raise Malformed("a record query answered several rows")
    names = [f.name for f in query.fields]
    out = []
    for row in rows:
        if not isinstance(row, dict) or sorted(row) != sorted(names):
            raise Malformed("a row without the table's fields")
        out.append({f.name: _check_value(f, row[f.name]) for f in query.fields})
    return out


def mask_name(name: str) -> str:
    """张*明, 欧阳*锋, 张*; Latin names keep their first letter of each word."""
    name = name.strip()
    if " " in name:
        return " ".join(w[0] + "*" * (len(w) - 1) for w in name.split() if w)
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


# --- plain words ---------------------------------------------------------------------------------

MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def worded(field: FieldSpec, value: Any) -> Words:
    """A value as a person reads it, in Chinese and English."""
    unit = field.unit
    if unit is Unit.FEN:
        yuan = f"{value // 100:,}.{value % 100:02d}"
        return Words(zh=f"{yuan} 元", en=f"CNY {yuan}")
    if unit is Unit.PERCENT:
        return Words(zh=f"{_number(value)}%", en=f"{_number(value)}%")
    if unit is Unit.AREA_M2:
        return Words(zh=f"{_number(value)} 平方米", en=f"{_number(value)} m²")
    if unit is Unit.MINUTES:
        return Words(zh=f"约 {value} 分钟", en=f"about {value} min")
    if unit is Unit.COUNT:
        return Words(zh=str(value), en=str(value))
    if unit is Unit.DATE:
        day = date.fromisoformat(value)
        return Words(
            zh=f"{day.year}年{day.month}月{day.day}日",
            en=f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}",
        )
    if unit is Unit.MONTH:
        year, month = (int(p) for p in value.split("-"))
        return Words(zh=f"{year}年{month}月", en=f"{MONTHS_EN[month - 1]} {year}")
    if unit is Unit.STATUS:
        return (field.values or {})[value]
    return Words(zh=value, en=value)


# --- the upstream contract, written from the table -----------------------------------------------

_JSON_TYPES: dict[Unit, dict[str, Any]] = {
    Unit.TEXT: {"type": "string", "minLength": 1, "maxLength": 400},
    Unit.DATE: {"type": "string", "format": "date", "pattern": _DATE.pattern},
    Unit.MONTH: {"type": "string", "pattern": _MONTH.pattern},
    Unit.FEN: {"type": "integer", "minimum": 0},
    Unit.PERCENT: {"type": "number", "minimum": 0, "maximum": 100},
    Unit.COUNT: {"type": "integer", "minimum": 0, "maximum": 10**7},
    Unit.MINUTES: {"type": "integer", "minimum": 0, "maximum": 10**7},
    Unit.AREA_M2: {"type": "number", "minimum": 0, "maximum": 10**4},
    Unit.PHONE: {"type": "string", "pattern": _PHONE.pattern},
    Unit.PERSON_NAME: {"type": "string", "minLength": 1, "maxLength": 400},
}


def _row_schema(query: QuerySpec) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for f in query.fields:
        schema = {"description": f"{f.label.en} ({f.unit.value})", **_JSON_TYPES.get(f.unit, {})}
        if f.unit is Unit.STATUS:
            schema.update(type="string", enum=sorted(f.values or {}))
        properties[f.name] = schema
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [f.name for f in query.fields],
        "properties": properties,
    }


def contract() -> dict[str, Any]:
    """The OpenAPI document of the query upstream: one operation, one answer schema per query."""
    upstream = {c: q for c, q in table().queries.items() if q.source is Source.UPSTREAM}
    answers: dict[str, Any] = {}
    for code, query in upstream.items():
        rows: dict[str, Any] = {"type": "array", "minItems": 1, "maxItems": MAX_ROWS}
        if query.answer is Shape.RECORD:
            rows["maxItems"] = 1
        rows["items"] = _row_schema(query)
        answers[code] = {
            "type": "object",
            "additionalProperties": False,
            "required": ["code", "as_of", "rows"],
            "properties": {
                "code": {"const": code},
                "as_of": {"type": "string", "format": "date-time"},
                "rows": rows,
            },
        }
    refs = [{"$ref": f"#/components/schemas/{code}"} for code in upstream]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "No-certificate query upstream",
            "version": "1",
            "description": (
                "What the back office asks the query upstream, and what each query answers. "
                "Written from assets/catalog/queries.json by `python -m backoffice.catalog.queries "
                "--contract`; the back office's adapter and the peer (simulators/query_peer.py) "
                "are both tested against it. Read-only and idempotent: a caller may retry."
            ),
        },
        "paths": {
            "/v1/queries/{code}": {
                "get": {
                    "operationId": "answer",
                    "parameters": [
                        {
                            "name": "code",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "enum": list(upstream)},
                        },
                        {
                            "name": "reference",
                            "in": "query",
                            "required": False,
                            "description": "The receipt number, for queries that ask one.",
                            "schema": {"type": "string", "pattern": REFERENCE},
                        },
                        {
                            "name": "person",
                            "in": "query",
                            "required": False,
                            "description": (
                                "For queries about an identified person: the keyed hash of "
                                "the ID number the back office shares with the upstream "
                                "(64 hex digits), never the number."
                            ),
                            "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "The answer.",
                            "content": {"application/json": {"schema": {"oneOf": refs}}},
                        },
                        "400": _problem("The reference or person is missing or malformed."),
                        "404": _problem("No record for this reference or person."),
                    },
                }
            }
        },
        "components": {
            "schemas": {
                **answers,
                "Problem": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {"type": "string", "enum": ["bad_request", "not_found"]},
                        "message": {"type": "string"},
                    },
                },
            }
        },
    }


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


if __name__ == "__main__":
    if sys.argv[1:] != ["--contract"]:
        sys.exit("usage: python -m backoffice.catalog.queries --contract")
    CONTRACT_FILE.parent.mkdir(exist_ok=True)
    text = json.dumps(contract(), ensure_ascii=False, indent=2) + "\n"
    CONTRACT_FILE.write_text(text, encoding="utf-8")
    print(f"wrote {CONTRACT_FILE.relative_to(REPO_ROOT)}")

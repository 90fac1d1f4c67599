"""GeoReport v2 documents as JSON or XML: lists of flat records under a root and item tag."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from fastapi.responses import Response

Record = dict[str, Any]


class Format(StrEnum):
    JSON = "json"
    XML = "xml"


MEDIA_TYPES = {
    Format.JSON: "application/json; charset=utf-8",
    Format.XML: "text/xml; charset=utf-8",
}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _xml_children(parent: ET.Element, record: Record) -> None:
    for key, value in record.items():
        child = ET.SubElement(parent, key)
        if isinstance(value, list):
            # Nested lists (a service definition's attributes and their values).
            for item in value:
                item_el = ET.SubElement(child, _singular(key))
                if isinstance(item, dict):
                    _xml_children(item_el, item)
                else:
                    item_el.text = _text(item)
        else:
            child.text = _text(value)


def _singular(tag: str) -> str:
    return {"attributes": "attribute", "values": "value"}.get(tag, tag.rstrip("s"))


def document(
    fmt: Format, root: str, item: str, records: Sequence[Record], status_code: int = 200
) -> Response:
    """A list of records: JSON array, or <root><item>…</item>…</root>."""
    if fmt is Format.JSON:
        body = json.dumps(
            [{k: _json_value(v) for k, v in r.items()} for r in records], ensure_ascii=False
        )
        return Response(body, status_code=status_code, media_type=MEDIA_TYPES[fmt])
    root_el = ET.Element(root)
    for record in records:
        _xml_children(ET.SubElement(root_el, item), record)
    return _xml(root_el, status_code)


def single(fmt: Format, root: str, record: Record, status_code: int = 200) -> Response:
    """One object (a service definition): JSON object, or <root>…</root>."""
    if fmt is Format.JSON:
        body = json.dumps({k: _json_value(v) for k, v in record.items()}, ensure_ascii=False)
        return Response(body, status_code=status_code, media_type=MEDIA_TYPES[fmt])
    root_el = ET.Element(root)
    _xml_children(root_el, record)
    return _xml(root_el, status_code)


def errors(fmt: Format, status_code: int, description: str) -> Response:
    """GeoReport errors: always a list of {code, description}."""
    return document(
        fmt, "errors", "error", [{"code": status_code, "description": description}], status_code
    )


def _xml(root: ET.Element, status_code: int) -> Response:
    body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(root, encoding="utf-8")
    return Response(body, status_code=status_code, media_type=MEDIA_TYPES[Format.XML])

"""The API document tells the truth about what it can: every path parameter declared, one error
model on every operation (GeoReport lists under /open311), a typed schema on every 2xx answer,
no 500 documented (issue 15, finding 2). The fuzzer in tests/contract checks the answers."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

ERROR = {"$ref": "#/components/schemas/ErrorOut"}
# In-process back offices run outside demo mode, where the document is served only on request.
pytestmark = pytest.mark.parametrize("settings", [{"api_docs": True}], indirect=True)


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]


def test_every_path_parameter_is_declared(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    undeclared = []
    for method, path, operation in operations(document):
        named = set(re.findall(r"{(\w+)}", path))
        declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
        if named - declared:
            undeclared.append(f"{method} {path}: {sorted(named - declared)}")
    assert undeclared == []
    assert len(operations(document)) > 90


def test_every_operation_documents_its_errors_in_one_model_and_no_500(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    for method, path, operation in operations(document):
        responses = operation["responses"]
        assert not any(code.startswith("5") for code in responses if code != "503"), path
        refused = responses["4XX"]["content"]
        if path.startswith("/open311/"):
            items = refused["application/json"]["schema"]["items"]
            assert items == {"$ref": "#/components/schemas/GeoReportError"}, path
            assert "text/xml" in refused
        else:
            assert refused == {"application/json": {"schema": ERROR}}, f"{method} {path}"
        assert "422" not in responses  # the 4XX model covers it: no second, different shape


def test_every_success_answer_has_a_typed_schema(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    untyped = []
    for method, path, operation in operations(document):
        for code, response in operation["responses"].items():
            if not code.startswith("2"):
                continue
            for media_type, content in response.get("content", {}).items():
                if content.get("schema", {}) == {}:
                    untyped.append(f"{method} {path} {code} {media_type}")
    assert untyped == []


def _free_form(schema: dict[str, Any], components: dict[str, Any], seen: set[str]) -> list[str]:
    """Where `schema` allows any JSON object (no properties, additionalProperties absent or
    true), following references."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        seen.add(name)
        return [f"{name}{p}" for p in _free_form(components[name], components, seen)]
    found = []
    extra = schema.get("additionalProperties")
    if extra is True or (
        schema.get("type") == "object" and not schema.get("properties") and extra is None
    ):
        found.append("")
    for name, child in schema.get("properties", {}).items():
        found += [f".{name}{p}" for p in _free_form(child, components, seen)]
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            found += [f"[]{p}" for p in _free_form(schema[key], components, seen)]
    for key in ("anyOf", "oneOf", "allOf"):
        for child in schema.get(key, []):
            found += _free_form(child, components, seen)
    return found


def test_no_success_answer_is_any_json_object(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    components = document["components"]["schemas"]
    loose = set()
    for _method, _path, operation in operations(document):
        for code, response in operation["responses"].items():
            for content in response.get("content", {}).values():
                if code.startswith("2"):
                    loose.update(_free_form(content.get("schema", {}), components, set()))
    assert loose == set()

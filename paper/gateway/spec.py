"""The Gateway 2.13.0 OpenAPI document the paper Gateway serves and validates against.

Request schemas are built the way Fastify builds them: one object schema for the query string
(``querystring``), one for path parameters (``params``) and the JSON body schema (``body``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["DEFAULT_SPEC_RESOURCE", "OperationSchemas", "load_spec", "operation_schemas"]

DEFAULT_SPEC_RESOURCE = ("lpexec.paper.gateway", "openapi-2.13.0.json")
"""Package and file name of the OpenAPI document shipped with the package."""


@cache
def _load_default() -> dict[str, Any]:
    package, name = DEFAULT_SPEC_RESOURCE
    text = resources.files(package).joinpath(name).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def load_spec(path: str | Path | None = None) -> dict[str, Any]:
    """Return the OpenAPI document (the repository copy unless ``path`` is given)."""
    if path is None:
        return _load_default()
    data: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return data


@dataclass(frozen=True, slots=True)
class OperationSchemas:
    """Request and response schemas of one route."""

    method: str
    path: str
    querystring: dict[str, Any] | None
    params: dict[str, Any] | None
    body: dict[str, Any] | None
    response: dict[str, Any] | None
    """Schema of the 200 response."""


def operation_schemas(spec: dict[str, Any], method: str, path: str) -> OperationSchemas:
    """Return the schemas of ``method path`` (an OpenAPI path template).

    Raises:
        KeyError: naming the route when the document does not hold it.
    """
    try:
        operation = spec["paths"][path][method.lower()]
    except KeyError:
        raise KeyError(f"Expected a route of the Gateway spec, received {method} {path}") from None
    grouped: dict[str, dict[str, Any]] = {}
    for parameter in operation.get("parameters", []):
        where = {"query": "querystring", "path": "params"}.get(parameter["in"])
        if where is None:
            continue
        schema = grouped.setdefault(where, {"type": "object", "properties": {}, "required": []})
        schema["properties"][parameter["name"]] = parameter.get("schema", {})
        if parameter.get("required"):
            schema["required"].append(parameter["name"])
    body = None
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        body = content["application/json"].get("schema")
    response = None
    ok = operation.get("responses", {}).get("200", {}).get("content", {})
    if "application/json" in ok:
        response = ok["application/json"].get("schema")
    return OperationSchemas(
        method=method.upper(),
        path=path,
        querystring=grouped.get("querystring"),
        params=grouped.get("params"),
        body=body,
        response=response,
    )

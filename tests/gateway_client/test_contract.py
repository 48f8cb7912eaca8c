"""Contract with Gateway 2.13.0's OpenAPI document (``fixtures/gateway/openapi-2.13.0.json``).

* the request every client method builds validates against its route's parameters and body
  schema (bodies are closed with ``additionalProperties: false``, so a misspelled or foreign
  field such as ``percentageToRemove`` on Meteora fails);
* every fixture 200 response validates against its route's response schema;
* routes of the relevant families that the client lacks are listed explicitly.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from typing import Any

import httpx
import jsonschema
import pytest
import respx
from gateway_cases import CASES, Case, concrete_path, served_body

from fixtures.gateway import load, openapi, route_names
from gateway_client import GatewayClient

RELEVANT_FAMILIES = (
    "/config/",
    "/wallet/",
    "/tokens/",
    "/pools/",
    "/chains/solana/",
    "/chains/ethereum/",
    "/trading/",
    "/connectors/jupiter/",
    "/connectors/meteora/",
    "/connectors/raydium/",
    "/connectors/uniswap/",
)
OUT_OF_SCOPE_FAMILIES = (
    "/connectors/orca/",
    "/connectors/pancakeswap/",
    "/connectors/pancakeswap-sol/",
    "/connectors/0x/",
)

# Admin and key-management routes are deliberately left out of the SDK: an executor must not
# create, export or send from wallets, nor edit Gateway's config, token or pool lists.
EXPECTED_MISSING = {
    ("POST", "/config/update"),
    ("POST", "/wallet/add"),
    ("POST", "/wallet/create"),
    ("POST", "/wallet/add-hardware"),
    ("DELETE", "/wallet/remove"),
    ("POST", "/wallet/setDefault"),
    ("POST", "/wallet/show-private-key"),
    ("POST", "/wallet/send"),
    ("POST", "/tokens/"),
    ("POST", "/tokens/save/{address}"),
    ("DELETE", "/tokens/{address}"),
    ("POST", "/pools/"),
    ("POST", "/pools/save/{address}"),
    ("DELETE", "/pools/{address}"),
}

NOT_IN_SPEC = {("GET", "/")}
"""Gateway serves ``GET /`` (health) but does not document it."""


@cache
def _spec() -> dict[str, Any]:
    return openapi()


def _in_family(path: str, families: tuple[str, ...]) -> bool:
    return any(path.startswith(family) or path + "/" == family for family in families)


def _template_for(method: str, path: str) -> str:
    paths = _spec()["paths"]
    if path in paths and method.lower() in paths[path]:
        return path
    candidates = []
    for template, operations in paths.items():
        if method.lower() not in operations:
            continue
        pattern = "^" + re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            candidates.append((template.count("{"), template))
    assert candidates, f"{method} {path} matches no route of the OpenAPI document"
    return min(candidates)[1]


def _closed(schema: Any) -> Any:
    schema = copy.deepcopy(schema)

    def close(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                node.setdefault("additionalProperties", False)
            for value in node.values():
                close(value)
        elif isinstance(node, list):
            for value in node:
                close(value)

    close(schema)
    return schema


def _coerce(text: str, schema: dict[str, Any]) -> Any:
    """Coerce a query string value the way Gateway's Ajv (``coerceTypes``) does."""
    kind = schema.get("type")
    if kind in ("number", "integer"):
        value = float(text)
        return int(value) if kind == "integer" and value.is_integer() else value
    if kind == "boolean":
        assert text in ("true", "false"), f"not a boolean: {text!r}"
        return text == "true"
    return text


def _validate_request(request: httpx.Request) -> tuple[str, str]:
    method = request.method
    template = _template_for(method, request.url.path)
    operation = _spec()["paths"][template][method.lower()]
    parameters = {(p["in"], p["name"]): p for p in operation.get("parameters", [])}
    query = dict(request.url.params)
    for (where, name), parameter in parameters.items():
        if where == "query" and name in query:
            jsonschema.validate(_coerce(query.pop(name), parameter["schema"]), parameter["schema"])
        elif parameter.get("required") and where == "query":
            pytest.fail(f"{method} {template}: required query parameter {name} not sent")
    assert not query, f"{method} {template}: query parameters not in the schema: {sorted(query)}"
    body_schema = (
        operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    ).get("schema")
    if body_schema is None:
        assert request.content == b"", f"{method} {template} takes no body"
    else:
        jsonschema.validate(json.loads(request.content), _closed(body_schema))
    return method, template


async def _captured_requests() -> list[httpx.Request]:
    requests: list[httpx.Request] = []
    async with GatewayClient(
        "http://gateway.test", rate_limit_per_minute=None, ethereum_network="base"
    ) as client:
        with respx.mock(base_url="http://gateway.test") as router:
            for case in CASES:
                router.route(method=case.spec["_meta"]["method"], path=concrete_path(case)).mock(
                    return_value=httpx.Response(200, content=served_body(case))
                )
                await case.call(client)
            requests = [call.request for call in router.calls]
    return requests


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
async def test_request_validates_against_the_route_schema(case: Case) -> None:
    # Arrange
    async with GatewayClient(
        "http://gateway.test", rate_limit_per_minute=None, ethereum_network="base"
    ) as client:
        with respx.mock(base_url="http://gateway.test") as router:
            route = router.route(method=case.spec["_meta"]["method"], path=concrete_path(case))
            route.mock(return_value=httpx.Response(200, content=served_body(case)))

            # Act
            await case.call(client)

    # Assert
    request = route.calls.last.request
    if (request.method, request.url.path) in NOT_IN_SPEC:
        assert request.url.path not in _spec()["paths"]
        return
    _validate_request(request)


@pytest.mark.parametrize("name", route_names())
def test_fixture_responses_validate_against_the_route_schema(name: str) -> None:
    fixture = load(name)
    method, path = fixture["_meta"]["method"], fixture["_meta"]["path"]
    if (method, path) in NOT_IN_SPEC:
        assert path not in _spec()["paths"]
        return
    operation = _spec()["paths"][path][method.lower()]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    for case, body in fixture["responses"].items():
        try:
            jsonschema.validate(body, schema)
        except jsonschema.ValidationError as exc:  # pragma: no cover - shown on failure
            pytest.fail(f"{name} response {case!r}: {exc.message}")


def test_closed_schema_rejects_the_wrong_remove_field_on_meteora() -> None:
    # The closing itself is what catches the percentageToRemove/liquidityPct trap.
    operation = _spec()["paths"]["/connectors/meteora/clmm/remove-liquidity"]["post"]
    schema = _closed(operation["requestBody"]["content"]["application/json"]["schema"])
    body = {"network": "mainnet-beta", "positionAddress": "x", "percentageToRemove": 50}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(body, schema)


async def test_routes_the_client_lacks_are_exactly_the_expected_ones() -> None:
    # Arrange
    spec_routes = {
        (method.upper(), path)
        for path, operations in _spec()["paths"].items()
        for method in operations
    }

    # Act
    covered = {
        _validate_request(request)
        for request in await _captured_requests()
        if (request.method, request.url.path) not in NOT_IN_SPEC
    }

    # Assert
    unknown_family = {
        route
        for route in spec_routes
        if not _in_family(route[1], RELEVANT_FAMILIES + OUT_OF_SCOPE_FAMILIES)
    }
    assert not unknown_family, f"new route families in the spec: {sorted(unknown_family)}"
    relevant = {route for route in spec_routes if _in_family(route[1], RELEVANT_FAMILIES)}
    missing = relevant - covered
    assert missing == EXPECTED_MISSING, (
        f"newly covered: {sorted(EXPECTED_MISSING - missing)}; "
        f"newly missing: {sorted(missing - EXPECTED_MISSING)}"
    )


ALWAYS_SENT = ("network", "walletAddress", "address", "chainNetwork", "connector", "slippagePct")
"""Fields whose Gateway defaults come from its startup config: never left to the server."""


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
async def test_config_defaulted_fields_are_always_sent(case: Case) -> None:
    # Arrange
    async with GatewayClient(
        "http://gateway.test", rate_limit_per_minute=None, ethereum_network="base"
    ) as client:
        with respx.mock(base_url="http://gateway.test") as router:
            route = router.route(method=case.spec["_meta"]["method"], path=concrete_path(case))
            route.mock(return_value=httpx.Response(200, content=served_body(case)))

            # Act
            await case.call(client)

    # Assert
    request = route.calls.last.request
    if (request.method, request.url.path) in NOT_IN_SPEC:
        return
    method, template = _validate_request(request)
    operation = _spec()["paths"][template][method.lower()]
    accepted = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
    body_schema = (
        operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    ).get("schema")
    accepted |= set((body_schema or {}).get("properties", {}))
    sent = set(request.url.params) | (
        set(json.loads(request.content)) if request.content else set()
    )
    missing = {name for name in ALWAYS_SENT if name in accepted} - sent
    assert not missing, f"{method} {template} left {sorted(missing)} to Gateway's defaults"

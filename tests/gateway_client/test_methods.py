"""Every client method against respx: the request it sends and the model it returns."""

from __future__ import annotations

import enum
import inspect
import json
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx
from gateway_cases import CASES, NOT_ROUTE_METHODS, RESOURCES, Case, concrete_path, served_body
from pydantic import BaseModel

from gateway_client import GatewayClient


def _assert_same_query(sent: httpx.QueryParams, expected: dict[str, Any]) -> None:
    assert set(sent.keys()) == set(expected), f"query keys {sorted(sent)} != {sorted(expected)}"
    for key, value in expected.items():
        text = sent[key]
        if isinstance(value, bool):
            assert text == ("true" if value else "false"), key
        elif isinstance(value, int | float):
            assert Decimal(text) == Decimal(str(value)), f"{key}: {text} != {value}"
        else:
            assert text == value, key


def _assert_parsed(value: Any, raw: Any, where: str = "$") -> None:
    """Check a parsed value against the raw JSON it came from, key by key."""
    if isinstance(value, BaseModel):
        assert isinstance(raw, dict), where
        by_alias = {(info.alias or name): name for name, info in type(value).model_fields.items()}
        unknown = set(raw) - set(by_alias)
        assert not unknown, f"{where}: fields not modelled: {sorted(unknown)}"
        for key, item in raw.items():
            _assert_parsed(getattr(value, by_alias[key]), item, f"{where}.{key}")
    elif isinstance(raw, dict):
        assert isinstance(value, dict) and set(value) == set(raw), where
        for key, item in raw.items():
            _assert_parsed(value[key], item, f"{where}.{key}")
    elif isinstance(raw, list):
        assert isinstance(value, list) and len(value) == len(raw), where
        for index, (parsed, item) in enumerate(zip(value, raw, strict=True)):
            _assert_parsed(parsed, item, f"{where}[{index}]")
    elif isinstance(value, Decimal):
        assert value == Decimal(str(raw)), f"{where}: {value} != {raw}"
    elif isinstance(value, enum.Enum):
        assert value.value == raw, where
    elif isinstance(value, int) and isinstance(raw, str):  # raw on-chain units sent as strings
        assert value == int(raw), where
    else:
        assert value == raw, f"{where}: {value!r} != {raw!r}"


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
async def test_method_sends_the_example_request_and_parses_the_answer(
    case: Case, client: GatewayClient, gateway: respx.MockRouter
) -> None:
    # Arrange
    spec = case.spec
    route = gateway.route(method=spec["_meta"]["method"], path=concrete_path(case)).mock(
        return_value=httpx.Response(200, content=served_body(case))
    )

    # Act
    result = await case.call(client)

    # Assert: one request, equal to the example request
    assert route.call_count == 1
    sent = route.calls.last.request
    expected = spec["request"]
    if spec["_meta"]["method"] == "GET":
        _assert_same_query(sent.url.params, expected.get("query", {}))
        assert sent.content == b""
    else:
        assert sent.headers["content-type"] == "application/json"
        assert json.loads(sent.content) == expected["body"]
    # ... and the answer parsed field by field
    raw = spec["responses"][case.response]
    _assert_parsed(result, raw[case.unwrap] if case.unwrap else raw)


def test_cases_cover_every_public_method() -> None:
    # Arrange
    client = GatewayClient("http://gateway.test")
    covered = {(case.resource, case.method) for case in CASES}

    # Act
    public = {
        (name, method)
        for name in RESOURCES
        for method, member in inspect.getmembers(getattr(client, name))
        if not method.startswith("_") and inspect.iscoroutinefunction(member)
    }

    # Assert
    assert public - NOT_ROUTE_METHODS == {pair for pair in covered if pair[0] is not None}
    assert (None, "health") in covered


def test_resources_list_is_complete() -> None:
    client = GatewayClient("http://gateway.test")
    from gateway_client._resources.base import Resource

    attached = {name for name, value in vars(client).items() if isinstance(value, Resource)}
    assert attached - {"_health"} == set(RESOURCES)

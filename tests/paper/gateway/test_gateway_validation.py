"""Request validation: Fastify/Ajv rules (coercion, defaults, first error) and 400 bodies."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from fixtures.paper_runtime import OPEN_POSITION, dlmm_pool, open_position_body
from lpexec.paper.gateway import PaperGateway, RequestInvalidError, validate

SCHEMA = {
    "type": "object",
    "properties": {
        "side": {"type": "string", "enum": ["BUY", "SELL"], "default": "SELL"},
        "amount": {"type": "number", "minimum": 0, "maximum": 100},
        "flag": {"type": "boolean", "default": True},
        "tokens": {"type": "array", "items": {"type": "string"}},
        "wallet": {"type": "string", "default": "<solana-wallet-address>"},
        "maybe": {"anyOf": [{"type": "number"}, {"type": "null"}]},
    },
    "required": ["amount", "side"],
}


def test_coerces_query_strings_and_fills_defaults() -> None:
    data = validate(SCHEMA, {"amount": "12.5", "tokens": "SOL"}, data_var="querystring")
    assert data == {
        "amount": Decimal("12.5"),
        "side": "SELL",
        "flag": True,
        "tokens": ["SOL"],
        "wallet": "<solana-wallet-address>",
    }
    assert validate(SCHEMA, {"amount": 3, "flag": "false"}, data_var="body")["flag"] is False


def test_default_hook_substitutes_the_configured_wallet() -> None:
    data = validate(
        SCHEMA,
        {"amount": 1},
        data_var="body",
        default_hook=lambda name, value: "W" if name == "wallet" else value,
    )
    assert data["wallet"] == "W"


@pytest.mark.parametrize(
    ("value", "message", "keyword", "path", "params"),
    [
        (
            {},
            "body must have required property 'amount'",
            "required",
            "",
            {"missingProperty": "amount"},
        ),
        ({"amount": "x"}, "body/amount must be number", "type", "/amount", {"type": "number"}),
        (
            {"amount": 101},
            "body/amount must be <= 100",
            "maximum",
            "/amount",
            {"comparison": "<=", "limit": 100},
        ),
        (
            {"amount": -1},
            "body/amount must be >= 0",
            "minimum",
            "/amount",
            {"comparison": ">=", "limit": 0},
        ),
        (
            {"amount": 1, "side": "HOLD"},
            "body/side must be equal to one of the allowed values",
            "enum",
            "/side",
            {"allowedValues": ["BUY", "SELL"]},
        ),
        (
            {"amount": 1, "tokens": [{"a": 1}]},
            "body/tokens/0 must be string",
            "type",
            "/tokens/0",
            {"type": "string"},
        ),
        (
            {"amount": 1, "maybe": "no"},
            "body/maybe must match a schema in anyOf",
            "anyOf",
            "/maybe",
            {},
        ),
        (None, "body must be object", "type", "", {"type": "object"}),
    ],
)
def test_first_error_is_reported_like_ajv(
    value: Any, message: str, keyword: str, path: str, params: dict[str, Any]
) -> None:
    with pytest.raises(RequestInvalidError) as raised:
        validate(SCHEMA, value, data_var="body")
    error = raised.value.error
    assert str(raised.value) == message
    assert (error.keyword, error.instance_path, error.params) == (keyword, path, params)


BAD_REQUESTS = [
    (
        "GET",
        "/connectors/meteora/clmm/pool-info",
        {"params": {}},
        "querystring must have required property 'poolAddress'",
    ),
    (
        "GET",
        "/connectors/meteora/clmm/quote-swap",
        {"params": {"baseToken": "SOL", "amount": "1", "side": "HOLD"}},
        "querystring/side must be equal to one of the allowed values",
    ),
    (
        "GET",
        "/connectors/jupiter/router/quote-swap",
        {"params": {"baseToken": "SOL", "quoteToken": "USDC", "amount": "lots", "side": "SELL"}},
        "querystring/amount must be number",
    ),
    (
        "POST",
        OPEN_POSITION,
        {"json": {"poolAddress": "p", "lowerPrice": "low", "upperPrice": 2}},
        "body/lowerPrice must be number",
    ),
    (
        "POST",
        "/connectors/meteora/clmm/remove-liquidity",
        {"json": {"positionAddress": "p", "liquidityPct": 150}},
        "body/liquidityPct must be <= 100",
    ),
    (
        "POST",
        "/chains/solana/poll",
        {"json": {"tokens": ["SOL"]}},
        "body must have required property 'signature'",
    ),
    (
        "POST",
        "/trading/clmm/open",
        {
            "json": {
                "connector": "meteora",
                "chainNetwork": "solana-mainnet-beta",
                "lowerPrice": 1,
                "upperPrice": 2,
                "poolAddress": "p",
                "slippagePct": -1,
            }
        },
        "body/slippagePct must be >= 0",
    ),
    (
        "GET",
        "/trading/clmm/pool-info",
        {
            "params": {
                "connector": "sushiswap",
                "chainNetwork": "solana-mainnet-beta",
                "poolAddress": "p",
            }
        },
        "querystring/connector must be equal to one of the allowed values",
    ),
    ("POST", "/chains/solana/wrap", {"json": {}}, "body must have required property 'amount'"),
]


@pytest.mark.parametrize(("method", "path", "kwargs", "message"), BAD_REQUESTS)
async def test_bad_requests_get_gateway_shaped_400s_naming_the_field(
    client: httpx.AsyncClient, method: str, path: str, kwargs: dict[str, Any], message: str
) -> None:
    response = await client.request(method, path, **kwargs)
    assert response.status_code == 400
    body = response.json()
    assert body["statusCode"] == 400 and body["error"] == "Validation Error"
    assert body["message"] == message
    [error] = body["validation"]
    assert set(error) == {"instancePath", "schemaPath", "keyword", "params", "message"}
    assert message.endswith(error["message"])


async def test_missing_body_and_broken_json(client: httpx.AsyncClient) -> None:
    no_body = await client.post("/chains/solana/poll")
    assert no_body.status_code == 400 and no_body.json()["message"] == "body must be object"
    empty = await client.post(
        "/chains/solana/poll", content=b"", headers={"content-type": "application/json"}
    )
    assert empty.json()["code"] == "FST_ERR_CTP_EMPTY_JSON_BODY"
    broken = await client.post(
        "/chains/solana/poll", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert broken.status_code == 400
    assert broken.json()["code"] == "FST_ERR_CTP_INVALID_JSON_BODY"
    text = await client.post(
        "/chains/solana/poll", content=b"sig", headers={"content-type": "text/plain"}
    )
    assert text.status_code == 415 and text.json()["error"] == "Unsupported Media Type"


async def test_unknown_fields_are_ignored_like_gateway(
    client: httpx.AsyncClient, gateway: PaperGateway
) -> None:
    # Meteora's route takes liquidityPct; percentageToRemove is ignored and 100 % is removed
    pool = dlmm_pool(gateway)
    opened = await client.post(OPEN_POSITION, json=open_position_body(pool))
    position = opened.json()["data"]["positionAddress"]
    removed = await client.post(
        "/connectors/meteora/clmm/remove-liquidity",
        json={"positionAddress": position, "percentageToRemove": 10},
    )
    assert removed.status_code == 200
    info = (
        await client.get(
            "/connectors/meteora/clmm/position-info", params={"positionAddress": position}
        )
    ).json()
    assert info["baseTokenAmount"] == 0 and info["quoteTokenAmount"] == 0


async def test_unknown_route_and_wrong_method_answer_fastify_404(
    client: httpx.AsyncClient,
) -> None:
    for method, path in (("GET", "/nonexistent"), ("POST", "/chains/solana/status")):
        response = await client.request(method, path)
        assert response.status_code == 404
        assert response.json() == {
            "message": f"Route {method}:{path} not found",
            "error": "Not Found",
            "statusCode": 404,
        }

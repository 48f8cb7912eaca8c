"""Contract with the real Gateway 2.13.0: every route of its OpenAPI document exists on the paper
Gateway, and in upstream mode the paper Gateway answers the requests the issue compared with the
status codes and bodies the real server gave; a fuzz run over the whole document with hostile
numbers (subnormal, negative, huge floats) finds no 5xx.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lpexec.paper.gateway import PaperGateway, load_spec, operation_schemas

NET = "solana-mainnet-beta"
REAL_POOL = "2sf5NYcY4zUPXUSmG6f66mskb24t5F8S11pC1Nz5nQT3"
UNKNOWN = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"
SPEC = load_spec()
OPERATIONS = sorted((method.upper(), path) for path, ops in SPEC["paths"].items() for method in ops)


def _concrete(path: str) -> str:
    return path.replace("{", "").replace("}", "")


async def _ask(gateway: PaperGateway, method: str, url: str, **kwargs: Any) -> httpx.Response:
    transport = httpx.ASGITransport(app=gateway.app, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://paper") as client:
        return await client.request(method, url, **kwargs)


@pytest.mark.parametrize("mode", ["clean", "upstream"])
async def test_every_route_of_the_real_document_exists(
    mode: str, make_gateway: Callable[..., PaperGateway]
) -> None:
    gateway = make_gateway(mode, rate_limit=None)
    missing = []
    for method, path in OPERATIONS:
        response = await _ask(gateway, method, _concrete(path))
        body = response.json()
        if response.status_code == 404 and body.get("error") == "Not Found":
            missing.append(f"{method} {path}")
        assert response.status_code < 500 or mode == "upstream", f"{method} {path}: {body}"
    assert missing == []
    assert len(OPERATIONS) > 150


async def test_paths_are_not_redirected(make_gateway: Callable[..., PaperGateway]) -> None:
    gateway = make_gateway("upstream", rate_limit=None)
    without_slash = await _ask(gateway, "GET", "/tokens", params={"chain": "solana"})
    extra_slash = await _ask(gateway, "GET", "/chains/solana/status/")
    assert without_slash.status_code == 200 and without_slash.json()["tokens"]
    assert extra_slash.status_code == 404
    assert extra_slash.json() == {
        "message": "Route GET:/chains/solana/status/ not found",
        "error": "Not Found",
        "statusCode": 404,
    }


def _case(
    name: str, method: str, url: str, status: int, body: dict[str, Any], **kwargs: Any
) -> Any:
    return pytest.param(method, url, kwargs, status, body, id=name)


# (request) -> the real 2.13.0 answer (offline run and route source; see reference/gateway.md)
UPSTREAM_ANSWERS = [
    _case(
        "pools-find-is-not-a-pair",
        "GET",
        "/pools/find",
        200,
        {"_json": []},
        params={"chainNetwork": NET, "tokenA": "SOL"},
    ),
    _case(
        "malformed-pair-400",
        "GET",
        "/pools/SOLUSDC",
        400,
        {
            "statusCode": 400,
            "error": "BadRequestError",
            "message": "Invalid trading pair format. Expected: BASE-QUOTE (e.g., ETH-USDC)",
        },
        params={"connector": "meteora", "network": "mainnet-beta", "type": "clmm"},
    ),
    _case(
        "unknown-pair-404-message-only",
        "GET",
        "/pools/SOL-BONK",
        404,
        {"message": "Pool for SOL-BONK not found in meteora clmm on mainnet-beta"},
        params={"connector": "meteora", "network": "mainnet-beta", "type": "clmm"},
    ),
    _case(
        "balances-bad-address-500",
        "POST",
        "/chains/solana/balances",
        500,
        {
            "statusCode": 500,
            "error": "InternalServerError",
            "message": "Failed to get balances: Invalid public key input",
        },
        json={"address": "notanaddress", "tokens": ["SOL"]},
    ),
    _case(
        "meteora-quote-unknown-token-with-pool-404",
        "GET",
        "/connectors/meteora/clmm/quote-swap",
        404,
        {"statusCode": 404, "error": "HttpError", "message": "Token not found: NOPE"},
        params={"poolAddress": REAL_POOL, "baseToken": "NOPE", "amount": "1", "side": "SELL"},
    ),
    _case(
        "meteora-quote-malformed-pool-400",
        "GET",
        "/connectors/meteora/clmm/quote-swap",
        400,
        {
            "statusCode": 400,
            "error": "HttpError",
            "message": "Invalid pool address: Invalid public key input",
        },
        params={"poolAddress": "pool?", "baseToken": "SOL", "amount": "1", "side": "SELL"},
    ),
    _case(
        "meteora-pool-info-malformed-pool-404",
        "GET",
        "/connectors/meteora/clmm/pool-info",
        404,
        {"statusCode": 404, "error": "NotFoundError", "message": "Pool not found: pool?"},
        params={"poolAddress": "pool?"},
    ),
    _case(
        "config-namespace",
        "GET",
        "/config/",
        200,
        {"_json": {"slippagePct": 2, "strategyType": 0}},
        params={"namespace": "meteora"},
    ),
    _case(
        "config-unknown-namespace-404",
        "GET",
        "/config/",
        404,
        {"statusCode": 404, "error": "NotFoundError", "message": "Namespace 'nope' not found"},
        params={"namespace": "nope"},
    ),
]


@pytest.mark.parametrize(("method", "url", "kwargs", "status", "body"), UPSTREAM_ANSWERS)
async def test_upstream_mode_answers_like_the_real_server(
    method: str,
    url: str,
    kwargs: dict[str, Any],
    status: int,
    body: dict[str, Any],
    make_gateway: Callable[..., PaperGateway],
) -> None:
    gateway = make_gateway("upstream", rate_limit=None)
    response = await _ask(gateway, method, url, **kwargs)
    assert response.status_code == status, response.text
    assert response.json() == body.get("_json", body)


OUTAGE_ANSWERS = [
    # (method, path, request, status, message) with the RPC node down, upstream mode
    ("GET", "/connectors/meteora/clmm/pool-info", {"poolAddress": REAL_POOL}, 404,
     f"Pool not found: {REAL_POOL}"),
    ("GET", "/connectors/meteora/clmm/quote-swap",
     {"poolAddress": REAL_POOL, "baseToken": "SOL", "amount": "1", "side": "SELL"}, 400,
     "Invalid pool address: fetch failed"),
    ("GET", "/connectors/meteora/clmm/quote-position",
     {"poolAddress": REAL_POOL, "lowerPrice": "170", "upperPrice": "190", "baseTokenAmount": "1"},
     400, "Invalid pool address: fetch failed"),
    ("GET", "/trading/clmm/pool-info",
     {"connector": "meteora", "chainNetwork": NET, "poolAddress": REAL_POOL}, 404,
     f"Pool not found: {REAL_POOL}"),
    ("GET", "/trading/swap/quote",
     {"connector": "meteora/clmm", "chainNetwork": NET, "baseToken": "SOL", "quoteToken": "USDC",
      "amount": "1", "side": "SELL"}, 400, "Invalid pool address: fetch failed"),
    ("POST", "/connectors/meteora/clmm/open-position",
     {"poolAddress": REAL_POOL, "lowerPrice": 170, "upperPrice": 190, "baseTokenAmount": 1},
     400, "Invalid pool address: fetch failed"),
    ("POST", "/trading/clmm/open",
     {"connector": "meteora", "chainNetwork": NET, "poolAddress": REAL_POOL, "lowerPrice": 170,
      "upperPrice": 190, "baseTokenAmount": 1}, 400, "Invalid pool address: fetch failed"),
    ("GET", "/chains/solana/status", {}, 500, "An unexpected error occurred"),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "request_", "status", "message"), OUTAGE_ANSWERS)
async def test_upstream_outage_answers(
    method: str,
    path: str,
    request_: dict[str, Any],
    status: int,
    message: str,
    make_gateway: Callable[..., PaperGateway],
) -> None:
    gateway = make_gateway("upstream", faults="*:rpc", rate_limit=None)
    if method == "POST":
        request_ = {**request_, "walletAddress": gateway.wallet}
        response = await _ask(gateway, method, path, json=request_)
    else:
        response = await _ask(gateway, method, path, params=request_)
    assert response.status_code == status, response.text
    assert response.json()["message"] == message


async def test_upstream_outage_balances_read_zeros(
    make_gateway: Callable[..., PaperGateway],
) -> None:
    gateway = make_gateway("upstream", faults="*:rpc", rate_limit=None)
    response = await _ask(
        gateway,
        "POST",
        "/chains/solana/balances",
        json={"address": gateway.wallet, "tokens": ["SOL", "USDC"]},
    )
    assert response.status_code == 200
    assert response.json() == {"balances": {"SOL": 0, "USDC": 0}}


async def test_default_data_is_the_real_servers(make_gateway: Callable[..., PaperGateway]) -> None:
    gateway = make_gateway("upstream", rate_limit=None)
    pool = await _ask(
        gateway, "GET", "/pools/SOL-USDC", params={"connector": "meteora", "type": "clmm"}
    )
    info = await _ask(
        gateway, "GET", "/connectors/meteora/clmm/pool-info", params={"poolAddress": REAL_POOL}
    )
    connectors = await _ask(gateway, "GET", "/config/connectors")
    tokens = await _ask(gateway, "GET", "/tokens/", params={"chain": "solana"})
    assert (pool.json()["address"], pool.json()["feePct"]) == (REAL_POOL, 0.04)
    assert info.json()["feePct"] == 0.04
    assert {c["name"] for c in connectors.json()["connectors"]} == {
        "jupiter", "meteora", "raydium", "uniswap", "0x", "pancakeswap", "pancakeswap-sol", "orca"
    }  # fmt: skip
    symbols = {t["symbol"].upper() for t in tokens.json()["tokens"]}
    assert {"BONK", "ETH", "HNT", "PYTH", "CBBTC", "PENGU", "CAKE", "MET"} <= symbols


# -- fuzz over the whole document: hostile numbers, any string, in clean mode -----------------

HOSTILE_NUMBERS = st.one_of(
    st.sampled_from([5e-324, -5e-324, 1e-323, 0.0, -0.0, -1.0, -1e308, 1e308, 2.2e-308, 1e-9]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(min_value=-(10**20), max_value=10**20),
)
STRINGS = st.one_of(
    st.sampled_from(["SOL", "USDC", REAL_POOL, UNKNOWN, "solana-mainnet-beta", "meteora", ""]),
    st.text(max_size=10),
)


def _value(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "number" or kind == "integer":
        return HOSTILE_NUMBERS
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        return st.lists(STRINGS, max_size=3)
    if kind == "string":
        return STRINGS
    return st.one_of(STRINGS, HOSTILE_NUMBERS)


def _object(schema: dict[str, Any] | None) -> st.SearchStrategy[dict[str, Any]]:
    if schema is None:
        return st.just({})
    required = set(schema.get("required", []))
    fields = {
        name: _value(sub) if name in required else st.one_of(st.none(), _value(sub))
        for name, sub in schema.get("properties", {}).items()
    }
    return st.fixed_dictionaries(fields).map(
        lambda drawn: {k: v for k, v in drawn.items() if v is not None}
    )


def _query(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return [_query(v) for v in value]
    return repr(value) if isinstance(value, float) else str(value)


@st.composite
def _requests(draw: st.DrawFn) -> tuple[str, str, dict[str, Any]]:
    method, path = draw(st.sampled_from(OPERATIONS))
    schemas = operation_schemas(SPEC, method, path)
    params = draw(_object(schemas.params))
    url = path
    for name in schemas.params["properties"] if schemas.params else ():
        url = url.replace("{" + name + "}", quote(str(params.get(name, "x")) or "x", safe=""))
    if method in ("GET", "DELETE"):
        query = {k: _query(v) for k, v in draw(_object(schemas.querystring)).items()}
        return method, url, {"params": query}
    return method, url, {"json": draw(_object(schemas.body))}


@pytest.fixture(scope="module")
def fuzzed() -> PaperGateway:
    from tests.paper.gateway.conftest import make

    return make("clean", rate_limit=None)


@given(request=_requests())
@settings(
    max_examples=600,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
def test_no_input_from_the_real_document_gets_a_server_error(
    fuzzed: PaperGateway, request: tuple[str, str, dict[str, Any]]
) -> None:
    method, url, kwargs = request
    response = asyncio.run(_ask(fuzzed, method, url, **kwargs))
    assert response.status_code < 500, f"{method} {url} {kwargs}: {response.text}"
    body = response.json()
    if response.status_code >= 400:
        assert isinstance(body["message"], str) and body["message"]
    fuzzed.chain.clock.advance(0.4)

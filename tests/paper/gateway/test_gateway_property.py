"""Property-based run over the request schemas of every served route (clean mode).

Requests are drawn from each route's OpenAPI request schema, with realistic values where the
field name says what it holds (wallets, pools, positions, signatures, tokens, quote ids) and
arbitrary ones elsewhere. The paper Gateway keeps its state between examples, so later
requests meet positions opened, swaps done and quotes cached by earlier ones. Properties: no
5xx; every 200 body matches the route's response schema; every error is Gateway-shaped; and a
field given a value of the wrong type gets a 400 naming that field.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lpexec.core.clock import SimulatedClock
from lpexec.paper.chain import KeyFactory
from lpexec.paper.gateway import (
    ALL_ROUTES,
    PaperGateway,
    Route,
    build_paper_gateway,
    dumps,
    operation_schemas,
)

ROUTES = [r for r in ALL_ROUTES if r.validated]
SETTINGS = settings(
    max_examples=400,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


class World:
    """The gateway under test and the realistic values requests are drawn from."""

    def __init__(self, gateway: PaperGateway) -> None:
        self.gateway = gateway
        chain = gateway.chain
        keys = KeyFactory(777)
        self.other_wallet = chain.create_wallet("other")
        chain.airdrop(self.other_wallet, "SOL", 10**9)
        self.wallets = [gateway.wallet, self.other_wallet]
        self.pools = [e.pool.address for e in chain.pools()] + [keys.new_address(), "pool?"]
        self.unknown_positions = [keys.new_address(), "not-base58-0OIl"]
        self.random_signatures = [keys.new_signature(), "bad-signature"]

    def positions(self) -> list[str]:
        chain = self.gateway.chain
        known = [r.address for r in chain.positions_owned(self.gateway.wallet)]
        closed = [
            tx.details["position"]
            for tx in chain.transactions()
            if tx.operation == "close" and tx.details
        ]
        return known + closed + self.unknown_positions

    def signatures(self) -> list[str]:
        sent = [tx.signature for tx in self.gateway.chain.transactions()[-5:]]
        return sent + self.random_signatures

    def quote_ids(self) -> list[str]:
        return list(self.gateway.app.state.gateway.quotes)[-3:] + [
            "123e4567-e89b-12d3-a456-426614174000"
        ]


# repeated entries weigh the draw towards requests that can succeed
TOKENS = [
    "SOL",
    "SOL",
    "USDC",
    "USDC",
    "USDT",
    "JUP",
    "usdc",
    "NOPE",
    "So11111111111111111111111111111111111111112",
]
PRICES = [
    Decimal(p)
    for p in (
        "0.7",
        "0.8",
        "0.9",
        "1",
        "150",
        "172",
        "176",
        "178",
        "180",
        "182",
        "184",
        "188",
        "250",
    )
]


def _named_string(world: World, name: str) -> st.SearchStrategy[str] | None:
    fixed: dict[str, list[str]] = {
        "walletAddress": world.wallets,
        "address": world.wallets,
        "poolAddress": world.pools,
        "baseToken": TOKENS,
        "quoteToken": TOKENS,
        "tokenA": TOKENS,
        "tokenB": TOKENS,
        "symbolOrAddress": TOKENS,
        "chainNetwork": ["solana-mainnet-beta"] * 4 + ["solana-devnet", "ethereum-mainnet"],
        "chain": ["solana", "ethereum"],
        "tradingPair": ["SOL-USDC", "JUP-USDC", "USDT-USDC", "FOO-BAR"],
        "amount": ["0.5", "1", "0", "-1", "abc", "0.000000001", "1e3"],
        "type": ["clmm", "amm"],
    }
    if name in fixed:
        return st.sampled_from(fixed[name])
    # these pools change as the run goes: draw an index and pick from the current pool, so that
    # what hypothesis draws does not depend on the state
    live = {
        "positionAddress": world.positions,
        "signature": world.signatures,
        "quoteId": world.quote_ids,
    }
    if name in live:
        current = live[name]
        return st.integers(0, 1_000).map(lambda i: (lambda pool: pool[i % len(pool)])(current()))
    if name == "connector":
        return st.sampled_from(
            ["jupiter/router", "meteora/clmm", "raydium/clmm", "uniswap/amm", "meteora", "raydium"]
        )
    return None


def _number(name: str, schema: dict[str, Any]) -> st.SearchStrategy[Decimal]:
    low = Decimal(str(schema.get("minimum", -10)))
    high = Decimal(str(schema.get("maximum", 1_000)))
    if name in ("lowerPrice", "upperPrice"):
        return st.one_of(
            st.sampled_from(PRICES),
            st.decimals(min_value=Decimal("0.5"), max_value=Decimal(300), places=3),
        )
    if "Amount" in name or name == "amount":
        low, high = Decimal(0), Decimal(50)
    return st.one_of(
        st.decimals(min_value=low, max_value=high, places=4, allow_nan=False, allow_infinity=False),
        st.sampled_from([low, high]),
    )


def _value(world: World, name: str, schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "string":
        named = _named_string(world, name)
        return st.text(max_size=12) if named is None else named
    if kind == "number":
        return _number(name, schema)
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        return st.lists(st.sampled_from(TOKENS), max_size=3)
    return st.none()


def _object(world: World, schema: dict[str, Any] | None) -> st.SearchStrategy[dict[str, Any]]:
    if schema is None:
        return st.just({})
    required = set(schema.get("required", []))
    fields = {}
    for name, sub in schema.get("properties", {}).items():
        value = _value(world, name, sub)
        fields[name] = value if name in required else st.one_of(value, st.none())
    return st.fixed_dictionaries(fields).map(
        lambda drawn: {k: v for k, v in drawn.items() if v is not None or k in required}
    )


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return [_query_value(v) for v in value]
    return str(value)


async def _send(world: World, route: Route, request: dict[str, dict[str, Any]]) -> httpx.Response:
    url = route.path
    for name, value in request["params"].items():
        url = url.replace("{" + name + "}", quote(str(value), safe=""))
    transport = httpx.ASGITransport(app=world.gateway.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://paper") as client:
        if route.method == "GET":
            params = {k: _query_value(v) for k, v in request["query"].items()}
            return await client.get(url, params=params)
        return await client.post(
            url, content=dumps(request["body"]), headers={"content-type": "application/json"}
        )


def _around_the_price(world: World, request: dict[str, Any]) -> dict[str, Any]:
    """Often put a drawn range around the pool's price, so that opens and quotes can succeed."""
    spread = request.pop("around")
    for part in (request["query"], request["body"]):
        if spread is None or "lowerPrice" not in part or "upperPrice" not in part:
            continue
        try:
            price = world.gateway.chain.pool(part.get("poolAddress", "")).price
        except Exception:
            continue
        part["lowerPrice"] = (price * (1 - spread)).quantize(Decimal("0.0001"))
        part["upperPrice"] = (price * (1 + spread)).quantize(Decimal("0.0001"))
    return request


def _requests(world: World) -> st.SearchStrategy[tuple[Route, dict[str, dict[str, Any]]]]:
    def for_route(route: Route) -> st.SearchStrategy[tuple[Route, dict[str, dict[str, Any]]]]:
        schemas = operation_schemas(world.gateway.app.state.gateway.spec, route.method, route.path)
        parts = st.fixed_dictionaries(
            {
                "query": _object(world, schemas.querystring),
                "params": _object(world, schemas.params),
                "body": _object(world, schemas.body),
                "around": st.sampled_from(
                    [Decimal("0.01"), Decimal("0.002"), Decimal("0.03"), None]
                ),
            }
        )
        return parts.map(lambda request: (route, _around_the_price(world, request)))

    return st.sampled_from(ROUTES).flatmap(for_route)


@pytest.fixture(scope="module")
def world() -> World:

    return World(build_paper_gateway(seed=4, clock=SimulatedClock(), rate_limit=None))


@given(data=st.data())
@SETTINGS
def test_schema_valid_requests_never_get_5xx_or_off_schema_answers(
    world: World, data: st.DataObject, response_validator: Callable[[str, str, Any], None]
) -> None:
    route, request = data.draw(_requests(world))
    response = asyncio.run(_send(world, route, request))
    assert response.status_code < 500, f"{route.method} {route.path} {request}: {response.text}"
    body = response.json()
    if response.status_code == 200:
        response_validator(route.method, route.path, body)
    else:
        assert body["statusCode"] == response.status_code
        assert isinstance(body["message"], str) and body["message"]
    world.gateway.chain.clock.advance(0.4)
    assert world.gateway.chain.audit() == []


WRONG = {"number": "not-a-number", "boolean": "maybe", "string": {"an": "object"}}


@given(data=st.data())
@settings(
    max_examples=120,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_a_wrongly_typed_field_gets_a_400_naming_it(world: World, data: st.DataObject) -> None:
    route, request = data.draw(_requests(world))
    spec = world.gateway.app.state.gateway.spec
    schemas = operation_schemas(spec, route.method, route.path)
    where, schema = (
        ("query", schemas.querystring) if route.method == "GET" else ("body", schemas.body)
    )
    candidates = [
        (name, sub)
        for name, sub in (schema or {}).get("properties", {}).items()
        if sub.get("type") in WRONG and not (where == "query" and sub["type"] == "string")
    ]
    if not candidates:
        return
    name, sub = data.draw(st.sampled_from(candidates))
    request[where][name] = WRONG[sub["type"]]
    response = asyncio.run(_send(world, route, request))
    body = response.json()
    prefix = "querystring" if where == "query" else "body"
    assert response.status_code == 400, body
    assert body["error"] == "Validation Error"
    assert body["message"].startswith(f"{prefix}/{name} must be ")
    assert body["validation"][0]["instancePath"] == f"/{name}"

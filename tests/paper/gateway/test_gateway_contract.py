"""Contract: every served route answers 200 bodies that match Gateway 2.13's response schema.

One scenario calls every route (reads, quotes, writes, unified routes) in both modes; each 200
body is validated with jsonschema against the route's schema in the OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from lpexec.paper.gateway import ALL_ROUTES, PaperGateway

NET = "solana-mainnet-beta"
SERVED = {(r.method, r.path) for r in ALL_ROUTES if r.validated}


class Recorder:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.calls: list[tuple[str, str, httpx.Response]] = []

    async def __call__(
        self, method: str, template: str, url: str | None = None, **kwargs: Any
    ) -> Any:
        response = await self.client.request(method, url or template, **kwargs)
        self.calls.append((method, template, response))
        assert response.status_code == 200, f"{method} {url or template}: {response.text}"
        return response.json()


def _pools(gateway: PaperGateway, connector: str) -> list[str]:
    return [e.pool.address for e in gateway.chain.pools(connector)]


async def _scenario(call: Recorder, gateway: PaperGateway) -> None:
    wallet = gateway.wallet
    dlmm = _pools(gateway, "meteora")[0]
    clmm = _pools(gateway, "raydium")[0]
    await call("GET", "/")
    await call("GET", "/config/chains")
    await call("GET", "/config/")
    await call("GET", "/config/", params={"namespace": "solana-mainnet-beta"})
    await call("GET", "/config/namespaces")
    await call(
        "GET",
        "/tokens/find/{address}",
        "/tokens/find/EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",
        params={"chainNetwork": NET},
    )
    await call("GET", "/pools/find", params={"chainNetwork": NET, "tokenA": "SOL"})
    await call("GET", "/pools/find/{address}", f"/pools/find/{dlmm}", params={"chainNetwork": NET})
    await call("GET", "/config/connectors")
    await call("GET", "/tokens/", params={"chain": "solana", "network": "mainnet-beta"})
    await call(
        "GET",
        "/tokens/{symbolOrAddress}",
        "/tokens/USDC",
        params={"chain": "solana", "network": "mainnet-beta"},
    )
    await call("GET", "/pools/", params={"connector": "meteora", "network": "mainnet-beta"})
    await call(
        "GET",
        "/pools/{tradingPair}",
        "/pools/SOL-USDC",
        params={"connector": "meteora", "network": "mainnet-beta", "type": "clmm"},
    )
    await call("GET", "/wallet/")
    await call("GET", "/chains/solana/status", params={"network": "mainnet-beta"})
    await call("GET", "/chains/solana/estimate-gas", params={"network": "mainnet-beta"})
    await call("POST", "/chains/solana/balances", json={"address": wallet})
    await call("POST", "/chains/solana/balances", json={"address": wallet, "tokens": ["SOL"]})
    quote = await call(
        "GET",
        "/connectors/jupiter/router/quote-swap",
        params={"baseToken": "SOL", "quoteToken": "USDC", "amount": "0.5", "side": "SELL"},
    )
    await call(
        "POST",
        "/connectors/jupiter/router/execute-quote",
        json={"walletAddress": wallet, "quoteId": quote["quoteId"]},
    )
    swapped = await call(
        "POST",
        "/connectors/jupiter/router/execute-swap",
        json={
            "walletAddress": wallet,
            "baseToken": "SOL",
            "quoteToken": "USDT",
            "amount": 0.25,
            "side": "BUY",
        },
    )
    await call(
        "POST",
        "/chains/solana/poll",
        json={
            "signature": swapped["signature"],
            "walletAddress": wallet,
            "tokens": ["SOL", "USDT"],
        },
    )
    await call("GET", "/connectors/meteora/clmm/fetch-pools", params={"tokenA": "SOL"})
    await call("GET", "/connectors/meteora/clmm/pool-info", params={"poolAddress": dlmm})
    await call(
        "GET",
        "/connectors/meteora/clmm/quote-position",
        params={"poolAddress": dlmm, "lowerPrice": 175, "upperPrice": 185, "baseTokenAmount": 1},
    )
    for side in ("SELL", "BUY"):
        await call(
            "GET",
            "/connectors/meteora/clmm/quote-swap",
            params={"poolAddress": dlmm, "baseToken": "SOL", "amount": 0.3, "side": side},
        )
        await call(
            "POST",
            "/connectors/meteora/clmm/execute-swap",
            json={
                "walletAddress": wallet,
                "baseToken": "SOL",
                "quoteToken": "USDC",
                "amount": 0.3,
                "side": side,
            },
        )
    opened = await call(
        "POST",
        "/connectors/meteora/clmm/open-position",
        json={
            "walletAddress": wallet,
            "poolAddress": dlmm,
            "lowerPrice": 176,
            "upperPrice": 184,
            "baseTokenAmount": 1,
            "quoteTokenAmount": 150,
            "strategyType": 1,
        },
    )
    position = opened["data"]["positionAddress"]
    await call(
        "GET", "/connectors/meteora/clmm/position-info", params={"positionAddress": position}
    )
    await call("GET", "/connectors/meteora/clmm/positions-owned", params={"walletAddress": wallet})
    await call(
        "POST",
        "/connectors/meteora/clmm/add-liquidity",
        json={
            "walletAddress": wallet,
            "positionAddress": position,
            "baseTokenAmount": 0.5,
            "quoteTokenAmount": 50,
        },
    )
    await call(
        "POST",
        "/connectors/meteora/clmm/remove-liquidity",
        json={"walletAddress": wallet, "positionAddress": position, "liquidityPct": 25},
    )
    await call(
        "POST",
        "/connectors/meteora/clmm/collect-fees",
        json={"walletAddress": wallet, "positionAddress": position},
    )
    await call(
        "POST",
        "/connectors/meteora/clmm/close-position",
        json={"walletAddress": wallet, "positionAddress": position},
    )
    await call("POST", "/chains/solana/wrap", json={"address": wallet, "amount": "0.2"})
    await call("POST", "/chains/solana/unwrap", json={"address": wallet})
    for connector, pool in (("meteora", dlmm), ("raydium", clmm)):
        common = {"connector": connector, "chainNetwork": NET}
        await call("GET", "/trading/clmm/pool-info", params={**common, "poolAddress": pool})
        await call(
            "GET",
            "/trading/clmm/quote-position",
            params={
                **common,
                "poolAddress": pool,
                "lowerPrice": 170,
                "upperPrice": 190,
                "quoteTokenAmount": 100,
            },
        )
        unified = await call(
            "POST",
            "/trading/clmm/open",
            json={
                **common,
                "walletAddress": wallet,
                "poolAddress": pool,
                "lowerPrice": 176,
                "upperPrice": 184,
                "baseTokenAmount": 0.5,
                "quoteTokenAmount": 90,
            },
        )
        address = unified["data"]["positionAddress"]
        await call(
            "GET", "/trading/clmm/position-info", params={**common, "positionAddress": address}
        )
        await call(
            "GET", "/trading/clmm/positions-owned", params={**common, "walletAddress": wallet}
        )
        await call(
            "POST",
            "/trading/clmm/add",
            json={
                **common,
                "walletAddress": wallet,
                "positionAddress": address,
                "baseTokenAmount": 0.1,
                "quoteTokenAmount": 18,
            },
        )
        await call(
            "POST",
            "/trading/clmm/remove",
            json={
                **common,
                "walletAddress": wallet,
                "positionAddress": address,
                "percentageToRemove": 50,
            },
        )
        await call(
            "POST",
            "/trading/clmm/collect-fees",
            json={**common, "walletAddress": wallet, "positionAddress": address},
        )
        await call(
            "POST",
            "/trading/clmm/close",
            json={**common, "walletAddress": wallet, "positionAddress": address},
        )
    for connector in ("jupiter/router", "meteora/clmm", "raydium/clmm"):
        params = {
            "chainNetwork": NET,
            "connector": connector,
            "baseToken": "SOL",
            "quoteToken": "USDC",
            "amount": "0.2",
            "side": "SELL",
        }
        await call("GET", "/trading/swap/quote", params=params)
        await call(
            "POST", "/trading/swap/execute", json={**params, "amount": 0.2, "walletAddress": wallet}
        )


@pytest.mark.parametrize("mode", ["clean", "upstream"])
async def test_every_route_answers_its_schema(
    mode: str,
    make_gateway: Callable[..., PaperGateway],
    open_client: Callable[[PaperGateway], httpx.AsyncClient],
    response_validator: Callable[[str, str, Any], None],
) -> None:
    gateway = make_gateway(mode, rate_limit=None)
    async with open_client(gateway) as client:
        recorder = Recorder(client)
        await _scenario(recorder, gateway)
    covered = set()
    for method, template, response in recorder.calls:
        body = response.json()
        if template not in ("/",):
            response_validator(method, template, body)
        if isinstance(body, dict) and "signature" in body and "status" in body:
            assert body["status"] == 1 and "data" in body, f"{template}: {body}"
        covered.add((method, template))
    assert SERVED - covered == set()
    assert gateway.chain.audit() == []


def test_every_served_route_is_in_the_spec(spec: dict[str, Any]) -> None:
    for method, path in SERVED - {("GET", "/"), ("GET", "/docs/json")}:
        assert method.lower() in spec["paths"][path], f"{method} {path}"


def test_the_schema_check_catches_a_wrong_body(
    response_validator: Callable[[str, str, Any], None],
) -> None:
    with pytest.raises(AssertionError, match="currentBlockNumber"):
        response_validator(
            "GET",
            "/chains/solana/status",
            {
                "chain": "solana",
                "network": "mainnet-beta",
                "rpcUrl": "x",
                "rpcProvider": "url",
                "currentBlockNumber": "380000000",
                "nativeCurrency": "SOL",
                "swapProvider": "j",
            },
        )

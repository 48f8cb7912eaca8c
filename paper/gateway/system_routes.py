"""Health, configuration, token list, pool list and wallet list routes."""

from __future__ import annotations

from typing import Any

from lpexec.paper.gateway.context import Call, GatewayContext
from lpexec.paper.gateway.errors import GatewayError, not_found
from lpexec.paper.gateway.routes import Route
from lpexec.paper.gateway.views import pool_list_item, token_item

__all__ = ["SYSTEM_ROUTES"]

_NETWORKS = ["devnet", "mainnet-beta"]


async def health(ctx: GatewayContext, call: Call) -> Any:
    del ctx, call
    return {"status": "ok"}


async def chains(ctx: GatewayContext, call: Call) -> Any:
    del ctx, call
    return {"chains": [{"chain": "solana", "networks": _NETWORKS}]}


async def connectors(ctx: GatewayContext, call: Call) -> Any:
    del call
    listed = [
        {"name": "jupiter", "trading_types": ["router"], "chain": "solana", "networks": _NETWORKS},
        {"name": "meteora", "trading_types": ["clmm"], "chain": "solana", "networks": _NETWORKS},
    ]
    for name in sorted({e.connector for e in ctx.chain.pools()} - {"meteora"}):
        listed.append(
            {"name": name, "trading_types": ["clmm"], "chain": "solana", "networks": _NETWORKS}
        )
    return {"connectors": listed}


async def tokens(ctx: GatewayContext, call: Call) -> Any:
    query = call.query
    if query.get("chain") not in (None, "solana"):
        return {"tokens": []}
    search = str(query.get("search") or "").lower()
    return {
        "tokens": [
            token_item(t)
            for t in ctx.chain.tokens
            if not search
            or search in t.symbol.lower()
            or search in t.name.lower()
            or search == t.address.lower()
        ]
    }


async def token(ctx: GatewayContext, call: Call) -> Any:
    wanted = call.params["symbolOrAddress"]
    found = ctx.chain.tokens.find(wanted)
    if found is None or call.query["chain"] != "solana":
        raise not_found(f"Token not found: {wanted}", error="NotFoundError")
    return {"token": token_item(found), "chain": "solana", "network": call.query["network"]}


def _pools_for(ctx: GatewayContext, call: Call) -> list[dict[str, Any]]:
    query = call.query
    network = query.get("network") or "mainnet-beta"
    if query.get("type") == "amm" or network not in _NETWORKS:
        return []
    items = [
        pool_list_item(ctx.chain, entry, network) for entry in ctx.chain.pools(query["connector"])
    ]
    return items


async def pools(ctx: GatewayContext, call: Call) -> Any:
    items = _pools_for(ctx, call)
    search = str(call.query.get("search") or "").lower()
    if search:
        items = [
            item
            for item in items
            if search in (item["baseSymbol"].lower(), item["quoteSymbol"].lower())
            or search in (item["baseTokenAddress"].lower(), item["quoteTokenAddress"].lower())
        ]
    return items


async def pool_by_pair(ctx: GatewayContext, call: Call) -> Any:
    pair = call.params["tradingPair"]
    base, _, quote = pair.partition("-")
    for item in _pools_for(ctx, call):
        if item["baseSymbol"].upper() == base.upper() and item["quoteSymbol"].upper() == (
            quote.upper()
        ):
            return item
    raise GatewayError(
        404,
        f"Pool for {pair} not found in {call.query['connector']} {call.query['type']} pools",
        error="NotFoundError",
    )


async def wallets(ctx: GatewayContext, call: Call) -> Any:
    del call
    return [
        {"chain": "solana", "walletAddresses": ctx.chain.wallets(), "hardwareWalletAddresses": []}
    ]


async def spec(ctx: GatewayContext, call: Call) -> Any:
    del call
    return ctx.spec


SYSTEM_ROUTES = [
    Route("GET", "/", health, validated=False),
    Route("GET", "/docs/json", spec, validated=False),
    Route("GET", "/config/chains", chains, operation="config"),
    Route("GET", "/config/connectors", connectors, operation="config"),
    Route("GET", "/tokens/", tokens, operation="config"),
    Route("GET", "/tokens/{symbolOrAddress}", token, operation="config"),
    Route("GET", "/pools/", pools, operation="config"),
    Route("GET", "/pools/{tradingPair}", pool_by_pair, operation="config"),
    Route("GET", "/wallet/", wallets, operation="config"),
]

"""Health, configuration, token list, pool list and wallet list routes.

Configuration, chains and connectors are Gateway 2.13.0's defaults (:mod:`paper.gateway.defaults`).
``/tokens/find/{address}`` and ``/pools/find/{address}`` answer from the paper chain's lists
(the real server asks GeckoTerminal); ``/pools/find`` answers ``[]`` in upstream mode, as an
offline 2.13.0 does, and the paper chain's matching pools in clean mode.
"""

from __future__ import annotations

from typing import Any

from lpexec.paper.gateway.context import Call, GatewayContext
from lpexec.paper.gateway.defaults import (
    CHAINS,
    CONNECTORS,
    NAMESPACES,
    all_config,
    namespace_config,
)
from lpexec.paper.gateway.errors import GatewayError, bad_request, not_found
from lpexec.paper.gateway.routes import Route
from lpexec.paper.gateway.views import pool_list_item, token_item

__all__ = ["SYSTEM_ROUTES"]

_NETWORKS = ["devnet", "mainnet-beta"]
_PAIR_FORMAT = "Invalid trading pair format. Expected: BASE-QUOTE (e.g., ETH-USDC)"


async def health(ctx: GatewayContext, call: Call) -> Any:
    del ctx, call
    return {"status": "ok"}


async def config(ctx: GatewayContext, call: Call) -> Any:
    namespace = call.query.get("namespace")
    if not namespace:
        return all_config(ctx.default_wallet)
    found = namespace_config(namespace, ctx.default_wallet)
    if found is None:
        raise not_found(f"Namespace '{namespace}' not found", error="NotFoundError")
    return found


async def namespaces(ctx: GatewayContext, call: Call) -> Any:
    del ctx, call
    return {"namespaces": NAMESPACES}


async def chains(ctx: GatewayContext, call: Call) -> Any:
    del ctx, call
    return {"chains": CHAINS}


async def connectors(ctx: GatewayContext, call: Call) -> Any:
    del ctx, call
    return {"connectors": CONNECTORS}


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


async def token_by_address(ctx: GatewayContext, call: Call) -> Any:
    address = call.params["address"]
    found = ctx.chain.tokens.find(address)
    if found is None or found.address != address or not _solana(call.query["chainNetwork"]):
        raise not_found(f"Token not found: {address}", error="NotFoundError")
    return token_item(found)


def _solana(chain_network: str) -> bool:
    chain, _, network = chain_network.partition("-")
    return chain == "solana" and network in _NETWORKS


def _pools_for(
    ctx: GatewayContext, connector: str | None, network: str, kind: str | None
) -> list[dict[str, Any]]:
    if kind == "amm" or network not in _NETWORKS:
        return []
    return [pool_list_item(ctx.chain, entry, network) for entry in ctx.chain.pools(connector)]


def _listed(ctx: GatewayContext, call: Call) -> list[dict[str, Any]]:
    query = call.query
    return _pools_for(
        ctx, query["connector"], query.get("network") or "mainnet-beta", query.get("type")
    )


def _matches(item: dict[str, Any], wanted: str) -> bool:
    wanted = wanted.lower()
    return wanted in (
        item["baseSymbol"].lower(),
        item["quoteSymbol"].lower(),
        item["baseTokenAddress"].lower(),
        item["quoteTokenAddress"].lower(),
    )


async def find_pools(ctx: GatewayContext, call: Call) -> Any:
    if ctx.upstream:
        return []  # 2.13 asks GeckoTerminal; offline it answers an empty list
    query = call.query
    chain, _, network = str(query["chainNetwork"]).partition("-")
    if chain != "solana":
        return []
    items = _pools_for(ctx, query.get("connector"), network, query.get("type"))
    for key in ("tokenA", "tokenB"):
        if query.get(key):
            items = [item for item in items if _matches(item, query[key])]
    return items


async def pool_by_address(ctx: GatewayContext, call: Call) -> Any:
    address = call.params["address"]
    chain, _, network = str(call.query["chainNetwork"]).partition("-")
    if chain == "solana":
        for item in _pools_for(ctx, None, network, None):
            if item["address"] == address:
                return item
    raise not_found(f"Pool not found: {address}", error="NotFoundError")


async def pools(ctx: GatewayContext, call: Call) -> Any:
    items = _listed(ctx, call)
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
    parts = pair.split("-")
    base, quote = parts[0], parts[1] if len(parts) > 1 else ""
    if not base or not quote:
        raise bad_request(_PAIR_FORMAT, error="BadRequestError")
    query = call.query
    for item in _listed(ctx, call):
        if item["baseSymbol"].upper() == base.upper() and item["quoteSymbol"].upper() == (
            quote.upper()
        ):
            return item
    # 2.13 declares this 404's body as {message}: its serializer drops the other keys
    raise GatewayError(
        404,
        f"Pool for {pair} not found in {query['connector']} {query['type']} on "
        f"{query.get('network') or 'mainnet-beta'}",
        error="NotFoundError",
        message_only=ctx.upstream,
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
    Route("GET", "/config/", config, operation="config"),
    Route("GET", "/config/namespaces", namespaces, operation="config"),
    Route("GET", "/config/chains", chains, operation="config"),
    Route("GET", "/config/connectors", connectors, operation="config"),
    Route("GET", "/tokens/", tokens, operation="config"),
    Route("GET", "/tokens/find/{address}", token_by_address, operation="config"),
    Route("GET", "/tokens/{symbolOrAddress}", token, operation="config"),
    Route("GET", "/pools/", pools, operation="config"),
    # before /pools/{tradingPair}, which would capture "find"
    Route("GET", "/pools/find", find_pools, operation="config"),
    Route("GET", "/pools/find/{address}", pool_by_address, operation="config"),
    Route("GET", "/pools/{tradingPair}", pool_by_pair, operation="config"),
    Route("GET", "/wallet/", wallets, operation="config"),
]

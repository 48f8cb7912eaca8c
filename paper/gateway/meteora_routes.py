"""``/connectors/meteora/clmm/*``: DLMM pools, positions, quotes, swaps and LP writes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lpexec.paper.gateway.context import Call, GatewayContext, check_wallet_address
from lpexec.paper.gateway.errors import (
    GatewayError,
    bad_request,
    internal_error,
    not_found,
    service_unavailable,
)
from lpexec.paper.gateway.liquidity_views import lookup_pool
from lpexec.paper.gateway.position_routes import position_routes
from lpexec.paper.gateway.routes import ConnectorResolver, Route, with_connector
from lpexec.paper.gateway.swap_views import execute_pool_swap, pool_quote, quote_fields
from lpexec.paper.gateway.views import pool_info, position_info

__all__ = ["METEORA_ROUTES"]

CONNECTOR = "meteora"
SDK_BUG_MESSAGE = (
    "Unable to fetch Meteora positions due to a known SDK bug. The SDK fails when trying to "
    "compute fees on positions with uninitialized state. Please see "
    "https://github.com/MeteoraAg/dlmm-sdk/issues/245 for updates."
)
FETCH_FAILED = "Invalid pool address: fetch failed"


async def fetch_pools(ctx: GatewayContext, call: Call) -> Any:
    query = call.query
    if call.rpc_down:
        if ctx.upstream:
            return []  # 2.13 swallows the RPC error and answers an empty list
        raise service_unavailable()
    wanted = [ctx.token(t).address for t in (query.get("tokenA"), query.get("tokenB")) if t]
    limit = int(query["limit"])
    out = []
    for entry in ctx.chain.pools(CONNECTOR):
        mints = {entry.pool.base_mint, entry.pool.quote_mint}
        if all(m in mints for m in wanted):
            out.append(pool_info(entry, extended=False))
    return out[: max(0, limit)]


async def get_pool_info(ctx: GatewayContext, call: Call) -> Any:
    address = call.query["poolAddress"]
    ctx.check_rpc(call, not_found(f"Pool not found: {address}", error="NotFoundError"))
    entry = lookup_pool(ctx, address, CONNECTOR, write=False, pool_info=True)
    return pool_info(entry, extended=True)


async def positions_owned(ctx: GatewayContext, call: Call) -> Any:
    wallet = check_wallet_address(call.query["walletAddress"])
    ctx.check_rpc(call, service_unavailable(SDK_BUG_MESSAGE))
    return [
        position_info(ctx.chain, record, zero_fees=ctx.upstream)
        for record in ctx.chain.positions_owned(wallet, CONNECTOR)
    ]


def meteora_outage(operation: str, pool_address: Any = None) -> GatewayError:
    """Return 2.13 Meteora's answer to an RPC outage on a route of ``operation``.

    pool-info swallows the failure into 404 "Pool not found"; routes that load a pool through
    the SDK (quotes, open, swaps) answer 400 "Invalid pool address: fetch failed";
    positions-owned answers its 503 "known SDK bug"; position-info and the other writes wrap
    it into a 500.
    """
    if operation == "pool":
        return not_found(f"Pool not found: {pool_address}", error="NotFoundError")
    if operation in ("quote", "open", "swap"):
        return bad_request(FETCH_FAILED)
    if operation == "owned":
        return service_unavailable(SDK_BUG_MESSAGE)
    return internal_error()


def _meteora(upstream_error: Callable[[], GatewayError]) -> ConnectorResolver:
    """Resolve to Meteora; an RPC outage answers ``upstream_error`` in upstream mode."""

    def resolve(ctx: GatewayContext, call: Call) -> str:
        ctx.check_rpc(call, upstream_error())
        return CONNECTOR

    return resolve


_FETCH_FAILED = _meteora(lambda: bad_request(FETCH_FAILED))
_INTERNAL = _meteora(internal_error)


async def quote_swap(ctx: GatewayContext, call: Call, connector: str) -> Any:
    query = call.query
    return quote_fields(
        ctx, pool_quote(ctx, connector, query, pool_address=query.get("poolAddress"))
    )


async def execute_swap(ctx: GatewayContext, call: Call) -> Any:
    body = call.body
    wallet = ctx.signer(body["walletAddress"])
    connector = _FETCH_FAILED(ctx, call)
    quoted = pool_quote(ctx, connector, body, pool_address=body.get("poolAddress"))
    return await execute_pool_swap(ctx, call, quoted, wallet)


_BASE = "/connectors/meteora/clmm"

METEORA_ROUTES = [
    Route("GET", f"{_BASE}/fetch-pools", fetch_pools, operation="pool"),
    Route("GET", f"{_BASE}/pool-info", get_pool_info, operation="pool"),
    Route("GET", f"{_BASE}/positions-owned", positions_owned, operation="position"),
    Route(
        "GET", f"{_BASE}/quote-swap", with_connector(_FETCH_FAILED, quote_swap), operation="quote"
    ),
    Route("POST", f"{_BASE}/execute-swap", execute_swap, operation="swap"),
    *position_routes(
        _BASE,
        # 2.13 answers an RPC outage of a pool read or an open as "fetch failed" (400)
        resolver=lambda fault: _FETCH_FAILED if fault in ("quote", "open") else _INTERNAL,
        paths={
            "open": "open-position",
            "add": "add-liquidity",
            "remove": "remove-liquidity",
            "close": "close-position",
        },
        percentage_field="liquidityPct",
        strategy_field="strategyType",
    ),
]

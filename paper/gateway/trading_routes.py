"""``/trading/clmm/*`` and ``/trading/swap/*``: the unified routes (``chainNetwork`` +
``connector``), served by the same operations as the connector routes.

``/trading/clmm/pool-info`` returns the base ``PoolInfo`` (Meteora extras stripped); remove
takes ``percentageToRemove``. RPC failures inside unified routes surface as Gateway's generic
500 in upstream mode.
"""

from __future__ import annotations

from typing import Any

from lpexec.paper.gateway.context import Call, GatewayContext, check_wallet_address
from lpexec.paper.gateway.errors import bad_request, unexpected_error
from lpexec.paper.gateway.jupiter_routes import execute_router_quote, quote_answer, quote_router
from lpexec.paper.gateway.liquidity_views import (
    add_liquidity,
    close_position,
    collect_fees,
    lookup_pool,
    lookup_position,
    open_position,
    remove_liquidity,
)
from lpexec.paper.gateway.meteora_routes import quote_position_answer
from lpexec.paper.gateway.routes import Route
from lpexec.paper.gateway.swap_views import execute_pool_swap, pool_quote, quote_fields
from lpexec.paper.gateway.views import pool_info, position_info

__all__ = ["TRADING_ROUTES"]

_NETWORKS = {"solana-mainnet-beta", "solana-devnet"}
_CLMM_CONNECTORS = {"meteora", "raydium", "orca"}
_SWAP_CONNECTORS = {"jupiter/router", "meteora/clmm", "raydium/clmm", "orca/clmm"}


def _check_network(value: str) -> None:
    if value not in _NETWORKS:
        raise bad_request(
            f"Unsupported chainNetwork: {value}. The paper Gateway serves "
            f"{', '.join(sorted(_NETWORKS))}"
        )


def _clmm(ctx: GatewayContext, call: Call) -> str:
    data = call.data
    _check_network(data["chainNetwork"])
    connector = str(data["connector"])
    if connector not in _CLMM_CONNECTORS:
        raise bad_request(
            f"Unsupported connector: {connector}. The paper Gateway serves "
            f"{', '.join(sorted(_CLMM_CONNECTORS))} for CLMM"
        )
    ctx.check_rpc(call, unexpected_error())
    return connector


async def clmm_pool_info(ctx: GatewayContext, call: Call) -> Any:
    connector = _clmm(ctx, call)
    entry = lookup_pool(ctx, call.query["poolAddress"], connector, write=False)
    return pool_info(entry, extended=False)


async def clmm_position_info(ctx: GatewayContext, call: Call) -> Any:
    connector = _clmm(ctx, call)
    record = lookup_position(ctx, call.query["positionAddress"], connector)
    return position_info(ctx.chain, record)


async def clmm_positions_owned(ctx: GatewayContext, call: Call) -> Any:
    connector = _clmm(ctx, call)
    wallet = check_wallet_address(call.query["walletAddress"])
    return [
        position_info(ctx.chain, record, zero_fees=ctx.quirky(connector))
        for record in ctx.chain.positions_owned(wallet, connector)
    ]


async def clmm_quote_position(ctx: GatewayContext, call: Call) -> Any:
    connector = _clmm(ctx, call)
    query = call.query
    return quote_position_answer(
        ctx,
        connector=connector,
        pool_address=query["poolAddress"],
        lower_price=query["lowerPrice"],
        upper_price=query["upperPrice"],
        base_amount=query.get("baseTokenAmount"),
        quote_amount=query.get("quoteTokenAmount"),
        slippage_pct=query["slippagePct"],
    )


async def clmm_open(ctx: GatewayContext, call: Call) -> Any:
    connector = _clmm(ctx, call)
    body = call.body
    return await open_position(
        ctx,
        call,
        connector=connector,
        wallet=body["walletAddress"],
        pool_address=body["poolAddress"],
        lower_price=body["lowerPrice"],
        upper_price=body["upperPrice"],
        base_amount=body.get("baseTokenAmount"),
        quote_amount=body.get("quoteTokenAmount"),
        strategy=body.get("strategyType"),
    )


async def clmm_add(ctx: GatewayContext, call: Call) -> Any:
    connector = _clmm(ctx, call)
    body = call.body
    return await add_liquidity(
        ctx,
        call,
        connector=connector,
        wallet=body["walletAddress"],
        position_address=body["positionAddress"],
        base_amount=body.get("baseTokenAmount"),
        quote_amount=body.get("quoteTokenAmount"),
        strategy=None,
    )


async def clmm_remove(ctx: GatewayContext, call: Call) -> Any:
    connector = _clmm(ctx, call)
    body = call.body
    return await remove_liquidity(
        ctx,
        call,
        connector=connector,
        wallet=body["walletAddress"],
        position_address=body["positionAddress"],
        percentage=body["percentageToRemove"],
    )


async def clmm_collect(ctx: GatewayContext, call: Call) -> Any:
    connector = _clmm(ctx, call)
    body = call.body
    return await collect_fees(
        ctx,
        call,
        connector=connector,
        wallet=body["walletAddress"],
        position_address=body["positionAddress"],
    )


async def clmm_close(ctx: GatewayContext, call: Call) -> Any:
    connector = _clmm(ctx, call)
    body = call.body
    return await close_position(
        ctx,
        call,
        connector=connector,
        wallet=body["walletAddress"],
        position_address=body["positionAddress"],
    )


def _swap_connector(ctx: GatewayContext, call: Call) -> str:
    data = call.data
    _check_network(data["chainNetwork"])
    connector = str(data.get("connector") or "jupiter/router")
    if connector not in _SWAP_CONNECTORS:
        raise bad_request(
            f"Unsupported connector: {connector}. The paper Gateway serves "
            f"{', '.join(sorted(_SWAP_CONNECTORS))} for swaps"
        )
    ctx.check_rpc(call, unexpected_error())
    return connector


def _swap_quote(ctx: GatewayContext, data: dict[str, Any], connector: str) -> Any:
    if connector == "jupiter/router":
        quoted = quote_router(
            ctx,
            base_symbol=data["baseToken"],
            quote_symbol=data["quoteToken"],
            amount=data["amount"],
            side=data["side"],
            slippage_pct=data["slippagePct"],
        )
        answer = quote_answer(ctx, quoted)
        answer["routePath"] = " -> ".join(leg.pool_address for leg in quoted.plan.legs)
        answer["slippagePct"] = data["slippagePct"]
        return quoted, answer
    pooled = pool_quote(
        ctx,
        connector=connector.split("/")[0],
        pool_address=None,
        base_symbol=data["baseToken"],
        quote_symbol=data["quoteToken"],
        amount=data["amount"],
        side=data["side"],
        slippage_pct=data["slippagePct"],
    )
    return pooled, quote_fields(ctx, pooled)


async def swap_quote(ctx: GatewayContext, call: Call) -> Any:
    connector = _swap_connector(ctx, call)
    _, answer = _swap_quote(ctx, call.query, connector)
    return answer


async def swap_execute(ctx: GatewayContext, call: Call) -> Any:
    connector = _swap_connector(ctx, call)
    body = call.body
    wallet = ctx.signer(body["walletAddress"])
    quoted, _ = _swap_quote(ctx, body, connector)
    if connector == "jupiter/router":
        return await execute_router_quote(ctx, call, quoted, wallet)
    return await execute_pool_swap(ctx, call, quoted, wallet)


TRADING_ROUTES = [
    Route("GET", "/trading/clmm/pool-info", clmm_pool_info, operation="pool"),
    Route("GET", "/trading/clmm/position-info", clmm_position_info, operation="position"),
    Route("GET", "/trading/clmm/positions-owned", clmm_positions_owned, operation="position"),
    Route("GET", "/trading/clmm/quote-position", clmm_quote_position, operation="quote"),
    Route("POST", "/trading/clmm/open", clmm_open, operation="open"),
    Route("POST", "/trading/clmm/add", clmm_add, operation="add"),
    Route("POST", "/trading/clmm/remove", clmm_remove, operation="remove"),
    Route("POST", "/trading/clmm/collect-fees", clmm_collect, operation="collect"),
    Route("POST", "/trading/clmm/close", clmm_close, operation="close"),
    Route("GET", "/trading/swap/quote", swap_quote, operation="quote"),
    Route("POST", "/trading/swap/execute", swap_execute, operation="swap"),
]

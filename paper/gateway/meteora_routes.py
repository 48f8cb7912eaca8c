"""``/connectors/meteora/clmm/*``: DLMM pools, positions, quotes, swaps and LP writes."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from math import isqrt
from typing import Any

from lpexec.paper.gateway.context import Call, GatewayContext, check_wallet_address
from lpexec.paper.gateway.errors import (
    bad_request,
    internal_error,
    not_found,
    service_unavailable,
)
from lpexec.paper.gateway.liquidity_views import (
    add_liquidity,
    close_position,
    collect_fees,
    lookup_pool,
    lookup_position,
    open_position,
    remove_liquidity,
)
from lpexec.paper.gateway.routes import Route
from lpexec.paper.gateway.swap_views import execute_pool_swap, pool_quote, quote_fields
from lpexec.paper.gateway.views import pool_info, position_info

__all__ = ["METEORA_ROUTES", "quote_position_answer"]

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
    return pool_info(lookup_pool(ctx, address, CONNECTOR, write=False), extended=True)


async def positions_owned(ctx: GatewayContext, call: Call) -> Any:
    wallet = check_wallet_address(call.query["walletAddress"])
    ctx.check_rpc(call, service_unavailable(SDK_BUG_MESSAGE))
    return [
        position_info(ctx.chain, record, zero_fees=ctx.upstream)
        for record in ctx.chain.positions_owned(wallet, CONNECTOR)
    ]


async def get_position_info(ctx: GatewayContext, call: Call) -> Any:
    ctx.check_rpc(call, internal_error())
    record = lookup_position(ctx, call.query["positionAddress"], CONNECTOR)
    return position_info(ctx.chain, record)


def quote_position_answer(
    ctx: GatewayContext,
    *,
    connector: str,
    pool_address: str,
    lower_price: Decimal,
    upper_price: Decimal,
    base_amount: Decimal | None,
    quote_amount: Decimal | None,
    slippage_pct: Decimal,
) -> dict[str, Any]:
    """Estimate the other amount of a new position from one amount.

    Like Gateway, the estimate values the given amount at the middle of the range; clean mode
    also honours a range entirely above (base only) or below (quote only) the current price.
    """
    entry = lookup_pool(ctx, pool_address, connector, write=False)
    pool = entry.pool
    if lower_price >= upper_price:
        raise bad_request(
            f"Invalid price range: expected lowerPrice < upperPrice, received "
            f"lowerPrice={lower_price} upperPrice={upper_price}"
        )
    if not base_amount and not quote_amount:
        raise bad_request("Missing amounts: provide baseTokenAmount or quoteTokenAmount")
    if (base_amount or 0) < 0 or (quote_amount or 0) < 0:
        raise bad_request("Invalid amounts: expected amounts >= 0")
    middle = (lower_price + upper_price) / 2
    base_limited = bool(base_amount)
    if base_amount and quote_amount:
        base, quote = base_amount, quote_amount
        base_limited = base * middle <= quote
    elif base_amount:
        base, quote = base_amount, base_amount * middle
    else:
        assert quote_amount is not None
        base, quote = quote_amount / middle, quote_amount
    if not ctx.upstream:
        if lower_price > pool.price:
            quote = Decimal(0)
        elif upper_price < pool.price:
            base = Decimal(0)
    base = base.quantize(Decimal(1).scaleb(-pool.base_decimals), rounding=ROUND_DOWN)
    quote = quote.quantize(Decimal(1).scaleb(-pool.quote_decimals), rounding=ROUND_DOWN)
    factor = 1 + slippage_pct / 100
    raw_product = int(base.scaleb(pool.base_decimals)) * int(quote.scaleb(pool.quote_decimals))
    return {
        "baseLimited": base_limited,
        "baseTokenAmount": base,
        "quoteTokenAmount": quote,
        "baseTokenAmountMax": base * factor,
        "quoteTokenAmountMax": quote * factor,
        "liquidity": str(isqrt(raw_product)),
    }


async def quote_position(ctx: GatewayContext, call: Call) -> Any:
    query = call.query
    ctx.check_rpc(call, bad_request(FETCH_FAILED))
    return quote_position_answer(
        ctx,
        connector=CONNECTOR,
        pool_address=query["poolAddress"],
        lower_price=query["lowerPrice"],
        upper_price=query["upperPrice"],
        base_amount=query.get("baseTokenAmount"),
        quote_amount=query.get("quoteTokenAmount"),
        slippage_pct=query["slippagePct"],
    )


async def quote_swap(ctx: GatewayContext, call: Call) -> Any:
    query = call.query
    ctx.check_rpc(call, bad_request(FETCH_FAILED))
    quoted = pool_quote(
        ctx,
        connector=CONNECTOR,
        pool_address=query.get("poolAddress"),
        base_symbol=query["baseToken"],
        quote_symbol=query.get("quoteToken"),
        amount=query["amount"],
        side=query["side"],
        slippage_pct=query["slippagePct"],
    )
    return quote_fields(ctx, quoted)


async def execute_swap(ctx: GatewayContext, call: Call) -> Any:
    body = call.body
    wallet = ctx.signer(body["walletAddress"])
    ctx.check_rpc(call, bad_request(FETCH_FAILED))
    quoted = pool_quote(
        ctx,
        connector=CONNECTOR,
        pool_address=body.get("poolAddress"),
        base_symbol=body["baseToken"],
        quote_symbol=body.get("quoteToken"),
        amount=body["amount"],
        side=body["side"],
        slippage_pct=body["slippagePct"],
    )
    return await execute_pool_swap(ctx, call, quoted, wallet)


async def post_open_position(ctx: GatewayContext, call: Call) -> Any:
    body = call.body
    ctx.check_rpc(call, bad_request(FETCH_FAILED))
    return await open_position(
        ctx,
        call,
        connector=CONNECTOR,
        wallet=body["walletAddress"],
        pool_address=body["poolAddress"],
        lower_price=body["lowerPrice"],
        upper_price=body["upperPrice"],
        base_amount=body.get("baseTokenAmount"),
        quote_amount=body.get("quoteTokenAmount"),
        strategy=body.get("strategyType"),
    )


async def post_add_liquidity(ctx: GatewayContext, call: Call) -> Any:
    body = call.body
    ctx.check_rpc(call, internal_error())
    return await add_liquidity(
        ctx,
        call,
        connector=CONNECTOR,
        wallet=body["walletAddress"],
        position_address=body["positionAddress"],
        base_amount=body.get("baseTokenAmount"),
        quote_amount=body.get("quoteTokenAmount"),
        strategy=body.get("strategyType"),
    )


async def post_remove_liquidity(ctx: GatewayContext, call: Call) -> Any:
    body = call.body
    ctx.check_rpc(call, internal_error())
    return await remove_liquidity(
        ctx,
        call,
        connector=CONNECTOR,
        wallet=body["walletAddress"],
        position_address=body["positionAddress"],
        percentage=body["liquidityPct"],
    )


async def post_collect_fees(ctx: GatewayContext, call: Call) -> Any:
    body = call.body
    ctx.check_rpc(call, internal_error())
    return await collect_fees(
        ctx,
        call,
        connector=CONNECTOR,
        wallet=body["walletAddress"],
        position_address=body["positionAddress"],
    )


async def post_close_position(ctx: GatewayContext, call: Call) -> Any:
    body = call.body
    ctx.check_rpc(call, internal_error())
    return await close_position(
        ctx,
        call,
        connector=CONNECTOR,
        wallet=body["walletAddress"],
        position_address=body["positionAddress"],
    )


_BASE = "/connectors/meteora/clmm"

METEORA_ROUTES = [
    Route("GET", f"{_BASE}/fetch-pools", fetch_pools, operation="pool"),
    Route("GET", f"{_BASE}/pool-info", get_pool_info, operation="pool"),
    Route("GET", f"{_BASE}/positions-owned", positions_owned, operation="position"),
    Route("GET", f"{_BASE}/position-info", get_position_info, operation="position"),
    Route("GET", f"{_BASE}/quote-position", quote_position, operation="quote"),
    Route("GET", f"{_BASE}/quote-swap", quote_swap, operation="quote"),
    Route("POST", f"{_BASE}/execute-swap", execute_swap, operation="swap"),
    Route("POST", f"{_BASE}/open-position", post_open_position, operation="open"),
    Route("POST", f"{_BASE}/add-liquidity", post_add_liquidity, operation="add"),
    Route("POST", f"{_BASE}/remove-liquidity", post_remove_liquidity, operation="remove"),
    Route("POST", f"{_BASE}/collect-fees", post_collect_fees, operation="collect"),
    Route("POST", f"{_BASE}/close-position", post_close_position, operation="close"),
]

"""``/connectors/jupiter/router/*``: routed quotes over the paper pools and their execution.

``amount`` is in base token units: the amount sold on SELL (exact in), the amount bought on
BUY (exact out). ``price`` is quote per base on both sides. Execution answers the router way
(``sendAndConfirmRawTransaction``): a transaction that is not confirmed in time comes back as
``status 0`` with its signature. ``baseTokenBalanceChange``/``quoteTokenBalanceChange`` are the
wallet changes of ``tokenIn``/``tokenOut`` whatever the side.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from lpexec.paper.chain import (
    LAMPORTS,
    SOL_MINT,
    Hop,
    InsufficientFundsError,
    RouteNotFoundError,
    SwapReceipt,
    SwapRejectedError,
    Token,
)
from lpexec.paper.chain.costs import lamports_to_sol
from lpexec.paper.gateway.context import Call, ConfirmStyle, GatewayContext
from lpexec.paper.gateway.errors import GatewayError, bad_request, internal_error, not_found
from lpexec.paper.gateway.routes import Route
from lpexec.paper.gateway.views import price_number, ui
from lpexec.paper.router import RoutePlan

__all__ = ["JUPITER_ROUTES", "RouterQuote", "execute_router_quote", "quote_router"]


@dataclass(frozen=True, slots=True)
class RouterQuote:
    """A cached router quote (Gateway keeps these in memory, keyed by ``quoteId``)."""

    quote_id: str
    base: Token
    quote: Token
    side: str
    token_in: Token
    token_out: Token
    plan: RoutePlan
    slippage_bps: int
    threshold: int
    """Raw minimum out (SELL) or maximum in (BUY)."""

    @property
    def exact_out(self) -> bool:
        """True for a BUY (exact output)."""
        return self.side == "BUY"


def quote_router(
    ctx: GatewayContext, fields: Mapping[str, Any], *, only_direct: bool = False
) -> RouterQuote:
    """Quote the routed swap a request asks for (``baseToken``, ``quoteToken``, ``amount``,
    ``side``, ``slippagePct``) and cache it.

    Raises:
        GatewayError: 400 unknown token, 404 "No route found".
    """
    base_symbol: str = fields["baseToken"]
    quote_symbol: str = fields["quoteToken"]
    amount: Decimal = fields["amount"]
    side: str = fields["side"]
    slippage_pct: Decimal = fields["slippagePct"]
    base, quote = ctx.token(base_symbol), ctx.token(quote_symbol)
    token_in, token_out = (base, quote) if side == "SELL" else (quote, base)
    mode = "ExactOut" if side == "BUY" else "ExactIn"
    raw = base.to_raw(amount)
    if raw <= 0:
        raise not_found(
            f"No route found for {token_in.symbol} -> {token_out.symbol} ({mode}). "
            f"Expected an amount of at least one base unit, received {amount}"
        )
    try:
        plan = ctx.chain.best_route(
            token_in.address,
            token_out.address,
            raw,
            exact_out=side == "BUY",
            max_hops=1 if only_direct else 2,
        )
    except (RouteNotFoundError, SwapRejectedError) as e:
        raise not_found(
            f"No route found for {token_in.symbol} -> {token_out.symbol} ({mode}). {e}"
        ) from e
    bps = int((slippage_pct * 100).to_integral_value(rounding=ROUND_FLOOR))
    if side == "SELL":
        threshold = plan.amount_out * (10_000 - bps) // 10_000
    else:
        threshold = -(-plan.amount_in * (10_000 + bps) // 10_000)
    cached = RouterQuote(
        quote_id=ctx.new_quote_id(),
        base=base,
        quote=quote,
        side=side,
        token_in=token_in,
        token_out=token_out,
        plan=plan,
        slippage_bps=bps,
        threshold=threshold,
    )
    ctx.quotes[cached.quote_id] = cached
    return cached


def price_impact(ctx: GatewayContext, quoted: RouterQuote) -> Decimal:
    """Return the price impact (fraction, fee included) of a quote against the pools' prices."""
    spot = Decimal(1)
    for leg in quoted.plan.legs:
        pool = ctx.chain.pool(leg.pool_address)
        price = pool.price.scaleb(pool.quote_decimals - pool.base_decimals)  # raw quote per base
        spot *= price if leg.token_in == pool.base_mint else 1 / price
    plan = quoted.plan
    effective = Decimal(plan.amount_out) / Decimal(plan.amount_in)
    return max(Decimal(0), 1 - effective / spot).quantize(Decimal("1e-10"))


def quote_answer(ctx: GatewayContext, quoted: RouterQuote) -> dict[str, Any]:
    """Return the numbers shared by the Jupiter quote and the unified swap quote."""
    plan, token_in, token_out = quoted.plan, quoted.token_in, quoted.token_out
    amount_in = ui(plan.amount_in, token_in.decimals)
    amount_out = ui(plan.amount_out, token_out.decimals)
    if quoted.side == "SELL":
        price = amount_out / amount_in
        minimum, maximum = ui(quoted.threshold, token_out.decimals), amount_in
    else:
        price = amount_in / amount_out
        minimum, maximum = amount_out, ui(quoted.threshold, token_in.decimals)
    return {
        "tokenIn": token_in.address,
        "tokenOut": token_out.address,
        "amountIn": amount_in,
        "amountOut": amount_out,
        "price": price_number(price),
        "priceImpactPct": price_impact(ctx, quoted),
        "minAmountOut": minimum,
        "maxAmountIn": maximum,
    }


async def quote_swap(ctx: GatewayContext, call: Call) -> Any:
    query = call.query
    base, quote = ctx.token(query["baseToken"]), ctx.token(query["quoteToken"])
    mode = "ExactOut" if query["side"] == "BUY" else "ExactIn"
    ctx.check_rpc(
        call,
        not_found(f"No route found for {base.symbol} -> {quote.symbol} ({mode}). fetch failed"),
    )
    quoted = quote_router(ctx, query, only_direct=query["onlyDirectRoutes"])
    answer = quote_answer(ctx, quoted)
    plan = quoted.plan
    answer["quoteId"] = quoted.quote_id
    answer["quoteResponse"] = {
        "inputMint": plan.token_in,
        "inAmount": str(plan.amount_in),
        "outputMint": plan.token_out,
        "outAmount": str(plan.amount_out),
        "otherAmountThreshold": str(quoted.threshold),
        "swapMode": mode,
        "slippageBps": quoted.slippage_bps,
        "priceImpactPct": str(answer["priceImpactPct"]),
        "routePlan": plan.jupiter_route_plan(),
        "contextSlot": ctx.chain.slot,
        "timeTaken": Decimal("0.001"),
    }
    return answer


async def execute_router_quote(
    ctx: GatewayContext, call: Call, quoted: RouterQuote, wallet: str
) -> dict[str, Any]:
    """Execute a cached quote from ``wallet``; answer ``{signature, status, data?}``."""
    plan = quoted.plan
    hops = [Hop(leg.pool_address, leg.token_in) for leg in plan.legs]
    limits: dict[str, int] = (
        {"max_amount_in": quoted.threshold}
        if quoted.exact_out
        else {"min_amount_out": quoted.threshold}
    )
    try:
        receipt = ctx.chain.route_swap(
            wallet,
            hops,
            amount=plan.amount_out if quoted.exact_out else plan.amount_in,
            exact_out=quoted.exact_out,
            fate=call.fate,
            **limits,
        )
    except InsufficientFundsError as e:
        raise ctx.insufficient(e) from e
    except SwapRejectedError as e:
        raise GatewayError(400, _slippage_message(quoted.exact_out, str(e)), error="Error") from e
    status = await ctx.settle(receipt, call, ConfirmStyle.RAW)
    answer: dict[str, Any] = {"signature": receipt.signature, "status": status}
    if status == 1:
        ctx.quotes.pop(quoted.quote_id, None)
        answer["data"] = swap_data(ctx, receipt, quoted.token_in, quoted.token_out)
    return answer


def _slippage_message(exact_out: bool, detail: str) -> str:
    if "Slippage" not in detail:
        return f"Swap failed: {detail}"
    if exact_out:
        return (
            "Swap failed: Slippage tolerance exceeded. Input would be more than your "
            "maximum. Consider increasing slippage."
        )
    return (
        "Swap failed: Slippage tolerance exceeded. Output would be less than your minimum. "
        "Consider increasing slippage."
    )


def wallet_delta(receipt: SwapReceipt, token: Token) -> int:
    """Return the wallet's change of ``token`` in a receipt (SOL: native lamports)."""
    key = LAMPORTS if token.address == SOL_MINT else token.address
    return receipt.wallet_changes.get(key, 0)


def swap_data(
    ctx: GatewayContext, receipt: SwapReceipt, token_in: Token, token_out: Token
) -> dict[str, Any]:
    """Return a router swap's ``data`` (tokenIn/tokenOut ordering, wallet balance changes)."""
    delta_in, delta_out = wallet_delta(receipt, token_in), wallet_delta(receipt, token_out)
    if ctx.upstream:
        amount_in, amount_out = abs(delta_in), abs(delta_out)
    else:
        amount_in, amount_out = receipt.amount_in, receipt.amount_out
    return {
        "tokenIn": token_in.address,
        "tokenOut": token_out.address,
        "amountIn": ui(amount_in, token_in.decimals),
        "amountOut": ui(amount_out, token_out.decimals),
        "fee": lamports_to_sol(receipt.fee),
        "baseTokenBalanceChange": ui(delta_in, token_in.decimals),
        "quoteTokenBalanceChange": ui(delta_out, token_out.decimals),
    }


async def execute_quote(ctx: GatewayContext, call: Call) -> Any:
    body = call.body
    quoted = ctx.quotes.get(body["quoteId"])
    if quoted is None:
        raise bad_request("Quote not found or expired")
    wallet = ctx.signer(body["walletAddress"])
    ctx.check_rpc(call, internal_error("Swap execution failed: fetch failed"))
    return await execute_router_quote(ctx, call, quoted, wallet)


async def execute_swap(ctx: GatewayContext, call: Call) -> Any:
    body = call.body
    wallet = ctx.signer(body["walletAddress"])
    ctx.check_rpc(call, internal_error("Swap execution failed: fetch failed"))
    quoted = quote_router(ctx, body, only_direct=body["onlyDirectRoutes"])
    return await execute_router_quote(ctx, call, quoted, wallet)


JUPITER_ROUTES = [
    Route("GET", "/connectors/jupiter/router/quote-swap", quote_swap, operation="quote"),
    Route("POST", "/connectors/jupiter/router/execute-quote", execute_quote, operation="route"),
    Route("POST", "/connectors/jupiter/router/execute-swap", execute_swap, operation="route"),
]

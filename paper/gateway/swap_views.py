"""Single-pool swap quotes and executions shared by Meteora's routes and ``/trading/swap``.

``baseToken`` decides the direction: SELL pays ``amount`` of it in, BUY receives ``amount`` of
it. Gateway 2.13's Meteora quote reports ``price = amountOut / amountIn`` on both sides (base
per quote on a BUY); clean mode reports quote per base on both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from lpexec.paper.chain import (
    InsufficientFundsError,
    InvalidChainRequestError,
    PoolEntry,
    SwapRejectedError,
    Token,
)
from lpexec.paper.chain.costs import lamports_to_sol
from lpexec.paper.gateway.context import Call, GatewayContext
from lpexec.paper.gateway.errors import GatewayError, bad_request, not_found
from lpexec.paper.gateway.jupiter_routes import wallet_delta
from lpexec.paper.gateway.liquidity_views import confirm_style, lookup_pool
from lpexec.paper.gateway.views import price_number, ui
from lpexec.paper.pools import SwapResult

__all__ = ["PoolQuote", "execute_pool_swap", "pool_quote", "quote_fields"]

_CONNECTOR_NAMES = {"meteora": "Meteora", "raydium": "Raydium", "orca": "Orca"}


@dataclass(frozen=True, slots=True)
class PoolQuote:
    """A quote on one pool, with Gateway's slippage limits in raw units."""

    entry: PoolEntry
    base: Token
    """The request's ``baseToken``."""
    other: Token
    """The pool's other token."""
    side: str
    fill: SwapResult
    slippage_pct: Decimal
    min_amount_out: int
    max_amount_in: int

    @property
    def token_in(self) -> Token:
        """Token paid in."""
        return self.base if self.side == "SELL" else self.other

    @property
    def token_out(self) -> Token:
        """Token received."""
        return self.other if self.side == "SELL" else self.base


def _find_pool(ctx: GatewayContext, connector: str, base: Token, quote: Token | None) -> PoolEntry:
    if quote is None:
        raise bad_request("quoteToken is required when poolAddress is not provided")
    for entry in ctx.chain.pools(connector):
        if {entry.pool.base_mint, entry.pool.quote_mint} == {base.address, quote.address}:
            return entry
    name = _CONNECTOR_NAMES.get(connector, connector)
    raise not_found(f"No CLMM pool found for {base.symbol}-{quote.symbol} on {name}")


def pool_quote(
    ctx: GatewayContext,
    connector: str,
    fields: Mapping[str, Any],
    *,
    pool_address: str | None,
) -> PoolQuote:
    """Quote the swap a request asks for (``baseToken``, ``quoteToken``, ``amount``, ``side``,
    ``slippagePct``) on one of the connector's pools.

    Raises:
        GatewayError: 400 unknown token / token not in pool / bad amount, 404 pool not found.
    """
    base_symbol: str = fields["baseToken"]
    quote_symbol: str | None = fields.get("quoteToken")
    amount: Decimal = fields["amount"]
    side: str = fields["side"]
    slippage_pct: Decimal = fields["slippagePct"]
    # upstream Meteora with a pool resolves both tokens itself and answers 404 for either
    missing = 404 if pool_address and ctx.quirky(connector) else 400
    base = ctx.token(base_symbol, status=missing)
    quote = ctx.token(quote_symbol, status=missing) if quote_symbol else None
    if pool_address:
        entry = lookup_pool(ctx, pool_address, connector, write=False)
    else:
        entry = _find_pool(ctx, connector, base, quote)
    pool = entry.pool
    mints = (pool.base_mint, pool.quote_mint)
    if base.address not in mints:
        raise bad_request(f"Token {base.symbol} is not in pool {pool.address}")
    other_mint = mints[1] if base.address == mints[0] else mints[0]
    if quote is not None and quote.address != other_mint:
        raise bad_request(f"Token {quote.symbol} is not in pool {pool.address}")
    other = ctx.token(other_mint)
    raw = base.to_raw(amount)
    if raw <= 0:
        raise bad_request(
            f"Invalid amount: {amount}. Expected at least one base unit of {base.symbol}"
        )
    token_in = base if side == "SELL" else other
    try:
        fill = ctx.chain.quote_swap(
            pool.address, token_in=token_in.address, amount=raw, exact_out=side == "BUY"
        )
    except (InvalidChainRequestError, SwapRejectedError) as e:
        raise bad_request(f"Swap quote failed: {e}") from e
    if not fill.complete:
        raise bad_request(
            f"Swap quote failed: insufficient liquidity in pool {pool.address} for "
            f"{amount} {base.symbol} ({side})"
        )
    bps = (slippage_pct * 100).to_integral_value(rounding=ROUND_FLOOR)
    if side == "SELL":
        minimum = fill.amount_out * (10_000 - int(bps)) // 10_000
        maximum = fill.amount_in
    else:
        minimum = fill.amount_out
        maximum = -(-fill.amount_in * (10_000 + int(bps)) // 10_000)
    return PoolQuote(entry, base, other, side, fill, slippage_pct, minimum, maximum)


def quote_fields(ctx: GatewayContext, quoted: PoolQuote) -> dict[str, Any]:
    """Return ``{poolAddress, tokenIn, tokenOut, amountIn, amountOut, price, ...}``."""
    fill, token_in, token_out = quoted.fill, quoted.token_in, quoted.token_out
    amount_in = ui(fill.amount_in, token_in.decimals)
    amount_out = ui(fill.amount_out, token_out.decimals)
    if ctx.quirky(quoted.entry.connector) or quoted.side == "SELL":
        price = amount_out / amount_in
    else:
        price = amount_in / amount_out
    return {
        "poolAddress": quoted.entry.pool.address,
        "tokenIn": token_in.address,
        "tokenOut": token_out.address,
        "amountIn": amount_in,
        "amountOut": amount_out,
        "price": price_number(price),
        "slippagePct": quoted.slippage_pct,
        "minAmountOut": ui(quoted.min_amount_out, token_out.decimals),
        "maxAmountIn": ui(quoted.max_amount_in, token_in.decimals),
        "priceImpactPct": 0,
    }


async def execute_pool_swap(
    ctx: GatewayContext, call: Call, quoted: PoolQuote, wallet: str
) -> dict[str, Any]:
    """Execute a pool quote with its slippage limits; answer ``{signature, status, data?}``."""
    fill = quoted.fill
    exact_out = quoted.side == "BUY"
    try:
        receipt = ctx.chain.swap(
            wallet,
            quoted.entry.pool.address,
            token_in=quoted.token_in.address,
            amount=fill.amount_out if exact_out else fill.amount_in,
            exact_out=exact_out,
            min_amount_out=None if exact_out else quoted.min_amount_out,
            max_amount_in=quoted.max_amount_in if exact_out else None,
            fate=call.fate,
        )
    except InsufficientFundsError as e:
        raise ctx.insufficient(e) from e
    except (InvalidChainRequestError, SwapRejectedError) as e:
        raise GatewayError(
            400,
            "Swap failed: Slippage tolerance exceeded. Output would be less than your minimum. "
            "Consider increasing slippage."
            if "Slippage" in str(e)
            else f"Swap failed: {e}",
            error="Error",
        ) from e
    status = await ctx.settle(receipt, call, confirm_style(quoted.entry.connector))
    answer: dict[str, Any] = {"signature": receipt.signature, "status": status}
    if status != 1:
        return answer
    token_in, token_out = quoted.token_in, quoted.token_out
    delta_in, delta_out = wallet_delta(receipt, token_in), wallet_delta(receipt, token_out)
    if ctx.quirky(quoted.entry.connector):
        amount_in, amount_out = abs(delta_in), abs(delta_out)
    else:
        amount_in, amount_out = receipt.amount_in, receipt.amount_out
    delta_base, delta_other = (
        (delta_in, delta_out) if quoted.side == "SELL" else (delta_out, delta_in)
    )
    answer["data"] = {
        "tokenIn": token_in.address,
        "tokenOut": token_out.address,
        "amountIn": ui(amount_in, token_in.decimals),
        "amountOut": ui(amount_out, token_out.decimals),
        "fee": lamports_to_sol(ctx.reported_fee(receipt, quoted.entry.connector)),
        "baseTokenBalanceChange": ui(delta_base, quoted.base.decimals),
        "quoteTokenBalanceChange": ui(delta_other, quoted.other.decimals),
    }
    return answer

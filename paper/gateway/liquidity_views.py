"""CLMM/DLMM operations shared by ``/connectors/meteora/clmm/*`` and ``/trading/clmm/*``.

Each operation (see :data:`~paper.gateway.routes.Operation`) reads the validated request, whose
field names both route families share, calls the paper chain and answers Gateway's response for
the connector: Meteora (DLMM) answers an unconfirmed transaction with 504
``TRANSACTION_TIMEOUT``; Raydium/Orca (CLMM) with ``status 0``. Where the families name a field
differently (remove's percentage) or one ignores it (the unified add's strategy), the operation
takes the field's name as a keyword.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from math import isqrt
from typing import Any, Generic, TypeVar

from lpexec.paper.chain import (
    LAMPORTS,
    SOL_MINT,
    InsufficientFundsError,
    InvalidChainRequestError,
    PoolEntry,
    PoolNotFoundError,
    PositionClosedError,
    PositionNotFoundError,
    PositionRecord,
    Receipt,
    SwapRejectedError,
)
from lpexec.paper.chain.costs import lamports_to_sol
from lpexec.paper.chain.keys import is_address
from lpexec.paper.gateway.context import Call, ConfirmStyle, GatewayContext
from lpexec.paper.gateway.errors import GatewayError, bad_request, not_found
from lpexec.paper.gateway.views import position_info, ui
from lpexec.paper.pools import ClmmPool, DlmmPool, Strategy, span_for_prices

__all__ = [
    "add_liquidity",
    "close_position",
    "collect_fees",
    "confirm_style",
    "lookup_pool",
    "lookup_position",
    "open_position",
    "position_answer",
    "quote_position",
    "remove_liquidity",
]


def confirm_style(connector: str) -> ConfirmStyle:
    """Meteora waits with ``sendAndConfirmTransaction`` (504); the others answer status 0."""
    return ConfirmStyle.SEND_AND_CONFIRM if connector == "meteora" else ConfirmStyle.RAW


def lookup_pool(
    ctx: GatewayContext, address: str, connector: str, *, write: bool, pool_info: bool = False
) -> PoolEntry:
    """Return the connector's pool at ``address``.

    Raises:
        GatewayError: 400 "Invalid pool address" on writes, 404 "Pool not found" on reads.
            Upstream Meteora loads the pool through its SDK on every route but pool-info, so
            its quotes answer the SDK's 400 too ("Invalid public key input" for a malformed
            address); pool-info swallows every failure into 404 "Pool not found".
    """
    try:
        entry = ctx.chain.pool_entry(address)
    except PoolNotFoundError:
        entry = None
    if entry is None or entry.connector != connector:
        if ctx.quirky(connector) and not pool_info:
            reason = (
                f"Account does not exist or has no data {address}"
                if is_address(address)
                else "Invalid public key input"
            )
            raise bad_request(f"Invalid pool address: {reason}")
        if write:
            raise bad_request(f"Invalid pool address: {address}")
        raise not_found(f"Pool not found: {address}", error="NotFoundError")
    return entry


def lookup_position(ctx: GatewayContext, address: str, connector: str) -> PositionRecord:
    """Return an open position of the connector's pools.

    Raises:
        GatewayError: 400 malformed address; 404 "Position closed: ..." when it was closed,
            404 "Position not found: ..." when it never existed.
    """
    if not is_address(address):
        raise bad_request(f"Invalid position address: {address}", error="BadRequestError")
    try:
        record = ctx.chain.position_record(address)
    except PositionClosedError:
        raise not_found(f"Position closed: {address}") from None
    except PositionNotFoundError:
        raise not_found(f"Position not found: {address}") from None
    if ctx.chain.pool_entry(record.pool_address).connector != connector:
        raise not_found(f"Position not found: {address}")
    return record


def _owned(ctx: GatewayContext, address: str, connector: str, wallet: str) -> PositionRecord:
    record = lookup_position(ctx, address, connector)
    if record.owner != wallet:
        raise bad_request(f"Position {address} is not owned by wallet {wallet}")
    return record


def _check_sides(
    ctx: GatewayContext,
    entry: PoolEntry,
    span: tuple[int, int],
    prices: tuple[Decimal, Decimal],
    amounts: tuple[int, int],
) -> None:
    pool = entry.pool
    current = pool.active_bin_id if isinstance(pool, DlmmPool) else pool.tick_current
    above = span[0] > current
    below = span[1] < current if isinstance(pool, DlmmPool) else span[1] <= current
    base = ctx.chain.tokens.find(pool.base_mint)
    quote = ctx.chain.tokens.find(pool.quote_mint)
    base_name = base.symbol if base else pool.base_mint
    quote_name = quote.symbol if quote else pool.quote_mint
    price = pool.price
    if above and (amounts[0] <= 0 or (isinstance(pool, DlmmPool) and amounts[1] > 0)):
        raise bad_request(
            f"Failed to open position: Current price {price:.4f} is below lower price "
            f"{prices[0]:.4f}. Requires positive {base_name} amount and zero {quote_name} amount."
        )
    if below and (amounts[1] <= 0 or (isinstance(pool, DlmmPool) and amounts[0] > 0)):
        raise bad_request(
            f"Failed to open position: Current price {price:.4f} is above upper price "
            f"{prices[1]:.4f}. Requires positive {quote_name} amount and zero {base_name} amount."
        )


def _raw(amount: Decimal | None, decimals: int, field: str) -> int:
    if amount is None:
        return 0
    if amount < 0:
        raise bad_request(f"Invalid {field}: {amount}. Expected an amount >= 0")
    return int(amount.scaleb(decimals).to_integral_value(rounding="ROUND_DOWN"))


def _strategy(value: Any) -> Strategy:
    if value is None:
        return Strategy.SPOT
    try:
        return Strategy(int(value))
    except (ValueError, TypeError):
        raise bad_request(
            f"Invalid strategyType: {value}. Expected 0 (Spot), 1 (Curve) or 2 (BidAsk)"
        ) from None


def _chain_errors(ctx: GatewayContext, error: Exception) -> GatewayError:
    if isinstance(error, InsufficientFundsError):
        return ctx.insufficient(error)
    if isinstance(error, SwapRejectedError):
        return GatewayError(400, f"Transaction simulation failed: {error}", error="Error")
    return bad_request(str(error))


def _unchanged(delta: int) -> int:
    return delta


_R = TypeVar("_R", bound=Receipt)


@dataclass(frozen=True, slots=True)
class _Sent(Generic[_R]):
    """An LP write the chain accepted, with what Gateway reports about it."""

    connector: str
    pool: DlmmPool | ClmmPool
    receipt: _R
    fee: int
    """The fee Gateway reports, in lamports."""
    quirky: bool
    """Meteora's upstream quirks apply: SOL amounts come from the wallet's lamport delta."""

    def amounts(
        self, suffix: str, base: int, quote: int, upstream_sol: Callable[[int], int]
    ) -> dict[str, Decimal]:
        """Return ``{base<suffix>, quote<suffix>}``: exact amounts, or (Meteora, upstream)
        Gateway's SOL figure derived from the wallet delta."""
        pool = self.pool
        return {
            f"base{suffix}": self._amount(pool.base_mint, pool.base_decimals, base, upstream_sol),
            f"quote{suffix}": self._amount(
                pool.quote_mint, pool.quote_decimals, quote, upstream_sol
            ),
        }

    def _amount(
        self, mint: str, decimals: int, exact: int, upstream_sol: Callable[[int], int]
    ) -> Decimal:
        if self.quirky and mint == SOL_MINT:
            delta = abs(self.receipt.wallet_changes.get(LAMPORTS, 0))
            return ui(upstream_sol(delta), 9)
        return ui(exact, decimals)

    async def answer(
        self, ctx: GatewayContext, call: Call, data: Callable[[], dict[str, Any]]
    ) -> dict[str, Any]:
        """Wait as the connector's Gateway does; answer ``{signature, status, data?}``."""
        receipt = self.receipt
        status = await ctx.settle(receipt, call, confirm_style(self.connector))
        answer: dict[str, Any] = {"signature": receipt.signature, "status": status}
        if status == 1:
            answer["data"] = {"fee": lamports_to_sol(self.fee), **data()}
        return answer


def _send(
    ctx: GatewayContext,
    connector: str,
    pool: DlmmPool | ClmmPool,
    write: Callable[[], _R],
) -> _Sent[_R]:
    try:
        receipt = write()
    except (InvalidChainRequestError, SwapRejectedError) as e:
        raise _chain_errors(ctx, e) from e
    return _Sent(
        connector, pool, receipt, ctx.reported_fee(receipt, connector), ctx.quirky(connector)
    )


@dataclass(frozen=True, slots=True)
class _PositionWrite:
    """A write request on a position the signing wallet owns."""

    ctx: GatewayContext
    call: Call
    connector: str
    wallet: str
    record: PositionRecord
    pool: DlmmPool | ClmmPool

    def send(self, write: Callable[..., _R], **terms: Any) -> _Sent[_R]:
        """Send ``write(wallet, position, **terms)`` with the call's fate."""
        record, call = self.record, self.call
        return _send(
            self.ctx,
            self.connector,
            self.pool,
            lambda: write(self.wallet, record.address, fate=call.fate, **terms),
        )


def _owned_position(ctx: GatewayContext, call: Call, connector: str) -> _PositionWrite:
    body = call.body
    wallet = ctx.signer(body["walletAddress"])
    record = _owned(ctx, body["positionAddress"], connector, wallet)
    return _PositionWrite(ctx, call, connector, wallet, record, ctx.chain.pool(record.pool_address))


def _check_range(lower_price: Decimal, upper_price: Decimal) -> None:
    if lower_price >= upper_price:
        raise bad_request(
            f"Invalid price range: expected lowerPrice < upperPrice, received "
            f"lowerPrice={lower_price} upperPrice={upper_price}"
        )


def _check_positive_price(lower_price: Decimal) -> None:
    if lower_price <= 0:
        raise bad_request(f"Invalid price range: expected lowerPrice > 0, received {lower_price}")


async def open_position(ctx: GatewayContext, call: Call, connector: str) -> dict[str, Any]:
    """Open a position (Meteora ``open-position`` / unified ``open``)."""
    body = call.body
    wallet = ctx.signer(body["walletAddress"])
    entry = lookup_pool(ctx, body["poolAddress"], connector, write=True)
    pool = entry.pool
    lower_price, upper_price = body["lowerPrice"], body["upperPrice"]
    _check_range(lower_price, upper_price)
    _check_positive_price(lower_price)
    base_raw = _raw(body.get("baseTokenAmount"), pool.base_decimals, "baseTokenAmount")
    quote_raw = _raw(body.get("quoteTokenAmount"), pool.quote_decimals, "quoteTokenAmount")
    if base_raw == 0 and quote_raw == 0:
        raise bad_request("Missing amounts for position creation")
    try:
        span = span_for_prices(entry.pool, lower_price, upper_price)
    except ValueError as e:
        raise bad_request(f"Invalid price range: {e}") from e
    if isinstance(pool, DlmmPool) and span[1] - span[0] + 1 > ctx.max_position_width:
        raise GatewayError(
            400,
            "Error Code: InvalidPositionWidthError. Error Number: 6040. Error Message: Invalid "
            f"position width. Please use a position width of {ctx.max_position_width} bins "
            "or lower.",
            error="Error",
        )
    _check_sides(ctx, entry, span, (lower_price, upper_price), (base_raw, quote_raw))
    strategy = _strategy(body.get("strategyType"))
    sent = _send(
        ctx,
        connector,
        pool,
        lambda: ctx.chain.open_position(
            wallet,
            pool.address,
            lower=span[0],
            upper=span[1],
            base_amount=base_raw,
            quote_amount=quote_raw,
            strategy=strategy,
            fate=call.fate,
        ),
    )
    receipt, fee = sent.receipt, sent.fee
    rent = receipt.position_rent
    return await sent.answer(
        ctx,
        call,
        lambda: {
            "positionAddress": receipt.position_address,
            "positionRent": lamports_to_sol(rent),
            **sent.amounts(
                "TokenAmountAdded",
                receipt.base_amount,
                receipt.quote_amount,
                lambda delta: delta - rent - fee,
            ),
        },
    )


def _check_balance(ctx: GatewayContext, wallet: str, mint: str, raw: int) -> None:
    """Gateway's add-liquidity pre-check: the wallet must hold the amount (+0.01 SOL)."""
    if raw <= 0:
        return
    token = ctx.chain.tokens.find(mint)
    if token is None:
        return
    required = raw + (10_000_000 if mint == SOL_MINT else 0)
    available = ctx.chain.balance(wallet, token.symbol)
    if required > available:
        raise bad_request(
            f"Insufficient balance for {token.symbol}. Required: "
            f"{token.to_ui(required)}, Available: {token.to_ui(available)}"
        )


async def add_liquidity(
    ctx: GatewayContext, call: Call, connector: str, *, strategy_field: str | None
) -> dict[str, Any]:
    """Add liquidity to a position (Meteora ``add-liquidity`` / unified ``add``).

    Args:
        ctx: The paper Gateway.
        call: The validated request.
        connector: The position's connector.
        strategy_field: The request field naming the strategy, or None for Spot always.
    """
    position = _owned_position(ctx, call, connector)
    pool, wallet = position.pool, position.wallet
    body = call.body
    base_raw = _raw(body.get("baseTokenAmount"), pool.base_decimals, "baseTokenAmount")
    quote_raw = _raw(body.get("quoteTokenAmount"), pool.quote_decimals, "quoteTokenAmount")
    if base_raw == 0 and quote_raw == 0:
        raise bad_request(
            "Missing amounts for adding liquidity: send baseTokenAmount and/or "
            "quoteTokenAmount greater than 0"
        )
    _check_balance(ctx, wallet, pool.base_mint, base_raw)
    _check_balance(ctx, wallet, pool.quote_mint, quote_raw)
    strategy = _strategy(body.get(strategy_field) if strategy_field else None)
    sent = position.send(
        ctx.chain.add_liquidity, base_amount=base_raw, quote_amount=quote_raw, strategy=strategy
    )
    receipt, fee = sent.receipt, sent.fee
    return await sent.answer(
        ctx,
        call,
        lambda: sent.amounts(
            "TokenAmountAdded", receipt.base_amount, receipt.quote_amount, lambda d: d - fee
        ),
    )


async def remove_liquidity(
    ctx: GatewayContext, call: Call, connector: str, *, percentage_field: str
) -> dict[str, Any]:
    """Remove a percentage of a position's liquidity (``remove-liquidity`` / ``remove``).

    Args:
        ctx: The paper Gateway.
        call: The validated request.
        connector: The position's connector.
        percentage_field: The request field holding the percentage to remove.
    """
    position = _owned_position(ctx, call, connector)
    percentage: Decimal = call.body[percentage_field]
    if not Decimal(0) < percentage <= Decimal(100):
        raise bad_request(
            f"Invalid percentage: expected 0 < percentage <= 100, received {percentage}"
        )
    sent = position.send(ctx.chain.remove_liquidity, fraction=percentage / 100)
    receipt, fee = sent.receipt, sent.fee
    return await sent.answer(
        ctx,
        call,
        lambda: sent.amounts(
            "TokenAmountRemoved", receipt.base_amount, receipt.quote_amount, lambda d: d + fee
        ),
    )


async def collect_fees(ctx: GatewayContext, call: Call, connector: str) -> dict[str, Any]:
    """Claim a position's fees (``collect-fees``)."""
    sent = _owned_position(ctx, call, connector).send(ctx.chain.collect_fees)
    receipt = sent.receipt
    return await sent.answer(
        ctx,
        call,
        lambda: sent.amounts("FeeAmountCollected", receipt.base_fee, receipt.quote_fee, _unchanged),
    )


async def close_position(ctx: GatewayContext, call: Call, connector: str) -> dict[str, Any]:
    """Withdraw all, claim fees and close (``close-position`` / unified ``close``)."""
    sent = _owned_position(ctx, call, connector).send(ctx.chain.close_position)
    pool, receipt, fee = sent.pool, sent.receipt, sent.fee
    rent = receipt.rent_refunded
    # Only the SOL side is derived from the wallet delta, which also holds that side's fees.
    sol_fee = receipt.base_fee if pool.base_mint == SOL_MINT else receipt.quote_fee
    return await sent.answer(
        ctx,
        call,
        lambda: {
            "positionRentRefunded": lamports_to_sol(rent),
            **sent.amounts(
                "TokenAmountRemoved",
                receipt.base_amount,
                receipt.quote_amount,
                lambda delta: delta - rent + fee - sol_fee,
            ),
            "baseFeeAmountCollected": ui(receipt.base_fee, pool.base_decimals),
            "quoteFeeAmountCollected": ui(receipt.quote_fee, pool.quote_decimals),
        },
    )


async def position_answer(ctx: GatewayContext, call: Call, connector: str) -> dict[str, Any]:
    """Return ``PositionInfo`` for the request's ``positionAddress``."""
    record = lookup_position(ctx, call.query["positionAddress"], connector)
    return position_info(ctx.chain, record)


async def quote_position(ctx: GatewayContext, call: Call, connector: str) -> dict[str, Any]:
    """Estimate the other amount of a new position from one amount.

    Like Gateway, the estimate values the given amount at the middle of the range; clean mode
    also honours a range entirely above (base only) or below (quote only) the current price.
    """
    query = call.query
    entry = lookup_pool(ctx, query["poolAddress"], connector, write=False)
    pool = entry.pool
    lower_price, upper_price = query["lowerPrice"], query["upperPrice"]
    base_amount: Decimal | None = query.get("baseTokenAmount")
    quote_amount: Decimal | None = query.get("quoteTokenAmount")
    _check_range(lower_price, upper_price)
    _check_positive_price(lower_price)
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
    factor = 1 + query["slippagePct"] / 100
    raw_product = int(base.scaleb(pool.base_decimals)) * int(quote.scaleb(pool.quote_decimals))
    return {
        "baseLimited": base_limited,
        "baseTokenAmount": base,
        "quoteTokenAmount": quote,
        "baseTokenAmountMax": base * factor,
        "quoteTokenAmountMax": quote * factor,
        "liquidity": str(isqrt(raw_product)),
    }

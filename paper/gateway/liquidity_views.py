"""CLMM/DLMM operations shared by ``/connectors/meteora/clmm/*`` and ``/trading/clmm/*``.

Each function takes validated, connector-neutral arguments, calls the paper chain and answers
Gateway's response for the connector: Meteora (DLMM) answers an unconfirmed transaction with
504 ``TRANSACTION_TIMEOUT``; Raydium/Orca (CLMM) with ``status 0``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

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
from lpexec.paper.gateway.views import ui
from lpexec.paper.pools import DlmmPool, Strategy, span_for_prices

__all__ = [
    "add_liquidity",
    "close_position",
    "collect_fees",
    "confirm_style",
    "lookup_pool",
    "lookup_position",
    "open_position",
    "remove_liquidity",
]


def confirm_style(connector: str) -> ConfirmStyle:
    """Meteora waits with ``sendAndConfirmTransaction`` (504); the others answer status 0."""
    return ConfirmStyle.SEND_AND_CONFIRM if connector == "meteora" else ConfirmStyle.RAW


def lookup_pool(ctx: GatewayContext, address: str, connector: str, *, write: bool) -> PoolEntry:
    """Return the connector's pool at ``address``.

    Raises:
        GatewayError: 400 "Invalid pool address" on writes, 404 "Pool not found" on reads.
    """
    try:
        entry = ctx.chain.pool_entry(address)
    except PoolNotFoundError:
        entry = None
    if entry is None or entry.connector != connector:
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


def _sol_or_exact(
    quirky: bool,
    receipt: Receipt,
    mint: str,
    decimals: int,
    exact: int,
    upstream_sol: Callable[[int], int],
) -> Decimal:
    """Exact amount, or (Meteora, upstream) Gateway's SOL figure derived from the wallet delta."""
    if quirky and mint == SOL_MINT:
        return ui(upstream_sol(abs(receipt.wallet_changes.get(LAMPORTS, 0))), 9)
    return ui(exact, decimals)


async def _answer(
    ctx: GatewayContext,
    call: Call,
    receipt: Receipt,
    connector: str,
    data: Callable[[], dict[str, Any]],
) -> dict[str, Any]:
    status = await ctx.settle(receipt, call, confirm_style(connector))
    answer: dict[str, Any] = {"signature": receipt.signature, "status": status}
    if status == 1:
        answer["data"] = data()
    return answer


def _chain_errors(ctx: GatewayContext, error: Exception) -> GatewayError:
    if isinstance(error, InsufficientFundsError):
        return ctx.insufficient(error)
    if isinstance(error, SwapRejectedError):
        return GatewayError(400, f"Transaction simulation failed: {error}", error="Error")
    return bad_request(str(error))


async def open_position(
    ctx: GatewayContext,
    call: Call,
    *,
    connector: str,
    wallet: str,
    pool_address: str,
    lower_price: Decimal,
    upper_price: Decimal,
    base_amount: Decimal | None,
    quote_amount: Decimal | None,
    strategy: Any,
) -> dict[str, Any]:
    """Open a position (Meteora ``open-position`` / unified ``open``)."""
    wallet = ctx.signer(wallet)
    entry = lookup_pool(ctx, pool_address, connector, write=True)
    pool = entry.pool
    if lower_price >= upper_price:
        raise bad_request(
            f"Invalid price range: expected lowerPrice < upperPrice, received "
            f"lowerPrice={lower_price} upperPrice={upper_price}"
        )
    if lower_price <= 0:
        raise bad_request(f"Invalid price range: expected lowerPrice > 0, received {lower_price}")
    base_raw = _raw(base_amount, pool.base_decimals, "baseTokenAmount")
    quote_raw = _raw(quote_amount, pool.quote_decimals, "quoteTokenAmount")
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
    try:
        receipt = ctx.chain.open_position(
            wallet,
            pool.address,
            lower=span[0],
            upper=span[1],
            base_amount=base_raw,
            quote_amount=quote_raw,
            strategy=_strategy(strategy),
            fate=call.fate,
        )
    except (InvalidChainRequestError, SwapRejectedError) as e:
        raise _chain_errors(ctx, e) from e
    fee = ctx.reported_fee(receipt, connector)
    quirky = ctx.quirky(connector)
    rent = receipt.position_rent

    def data() -> dict[str, Any]:
        return {
            "fee": lamports_to_sol(fee),
            "positionAddress": receipt.position_address,
            "positionRent": lamports_to_sol(rent),
            "baseTokenAmountAdded": _sol_or_exact(
                quirky,
                receipt,
                pool.base_mint,
                pool.base_decimals,
                receipt.base_amount,
                lambda delta: delta - rent - fee,
            ),
            "quoteTokenAmountAdded": _sol_or_exact(
                quirky,
                receipt,
                pool.quote_mint,
                pool.quote_decimals,
                receipt.quote_amount,
                lambda delta: delta - rent - fee,
            ),
        }

    return await _answer(ctx, call, receipt, connector, data)


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
    ctx: GatewayContext,
    call: Call,
    *,
    connector: str,
    wallet: str,
    position_address: str,
    base_amount: Decimal | None,
    quote_amount: Decimal | None,
    strategy: Any,
) -> dict[str, Any]:
    """Add liquidity to a position (Meteora ``add-liquidity`` / unified ``add``)."""
    wallet = ctx.signer(wallet)
    record = _owned(ctx, position_address, connector, wallet)
    pool = ctx.chain.pool(record.pool_address)
    base_raw = _raw(base_amount, pool.base_decimals, "baseTokenAmount")
    quote_raw = _raw(quote_amount, pool.quote_decimals, "quoteTokenAmount")
    if base_raw == 0 and quote_raw == 0:
        raise bad_request(
            "Missing amounts for adding liquidity: send baseTokenAmount and/or "
            "quoteTokenAmount greater than 0"
        )
    _check_balance(ctx, wallet, pool.base_mint, base_raw)
    _check_balance(ctx, wallet, pool.quote_mint, quote_raw)
    try:
        receipt = ctx.chain.add_liquidity(
            wallet,
            record.address,
            base_amount=base_raw,
            quote_amount=quote_raw,
            strategy=_strategy(strategy),
            fate=call.fate,
        )
    except (InvalidChainRequestError, SwapRejectedError) as e:
        raise _chain_errors(ctx, e) from e
    fee = ctx.reported_fee(receipt, connector)
    quirky = ctx.quirky(connector)

    def data() -> dict[str, Any]:
        return {
            "fee": lamports_to_sol(fee),
            "baseTokenAmountAdded": _sol_or_exact(
                quirky,
                receipt,
                pool.base_mint,
                pool.base_decimals,
                receipt.base_amount,
                lambda delta: delta - fee,
            ),
            "quoteTokenAmountAdded": _sol_or_exact(
                quirky,
                receipt,
                pool.quote_mint,
                pool.quote_decimals,
                receipt.quote_amount,
                lambda delta: delta - fee,
            ),
        }

    return await _answer(ctx, call, receipt, connector, data)


async def remove_liquidity(
    ctx: GatewayContext,
    call: Call,
    *,
    connector: str,
    wallet: str,
    position_address: str,
    percentage: Decimal,
) -> dict[str, Any]:
    """Remove a percentage of a position's liquidity (``remove-liquidity`` / ``remove``)."""
    wallet = ctx.signer(wallet)
    record = _owned(ctx, position_address, connector, wallet)
    pool = ctx.chain.pool(record.pool_address)
    if not Decimal(0) < percentage <= Decimal(100):
        raise bad_request(
            f"Invalid percentage: expected 0 < percentage <= 100, received {percentage}"
        )
    try:
        receipt = ctx.chain.remove_liquidity(
            wallet, record.address, fraction=percentage / 100, fate=call.fate
        )
    except (InvalidChainRequestError, SwapRejectedError) as e:
        raise _chain_errors(ctx, e) from e
    fee = ctx.reported_fee(receipt, connector)
    quirky = ctx.quirky(connector)

    def data() -> dict[str, Any]:
        return {
            "fee": lamports_to_sol(fee),
            "baseTokenAmountRemoved": _sol_or_exact(
                quirky,
                receipt,
                pool.base_mint,
                pool.base_decimals,
                receipt.base_amount,
                lambda delta: delta + fee,
            ),
            "quoteTokenAmountRemoved": _sol_or_exact(
                quirky,
                receipt,
                pool.quote_mint,
                pool.quote_decimals,
                receipt.quote_amount,
                lambda delta: delta + fee,
            ),
        }

    return await _answer(ctx, call, receipt, connector, data)


async def collect_fees(
    ctx: GatewayContext,
    call: Call,
    *,
    connector: str,
    wallet: str,
    position_address: str,
) -> dict[str, Any]:
    """Claim a position's fees (``collect-fees``)."""
    wallet = ctx.signer(wallet)
    record = _owned(ctx, position_address, connector, wallet)
    pool = ctx.chain.pool(record.pool_address)
    try:
        receipt = ctx.chain.collect_fees(wallet, record.address, fate=call.fate)
    except (InvalidChainRequestError, SwapRejectedError) as e:
        raise _chain_errors(ctx, e) from e
    fee = ctx.reported_fee(receipt, connector)
    quirky = ctx.quirky(connector)

    def data() -> dict[str, Any]:
        return {
            "fee": lamports_to_sol(fee),
            "baseFeeAmountCollected": _sol_or_exact(
                quirky,
                receipt,
                pool.base_mint,
                pool.base_decimals,
                receipt.base_fee,
                lambda delta: delta,
            ),
            "quoteFeeAmountCollected": _sol_or_exact(
                quirky,
                receipt,
                pool.quote_mint,
                pool.quote_decimals,
                receipt.quote_fee,
                lambda delta: delta,
            ),
        }

    return await _answer(ctx, call, receipt, connector, data)


async def close_position(
    ctx: GatewayContext,
    call: Call,
    *,
    connector: str,
    wallet: str,
    position_address: str,
) -> dict[str, Any]:
    """Withdraw all, claim fees and close (``close-position`` / unified ``close``)."""
    wallet = ctx.signer(wallet)
    record = _owned(ctx, position_address, connector, wallet)
    pool = ctx.chain.pool(record.pool_address)
    try:
        receipt = ctx.chain.close_position(wallet, record.address, fate=call.fate)
    except (InvalidChainRequestError, SwapRejectedError) as e:
        raise _chain_errors(ctx, e) from e
    fee = ctx.reported_fee(receipt, connector)
    quirky = ctx.quirky(connector)
    rent = receipt.rent_refunded

    def data() -> dict[str, Any]:
        return {
            "fee": lamports_to_sol(fee),
            "positionRentRefunded": lamports_to_sol(rent),
            "baseTokenAmountRemoved": _sol_or_exact(
                quirky,
                receipt,
                pool.base_mint,
                pool.base_decimals,
                receipt.base_amount,
                lambda delta: delta - rent + fee - receipt.base_fee,
            ),
            "quoteTokenAmountRemoved": _sol_or_exact(
                quirky,
                receipt,
                pool.quote_mint,
                pool.quote_decimals,
                receipt.quote_amount,
                lambda delta: delta - rent + fee - receipt.quote_fee,
            ),
            "baseFeeAmountCollected": ui(receipt.base_fee, pool.base_decimals),
            "quoteFeeAmountCollected": ui(receipt.quote_fee, pool.quote_decimals),
        }

    return await _answer(ctx, call, receipt, connector, data)

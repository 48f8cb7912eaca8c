"""Swap accounting from what actually moved: prices, realized slippage, fees and volume.

Pure functions; amounts in human units. The network fee is paid in the native token (SOL) and
valued in the quote token at ``native_price`` (quote per native): the swap's own price when the
native token is the base, 1 when it is the quote, else a price read beside the quotes.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from lpexec.core.money import ZERO
from lpexec.swap.quotes import Side

__all__ = ["SwapAccounting", "account_swap", "native_price_for"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SwapAccounting:
    """The figures of one settled swap.

    Attributes:
        effective_price: quote per base actually obtained (``quote_amount / base_amount``).
        quoted_price: quote per base of the quote that was executed.
        realized_slippage: how much worse than quoted the fill was, as a ratio; negative when
            better. SELL: ``1 - effective / quoted``; BUY: ``effective / quoted - 1``.
        shortfall_quote: the same in quote: received less than quoted (SELL) or paid more (BUY).
        network_fee_native: the transaction fee in the native token.
        network_fee_quote: that fee in quote (0 when no native price is known).
        volume_quote: the quote amount that changed hands.
        fees_paid_quote: what the swap paid in fees, in quote (the network fee; pool fees are
            inside the price).
    """

    effective_price: Decimal
    quoted_price: Decimal | None
    realized_slippage: Decimal | None
    shortfall_quote: Decimal | None
    network_fee_native: Decimal
    network_fee_quote: Decimal
    volume_quote: Decimal
    fees_paid_quote: Decimal


def native_price_for(
    *,
    base_token: str,
    quote_token: str,
    native_token: str,
    effective_price: Decimal | None,
    native_price: Decimal | None,
) -> Decimal | None:
    """Return the native token's price in quote, or None when it is not known."""
    if native_token == quote_token:
        return Decimal(1)
    if native_token == base_token:
        return effective_price
    return native_price


def account_swap(
    *,
    side: Side,
    base_amount: Decimal,
    quote_amount: Decimal,
    tx_fee_native: Decimal,
    native_price: Decimal | None,
    quoted_base: Decimal | None = None,
    quoted_quote: Decimal | None = None,
) -> SwapAccounting:
    """Account one settled swap.

    Args:
        side: SELL or BUY.
        base_amount, quote_amount: what moved, network fee excluded.
        tx_fee_native: the network fee in the native token.
        native_price: quote per native token (see :func:`native_price_for`); None: unknown.
        quoted_base, quoted_quote: the executed quote's amounts, when there was one.
    """
    effective = quote_amount / base_amount if base_amount > 0 else ZERO
    quoted_price: Decimal | None = None
    slippage: Decimal | None = None
    shortfall: Decimal | None = None
    if quoted_base is not None and quoted_quote is not None and quoted_base > 0:
        quoted_price = quoted_quote / quoted_base
        if quoted_price > 0 and effective > 0:
            if side == "SELL":
                slippage = 1 - effective / quoted_price
                shortfall = quoted_price * base_amount - quote_amount
            else:
                slippage = effective / quoted_price - 1
                shortfall = quote_amount - quoted_price * base_amount
    fee_quote = tx_fee_native * native_price if native_price is not None else ZERO
    return SwapAccounting(
        effective_price=effective,
        quoted_price=quoted_price,
        realized_slippage=slippage,
        shortfall_quote=shortfall,
        network_fee_native=tx_fee_native,
        network_fee_quote=fee_quote,
        volume_quote=quote_amount,
        fees_paid_quote=fee_quote,
    )

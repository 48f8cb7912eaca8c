"""LP accounting: what one position earned and cost, in the quote token.

The decomposition (see ``lp-math.md`` §1.3), with ``p`` the valuation price:

- ``V_0 = base_0 * p_0 + quote_0``: the deposit valued at the price when it was added;
- ``V_HODL = base_0 * p + quote_0``: the deposit kept in the wallet instead;
- ``V_LP = base * p + quote``: what the position holds (or returned when it closed);
- impermanent loss ``IL = V_LP - V_HODL`` (negative is a loss), price move ``V_HODL - V_0``;
- fees earned ``= base_fees * p + quote_fees`` (claimed and unclaimed);
- tx fees and sunk BinArray rent are paid in the native token and valued at its quote price;
- ``net_pnl_quote = fees_earned + IL - tx_fees - rent_sunk - swap_costs``, i.e. fees earned less
  impermanent loss, transaction costs and swap costs: the result against simply holding the
  deposit. Refundable position rent is capital locked, reported apart, never a cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from lpexec.core.money import ZERO, ratio

__all__ = ["LPAccounting", "account", "native_costs_quote", "swap_cost_quote"]


@dataclass(frozen=True, slots=True)
class LPAccounting:
    """Every accounting figure of one position, in quote unless named ``_native``."""

    price: Decimal
    initial_value_quote: Decimal
    hodl_value_quote: Decimal
    lp_value_quote: Decimal
    fees_earned_quote: Decimal
    impermanent_loss_quote: Decimal
    price_move_quote: Decimal
    tx_fees_quote: Decimal
    rent_sunk_quote: Decimal
    swap_costs_quote: Decimal
    rent_locked_native: Decimal
    rent_locked_quote: Decimal
    net_pnl_quote: Decimal
    net_pnl_pct: Decimal
    fees_paid_quote: Decimal
    volume_quote: Decimal


def account(
    *,
    initial_base: Decimal,
    initial_quote: Decimal,
    add_price: Decimal,
    base: Decimal,
    quote: Decimal,
    base_fees: Decimal,
    quote_fees: Decimal,
    price: Decimal,
    native_price: Decimal,
    tx_fee_native: Decimal,
    rent_sunk_native: Decimal,
    position_rent_native: Decimal,
    position_rent_refunded_native: Decimal,
    swap_costs_quote: Decimal = ZERO,
    swap_volume_quote: Decimal = ZERO,
) -> LPAccounting:
    """Value one position at ``price`` (quote per base) and ``native_price`` (quote per native).

    Args:
        initial_base, initial_quote: what was actually deposited.
        add_price: the pool price when the deposit was added.
        base, quote: what the position holds now, or what its close returned.
        base_fees, quote_fees: LP fees earned, claimed and unclaimed.
        tx_fee_native, rent_sunk_native: transaction fees and non-refundable rent paid.
        position_rent_native, position_rent_refunded_native: refundable rent locked and returned.
        swap_costs_quote, swap_volume_quote: from swapping inventory back after the close.
    """
    initial_value = initial_base * add_price + initial_quote
    hodl_value = initial_base * price + initial_quote
    lp_value = base * price + quote
    fees_earned = base_fees * price + quote_fees
    impermanent_loss = lp_value - hodl_value
    tx_fees, rent_sunk = native_costs_quote(
        tx_fee_native=tx_fee_native, rent_sunk_native=rent_sunk_native, native_price=native_price
    )
    rent_locked = position_rent_native - position_rent_refunded_native
    net = fees_earned + impermanent_loss - tx_fees - rent_sunk - swap_costs_quote
    return LPAccounting(
        price=price,
        initial_value_quote=initial_value,
        hodl_value_quote=hodl_value,
        lp_value_quote=lp_value,
        fees_earned_quote=fees_earned,
        impermanent_loss_quote=impermanent_loss,
        price_move_quote=hodl_value - initial_value,
        tx_fees_quote=tx_fees,
        rent_sunk_quote=rent_sunk,
        swap_costs_quote=swap_costs_quote,
        rent_locked_native=rent_locked,
        rent_locked_quote=rent_locked * native_price,
        net_pnl_quote=net,
        net_pnl_pct=ratio(net, initial_value),
        fees_paid_quote=tx_fees + rent_sunk + swap_costs_quote,
        volume_quote=initial_value + swap_volume_quote,
    )


def native_costs_quote(
    *, tx_fee_native: Decimal, rent_sunk_native: Decimal, native_price: Decimal
) -> tuple[Decimal, Decimal]:
    """Return (tx fees, sunk rent) in quote: native amounts valued at ``native_price``."""
    return tx_fee_native * native_price, rent_sunk_native * native_price


def swap_cost_quote(
    *, side: str, base_amount: Decimal, quote_amount: Decimal, price: Decimal
) -> Decimal:
    """What a swap cost against the reference ``price``: pool fee, price impact and slippage.

    A SELL of ``base_amount`` that received ``quote_amount`` cost ``base * price - quote``; a BUY
    that paid ``quote_amount`` cost ``quote - base * price``.
    """
    fair = base_amount * price
    return fair - quote_amount if side == "SELL" else quote_amount - fair

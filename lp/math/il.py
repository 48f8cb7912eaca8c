"""Impermanent loss of range positions and the P&L decomposition LP accounting reports.

All values are in quote units. For a range position with liquidity ``L`` opened at ``p0``:
``V_LP(p) = x(p) * p + y(p)`` (amounts from :func:`lp.math.clmm.amounts_from_liquidity`),
``V_HODL(p) = x0 * p + y0`` (the deposit kept), and

* impermanent loss = ``V_LP - V_HODL`` (<= 0),
* price move = ``V_HODL - V_0`` with ``V_0 = x0 * p0 + y0``.

P&L = IL + price move + fees + rewards - transaction fees - swap costs - sunk rent.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Context, Decimal, localcontext

from lpexec.lp.math.clmm import amounts_from_liquidity

__all__ = [
    "LadderBin",
    "PnlBreakdown",
    "RangePositionValue",
    "full_range_impermanent_loss",
    "impermanent_loss_ratio",
    "impermanent_loss_ratio_fast",
    "ladder_impermanent_loss",
    "pnl_breakdown",
    "range_position_value",
]

_CONTEXT = Context(prec=60)


@dataclass(frozen=True, slots=True)
class RangePositionValue:
    """Value of a range position against holding its deposit, in quote units."""

    base_amount: Decimal
    """Base held by the position at the current price."""
    quote_amount: Decimal
    """Quote held by the position at the current price."""
    lp_value: Decimal
    hodl_value: Decimal
    initial_value: Decimal
    """Value of the deposit at the entry price."""

    @property
    def impermanent_loss(self) -> Decimal:
        """``V_LP - V_HODL`` (never positive)."""
        return self.lp_value - self.hodl_value

    @property
    def price_move(self) -> Decimal:
        """``V_HODL - V_0``: what the deposit gained or lost by the price move alone."""
        return self.hodl_value - self.initial_value

    @property
    def impermanent_loss_ratio(self) -> Decimal:
        """``V_LP / V_HODL - 1``."""
        if not self.hodl_value:
            return Decimal(0)
        return _CONTEXT.subtract(_CONTEXT.divide(self.lp_value, self.hodl_value), Decimal(1))


def range_position_value(
    *,
    liquidity: Decimal,
    entry_price: Decimal,
    price: Decimal,
    lower_price: Decimal,
    upper_price: Decimal,
) -> RangePositionValue:
    """Return LP value, HODL value and initial value of a range position (no fees).

    Args:
        liquidity: The position's liquidity L (in the units of the human prices).
        entry_price: Price at deposit.
        price: Current price.
        lower_price: Lower bound of the range.
        upper_price: Upper bound of the range.
    """
    x0, y0 = amounts_from_liquidity(entry_price, lower_price, upper_price, liquidity)
    x, y = amounts_from_liquidity(price, lower_price, upper_price, liquidity)
    with localcontext(_CONTEXT):
        p = Decimal(price)
        return RangePositionValue(
            base_amount=x,
            quote_amount=y,
            lp_value=x * p + y,
            hodl_value=x0 * p + y0,
            initial_value=x0 * Decimal(entry_price) + y0,
        )


def impermanent_loss_ratio(
    entry_price: Decimal,
    price: Decimal,
    lower_price: Decimal,
    upper_price: Decimal,
) -> Decimal:
    """Return ``V_LP / V_HODL - 1`` for a range position opened at ``entry_price``.

    Valid in and out of range; independent of the liquidity. For ``lower <= p0, p <= upper``
    it equals ``-(sqrt(k) - 1)**2 / (1 + k - sqrt(pa/p0) - k * sqrt(p0/pb))`` with ``k = p/p0``.
    """
    value = range_position_value(
        liquidity=Decimal(1),
        entry_price=entry_price,
        price=price,
        lower_price=lower_price,
        upper_price=upper_price,
    )
    return value.impermanent_loss_ratio


def impermanent_loss_ratio_fast(
    entry_price: float,
    price: float,
    lower_price: float,
    upper_price: float,
) -> float:
    """Return :func:`impermanent_loss_ratio` computed in float."""
    sa, sb = math.sqrt(lower_price), math.sqrt(upper_price)

    def amounts(p: float) -> tuple[float, float]:
        s = min(max(math.sqrt(p), sa), sb)
        return (sb - s) / (s * sb), s - sa

    x0, y0 = amounts(entry_price)
    x, y = amounts(price)
    hodl = x0 * price + y0
    return (x * price + y) / hodl - 1.0 if hodl else 0.0


def full_range_impermanent_loss(price_ratio: Decimal) -> Decimal:
    """Return the full-range IL ``2 * sqrt(k) / (1 + k) - 1`` for ``k = p / p0``."""
    k = Decimal(price_ratio)
    if not k > 0:
        raise ValueError(f"Expected price_ratio > 0, received price_ratio={k}")
    with localcontext(_CONTEXT):
        return 2 * k.sqrt() / (1 + k) - 1


@dataclass(frozen=True, slots=True)
class LadderBin:
    """One DLMM bin of a position at entry: its price and the amounts it held."""

    price: Decimal
    base_amount: Decimal
    quote_amount: Decimal


def ladder_impermanent_loss(bins: Iterable[LadderBin], price: Decimal) -> Decimal:
    """Return ``V_LP - V_HODL`` of a DLMM position treated as a ladder of limit orders.

    Bins whose price the market crossed upward sold their base at the bin price; bins crossed
    downward bought base with their quote at the bin price. Bins not crossed are unchanged, so
    moves inside one bin cost nothing. The result is never positive.
    """
    p = Decimal(price)
    loss = Decimal(0)
    with localcontext(_CONTEXT):
        for bin_ in bins:
            if bin_.price < p and bin_.base_amount:
                loss -= bin_.base_amount * (p - bin_.price)
            elif bin_.price > p and bin_.quote_amount:
                loss -= bin_.quote_amount * (1 - p / bin_.price)
    return loss


@dataclass(frozen=True, slots=True)
class PnlBreakdown:
    """A position's P&L split into its causes, in quote units."""

    impermanent_loss: Decimal
    price_move: Decimal
    fees: Decimal
    rewards: Decimal
    transaction_fees: Decimal
    swap_costs: Decimal
    sunk_rent: Decimal

    @property
    def total(self) -> Decimal:
        """IL + price move + fees + rewards - transaction fees - swap costs - sunk rent."""
        return (
            self.impermanent_loss
            + self.price_move
            + self.fees
            + self.rewards
            - self.transaction_fees
            - self.swap_costs
            - self.sunk_rent
        )


def pnl_breakdown(
    *,
    value: RangePositionValue,
    fees: Decimal = Decimal(0),
    rewards: Decimal = Decimal(0),
    transaction_fees: Decimal = Decimal(0),
    swap_costs: Decimal = Decimal(0),
    sunk_rent: Decimal = Decimal(0),
) -> PnlBreakdown:
    """Combine a position valuation with its fee, reward and cost totals (all in quote)."""
    return PnlBreakdown(
        impermanent_loss=value.impermanent_loss,
        price_move=value.price_move,
        fees=fees,
        rewards=rewards,
        transaction_fees=transaction_fees,
        swap_costs=swap_costs,
        sunk_rent=sunk_rent,
    )

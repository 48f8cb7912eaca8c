"""Trading rules of one market, as data, and the rounding they imply.

Rules:

- An amount is floored to a multiple of ``amount_step`` (never rounded up: the exchange never
  fills more than asked); a price is floored to a multiple of ``price_tick``.
- After flooring, an order below ``min_amount`` (base) or ``min_notional`` (amount × price, in
  quote) is rejected; the reason names the field, the value received and the minimum expected.
- Only the order types in ``order_types`` are accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from lpexec.core.money import ZERO
from lpexec.paper.exchange.orders import OrderType

__all__ = ["TradingRules", "floor_to_step"]


def floor_to_step(value: Decimal, step: Decimal) -> Decimal:
    """Return ``value`` floored to a multiple of ``step`` (a positive increment).

    Example:
        >>> floor_to_step(Decimal("1.2379"), Decimal("0.01"))
        Decimal('1.23')
    """
    if step <= ZERO:
        raise ValueError(f"Expected a positive step, received {step}")
    return (value / step).to_integral_value(rounding=ROUND_FLOOR) * step


@dataclass(frozen=True, kw_only=True)
class TradingRules:
    """The trading rules of one market (all amounts in base, notional in quote)."""

    price_tick: Decimal
    """Smallest price increment; prices are floored to it."""
    amount_step: Decimal
    """Smallest base amount increment; amounts are floored to it."""
    min_amount: Decimal = ZERO
    """Smallest base amount accepted, after flooring."""
    min_notional: Decimal = ZERO
    """Smallest amount × price (quote) accepted."""
    order_types: frozenset[OrderType] = frozenset(OrderType)
    """Order types the market accepts."""

    def __post_init__(self) -> None:
        for field in ("price_tick", "amount_step"):
            value = getattr(self, field)
            if not isinstance(value, Decimal) or value <= ZERO:
                raise ValueError(f"Expected a positive Decimal {field}, received {value!r}")
        for field in ("min_amount", "min_notional"):
            value = getattr(self, field)
            if not isinstance(value, Decimal) or value < ZERO:
                raise ValueError(f"Expected a non-negative Decimal {field}, received {value!r}")

    def floor_amount(self, amount: Decimal) -> Decimal:
        """Return ``amount`` floored to the amount step."""
        return floor_to_step(amount, self.amount_step)

    def floor_price(self, price: Decimal) -> Decimal:
        """Return ``price`` floored to the price tick."""
        return floor_to_step(price, self.price_tick)

    def check(self, *, amount: Decimal, price: Decimal) -> str | None:
        """Return why a floored ``amount`` at ``price`` breaks a minimum, or None if none."""
        if amount <= ZERO:
            return f"amount {amount} after flooring to the step is not positive (expected > 0)"
        if amount < self.min_amount:
            return f"amount {amount} is below the minimum amount {self.min_amount} (expected >= it)"
        notional = amount * price
        if notional < self.min_notional:
            return (
                f"notional {notional} (amount {amount} x price {price}) is below the minimum "
                f"notional {self.min_notional} (expected >= it)"
            )
        return None

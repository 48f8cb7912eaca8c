"""Exits on an entry price, as prices: stop loss, trailing stop and take profit (shared by the
position and DCA executors).

Hummingbot states its barriers as ratios of **net** P&L (entry fees included). For an entry at
``e`` with entry fees ``f`` (a ratio of the entry notional) and ``s`` = +1 for a long, -1 for a
short, net P&L equals a ratio ``r`` where the price is ``e x (1 + s x (r + f))``
(:func:`pnl_price`). Turning each barrier into a price once per entry change makes every price
check a plain comparison.

A barrier state (:class:`BarrierPrices`) holds the prices: None for a barrier not armed. The
trailing stop arms when the price passes its activation price (strictly), then trails the best
price since by ``trailing_delta_quote`` and fires when the price crosses back past it (strictly).
:func:`long_barrier` and :func:`short_barrier` check one price in Hummingbot's order (stop loss,
trailing stop, take profit) and return the close type of the first that fires.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Protocol

from lpexec.core import CloseType

__all__ = [
    "BarrierPrices",
    "long_barrier",
    "pnl_price",
    "pnl_ratio",
    "short_barrier",
    "trail",
]

ONE = Decimal(1)


class BarrierPrices(Protocol):
    """The barrier prices an executor's state holds (None: not armed)."""

    stop_loss_price: Decimal | None
    take_profit_price: Decimal | None
    trailing_activation_price: Decimal | None
    trailing_delta_quote: Decimal
    trailing_peak_price: Decimal | None
    trailing_stop_price: Decimal | None


def pnl_price(entry: Decimal, pnl_ratio: Decimal, fee_ratio: Decimal, is_buy: bool) -> Decimal:
    """The price at which a position entered at ``entry`` with fees ``fee_ratio`` (of the entry
    notional) has a net P&L of ``pnl_ratio`` (negative: a loss)."""
    if is_buy:
        return entry * (ONE + (pnl_ratio + fee_ratio))
    return entry * (ONE - (pnl_ratio + fee_ratio))


def pnl_ratio(price: Decimal, entry: Decimal, fee_ratio: Decimal, is_buy: bool) -> Decimal:
    """The net P&L ratio at ``price`` of a position entered at ``entry`` with fees
    ``fee_ratio`` (the inverse of :func:`pnl_price`)."""
    move = price / entry - ONE
    return (move if is_buy else -move) - fee_ratio


def trail(state: BarrierPrices, price: Decimal, is_buy: bool) -> None:
    """Arm the trailing stop at ``price``, or move it with a new best price."""
    state.trailing_peak_price = price
    delta = state.trailing_delta_quote
    state.trailing_stop_price = price - delta if is_buy else price + delta


def long_barrier(
    state: BarrierPrices,
    price: Decimal,
    touch: Callable[[], None],
    *,
    strict_take_profit: bool = False,
) -> CloseType | None:
    """The barrier a long position's ``price`` fires, if any (stop loss inclusive, take profit
    inclusive unless ``strict_take_profit``); arms or moves the trailing stop (then ``touch``)."""
    stop = state.stop_loss_price
    if stop is not None and price <= stop:
        return CloseType.STOP_LOSS
    stop = state.trailing_stop_price
    if stop is not None:
        if price < stop:
            return CloseType.TRAILING_STOP
        if price > state.trailing_peak_price:  # type: ignore[operator]
            trail(state, price, True)
            touch()
    else:
        activation = state.trailing_activation_price
        if activation is not None and price > activation:
            trail(state, price, True)
            touch()
    target = state.take_profit_price
    if target is not None and (price > target or (price == target and not strict_take_profit)):
        return CloseType.TAKE_PROFIT
    return None


def short_barrier(
    state: BarrierPrices,
    price: Decimal,
    touch: Callable[[], None],
    *,
    strict_take_profit: bool = False,
) -> CloseType | None:
    """:func:`long_barrier` for a short position: every comparison mirrored."""
    stop = state.stop_loss_price
    if stop is not None and price >= stop:
        return CloseType.STOP_LOSS
    stop = state.trailing_stop_price
    if stop is not None:
        if price > stop:
            return CloseType.TRAILING_STOP
        if price < state.trailing_peak_price:  # type: ignore[operator]
            trail(state, price, False)
            touch()
    else:
        activation = state.trailing_activation_price
        if activation is not None and price < activation:
            trail(state, price, False)
            touch()
    target = state.take_profit_price
    if target is not None and (price < target or (price == target and not strict_take_profit)):
        return CloseType.TAKE_PROFIT
    return None

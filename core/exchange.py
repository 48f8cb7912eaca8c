"""Order-book venue data: trading rules, order reports, balances and perpetual positions.

These are what an :class:`~lpexec.core.ports.ExchangeVenue` answers when asked (the writes and
their outcome events live in :mod:`lpexec.core.trade`). Amounts are in base, prices and notionals
in quote, fees in quote, everything ``Decimal``.

An :class:`OrderReport` is the venue's record of one order found by our client order id: it is
how a place whose outcome is unknown is reconciled (found: the order exists, with its fills; not
found: it was never made) and how fills made while we were not listening (the process was down,
or nobody polled) reach the executor (:meth:`OrderReport.events`, idempotent by ``fill_id``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Literal

from lpexec.core.messages import OutcomeEvent
from lpexec.core.money import ZERO
from lpexec.core.trade import OrderCanceled, OrderCreated, OrderFailed, OrderFilled, OrderType

__all__ = [
    "ORDER_TYPES",
    "Balance",
    "FundingPayment",
    "OrderRef",
    "OrderReport",
    "OrderReportStatus",
    "PerpPosition",
    "PositionAction",
    "PositionMode",
    "PositionSide",
    "TradingRules",
    "floor_to_step",
]

ORDER_TYPES: frozenset[OrderType] = frozenset(("MARKET", "LIMIT", "LIMIT_MAKER"))

PositionAction = Literal["OPEN", "CLOSE"]
"""Perpetuals: whether an order opens (adds to) or closes (reduces) a position."""
PositionMode = Literal["ONEWAY", "HEDGE"]
"""Perpetuals: one net position per market, or a long and a short side held apart."""
PositionSide = Literal["LONG", "SHORT"]
OrderReportStatus = Literal["OPEN", "FILLED", "CANCELED", "FAILED"]


def floor_to_step(value: Decimal, step: Decimal) -> Decimal:
    """Return ``value`` floored to a multiple of ``step`` (a positive increment).

    Example:
        >>> floor_to_step(Decimal("1.2379"), Decimal("0.01"))
        Decimal('1.23')
    """
    if step <= ZERO:
        raise ValueError(f"step: expected a positive increment, received {step}")
    return (value / step).to_integral_value(rounding=ROUND_FLOOR) * step


@dataclass(frozen=True, kw_only=True)
class TradingRules:
    """The trading rules of one market, as data (amounts in base, notional in quote).

    Amounts are floored to ``amount_step`` (never rounded up: a venue never fills more than
    asked) and prices to ``price_tick``; after flooring, an order below ``min_amount`` or
    ``min_notional`` is refused, and so is an order type not in ``order_types``.
    """

    price_tick: Decimal
    """Smallest price increment."""
    amount_step: Decimal
    """Smallest base amount increment."""
    min_amount: Decimal = ZERO
    """Smallest base amount accepted, after flooring."""
    min_notional: Decimal = ZERO
    """Smallest amount x price (quote) accepted."""
    order_types: frozenset[str] = ORDER_TYPES
    """Order types the market accepts (``MARKET``, ``LIMIT``, ``LIMIT_MAKER``)."""

    def __post_init__(self) -> None:
        for name in ("price_tick", "amount_step"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite() or value <= ZERO:
                raise ValueError(f"{name}: expected a positive Decimal, received {value!r}")
        for name in ("min_amount", "min_notional"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite() or value < ZERO:
                raise ValueError(f"{name}: expected a non-negative Decimal, received {value!r}")

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


@dataclass(frozen=True, slots=True)
class OrderRef:
    """Where to ask about one of an executor's orders: venue key, pair and client order id."""

    venue: str
    trading_pair: str
    client_order_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderReport:
    """A venue's record of one order, found by our client order id.

    Attributes:
        status: OPEN (resting, perhaps partly filled), FILLED, CANCELED (by us, by the venue,
            or the unfilled rest of an immediate-or-cancel order) or FAILED (rejected).
        fills: every fill of the order so far, oldest first, each with its venue ``fill_id``.
        reason: why it was canceled or failed, when the venue says.
    """

    client_order_id: str
    trading_pair: str
    status: OrderReportStatus
    venue_order_id: str = ""
    fills: tuple[OrderFilled, ...] = ()
    reason: str = ""

    @property
    def filled_amount(self) -> Decimal:
        """The base amount filled so far."""
        return sum((fill.base_amount for fill in self.fills), ZERO)

    def events(self, ts_event: dt.datetime, *, command_id: str = "") -> list[OutcomeEvent]:
        """The outcome events this record implies, in order: the order was created, each fill,
        then its end (the last fill of a FILLED order is final). Applying them twice changes
        nothing more than once: executors count a fill once per ``fill_id``.

        ``command_id`` is the command the events answer (the place, when reconciling it); a
        record read by the order poller answers none."""
        events: list[OutcomeEvent] = []
        if self.status == "FAILED" and not self.fills:
            return [
                OrderFailed(
                    ts_event=ts_event,
                    command_id=command_id,
                    client_order_id=self.client_order_id,
                    reason=self.reason,
                )
            ]
        events.append(
            OrderCreated(
                ts_event=ts_event,
                command_id=command_id,
                client_order_id=self.client_order_id,
                venue_order_id=self.venue_order_id,
            )
        )
        last = len(self.fills) - 1
        for index, fill in enumerate(self.fills):
            final = self.status == "FILLED" and index == last
            if final and not fill.is_final:
                fill = OrderFilled(
                    ts_event=fill.ts_event,
                    command_id=fill.command_id,
                    client_order_id=fill.client_order_id,
                    fill_id=fill.fill_id,
                    side=fill.side,
                    base_amount=fill.base_amount,
                    price=fill.price,
                    fee_quote=fill.fee_quote,
                    is_final=True,
                )
            events.append(fill)
        if self.status == "CANCELED":
            events.append(
                OrderCanceled(
                    ts_event=ts_event, command_id=command_id, client_order_id=self.client_order_id
                )
            )
        elif self.status == "FAILED":
            events.append(
                OrderFailed(
                    ts_event=ts_event,
                    command_id=command_id,
                    client_order_id=self.client_order_id,
                    reason=self.reason,
                )
            )
        return events


@dataclass(frozen=True, slots=True)
class Balance:
    """One asset's balance: ``total`` held, ``available`` not reserved by open orders."""

    asset: str
    total: Decimal
    available: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class PerpPosition:
    """An open perpetual position (``amount`` base, always positive; ``side`` says which way)."""

    trading_pair: str
    side: PositionSide
    amount: Decimal
    entry_price: Decimal
    leverage: int
    margin: Decimal = ZERO
    unrealized_pnl: Decimal = ZERO
    liquidation_price: Decimal | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FundingPayment:
    """A funding payment on a position: ``amount`` in quote, positive when received.

    ``position_side`` is the side of the position charged and ``position_amount`` its size
    (base) when charged, where the venue says: with it the payment splits exactly among the
    executors that hold the position, whichever process runs them.
    """

    trading_pair: str
    payment_id: str
    amount: Decimal
    rate: Decimal
    ts: dt.datetime
    position_side: PositionSide | None = None
    position_amount: Decimal | None = None

"""Orders and fills of the paper exchange, and the order lifecycle as a table.

Lifecycle (one row per legal move)::

    OPEN             --fill-->          PARTIALLY_FILLED | FILLED
    PARTIALLY_FILLED --fill-->          PARTIALLY_FILLED | FILLED
    OPEN | PARTIALLY_FILLED --cancel--> CANCELED   (a partially filled cancel keeps its fills)

An order refused at placement is born REJECTED and never moves. FILLED, CANCELED and REJECTED are
terminal. Snapshots (:class:`Order`) are frozen; the exchange replaces them on every change.
"""

from __future__ import annotations

import datetime as _dt
import enum
from dataclasses import dataclass
from decimal import Decimal
from typing import NewType

from lpexec.core.exchange import PositionAction
from lpexec.core.fsm import StateMachine

__all__ = [
    "ORDER_LIFECYCLE",
    "ClientOrderId",
    "Fill",
    "Liquidity",
    "Order",
    "OrderSide",
    "OrderStatus",
    "OrderTrigger",
    "OrderType",
]

ClientOrderId = NewType("ClientOrderId", str)


class OrderSide(enum.StrEnum):
    """Which way an order trades the base asset."""

    BUY = "BUY"
    SELL = "SELL"


class OrderType(enum.StrEnum):
    """How an order meets the market."""

    MARKET = "MARKET"
    LIMIT = "LIMIT"
    LIMIT_MAKER = "LIMIT_MAKER"


class OrderStatus(enum.StrEnum):
    """Where an order is in its lifecycle."""

    OPEN = "OPEN"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELED = "CANCELED"
    REJECTED = "REJECTED"

    @property
    def is_terminal(self) -> bool:
        """Return True for FILLED, CANCELED and REJECTED."""
        return self in _TERMINAL


_TERMINAL = frozenset({OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.REJECTED})


class OrderTrigger(enum.StrEnum):
    """What moves an order: a partial fill, the last fill, or a cancel."""

    PARTIAL_FILL = "PARTIAL_FILL"
    COMPLETE_FILL = "COMPLETE_FILL"
    CANCEL = "CANCEL"


class Liquidity(enum.StrEnum):
    """Whether a fill added liquidity (maker, a resting order) or took it (taker)."""

    MAKER = "MAKER"
    TAKER = "TAKER"


_S, _T = OrderStatus, OrderTrigger
ORDER_LIFECYCLE: StateMachine[OrderStatus, OrderTrigger] = StateMachine(
    {
        (_S.OPEN, _T.PARTIAL_FILL): _S.PARTIALLY_FILLED,
        (_S.OPEN, _T.COMPLETE_FILL): _S.FILLED,
        (_S.OPEN, _T.CANCEL): _S.CANCELED,
        (_S.PARTIALLY_FILLED, _T.PARTIAL_FILL): _S.PARTIALLY_FILLED,
        (_S.PARTIALLY_FILLED, _T.COMPLETE_FILL): _S.FILLED,
        (_S.PARTIALLY_FILLED, _T.CANCEL): _S.CANCELED,  # keeps what was filled
    },
    name="paper exchange order",
)


@dataclass(frozen=True, kw_only=True, slots=True)
class Order:
    """A snapshot of one order on the paper exchange."""

    client_order_id: ClientOrderId
    trading_pair: str
    side: OrderSide
    order_type: OrderType
    amount: Decimal
    """Base amount after flooring to the step (as asked, when rejected before flooring)."""
    price: Decimal | None
    """Limit price after flooring to the tick; None for a market order."""
    status: OrderStatus
    filled_amount: Decimal = Decimal(0)
    filled_quote: Decimal = Decimal(0)
    """Sum of amount × price over the fills (before fees)."""
    fees_quote: Decimal = Decimal(0)
    reason: str | None = None
    """Why the order was rejected or canceled by the exchange; None otherwise."""
    created_at: _dt.datetime | None = None
    position_action: PositionAction | None = None
    """Perpetuals: OPEN (may reduce then flip in one-way mode) or CLOSE (only reduces); None on
    spot, and on perpetuals taken as OPEN."""

    @property
    def remaining_amount(self) -> Decimal:
        """Return the base amount still to fill."""
        return self.amount - self.filled_amount

    @property
    def average_price(self) -> Decimal | None:
        """Return the volume-weighted fill price, or None before the first fill."""
        if not self.filled_amount:
            return None
        return self.filled_quote / self.filled_amount

    @property
    def is_open(self) -> bool:
        """Return True while the order can still fill."""
        return not self.status.is_terminal


@dataclass(frozen=True, kw_only=True, slots=True)
class Fill:
    """One trade of one order; ``fill_id`` counts up from 1 across the exchange."""

    fill_id: int
    client_order_id: ClientOrderId
    trading_pair: str
    side: OrderSide
    amount: Decimal
    price: Decimal
    fee: Decimal
    fee_asset: str
    liquidity: Liquidity
    filled_at: _dt.datetime | None = None

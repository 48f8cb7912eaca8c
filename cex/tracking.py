"""One order as a CEX executor tracks it: its ids, what filled (each fill once) and where it stands.

Every CEX executor holds its orders as :class:`TrackedOrder` values in its state (they serialize
with it). :func:`place` builds the order and its :class:`~lpexec.core.trade.PlaceOrder` together,
with the client order id derived from the command id (:func:`client_order_id_for`): an engine that
retries the same intent re-sends the same client order id, so a venue never makes two orders for
one intent, and a place whose outcome is unknown is found again by that id.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from lpexec.core import (
    CancelOrder,
    CommandFailed,
    OrderFilled,
    OrderRef,
    PlaceOrder,
    PositionAction,
)
from lpexec.core.money import ZERO
from lpexec.core.trade import OrderType, Side

__all__ = [
    "DONE_PHASES",
    "OrderPhase",
    "TrackedOrder",
    "cancel",
    "cancel_again",
    "cancel_refused_reason",
    "client_order_id_for",
    "outcome_unknown_reason",
    "place",
]


def cancel_again(event: CommandFailed) -> bool:
    """Whether a failed cancel is sent again: the venue said to retry, or the cancel certainly
    did not reach it (``not_carried_out``: the order may still be open, so giving up would
    leave it there)."""
    return event.retryable or event.code == "not_carried_out"


def client_order_id_for(command_id: str) -> str:
    """The client order id of the order placed by ``command_id``: 32 letters and digits.

    Deterministic (a retried intent re-sends the same id, so the venue refuses a duplicate) and
    short and plain enough for every exchange's client-id rules (Binance 36, OKX 32 alphanumeric).
    """
    return "lpx" + hashlib.sha256(command_id.encode()).hexdigest()[:29]


class OrderPhase(StrEnum):
    """Where a tracked order stands."""

    PLACING = "PLACING"  # PlaceOrder sent, not confirmed yet
    OPEN = "OPEN"  # the venue holds it (perhaps partly filled)
    CANCELING = "CANCELING"  # CancelOrder sent
    FILLED = "FILLED"
    CANCELED = "CANCELED"
    FAILED = "FAILED"

    @property
    def is_done(self) -> bool:
        """True once the venue will neither fill nor cancel it any more."""
        return self in _DONE


_DONE = frozenset((OrderPhase.FILLED, OrderPhase.CANCELED, OrderPhase.FAILED))
DONE_PHASES = _DONE
"""The phases an order does not leave (:attr:`OrderPhase.is_done`)."""


@dataclass(slots=True)
class TrackedOrder:
    """One order: what was asked, what filled, where it stands.

    ``filled_quote`` is the sum of base x price over the fills (so the average price is
    ``filled_quote / filled_base``); ``fees_quote`` the fees in quote.
    """

    client_order_id: str
    command_id: str
    side: Side
    order_type: OrderType
    amount: Decimal
    price: Decimal | None = None
    position_action: PositionAction | None = None
    phase: OrderPhase = OrderPhase.PLACING
    venue_order_id: str = ""
    cancel_command_id: str = ""
    fill_ids: list[str] = field(default_factory=list)
    filled_base: Decimal = ZERO
    filled_quote: Decimal = ZERO
    fees_quote: Decimal = ZERO
    reason: str = ""

    @property
    def average_price(self) -> Decimal:
        """The fill-weighted average price (0 before any fill)."""
        return self.filled_quote / self.filled_base if self.filled_base > 0 else ZERO

    @property
    def remaining(self) -> Decimal:
        """The base amount not filled yet."""
        return max(ZERO, self.amount - self.filled_base)

    @property
    def is_done(self) -> bool:
        """True once filled, canceled or failed."""
        return self.phase.is_done

    def count_fill(self, event: OrderFilled) -> bool:
        """Count ``event`` once per ``fill_id``; return False (and change nothing) for a fill
        already counted. A fill that is final or reaches the amount makes the order FILLED."""
        if event.fill_id in self.fill_ids:
            return False
        self.fill_ids.append(event.fill_id)
        self.filled_base += event.base_amount
        self.filled_quote += event.base_amount * event.price
        self.fees_quote += event.fee_quote
        if event.is_final or self.filled_base >= self.amount:
            self.phase = OrderPhase.FILLED
        elif self.phase is OrderPhase.PLACING:
            self.phase = OrderPhase.OPEN
        return True

    def ref(self, venue: str, trading_pair: str) -> OrderRef:
        """Where to look the order up."""
        return OrderRef(venue, trading_pair, self.client_order_id)


def place(
    *,
    command_id: str,
    executor_id: str,
    venue: str,
    trading_pair: str,
    side: Side,
    order_type: OrderType,
    amount: Decimal,
    price: Decimal | None = None,
    position_action: PositionAction | None = None,
) -> tuple[TrackedOrder, PlaceOrder]:
    """Return a new tracked order and the command that places it (same client order id)."""
    client_order_id = client_order_id_for(command_id)
    order = TrackedOrder(
        client_order_id=client_order_id,
        command_id=command_id,
        side=side,
        order_type=order_type,
        amount=amount,
        price=price,
        position_action=position_action,
    )
    command = PlaceOrder(
        command_id=command_id,
        executor_id=executor_id,
        venue=venue,
        trading_pair=trading_pair,
        side=side,
        order_type=order_type,
        amount=amount,
        client_order_id=client_order_id,
        price=price,
        position_action=position_action,
    )
    return order, command


def cancel(
    order: TrackedOrder, *, command_id: str, executor_id: str, venue: str, trading_pair: str
) -> CancelOrder:
    """Mark ``order`` CANCELING and return the command that cancels it by client order id."""
    order.phase = OrderPhase.CANCELING
    order.cancel_command_id = command_id
    return CancelOrder(
        command_id=command_id,
        executor_id=executor_id,
        venue=venue,
        trading_pair=trading_pair,
        client_order_id=order.client_order_id,
    )


def outcome_unknown_reason(order: TrackedOrder, reason: str) -> str:
    """Why ``order`` is reported stranded: its place got no answer, so it may be open."""
    return (
        f"placing order {order.client_order_id} outcome unknown: {reason}; "
        "it may be open on the venue"
    )


def cancel_refused_reason(order: TrackedOrder, reason: str) -> str:
    """What an executor says when the venue refused to cancel ``order``."""
    return (
        f"canceling order {order.client_order_id} was refused: {reason}; "
        "the order may still be open on the venue"
    )

"""What every CEX executor does alike when the venue answers about one of its orders: the order
was created, or a place's outcome is unknown (the order may exist: the poller reads it by client
order id and the executor reports itself stranded meanwhile)."""

from __future__ import annotations

from typing import Protocol

from lpexec.cex.tracking import OrderPhase, TrackedOrder, outcome_unknown_reason
from lpexec.core import CommandFailed, OrderCreated

__all__ = ["FailureNote", "mark_created", "mark_outcome_unknown"]


class FailureNote(Protocol):
    """The fields of an executor's state that say why it may be stranded or failed."""

    outcome_unknown: bool
    failure_reason: str
    failure_code: str


def mark_created(order: TrackedOrder, event: OrderCreated) -> None:
    """The venue holds ``order``: keep its venue id; a PLACING order is OPEN."""
    order.venue_order_id = event.venue_order_id or order.venue_order_id
    if order.phase is OrderPhase.PLACING:
        order.phase = OrderPhase.OPEN


def mark_outcome_unknown(note: FailureNote, order: TrackedOrder, event: CommandFailed) -> None:
    """Placing ``order`` got no answer: note it (the executor is stranded until the venue's
    record of the order arrives)."""
    note.outcome_unknown = True
    note.failure_reason = outcome_unknown_reason(order, event.reason)
    note.failure_code = event.code

"""The order-book family's own events (the orders themselves use :mod:`lpexec.core.trade`).

- :class:`FundingPaid`: a perpetual's funding payment on a pair, delivered to the position
  executors holding it (through :meth:`Engine.observe <lpexec.core.engine.Engine.observe>`, from
  :meth:`~lpexec.core.ports.PerpetualVenue.funding_payments`). Executors count each
  ``payment_id`` once, so a record read twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from lpexec.core import Event, FundingPayment, PositionSide
from lpexec.core.messages import register_message

__all__ = ["FundingPaid"]


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class FundingPaid(Event):
    """A funding payment on ``trading_pair``: ``amount`` in quote, positive when received.

    ``position_side`` names the side paid in hedge mode (None: the pair's one net position).
    """

    trading_pair: str
    payment_id: str
    amount: Decimal
    position_side: PositionSide | None = None

    @classmethod
    def of(cls, payment: FundingPayment) -> FundingPaid:
        """The event of a venue's funding record."""
        return cls(
            ts_event=payment.ts,
            trading_pair=payment.trading_pair,
            payment_id=payment.payment_id,
            amount=payment.amount,
            position_side=payment.position_side,
        )

"""Adding liquidity to and removing a fraction from an open position on request (``lpexec lp add``
and ``lpexec lp remove``).

A caller hands the executor :class:`AddLiquidityRequested` or :class:`RemoveLiquidityRequested`;
an open position answers with one :class:`~lpexec.lp.messages.AddLiquidity` or
:class:`~lpexec.lp.messages.RemoveLiquidity` write (one change at a time). Accounting: an addition
is more deposit (at the pool price of the addition, so the deposit's value stays exact); what a
removal withdrew stays part of what the position returned (valued like the liquidity left, and
swapped back or held at the close with the rest), so the P&L keeps comparing the whole deposit
with holding it. An answer lost with its signature known is reconciled from that signature; one
lost without it stays unknown (never sent again) until it expires and is reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from lpexec.core.messages import Event, register_message

__all__ = ["AddLiquidityRequested", "RemoveLiquidityRequested"]


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class AddLiquidityRequested(Event):
    """A caller asked an LP executor to add these amounts to its position."""

    base_amount: Decimal
    quote_amount: Decimal


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class RemoveLiquidityRequested(Event):
    """A caller asked an LP executor to remove ``fraction`` (a ratio in (0, 1]) of its
    position's liquidity (the position stays open)."""

    fraction: Decimal

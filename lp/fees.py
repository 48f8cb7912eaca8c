"""Claiming an open position's fees on request (``lpexec lp collect-fees``).

A caller hands the executor :class:`CollectFeesRequested`; an open position answers with one
:class:`~lpexec.lp.messages.CollectFees` write (one at a time), and its
:class:`~lpexec.lp.messages.FeesCollected` outcome adds the amounts to the fees claimed and the
transaction's fee to the executor's costs. The write goes through the outbox with its evidence: an
answer lost on the way is reconciled from the chain (the position's history since the send), never
sent a second time while it may have landed.
"""

from __future__ import annotations

from dataclasses import dataclass

from lpexec.core.messages import Event, register_message

__all__ = ["CollectFeesRequested"]


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class CollectFeesRequested(Event):
    """A caller asked an LP executor to claim its position's fees now."""

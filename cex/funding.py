"""Funding payments shared among the executors that hold the position the venue charged.

A perpetual venue charges funding on its position in a market, and several executors (in one
process or spread over workers) may hold parts of that one position. :func:`funding_shares`
gives each its part of each payment, from what it holds:

- In one-way mode the venue's position is the net of every holder's: a holder on the charged
  side takes ``+held``, one on the other side ``-held`` (a short beside a larger long receives
  what the longs pay on its size). A payment that does not name the side it charged is on the
  side the holders net to. In hedge mode only the holders of the charged side share it.
- The part is ``amount x signed held / position size``. The size is the venue's own figure
  (:attr:`~lpexec.core.exchange.FundingPayment.position_amount`) when it gives one, so a worker
  that runs only some of the holders still hands each its exact part; otherwise it is the sum
  of the signed holdings of those given (right when they are every holder).
- A payment made before a holder was created is not its to share. Executors count each
  ``payment_id`` once, so delivering the same payments again changes nothing.

``held`` is what the executor holds when the shares are worked out: funding is polled often
(every worker tick, every paper step), far more often than holdings change between a payment
and its poll.

:class:`FundingPoller` reads the payments of every market where live perpetual executors hold
something and delivers their parts (as :class:`~lpexec.cex.messages.FundingPaid`, on the
executor's own side) through :meth:`Engine.observe <lpexec.core.engine.Engine.observe>`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from lpexec.cex.messages import FundingPaid
from lpexec.core.errors import VenueError
from lpexec.core.exchange import FundingPayment, PositionSide
from lpexec.core.messages import Event
from lpexec.core.money import ZERO
from lpexec.core.ports import PerpetualVenue

__all__ = ["FundingHolder", "FundingPoller", "funding_shares"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FundingHolder:
    """An executor holding part of a perpetual position: ``held`` base on ``side`` since
    ``since`` (its creation); ``hedge``: the market is in hedge mode."""

    executor_id: str
    side: PositionSide
    held: Decimal
    since: dt.datetime
    hedge: bool = False


def funding_shares(
    payments: Sequence[FundingPayment], holders: Sequence[FundingHolder]
) -> dict[str, list[FundingPaid]]:
    """Each holder's parts of ``payments`` (one market's), by executor id (module docstring);
    holders with no part are left out."""
    shares: dict[str, list[FundingPaid]] = {}
    for payment in payments:
        eligible = [h for h in holders if h.since <= payment.ts and h.held > ZERO]
        charged = payment.position_side or _net_side(eligible)
        if charged is None:
            continue  # the holders net to nothing: none of the position is held here
        signed: list[tuple[FundingHolder, Decimal]] = []
        for holder in eligible:
            if holder.side == charged:
                signed.append((holder, holder.held))
            elif not holder.hedge:  # one-way: the other side nets against the position
                signed.append((holder, -holder.held))
        size = payment.position_amount
        if size is None or size <= ZERO:
            size = sum((held for _, held in signed), ZERO)
        if size <= ZERO:
            continue  # nothing of the position is held here
        for holder, held in signed:
            shares.setdefault(holder.executor_id, []).append(
                FundingPaid(
                    ts_event=payment.ts,
                    trading_pair=payment.trading_pair,
                    payment_id=payment.payment_id,
                    amount=payment.amount * held / size,
                    position_side=holder.side,
                )
            )
    return shares


def _net_side(holders: Sequence[FundingHolder]) -> PositionSide | None:
    """The side of the holders' net position (a payment that does not name the side it
    charged: the venue's one net position); None when they net to nothing."""
    net = sum((h.held if h.side == "LONG" else -h.held for h in holders), ZERO)
    if net == ZERO:
        return None
    return "LONG" if net > ZERO else "SHORT"


class _Engine(Protocol):
    def live_executors(self) -> list[Any]: ...

    def venue(self, key: str) -> Any: ...

    def observe(self, executor_id: str, events: Sequence[Event]) -> bool: ...


class FundingPoller:
    """Delivers the perpetual venues' funding payments to the live executors holding the
    positions charged (see the module docstring)."""

    def __init__(self, engine: _Engine) -> None:
        self._engine = engine

    def holders(self) -> dict[tuple[str, str], list[FundingHolder]]:
        """The live perpetual executors holding something, by (venue key, trading pair)."""
        groups: dict[tuple[str, str], list[FundingHolder]] = {}
        for executor in self._engine.live_executors():
            config = executor.config
            opened = getattr(executor.state, "open_base", None)
            if opened is None or not getattr(config, "perpetual", False):
                continue
            held = opened - executor.state.close_base
            if held <= ZERO:
                continue
            groups.setdefault((config.connector_name, config.trading_pair), []).append(
                FundingHolder(
                    executor_id=executor.id,
                    side="LONG" if config.side == "BUY" else "SHORT",
                    held=held,
                    since=executor.created_at,
                    hedge=getattr(config, "position_mode", "ONEWAY") == "HEDGE",
                )
            )
        return groups

    async def poll_once(self) -> int:
        """Read each held market's payments and deliver their parts; return how many events
        were delivered (an executor counts each payment once: those it had count nothing). A
        venue that cannot answer is logged and asked again at the next poll."""
        engine = self._engine
        delivered = 0
        for (venue_key, pair), holders in self.holders().items():
            venue = engine.venue(venue_key)
            if not isinstance(venue, PerpetualVenue):
                continue
            since = min(holder.since for holder in holders)
            try:
                payments = await venue.funding_payments(pair, since)
            except VenueError as error:
                logger.warning("funding of %s on %s could not be read: %s", pair, venue_key, error)
                continue
            for executor_id, events in funding_shares(payments, holders).items():
                if engine.observe(executor_id, events):
                    delivered += len(events)
        return delivered

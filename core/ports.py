"""Ports: the Protocols the engine talks to. Adapters (Gateway, ccxt, paper) implement them.

A family's own port lives with its messages (``lpexec.lp.messages.LiquidityVenue``); here are the
ones every family shares: reconciling, swaps, orders, and market data.

A write method takes the command and its :class:`~core.evidence.Evidence` and returns the outcome
event(s). It records what it learns while sending (a signature, balances before) in the evidence,
which the engine stores at once on the intent; it keeps nothing in memory between calls. It raises
``VenueRejectedError`` when the venue refused and nothing happened (or the transaction failed on
chain: the fee it cost rides on the error), ``VenueUnavailableError`` when the request was
certainly not carried out, and ``OutcomeUnknownError`` when it may have been (a pending signature
is an unknown outcome: it never waits for it). After an unknown outcome the engine never re-sends:
it calls ``reconcile(command, evidence)`` (in this process or the next), which returns the outcome
event if the write landed, ``None`` if it certainly did not, or raises ``OutcomeUnknownError`` if
it still cannot tell.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable

from lpexec.core.evidence import Evidence
from lpexec.core.exchange import (
    Balance,
    FundingPayment,
    OrderReport,
    PerpPosition,
    PositionMode,
    TradingRules,
)
from lpexec.core.messages import Command, OutcomeEvent, PriceUpdated
from lpexec.core.trade import (
    CancelOrder,
    OrderCanceled,
    OrderFilled,
    PlaceOrder,
    Swap,
    SwapExecuted,
)

__all__ = ["ExchangeVenue", "MarketFeed", "PerpetualVenue", "Reconciler", "SwapVenue"]


@runtime_checkable
class Reconciler(Protocol):
    """Finds out what became of a write whose outcome is unknown."""

    async def reconcile(
        self, command: Command, evidence: Evidence
    ) -> OutcomeEvent | Sequence[OutcomeEvent] | None:
        """Return the outcome (one event, or all of them in order) if the write landed, None if
        it did not; raise OutcomeUnknownError."""
        ...


@runtime_checkable
class SwapVenue(Reconciler, Protocol):
    """Token swaps (Jupiter, pool swaps)."""

    async def swap(self, command: Swap, evidence: Evidence) -> SwapExecuted:
        """Execute a swap and report what actually moved."""
        ...


@runtime_checkable
class ExchangeVenue(Reconciler, Protocol):
    """Order-book venues (ccxt or the paper matching engine).

    Writes carry our client order id (derived from the intent), so ``reconcile`` of a place
    whose outcome is unknown looks the order up by it (:meth:`order_status`) and never sends it
    twice. Reads raise ``VenueUnavailableError`` when the venue cannot answer now.
    """

    async def place_order(self, command: PlaceOrder, evidence: Evidence) -> Sequence[OutcomeEvent]:
        """Place an order; return OrderCreated and any immediate fills (and OrderCanceled for
        the unfilled rest of an order that does not rest, such as a market order)."""
        ...

    async def cancel_order(
        self, command: CancelOrder, evidence: Evidence
    ) -> OrderCanceled | Sequence[OutcomeEvent]:
        """Cancel an order by its client order id; answer OrderCanceled, or the order's record
        up to the cancel (its fills first, so a fill made since the last poll is never lost)."""
        ...

    async def trading_rules(self, trading_pair: str) -> TradingRules:
        """The market's price tick, amount step, minimums and order types."""
        ...

    async def order_status(self, trading_pair: str, client_order_id: str) -> OrderReport | None:
        """The venue's record of an order with its fills, or None when it has none."""
        ...

    async def fills_since(self, trading_pair: str, since: dt.datetime) -> list[OrderFilled]:
        """Our fills on a market at or after ``since``, oldest first."""
        ...

    async def balances(self) -> dict[str, Balance]:
        """Every asset's balance by asset symbol."""
        ...


@runtime_checkable
class PerpetualVenue(ExchangeVenue, Protocol):
    """A perpetual-futures venue: positions, leverage, position mode and funding."""

    async def positions(self) -> list[PerpPosition]:
        """The open positions."""
        ...

    async def set_leverage(self, trading_pair: str, leverage: int) -> None:
        """Set a market's leverage (before opening)."""
        ...

    async def set_position_mode(self, mode: PositionMode) -> None:
        """Set one-way or hedge mode for the account."""
        ...

    async def funding_payments(self, trading_pair: str, since: dt.datetime) -> list[FundingPayment]:
        """Funding paid or received on a market at or after ``since``, oldest first."""
        ...


@runtime_checkable
class MarketFeed(Protocol):
    """Market data, separate from execution: one read of the current prices of some keys.

    A key is what executors subscribe to (``ExecutorConfig.price_keys()``: a trading pair, an LP
    pool's address). The feed answers the keys it knows with price events (a pool's answer is a
    ``PoolPriceUpdated`` with its active bin) and leaves out the others; a key it cannot read
    right now is left out too (the next snapshot tries again).
    """

    async def snapshot(self, keys: Iterable[str]) -> list[PriceUpdated]:
        """Return the current price events for ``keys``."""
        ...

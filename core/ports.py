"""Ports: the Protocols the engine talks to. Adapters (Gateway, ccxt, paper) implement them.

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

from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol, runtime_checkable

from lpexec.core.commands import (
    AddLiquidity,
    CancelOrder,
    ClosePosition,
    CollectFees,
    Command,
    OpenPosition,
    PlaceOrder,
    RefreshPosition,
    RemoveLiquidity,
    Swap,
)
from lpexec.core.events import (
    FeesCollected,
    LiquidityAdded,
    LiquidityRemoved,
    OrderCanceled,
    OutcomeEvent,
    PositionClosed,
    PositionOpened,
    PositionUpdated,
    SwapExecuted,
)
from lpexec.core.evidence import Evidence

__all__ = [
    "COMMAND_METHODS",
    "ExchangeVenue",
    "LiquidityVenue",
    "MarketData",
    "Reconciler",
    "SwapVenue",
]


@runtime_checkable
class Reconciler(Protocol):
    """Finds out what became of a write whose outcome is unknown."""

    async def reconcile(self, command: Command, evidence: Evidence) -> OutcomeEvent | None:
        """Return the outcome if the write landed, None if it did not; raise OutcomeUnknownError."""
        ...


@runtime_checkable
class LiquidityVenue(Reconciler, Protocol):
    """Concentrated-liquidity positions (Meteora DLMM, CLMMs) through Gateway or paper."""

    async def open_position(self, command: OpenPosition, evidence: Evidence) -> PositionOpened:
        """Open a position."""
        ...

    async def add_liquidity(self, command: AddLiquidity, evidence: Evidence) -> LiquidityAdded:
        """Add liquidity to a position."""
        ...

    async def remove_liquidity(
        self, command: RemoveLiquidity, evidence: Evidence
    ) -> LiquidityRemoved:
        """Remove a fraction of a position's liquidity."""
        ...

    async def collect_fees(self, command: CollectFees, evidence: Evidence) -> FeesCollected:
        """Claim a position's fees."""
        ...

    async def close_position(self, command: ClosePosition, evidence: Evidence) -> PositionClosed:
        """Close a position."""
        ...

    async def refresh_position(self, command: RefreshPosition) -> PositionUpdated:
        """Read a position's current amounts, fees, bounds and the pool price."""
        ...


@runtime_checkable
class SwapVenue(Reconciler, Protocol):
    """Token swaps (Jupiter, pool swaps)."""

    async def swap(self, command: Swap, evidence: Evidence) -> SwapExecuted:
        """Execute a swap and report what actually moved."""
        ...


@runtime_checkable
class ExchangeVenue(Reconciler, Protocol):
    """Order-book venues (ccxt or the paper matching engine)."""

    async def place_order(self, command: PlaceOrder, evidence: Evidence) -> Sequence[OutcomeEvent]:
        """Place an order; return OrderCreated and any immediate fills."""
        ...

    async def cancel_order(self, command: CancelOrder, evidence: Evidence) -> OrderCanceled:
        """Cancel an order."""
        ...


@runtime_checkable
class MarketData(Protocol):
    """Reference prices."""

    async def price(self, trading_pair: str) -> Decimal | None:
        """Return the mid price in quote per base, or None when unknown."""
        ...


COMMAND_METHODS: dict[type[Command], str] = {
    command: command.port_method
    for command in (
        OpenPosition,
        AddLiquidity,
        RemoveLiquidity,
        CollectFees,
        ClosePosition,
        RefreshPosition,
        Swap,
        PlaceOrder,
        CancelOrder,
    )
}
"""Which port method carries out each command type."""

"""Shared aliases, enums, the clock protocol and the ``NOT_GIVEN`` sentinel."""

from __future__ import annotations

import asyncio
import enum
import time
from datetime import UTC, datetime
from typing import Literal, Protocol, final

__all__ = [
    "Chain",
    "Clock",
    "Side",
    "StrategyType",
    "SystemClock",
    "TransactionStatus",
]

Side = Literal["BUY", "SELL"]
"""Swap side: ``SELL`` sells ``amount`` of the base token, ``BUY`` buys ``amount`` of it."""

Chain = Literal["solana", "ethereum"]
"""Chain family a Gateway route talks to (decides how addresses are validated)."""


class TransactionStatus(enum.IntEnum):
    """Gateway's ``TransactionStatus`` for Solana writes and polls."""

    FAILED = -1
    """The transaction landed and failed on chain."""
    PENDING = 0
    """Not (yet) seen as confirmed: pending, dropped, or unknown."""
    CONFIRMED = 1
    """Confirmed on chain without error."""


class StrategyType(enum.IntEnum):
    """Meteora DLMM liquidity shape used by open-position / add-liquidity."""

    SPOT = 0
    CURVE = 1
    BID_ASK = 2


class Clock(Protocol):
    """Time source injected into the client (tests pass a fake that never sleeps)."""

    def now(self) -> datetime:
        """Return the current time as an aware UTC datetime."""
        ...

    def monotonic(self) -> float:
        """Return a monotonic time in seconds (for intervals only)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Suspend the caller for ``seconds``."""
        ...


@final
class SystemClock:
    """The real clock: wall time in UTC, ``time.monotonic`` and ``asyncio.sleep``."""

    def now(self) -> datetime:
        """Return the current time as an aware UTC datetime."""
        return datetime.fromtimestamp(time.time(), tz=UTC)

    def monotonic(self) -> float:
        """Return ``time.monotonic()``."""
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        """Sleep with ``asyncio.sleep``."""
        await asyncio.sleep(max(0.0, seconds))

"""Clocks for wiring: one simulated clock shared by the engine, the client and the paper chain."""

from __future__ import annotations

import datetime as dt
import time

from lpexec.paper.chain import ManualClock

__all__ = ["SimulatedTime", "SystemTime"]

_EPOCH = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


class SimulatedTime(ManualClock):
    """Simulated time: ``sleep`` moves it forward at once, so waits cost nothing.

    It satisfies the core ``Clock``, the paper chain's sleeping clock and the Gateway client's
    clock (``monotonic`` counts simulated seconds).
    """

    __slots__ = ()

    def monotonic(self) -> float:
        """Simulated seconds since a fixed origin."""
        return (self.now() - _EPOCH).total_seconds()


class SystemTime:
    """The wall clock, with the same three faces as :class:`SimulatedTime`."""

    __slots__ = ()

    def now(self) -> dt.datetime:
        """Wall-clock time in UTC."""
        return dt.datetime.fromtimestamp(time.time(), tz=dt.UTC)

    def monotonic(self) -> float:
        """The process's monotonic clock."""
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        """Really wait."""
        import asyncio

        await asyncio.sleep(seconds)

"""The loop that drives the runtimes while the API serves: prices in, ticks, commands out.

Every ``interval_seconds`` of the wall clock, one :meth:`RuntimeDriver.step`:

- LP runtime: read the pools the live LP executors hold (``poller.poll_once``), send a tick,
  carry out what the executors asked (``engine.drain``, waiting at most ``max_write_wait_seconds``
  for a venue write; a slower one goes on in the background, holding only its executor).
- CEX runtime: on the paper exchange, play the paper minutes the wall clock has passed
  (``advance``), else deliver the venue's order records and carry out the commands (``settle``).

A step that fails is logged and the next one runs: one broken venue read must not stop every
executor.
"""

from __future__ import annotations

import asyncio
import logging

from lpexec.app.cex_runtime import CexRuntime
from lpexec.app.runtime import LPRuntime
from lpexec.core.clock import Clock, LiveClock

__all__ = ["RuntimeDriver"]

logger = logging.getLogger(__name__)


class RuntimeDriver:
    """Drives an LP runtime and a CEX runtime (either may be None) on one schedule.

    Args:
        lp: the LP runtime.
        cex: the CEX runtime.
        wall_clock: the clock the schedule and the paper catch-up read.
        interval_seconds: time between steps.
        max_write_wait_seconds: how long a step waits for LP venue writes.
    """

    def __init__(
        self,
        *,
        lp: LPRuntime | None,
        cex: CexRuntime | None,
        wall_clock: Clock | None = None,
        interval_seconds: float = 1.0,
        max_write_wait_seconds: float = 15.0,
    ) -> None:
        if interval_seconds <= 0:
            raise ValueError(f"interval_seconds: expected > 0, received {interval_seconds}")
        self.lp = lp
        self.cex = cex
        self.clock = wall_clock or LiveClock()
        self.interval_seconds = interval_seconds
        self.max_write_wait_seconds = max_write_wait_seconds
        self.steps = 0
        self.failures = 0

    async def step(self) -> None:
        """One round over both runtimes (see the module docstring)."""
        if self.lp is not None:
            try:
                await self._step_lp(self.lp)
            except Exception:
                self.failures += 1
                logger.exception("driver: the LP step failed; the next one will run")
        if self.cex is not None:
            try:
                await self._step_cex(self.cex)
            except Exception:
                self.failures += 1
                logger.exception("driver: the CEX step failed; the next one will run")
        self.steps += 1

    async def _step_lp(self, lp: LPRuntime) -> None:
        await lp.poller.poll_once()
        lp.engine.tick()
        await lp.engine.drain(max_wait=self.max_write_wait_seconds)

    async def _step_cex(self, cex: CexRuntime) -> None:
        paper = cex.paper
        if paper is None:
            cex.engine.tick()
            await cex.settle()
            return
        steps = paper.catch_up_steps(self.clock.now())
        if steps > 0:
            await cex.advance(steps)
        else:
            await cex.settle()

    async def run(self, stop: asyncio.Event) -> None:
        """Step every ``interval_seconds`` until ``stop`` is set; a sleep ends at once then."""
        while not stop.is_set():
            await self.step()
            sleeper = asyncio.ensure_future(self.clock.sleep(self.interval_seconds))
            waiter = asyncio.ensure_future(stop.wait())
            try:
                await asyncio.wait({sleeper, waiter}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in (sleeper, waiter):
                    task.cancel()

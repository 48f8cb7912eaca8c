"""The backtest's bar loop: bars the executors must see go through the engine, the rest in bulk.

For every chunk of bars the loop asks the live LP executor for its quiet window (the bins,
limit prices and deadline inside which nothing it decides can change, see :mod:`core.quiet`).
Bars inside the window only move the market: the pool replays them in one call, and the time in
range grows by their count. The first bar outside the window, every sample bar and the last bar
are *delivered*: the pool replays it, the engine gets its price and a tick, the policy runs when
no position is live. The pool's bar market is associative, so this gives exactly the numbers of
delivering every bar (``every_bar=True``), which the tests check.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from lpexec.backtest.quiet_search import QuietSearch
from lpexec.backtest.quiet_window import QuietWindow, lp_quiet_window
from lpexec.controllers.rebalancer import PolicyRunner
from lpexec.core import Engine
from lpexec.core.clock import SimulatedClock
from lpexec.core.money import ZERO
from lpexec.lp import LPExecutor, LPState
from lpexec.lp.math.dlmm import BinRounding
from lpexec.lp.messages import publish_pool_price
from lpexec.lp.rebalance import RebalanceConfig
from lpexec.paper.chain import PaperChain
from lpexec.paper.pools import DlmmPool

__all__ = ["BarReplay", "target_bins"]


def target_bins(pool: DlmmPool, prices: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """The bin each price falls in (nearest in log space), exact: prices within a hair of the
    midpoint between two bins are settled with the pool's Decimal arithmetic."""
    shift = (pool.quote_decimals - pool.base_decimals) * math.log(10.0)
    estimate = (np.log(prices) + shift) / math.log1p(pool.bin_step / 10_000)
    bins = np.floor(estimate + 0.5).astype(np.int64)
    close_calls = np.flatnonzero(np.abs(estimate - np.floor(estimate) - 0.5) < 1e-6)
    for index in close_calls.tolist():
        price = Decimal(repr(float(prices[index])))
        bins[index] = pool.bin_id_for_price(price, BinRounding.NEAREST)
    return bins


class BarReplay:
    """Replays chunks of bars on one pool for one policy; collects what the report needs."""

    def __init__(
        self,
        chain: PaperChain,
        engine: Engine,
        runner: PolicyRunner,
        pool: DlmmPool,
        config: RebalanceConfig,
        *,
        sample_every: int,
        every_bar: bool,
        on_sample: Callable[[dt.datetime, LPExecutor | None], None],
    ) -> None:
        self.chain, self.engine, self.runner, self.pool = chain, engine, runner, pool
        self.config, self.sample_every, self.every_bar = config, sample_every, every_bar
        self.policy = runner.policies[config.policy_id]
        self.on_sample = on_sample
        self.rows = 0
        self.delivered = 0
        """Bars that went through the engine (the others only moved the market)."""
        self.in_range_bars = 0
        self.executors: list[str] = []
        self._prices = {pool.address: ZERO}
        self._search = QuietSearch(pool.bin_step, pool.base_decimals, pool.quote_decimals)

    async def chunk(
        self,
        bins: npt.NDArray[np.int64],
        volumes: npt.NDArray[np.int64],
        times: npt.NDArray[np.int64],
        *,
        last: bool,
        progress: Callable[[], None] | None = None,
    ) -> None:
        """Replay one chunk (target bins, raw quote volumes, unix seconds); ``last`` marks the
        series' final chunk (its last bar is delivered)."""
        bin_list, volume_list, time_list = bins.tolist(), volumes.tolist(), times.tolist()
        count, pos = len(bin_list), 0
        limit = count - 1 if last else count
        while pos < count:
            end = (
                pos
                if self.every_bar
                else self._quiet_end(bins, times, pos, limit, bin_list, time_list)
            )
            self.rows += end - pos
            # The quiet bars and the bar after them move the market in one call (the bar
            # market is associative), then the engine sees that bar.
            stop = min(end + 1, count)
            if stop - pos >= DlmmPool.ARRAY_BARS:
                self._replay(bins[pos:stop], volumes[pos:stop], times[pos:stop])
            else:
                self._replay(bin_list[pos:stop], volume_list[pos:stop], time_list[pos:stop])
            if end < count:
                await self._deliver(time_list[end])
            pos = stop
            if progress is not None:
                progress()

    # --- quiet stretches ------------------------------------------------------------------------

    def _quiet_end(
        self,
        bins: npt.NDArray[np.int64],
        times: npt.NDArray[np.int64],
        pos: int,
        limit: int,
        bin_list: list[int],
        time_list: list[int],
    ) -> int:
        """First index >= ``pos`` (at most ``limit``) of a bar that must be delivered; counts
        the bars before it that are in range."""
        window = self._window()
        if window is None:
            return pos
        sample = -(-self.rows // self.sample_every) * self.sample_every  # next sample row
        limit = min(limit, pos + sample - self.rows)
        end = self._search.end(window, bins, times, bin_list, time_list, pos, limit)
        if end > pos:
            if window.excursions:
                self.in_range_bars += self._search.in_range(window, bins, bin_list, pos, end)
            elif self._in_range():
                self.in_range_bars += end - pos
        return end

    def _window(self) -> QuietWindow | None:
        executor = self._current()
        if executor is None or executor.is_terminated or self.engine.has_work:
            return None
        window = lp_quiet_window(executor)
        if window is None or window.key != self.pool.address:
            return None
        return window

    # --- delivered bars -------------------------------------------------------------------------

    def _replay(self, bins: Sequence[int], volumes: Sequence[int], times: Sequence[int]) -> None:
        clock = self.engine.clock
        assert isinstance(clock, SimulatedClock)
        moment = dt.datetime.fromtimestamp(int(times[-1]), dt.UTC)
        if moment > clock.now():
            clock.set(moment)
        self.chain.replay_bars(self.pool.address, bins, volumes, times)

    async def _deliver(self, timestamp: int) -> None:
        """The engine's part of a bar the pool has just replayed."""
        self.delivered += 1
        engine, pool = self.engine, self.pool
        publish_pool_price(
            engine,
            self.config.trading_pair,
            pool.price,
            pool_address=pool.address,
            active_bin_id=pool.active_bin_id,
        )
        engine.tick()
        if engine.has_work:
            await engine.drain()
        if not self._has_live_position():
            self._prices[pool.address] = pool.price
            await self.runner.step(self._prices)
            if engine.has_work:
                await engine.drain()
            opened = self.policy.state.executor_id
            if opened and (not self.executors or self.executors[-1] != opened):
                self.executors.append(opened)
        if self._in_range():
            self.in_range_bars += 1
        if self.rows % self.sample_every == 0:
            self.on_sample(dt.datetime.fromtimestamp(timestamp, dt.UTC), self._current())
        self.rows += 1

    def _in_range(self) -> bool:
        executor = self._current()
        return executor is not None and executor.state.lp_state is LPState.IN_RANGE

    def _has_live_position(self) -> bool:
        executor = self._current()
        return executor is not None and not executor.is_terminated

    def _current(self) -> LPExecutor | None:
        executor_id = self.policy.state.executor_id
        if not executor_id:
            return None
        executor = self.engine.executor(executor_id)
        return executor if isinstance(executor, LPExecutor) else None

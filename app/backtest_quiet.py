"""Where a quiet stretch of bars ends: the backtest's search through a window (private).

Given the live executor's :class:`~core.quiet.QuietWindow` and the bars after the last delivered
one, find the first bar that must be delivered. A bar is *loud* when it is at or past the
window's deadline, near a limit price, or outside the window's bins. With excursions allowed, a
bar outside the bins is loud only when its run (the consecutive bars outside on one side) has
reached that side's time limit or switches sides, and then the run's *first* bar is the one to
deliver (the executor must see the run from its start). A run still open where the search
stops is delivered from its start too, so a stretch always ends with the executor's view
current.

Most stretches end within a few bars (a price hovering at a range edge), so the first bars are
examined one by one in plain Python; the rest in numpy, in looks that grow x8.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from core.quiet import QuietWindow

__all__ = ["QuietSearch"]

_PLAIN_LOOK = 16
"""Bars examined one by one first."""
_FIRST_LOOK = 64
"""Bars examined next, as arrays (the search grows x8)."""
_NO_LIMIT = 2**62


class QuietSearch:
    """The end of quiet stretches on one pool (bin ``b`` has price ``exp(b * step + shift)``)."""

    def __init__(self, bin_step: int, base_decimals: int, quote_decimals: int) -> None:
        self._bin_price = math.log1p(bin_step / 10_000)
        self._price_shift = (base_decimals - quote_decimals) * math.log(10.0)

    def end(
        self,
        window: QuietWindow,
        bins: npt.NDArray[np.int64],
        times: npt.NDArray[np.int64],
        bin_list: list[int],
        time_list: list[int],
        pos: int,
        limit: int,
    ) -> int:
        """First index >= ``pos`` (at most ``limit``) of a bar that must be delivered; the two
        columns are given as arrays and as lists (the same bars)."""
        start, run = pos, -1
        if window.low_price is None and window.high_price is None:
            start = min(pos + _PLAIN_LOOK, limit)
            found, run = _plain(window, bin_list, time_list, pos, start)
            if found >= 0:
                return found
            if run >= 0:
                start = run  # look at the open run again, with arrays
        size = _FIRST_LOOK
        while start < limit:
            stop = min(start + size, limit)
            found, run = self._look(window, bins[start:stop], times[start:stop])
            if found >= 0:
                return start + found
            if run >= 0 and stop == limit:
                return start + run
            start = start + run if run >= 0 else stop
            size *= 8
        return limit

    def in_range(
        self,
        window: QuietWindow,
        bins: npt.NDArray[np.int64],
        bin_list: list[int],
        pos: int,
        end: int,
    ) -> int:
        """How many of the bars ``[pos, end)`` are inside the window's bins."""
        low = -_NO_LIMIT if window.low_bin is None else window.low_bin
        high = _NO_LIMIT if window.high_bin is None else window.high_bin
        if end - pos <= _PLAIN_LOOK:
            return sum(1 for index in range(pos, end) if low <= bin_list[index] <= high)
        part = bins[pos:end]
        return int(np.count_nonzero((part >= low) & (part <= high)))

    def _look(
        self, window: QuietWindow, bins: npt.NDArray[np.int64], times: npt.NDArray[np.int64]
    ) -> tuple[int, int]:
        """(first bar to deliver or -1, first bar of the run still open at the end or -1), as
        indexes into ``bins``; the bar before ``bins[0]`` is inside the window."""
        loud = self._hard(window, bins, times)
        above = bins > window.high_bin if window.high_bin is not None else np.zeros_like(loud)
        below = bins < window.low_bin if window.low_bin is not None else np.zeros_like(loud)
        outside = above | below
        if not window.excursions:
            hits = np.flatnonzero(loud | outside)
            return (int(hits[0]) if hits.size else -1), -1
        side = above.view(np.int8) - below.view(np.int8)
        before = np.concatenate((np.zeros(1, dtype=np.int8), side[:-1]))
        starts = outside & (side != before)
        switched = starts & (before != 0)
        indexes = np.arange(len(bins))
        run_start = np.maximum.accumulate(np.where(starts, indexes, 0))
        limits = np.where(above, _limit(window.above_seconds), _limit(window.below_seconds))
        expired = outside & (times - times[run_start] >= limits)
        hits = np.flatnonzero(loud | expired | switched)
        if hits.size:
            first = int(hits[0])
            if switched[first]:
                return int(run_start[first - 1]), -1
            return (int(run_start[first]) if outside[first] else first), -1
        return -1, (int(run_start[-1]) if outside[-1] else -1)

    def _hard(
        self, window: QuietWindow, bins: npt.NDArray[np.int64], times: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.bool_]:
        """Bars loud whatever their bin's place: the deadline and the limit prices."""
        loud = np.zeros(len(bins), dtype=bool)
        if window.until is not None:
            loud |= times >= int(math.ceil(window.until.timestamp()))
        if window.low_price is not None or window.high_price is not None:
            # Bin prices in float, with a margin: a bar near a limit is delivered, and the
            # executor decides with exact Decimal prices.
            prices = np.exp(bins * self._bin_price + self._price_shift)
            if window.low_price is not None:
                loud |= prices <= float(window.low_price) * (1 + 1e-9)
            if window.high_price is not None:
                loud |= prices >= float(window.high_price) * (1 - 1e-9)
        return loud


def _plain(
    window: QuietWindow, bin_list: list[int], time_list: list[int], pos: int, stop: int
) -> tuple[int, int]:
    """:meth:`QuietSearch._look` over ``[pos, stop)`` in plain Python, for a window without
    limit prices; indexes are absolute."""
    low, high = window.low_bin, window.high_bin
    until = None if window.until is None else math.ceil(window.until.timestamp())
    excursions = window.excursions
    above_limit, below_limit = _limit(window.above_seconds), _limit(window.below_seconds)
    run, run_side, run_time = -1, 0, 0
    for index in range(pos, stop):
        bin_id, now = bin_list[index], time_list[index]
        if high is not None and bin_id > high:
            side = 1
        elif low is not None and bin_id < low:
            side = -1
        else:
            if until is not None and now >= until:
                return index, -1
            run = -1
            continue
        if until is not None and now >= until:
            return (run if run >= 0 else index), -1
        if not excursions:
            return index, -1
        if run < 0:
            run, run_side, run_time = index, side, now
        elif side != run_side:
            return run, -1
        if now - run_time >= (above_limit if side > 0 else below_limit):
            return run, -1
    return -1, run


def _limit(seconds: int | None) -> int:
    return _NO_LIMIT if seconds is None else seconds

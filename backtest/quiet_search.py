"""Where a quiet stretch of bars ends: the backtest's search through a window (private).

Given the live executor's :class:`~core.quiet.QuietWindow` and the bars after the last delivered
one, find the first bar that must be delivered. A bar is *loud* when it is at or past the
window's deadline, near a limit price, or outside the window's bins. With excursions allowed, a
bar outside the bins is loud only when its run (the consecutive bars outside on one side) has
reached that side's time limit or switches sides, and then the run's *first* bar is the one to
deliver (the executor must see the run from its start). A run still open where the search
stops is delivered from its start too, so a stretch always ends with the executor's view
current.

Most stretches end within a few dozen bars (a price hovering at a range edge), so the first bars
are examined one by one in plain Python; the rest in looks that grow x8, where numpy finds the
bars outside the bins and the first loud one, and Python walks only the bars outside.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from lpexec.backtest.quiet_window import QuietWindow

__all__ = ["QuietSearch"]

_PLAIN_LOOK = 64
"""Bars examined one by one first."""
_FIRST_LOOK = 512
"""Bars examined next, as arrays (each further look is _GROWTH times longer)."""
_GROWTH = 8
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
            size *= _GROWTH
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
        """:func:`_walk` over ``bins`` (indexes into it); the bar before ``bins[0]`` is inside
        the window. Arrays find the bars outside the bins and the first loud one; only the
        bars outside are then walked in Python."""
        count = len(bins)
        hard = self._first_hard(window, bins, times)
        outside = np.zeros(count, dtype=bool)
        if window.high_bin is not None:
            outside |= bins > window.high_bin
        if window.low_bin is not None:
            outside |= bins < window.low_bin
        indexes = np.flatnonzero(outside[:hard])
        walked = zip(indexes.tolist(), bins[indexes].tolist(), times[indexes].tolist(), strict=True)
        return _walk(window, walked, hard, hard < count and bool(outside[hard]), count)

    def _first_hard(
        self, window: QuietWindow, bins: npt.NDArray[np.int64], times: npt.NDArray[np.int64]
    ) -> int:
        """Index of the first bar loud whatever its bin's place (the deadline, the limit
        prices), or ``len(bins)``."""
        loud = None
        until = _deadline(window)
        if until is not None:
            loud = times >= until
        if window.low_price is not None or window.high_price is not None:
            # Bin prices in float, with a margin: a bar near a limit is delivered, and the
            # executor decides with exact Decimal prices.
            prices = np.exp(bins * self._bin_price + self._price_shift)
            near = np.zeros(len(bins), dtype=bool)
            if window.low_price is not None:
                near |= prices <= float(window.low_price) * (1 + 1e-9)
            if window.high_price is not None:
                near |= prices >= float(window.high_price) * (1 - 1e-9)
            loud = near if loud is None else loud | near
        if loud is None:
            return len(bins)
        hits = np.flatnonzero(loud)
        return int(hits[0]) if hits.size else len(bins)


def _plain(
    window: QuietWindow, bin_list: list[int], time_list: list[int], pos: int, stop: int
) -> tuple[int, int]:
    """:func:`_walk` over ``[pos, stop)`` in plain Python, for a window without limit prices;
    indexes are absolute."""
    low, high = window.low_bin, window.high_bin
    hard = stop
    until = _deadline(window)
    if until is not None:
        hard = next((i for i in range(pos, stop) if time_list[i] >= until), stop)
    walked = [
        (index, bin_id, time_list[index])
        for index, bin_id in zip(range(pos, min(hard + 1, stop)), bin_list[pos:stop], strict=False)
        if (high is not None and bin_id > high) or (low is not None and bin_id < low)
    ]
    hard_outside = bool(walked) and walked[-1][0] == hard
    return _walk(window, walked, hard, hard_outside, stop)


def _walk(
    window: QuietWindow,
    outside: Iterable[tuple[int, int, int]],
    hard: int,
    hard_outside: bool,
    stop: int,
) -> tuple[int, int]:
    """Where a stretch of bars ends, from the bars outside the window's bins.

    ``outside`` holds (index, bin, time) of the bars outside, ascending; ``hard`` is the index
    of the first bar loud whatever its bin (``stop`` for none) and ``hard_outside`` whether it
    is outside too; the bar before the first index is inside. Returns (first bar to deliver or
    -1, first bar of the run still open at ``stop`` or -1).
    """
    high = window.high_bin
    above_limit, below_limit = _limit(window.above_seconds), _limit(window.below_seconds)
    run, run_side, run_time, last = -1, 0, 0, -2
    for index, bin_id, now in outside:
        if index >= hard:
            break
        if not window.excursions:
            return index, -1
        side = 1 if high is not None and bin_id > high else -1
        if index != last + 1:  # a bar inside came between: a new run
            run, run_side, run_time = index, side, now
        elif side != run_side:
            return run, -1
        if now - run_time >= (above_limit if side > 0 else below_limit):
            return run, -1
        last = index
    if hard < stop:
        # the executor must see the run the loud bar belongs to from its start
        return (run if hard_outside and last == hard - 1 else hard), -1
    return -1, (run if last == stop - 1 else -1)


def _deadline(window: QuietWindow) -> int | None:
    """The window's deadline in unix seconds (bars at or after it are loud), or None."""
    return None if window.until is None else math.ceil(window.until.timestamp())


def _limit(seconds: int | None) -> int:
    return _NO_LIMIT if seconds is None else seconds

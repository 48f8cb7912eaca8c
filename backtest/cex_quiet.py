"""The quiet window of a CEX backtest: the rows after the current one within which nothing can
happen, found with a vectorised search over the series.

Each side of the touch has its own strict band: a resting buy at ``p`` fills when the ask
reaches ``p`` (so the ask must stay above ``p``), a resting sell when the bid does; a long
position's barriers read the bid (the side it closes into), a short's the ask; controllers' bands
read the mid. The window also ends at the earliest timer (time limits, refreshes, cooldowns) and
at the first row whose precomputed signal a controller would act on. Executor states the rule
does not know (an entry waiting for a price, an unwinding position, a chaser, an unknown outcome,
other executor types) end the window at once.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np

from lpexec.cex import OrderExecutor, PositionExecutor
from lpexec.controllers.base import Quiet
from lpexec.paper.exchange import PaperExchange

__all__ = [
    "Columns",
    "ExecutorBounds",
    "PriceFloats",
    "Window",
    "find_next_row",
    "position_bounds",
    "signal_copy",
]

_EPS = 1e-12
_INF = float("inf")


class Window:
    """Strict bounds per side of the touch and on the mid, a time, and signal sets."""

    __slots__ = (
        "ask_high",
        "ask_low",
        "bid_high",
        "bid_low",
        "mid_high",
        "mid_low",
        "signals",
        "until",
    )

    def __init__(self) -> None:
        self.bid_low = self.ask_low = self.mid_low = -_INF
        self.bid_high = self.ask_high = self.mid_high = _INF
        self.until = _INF
        self.signals: list[tuple[np.ndarray, array[int], list[int]]] = []

    def end_at(self, seconds: float) -> None:
        """The window ends before ``seconds`` (epoch)."""
        if seconds < self.until:
            self.until = seconds

    @property
    def empty(self) -> bool:
        """No price could stay inside."""
        return (
            self.bid_low >= self.bid_high
            or self.ask_low >= self.ask_high
            or self.mid_low >= self.mid_high
        )

    def add_orders(
        self, exchange: PaperExchange, pair: str, floats: PriceFloats | None = None
    ) -> bool:
        """Narrow to the prices that reach no resting order (a resting buy at ``p`` fills when
        the ask reaches ``p``, a sell when the bid does); False when one has no price
        (``floats``: the prices converted before, reused)."""
        for order in exchange.open_orders(pair):
            price = order.price
            if price is None:
                return False
            value = float(price) if floats is None else floats.of(price)
            if order.side == "BUY":
                if value > self.ask_low:
                    self.ask_low = value
            elif value < self.bid_high:
                self.bid_high = value
        return True

    def add_executor(self, executor: Any, known: ExecutorBounds | None = None) -> bool:
        """Narrow to where ``executor`` does nothing; False when it may act at the next row
        (``known``: the bounds worked out for executors before, reused while they hold)."""
        if isinstance(executor, PositionExecutor):
            bounds = known.of(executor) if known is not None else position_bounds(executor)
            if bounds is None:
                return False
            end, bid_low, bid_high, ask_low, ask_high = bounds
            if end is not None:
                self.end_at(end)
            if bid_low > self.bid_low:
                self.bid_low = bid_low
            if bid_high < self.bid_high:
                self.bid_high = bid_high
            if ask_low > self.ask_low:
                self.ask_low = ask_low
            if ask_high < self.ask_high:
                self.ask_high = ask_high
            return True
        if isinstance(executor, OrderExecutor):
            # A resting limit order acts through the exchange (its band is the order's).
            return executor.state.order_state == "OPEN" and (
                executor.config.execution_strategy in ("LIMIT", "LIMIT_MAKER")
            )
        return False

    def add_controller(self, quiet: Quiet, signals: tuple[np.ndarray, array[int]] | None) -> None:
        """Narrow to a controller's promise (``signals``: its series and scalar copy)."""
        if quiet.low is not None:
            low = float(quiet.low)
            if low > self.mid_low:
                self.mid_low = low
        if quiet.high is not None:
            high = float(quiet.high)
            if high < self.mid_high:
                self.mid_high = high
        if quiet.until is not None:
            self.end_at(quiet.until.timestamp())
        if quiet.signals is not None and signals is not None:
            self.signals.append((*signals, sorted(quiet.signals)))


_SHIFT = 3
"""Each level of the search's summaries sums up ``2 ** _SHIFT`` blocks of the level below."""
_LEVELS = 6
"""Levels of summaries above the rows (blocks of 8, 64, ... 262,144 rows)."""


class PriceFloats:
    """Each resting order's price as a float, converted once per price object (an order rests
    for many rows; a Decimal's conversion goes through its text)."""

    __slots__ = ("_known",)

    _LIMIT = 4096
    """Conversions kept at most (then all are forgotten: resting orders are few)."""

    def __init__(self) -> None:
        self._known: dict[int, tuple[Decimal, float]] = {}

    def of(self, price: Decimal) -> float:
        """``float(price)``."""
        known = self._known.get(id(price))
        if known is not None and known[0] is price:
            return known[1]
        if len(self._known) >= self._LIMIT:
            self._known.clear()
        value = float(price)
        self._known[id(price)] = (price, value)
        return value


Bounds = tuple[float | None, float, float, float, float]
"""Where a position does nothing: before a time (epoch seconds; None: any time), with the bid
strictly within (low, high) and the ask strictly within (low, high)."""


def position_bounds(executor: PositionExecutor) -> Bounds | None:
    """Where ``executor`` does nothing; None when it may act at the next row (an outcome
    unknown, activation bounds, a state the rule does not know, an entry no longer resting)."""
    state, config = executor.state, executor.config
    if state.outcome_unknown or config.activation_bounds is not None:
        return None
    end = state.end_time
    seconds = end.timestamp() if end is not None else None
    phase = state.position_state
    if phase == "OPENING":  # its entry rests on the exchange, unless it is done
        if state.open_orders and not state.open_orders[-1].is_done:
            return (seconds, -_INF, _INF, -_INF, _INF)
        return None
    if phase != "OPEN":
        return None
    # A long's barriers read the bid (the side it closes into), a short's the ask; each
    # barrier is a strict bound on the way to a loss or to a gain.
    loss, gain = _barrier_prices(state)
    if config.side == "BUY":  # the bid stays above the loss prices, below the gain prices
        return (seconds, *_narrowed(-_INF, _INF, loss, gain), -_INF, _INF)
    # the ask stays below the loss prices and above the gain prices
    return (seconds, -_INF, _INF, *_narrowed(-_INF, _INF, gain, loss))


class ExecutorBounds:
    """Each position's :func:`position_bounds`, worked out again only when its revision moved
    (every change of what they read moves it: the engine persists those changes by it)."""

    __slots__ = ("_known",)

    def __init__(self) -> None:
        self._known: dict[str, tuple[int, Bounds | None]] = {}

    def of(self, executor: PositionExecutor) -> Bounds | None:
        """The executor's bounds now."""
        known = self._known.get(executor.id)
        revision = executor.revision
        if known is not None and known[0] == revision:
            return known[1]
        bounds = position_bounds(executor)
        self._known[executor.id] = (revision, bounds)
        return bounds


def _narrowed(
    low: float, high: float, above: list[float], below: list[float]
) -> tuple[float, float]:
    """(``low``, ``high``) narrowed to stay above every price of ``above`` and below every
    price of ``below``."""
    for price in above:
        if price > low:
            low = price
    for price in below:
        if price < high:
            high = price
    return low, high


def _barrier_prices(state: Any) -> tuple[list[float], list[float]]:
    """A position's barrier prices on the way to a loss, and on the way to a gain."""
    loss, gain = [], []
    if state.stop_loss_price is not None:
        loss.append(float(state.stop_loss_price))
    if state.take_profit_price is not None:
        gain.append(float(state.take_profit_price))
    if state.trailing_peak_price is not None:
        gain.append(float(state.trailing_peak_price))  # a new peak moves the stop
        if state.trailing_stop_price is not None:
            loss.append(float(state.trailing_stop_price))
    elif state.trailing_activation_price is not None:
        gain.append(float(state.trailing_activation_price))
    return loss, gain


@dataclass(frozen=True)
class Columns:
    """The series' columns the search reads: numpy arrays (for windows with signals), the same
    values as ``array`` copies, cheap to index one by one, and their summaries: per block of 8,
    64, ... rows, the latest time and each price's lowest and highest (``array`` copies too)."""

    seconds: np.ndarray
    bid: np.ndarray
    ask: np.ndarray
    mid: np.ndarray
    scalar: tuple[array[float], array[float], array[float], array[float]]
    levels: tuple[tuple[array[float], ...], ...]
    """Per level (0: the rows themselves): latest time, lowest and highest bid, ask and mid,
    and a column of zeros (read for a side without bounds)."""
    _views: dict[tuple[int, int, int], list[tuple[array[float], ...]]] = field(
        repr=False, compare=False
    )

    @classmethod
    def of(cls, seconds: np.ndarray, bid: np.ndarray, ask: np.ndarray, mid: np.ndarray) -> Columns:
        """The columns with their scalar copies and summaries."""
        arrays = (seconds, bid, ask, mid)
        scalar = tuple(array("d", values.tobytes()) for values in arrays)
        zeros = np.zeros(len(seconds))
        # level 0: the time, then the lowest and highest bid, ask and mid: the row's own
        levels: list[tuple[array[float], ...]] = [
            (
                scalar[0],
                scalar[1],
                scalar[1],
                scalar[2],
                scalar[2],
                scalar[3],
                scalar[3],
                array("d", zeros.tobytes()),
            )
        ]
        summaries = [seconds, bid, bid, ask, ask, mid, mid, zeros]
        for _ in range(_LEVELS):
            if not len(summaries[0]):
                break
            starts = np.arange(0, len(summaries[0]), 1 << _SHIFT)
            summaries = [
                reduce.reduceat(values, starts)
                for reduce, values in zip(_REDUCERS, summaries, strict=True)
            ]
            levels.append(tuple(array("d", values.tobytes()) for values in summaries))
        return cls(seconds, bid, ask, mid, scalar, tuple(levels), {})  # type: ignore[arg-type]

    def views(self, first: int, second: int, third: int) -> list[tuple[array[float], ...]]:
        """Per level: the latest time, then the lowest and highest of three sides (1 bid,
        2 ask, 3 mid, 0 the zeros column), kept once made."""
        key = (first, second, third)
        views = self._views.get(key)
        if views is None:
            views = self._views[key] = [
                (
                    level[0],
                    *(
                        column
                        for side in key
                        for column in (
                            (level[2 * side - 1], level[2 * side]) if side else (level[7],) * 2
                        )
                    ),
                )
                for level in self.levels
            ]
        return views


_REDUCERS = (
    np.maximum,
    np.minimum,
    np.maximum,
    np.minimum,
    np.maximum,
    np.minimum,
    np.maximum,
    np.maximum,
)
"""How each summary column sums up a block (NaN propagates: a block with one is never calm)."""


def signal_copy(signals: np.ndarray) -> array[int]:
    """A scalar copy of a signal series (see :class:`Columns`)."""
    return array("b", signals.astype(np.int8).tobytes())


_SCAN = 32
"""Rows checked one by one before the vectorised search of a window with signals."""


def find_next_row(window: Window, index: int, columns: Columns) -> int:
    """The first row after ``index`` outside ``window`` (the last row at the latest).

    Without signals: from the row after ``index``, the largest block that starts there (rows
    on a multiple of its size) is skipped when its summary is inside the window (its latest
    time before the end, every price's lowest above the window's low and highest below its
    high: then every row of it is inside); else its first smaller block is tried, down to the
    row itself, the answer when it is outside. With signals: the next rows one by one, then
    blocks growing four times each."""
    rows = len(columns.seconds)
    sides = (
        (columns.bid, 1, window.bid_low, window.bid_high),
        (columns.ask, 2, window.ask_low, window.ask_high),
        (columns.mid, 3, window.mid_low, window.mid_high),
    )
    bounds = [
        (values, position, low * (1 + _EPS) if low > 0 else low, high * (1 - _EPS))
        for values, position, low, high in sides
        if low > -_INF or high < _INF
    ]
    until = window.until
    start = index + 1
    if window.signals:
        return _search_with_signals(window, bounds, columns, until, start)
    # Each level's summaries of the sides with bounds, then the zeros column between infinite
    # bounds (always inside) for those without: every check reads three sides.
    checks = [(position, low, high) for _, position, low, high in bounds]
    while len(checks) < 3:
        checks.append((0, -_INF, _INF))
    (first, low1, high1), (second, low2, high2), (third, low3, high3) = checks
    views = columns.views(first, second, third)
    top = len(views) - 1
    position = start
    while position < rows:
        level = 0
        while level < top and not position & ((1 << (_SHIFT * (level + 1))) - 1):
            level += 1
        while True:
            latest, lowest1, highest1, lowest2, highest2, lowest3, highest3 = views[level]
            block = position >> (_SHIFT * level)
            if (
                latest[block] < until
                and lowest1[block] > low1
                and highest1[block] < high1
                and lowest2[block] > low2
                and highest2[block] < high2
                and lowest3[block] > low3
                and highest3[block] < high3
            ):
                position += 1 << (_SHIFT * level)
                break
            if not level:
                return position
            level -= 1
    return rows - 1


def _search_with_signals(
    window: Window,
    bounds: list[tuple[np.ndarray, int, float, float]],
    columns: Columns,
    until: float,
    start: int,
) -> int:
    """:func:`find_next_row` of a window with signals: the next rows one by one, then blocks
    growing four times each."""
    rows = len(columns.seconds)
    stop = min(rows, start + _SCAN)
    scalar = columns.scalar
    seconds = scalar[0]
    scalar_bounds = [(scalar[position], low, high) for _, position, low, high in bounds]
    scalar_signals = [(copy, frozenset(allowed)) for _, copy, allowed in window.signals]
    for row in range(start, stop):
        if not seconds[row] < until:
            return row
        for values, low, high in scalar_bounds:
            if not low < values[row] < high:
                return row
        for copy, allowed in scalar_signals:
            if copy[row] not in allowed:
                return row
    start, block = stop, 256
    while start < rows:
        stop = min(rows, start + block)
        calm = columns.seconds[start:stop] < until
        for column, _, low, high in bounds:
            part = column[start:stop]
            calm &= (part > low) & (part < high)
        for signals, _, quiet_values in window.signals:
            calm &= np.isin(signals[start:stop], quiet_values)
        if not calm.all():
            return start + int(np.argmin(calm))
        start = stop
        block *= 4
    return rows - 1

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
from typing import Any

import numpy as np

from lpexec.cex import OrderExecutor, PositionExecutor
from lpexec.controllers.base import Quiet
from lpexec.paper.exchange import PaperExchange

__all__ = ["Columns", "Window", "find_next_row", "signal_copy"]

_EPS = 1e-12
_INF = float("inf")


@dataclass
class Window:
    """Strict bounds per side of the touch and on the mid, a time, and signal sets."""

    bid: list[float] = field(default_factory=lambda: [-_INF, _INF])
    ask: list[float] = field(default_factory=lambda: [-_INF, _INF])
    mid: list[float] = field(default_factory=lambda: [-_INF, _INF])
    until: float = _INF
    signals: list[tuple[np.ndarray, array[int], list[int]]] = field(default_factory=list)

    @staticmethod
    def above(bounds: list[float], price: float) -> None:
        """The value must stay above ``price``."""
        bounds[0] = max(bounds[0], price)

    @staticmethod
    def below(bounds: list[float], price: float) -> None:
        """The value must stay below ``price``."""
        bounds[1] = min(bounds[1], price)

    def end_at(self, seconds: float) -> None:
        """The window ends before ``seconds`` (epoch)."""
        self.until = min(self.until, seconds)

    @property
    def empty(self) -> bool:
        """No price could stay inside."""
        return any(low >= high for low, high in (self.bid, self.ask, self.mid))

    def add_orders(self, exchange: PaperExchange, pair: str) -> bool:
        """Narrow to the prices that reach no resting order; False when one has no price."""
        for order in exchange.open_orders(pair):
            if order.price is None:
                return False
            if order.side.value == "BUY":
                self.above(self.ask, float(order.price))
            else:
                self.below(self.bid, float(order.price))
        return True

    def add_executor(self, executor: Any) -> bool:
        """Narrow to where ``executor`` does nothing; False when it may act at the next row."""
        if isinstance(executor, PositionExecutor):
            return self._add_position(executor)
        if isinstance(executor, OrderExecutor):
            # A resting limit order acts through the exchange (its band is the order's).
            return executor.state.order_state.value == "OPEN" and (
                executor.config.execution_strategy in ("LIMIT", "LIMIT_MAKER")
            )
        return False

    def _add_position(self, executor: PositionExecutor) -> bool:
        state, config = executor.state, executor.config
        if state.outcome_unknown or config.activation_bounds is not None:
            return False
        if state.end_time is not None:
            self.end_at(state.end_time.timestamp())
        phase = state.position_state.value
        if phase == "OPENING":  # its entry rests on the exchange, unless it is done
            return bool(state.open_orders) and not state.open_orders[-1].is_done
        if phase != "OPEN":
            return False
        long = config.side == "BUY"
        side = self.bid if long else self.ask
        toward_loss, toward_gain = (self.above, self.below) if long else (self.below, self.above)
        if state.stop_loss_price is not None:
            toward_loss(side, float(state.stop_loss_price))
        if state.take_profit_price is not None:
            toward_gain(side, float(state.take_profit_price))
        if state.trailing_peak_price is not None:
            toward_gain(side, float(state.trailing_peak_price))  # a new peak moves the stop
            if state.trailing_stop_price is not None:
                toward_loss(side, float(state.trailing_stop_price))
        elif state.trailing_activation_price is not None:
            toward_gain(side, float(state.trailing_activation_price))
        return True

    def add_controller(self, quiet: Quiet, signals: tuple[np.ndarray, array[int]] | None) -> None:
        """Narrow to a controller's promise (``signals``: its series and scalar copy)."""
        if quiet.low is not None:
            self.above(self.mid, float(quiet.low))
        if quiet.high is not None:
            self.below(self.mid, float(quiet.high))
        if quiet.until is not None:
            self.end_at(quiet.until.timestamp())
        if quiet.signals is not None and signals is not None:
            self.signals.append((*signals, sorted(quiet.signals)))


@dataclass(frozen=True)
class Columns:
    """The series' columns the search reads: numpy arrays for long stretches, and the same
    values as ``array`` copies, cheap to index one by one, for the first rows."""

    seconds: np.ndarray
    bid: np.ndarray
    ask: np.ndarray
    mid: np.ndarray
    scalar: tuple[array[float], array[float], array[float], array[float]]

    @classmethod
    def of(cls, seconds: np.ndarray, bid: np.ndarray, ask: np.ndarray, mid: np.ndarray) -> Columns:
        """The columns with their scalar copies."""
        arrays = (seconds, bid, ask, mid)
        scalar = tuple(array("d", values.tobytes()) for values in arrays)
        return cls(seconds, bid, ask, mid, scalar)  # type: ignore[arg-type]


def signal_copy(signals: np.ndarray) -> array[int]:
    """A scalar copy of a signal series (see :class:`Columns`)."""
    return array("b", signals.astype(np.int8).tobytes())


_SCAN = 32
"""Rows checked one by one before the vectorised search (most windows end within them)."""


def find_next_row(window: Window, index: int, columns: Columns) -> int:
    """The first row after ``index`` outside ``window`` (the last row at the latest): the next
    rows one by one, then blocks growing four times each."""
    rows = len(columns.seconds)
    sides = (
        (columns.bid, 1, window.bid),
        (columns.ask, 2, window.ask),
        (columns.mid, 3, window.mid),
    )
    bounds = [
        (values, position, low * (1 + _EPS) if low > 0 else low, high * (1 - _EPS))
        for values, position, (low, high) in sides
        if low > -_INF or high < _INF
    ]
    until = window.until
    start = index + 1
    stop = min(rows, start + _SCAN)
    seconds = columns.scalar[0]
    scalar_bounds = [(columns.scalar[position], low, high) for _, position, low, high in bounds]
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

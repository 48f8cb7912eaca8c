"""Clocks: the only source of time for core logic.

Core code calls ``clock.now()``; it never reads the wall clock itself, so the same executors run
live, on paper and in a backtest at full speed.
"""

from __future__ import annotations

import datetime as _dt
from typing import Protocol, runtime_checkable

__all__ = ["UTC", "Clock", "LiveClock", "SimulatedClock"]

UTC = _dt.UTC


@runtime_checkable
class Clock(Protocol):
    """A source of aware UTC datetimes."""

    def now(self) -> _dt.datetime:
        """Return the current time as an aware UTC datetime."""
        ...


class LiveClock:
    """The wall clock."""

    def now(self) -> _dt.datetime:
        """Return the wall-clock time in UTC."""
        return _dt.datetime.now(UTC)  # noqa: TID251 - the one place that reads the wall clock


class SimulatedClock:
    """A clock that only moves when told to; for tests and backtests.

    Example:
        >>> clock = SimulatedClock(datetime.datetime(2026, 1, 1, tzinfo=UTC))
        >>> clock.advance(seconds=30)
    """

    __slots__ = ("_now",)

    def __init__(self, start: _dt.datetime) -> None:
        _require_aware(start)
        self._now = start

    def now(self) -> _dt.datetime:
        """Return the simulated time."""
        return self._now

    def advance(self, *, seconds: float = 0.0) -> _dt.datetime:
        """Move the clock forward by ``seconds`` (>= 0) and return the new time."""
        if seconds < 0:
            raise ValueError(f"Expected seconds >= 0, received {seconds}")
        self._now = self._now + _dt.timedelta(seconds=seconds)
        return self._now

    def set(self, when: _dt.datetime) -> None:
        """Move the clock to ``when``, which must not be earlier than now."""
        _require_aware(when)
        if when < self._now:
            raise ValueError(
                f"Expected a time at or after {self._now.isoformat()}, received {when}"
            )
        self._now = when


def _require_aware(value: _dt.datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"Expected an aware UTC datetime, received naive {value.isoformat()}")

"""The one clock: the only source of time for everything we run.

Code calls ``clock.now()`` (aware UTC), ``clock.monotonic()`` (seconds, for deadlines) and
``await clock.sleep(seconds)``; nothing else reads the wall clock (ruff bans ``datetime.now``,
``time.time`` and ``time.monotonic`` outside this module). :class:`LiveClock` is the wall clock;
:class:`SimulatedClock` moves only when told to, and its ``sleep`` moves it instead of waiting, so
the same executors, engine, Gateway client and paper chain run live, on paper and in a backtest at
full speed. ``gateway_client`` keeps its own structural clock protocol; both clocks satisfy it.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import time
from typing import Protocol, runtime_checkable

__all__ = ["UTC", "Clock", "LiveClock", "SimulatedClock", "ensure_aware"]

UTC = _dt.UTC

_DEFAULT_START = _dt.datetime(2026, 1, 1, tzinfo=UTC)
_MONOTONIC_ORIGIN = _dt.datetime(2020, 1, 1, tzinfo=UTC)


@runtime_checkable
class Clock(Protocol):
    """A source of time: aware UTC datetimes, monotonic seconds, and waiting."""

    def now(self) -> _dt.datetime:
        """Return the current time as an aware UTC datetime."""
        ...

    def monotonic(self) -> float:
        """Return seconds from a fixed origin that never go backwards (for deadlines)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Let ``seconds`` of this clock's time pass."""
        ...


class LiveClock:
    """The wall clock; ``sleep`` really waits."""

    __slots__ = ()

    def now(self) -> _dt.datetime:
        """Return the wall-clock time in UTC."""
        return _dt.datetime.now(UTC)  # noqa: TID251 - the one place that reads the wall clock

    def monotonic(self) -> float:
        """Return the process's monotonic clock."""
        return time.monotonic()  # noqa: TID251 - the one place that reads it

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of real time."""
        await asyncio.sleep(max(0.0, seconds))


class SimulatedClock:
    """A clock that moves only when told to (``advance``, ``set`` or ``sleep``).

    ``sleep`` moves simulated time forward and yields to the event loop once, so a write that
    waits for a confirmation returns at once in a test or a backtest.

    Example:
        >>> clock = SimulatedClock(datetime.datetime(2026, 1, 1, tzinfo=UTC))
        >>> clock.advance(30)
    """

    __slots__ = ("_now",)

    def __init__(self, start: _dt.datetime | None = None) -> None:
        self._now = ensure_aware(start or _DEFAULT_START, field="start")

    def now(self) -> _dt.datetime:
        """Return the simulated time."""
        return self._now

    def monotonic(self) -> float:
        """Simulated seconds since a fixed origin."""
        return (self._now - _MONOTONIC_ORIGIN).total_seconds()

    def advance(self, seconds: float | _dt.timedelta = 0.0) -> _dt.datetime:
        """Move the clock forward by ``seconds`` (>= 0) and return the new time."""
        delta = seconds if isinstance(seconds, _dt.timedelta) else _dt.timedelta(seconds=seconds)
        if delta < _dt.timedelta(0):
            raise ValueError(f"Expected seconds >= 0, received {seconds}")
        self._now = self._now + delta
        return self._now

    def set(self, when: _dt.datetime) -> None:
        """Move the clock to ``when``, which must not be earlier than now."""
        ensure_aware(when, field="when")
        if when < self._now:
            raise ValueError(
                f"Expected a time at or after {self._now.isoformat()}, received {when.isoformat()}"
            )
        self._now = when

    async def sleep(self, seconds: float) -> None:
        """Advance simulated time by ``seconds`` and yield to the event loop once."""
        self.advance(max(0.0, seconds))
        await asyncio.sleep(0)


def ensure_aware(value: _dt.datetime, *, field: str = "datetime") -> _dt.datetime:
    """Return ``value`` converted to UTC; refuse a naive datetime.

    Raises:
        ValueError: when ``value`` has no timezone (the message names ``field``).
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{field}: expected an aware UTC datetime, received naive {value}")
    return value.astimezone(UTC)

"""Clocks for the paper chain: a manual clock for tests and backtests, the wall clock for servers.

Both satisfy ``core.clock.Clock`` (``now() -> datetime``, aware UTC) and add ``async sleep``: the
paper Gateway waits for confirmations through it. ``ManualClock.sleep`` does not wait at all, it
moves simulated time forward, so a write that waits one slot returns at once in a test.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import time
from typing import Protocol, runtime_checkable

__all__ = ["ManualClock", "SleepingClock", "WallClock", "ensure_aware"]

UTC = _dt.UTC


@runtime_checkable
class SleepingClock(Protocol):
    """A clock that can also wait (really, or by moving simulated time)."""

    def now(self) -> _dt.datetime:
        """Return the current time as an aware UTC datetime."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Let ``seconds`` of this clock's time pass."""
        ...


class ManualClock:
    """A clock that moves only when told to (``advance``, ``set`` or ``sleep``).

    Example:
        >>> clock = ManualClock(datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
        >>> clock.advance(0.4)  # one slot later
    """

    __slots__ = ("_now",)

    def __init__(self, start: _dt.datetime | None = None) -> None:
        self._now = ensure_aware(start or _dt.datetime(2026, 1, 1, tzinfo=UTC), field="start")

    def now(self) -> _dt.datetime:
        """Return the simulated time."""
        return self._now

    def advance(self, seconds: float | _dt.timedelta) -> _dt.datetime:
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


class WallClock:
    """The real clock (UTC); ``sleep`` really waits."""

    __slots__ = ()

    def now(self) -> _dt.datetime:
        """Return the wall-clock time in UTC."""
        return _dt.datetime.fromtimestamp(time.time(), tz=UTC)

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of real time."""
        await asyncio.sleep(max(0.0, seconds))


def ensure_aware(value: _dt.datetime, *, field: str = "datetime") -> _dt.datetime:
    """Return ``value`` converted to UTC; refuse a naive datetime.

    Raises:
        ValueError: when ``value`` has no timezone.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{field}: expected an aware UTC datetime, received naive {value}")
    return value.astimezone(UTC)

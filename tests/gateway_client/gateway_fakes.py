"""Test doubles shared by the gateway_client tests (importable by name: see pytest pythonpath)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

BASE_URL = "http://gateway.test"


class FakeClock:
    """A clock that never really sleeps: ``sleep`` records the wait and advances time."""

    def __init__(self, start: datetime = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)) -> None:
        self._now = start
        self._monotonic = 1000.0
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._monotonic

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        self._monotonic += seconds
        self._now += timedelta(seconds=seconds)

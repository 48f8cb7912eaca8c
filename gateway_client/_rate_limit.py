"""Client-side rate limiter keeping the request rate under Gateway's global limit."""

from __future__ import annotations

import asyncio
import logging
from collections import deque

from ._exceptions import InvalidRequestError
from ._types import Clock

__all__ = ["RateLimiter"]

logger = logging.getLogger(__name__)


class RateLimiter:
    """Sliding-window limiter: at most ``max_requests`` starts in any ``period`` seconds.

    Gateway 2.13 allows 100 requests per minute per client IP and answers 429 beyond that.
    Waiting here is cheaper than being throttled (a 429 costs a request of the budget too).

    Args:
        max_requests: Requests allowed per window.
        period: Window length in seconds.
        clock: Time source; its ``sleep`` is used to wait.
    """

    def __init__(self, max_requests: int, *, period: float = 60.0, clock: Clock) -> None:
        if max_requests < 1:
            raise InvalidRequestError(
                f"Expected rate_limit_per_minute >= 1 (or None to disable), "
                f"received {max_requests!r}",
                fields=("rate_limit_per_minute",),
            )
        if period <= 0:
            raise InvalidRequestError(
                f"Expected a rate-limit period > 0 seconds, received {period!r}",
                fields=("period",),
            )
        self.max_requests = max_requests
        self.period = period
        self._clock = clock
        self._starts: deque[float] = deque()
        self._lock = asyncio.Lock()

    async def acquire(self) -> float:
        """Wait until a request may start, then record its start.

        Returns:
            Seconds spent waiting (0.0 when under the limit).
        """
        waited = 0.0
        async with self._lock:
            while True:
                now = self._clock.monotonic()
                horizon = now - self.period
                while self._starts and self._starts[0] <= horizon:
                    self._starts.popleft()
                if len(self._starts) < self.max_requests:
                    self._starts.append(now)
                    return waited
                delay = self._starts[0] - horizon
                logger.debug(
                    "Rate limit of %i/%.0fs reached, waiting %.2f s",
                    self.max_requests,
                    self.period,
                    delay,
                )
                await self._clock.sleep(delay)
                waited += delay

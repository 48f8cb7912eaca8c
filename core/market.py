"""``MarketPoller``: the one loop that reads a :class:`~core.ports.MarketFeed` and publishes.

Each poll asks the feed for the keys somebody needs — the poller's own keys first, in the order
given (a controller's pools, read even while no executor holds them), then every key the engine
has live subscribers for — and publishes the answers in the order the feed gave them. Keys the
feed cannot read are simply absent from its answer; a feed that fails as a whole is logged and the
poll publishes nothing, so one bad read never stops the loop that drives the executors.

Example:
    >>> poller = MarketPoller(engine, feed)
    >>> await poller.poll_once()  # number of price events published
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Protocol

from lpexec.core.clock import Clock
from lpexec.core.messages import PriceUpdated
from lpexec.core.ports import MarketFeed

__all__ = ["MarketPoller", "PriceSubscribers"]

logger = logging.getLogger(__name__)


class PriceSubscribers(Protocol):
    """What the poller needs of the engine: who listens, how to deliver, and the clock."""

    @property
    def clock(self) -> Clock:
        """The engine's clock (the poller sleeps on it)."""
        ...

    def subscribed_keys(self) -> list[str]:
        """The price keys with at least one live subscriber."""
        ...

    def publish(self, event: PriceUpdated) -> int:
        """Deliver a price event to the subscribers of its keys."""
        ...


class MarketPoller:
    """Reads the feed for the keys somebody needs and publishes every answer to the engine.

    Args:
        engine: where prices go (``Engine``: ``subscribed_keys``, ``publish``, ``clock``).
        feed: where prices come from.
        keys: keys read at every poll even without subscribers, before the subscribed ones (a
            controller that decides from a pool's price while no executor holds the pool).
    """

    def __init__(
        self, engine: PriceSubscribers, feed: MarketFeed, *, keys: Iterable[str] = ()
    ) -> None:
        self._engine = engine
        self._feed = feed
        self._keys = list(dict.fromkeys(keys))

    @property
    def feed(self) -> MarketFeed:
        """The feed this poller reads."""
        return self._feed

    def keys(self) -> list[str]:
        """The keys the next poll asks for: the poller's own, then the subscribed ones."""
        return list(dict.fromkeys([*self._keys, *self._engine.subscribed_keys()]))

    async def poll(self) -> list[PriceUpdated]:
        """Read the feed once and publish each answer; return the events published, in order."""
        keys = self.keys()
        if not keys:
            return []
        try:
            events = await self._feed.snapshot(keys)
        except Exception as e:  # a feed that breaks must not stop the loop driving executors
            logger.warning(
                "market feed failed for %d key(s): %s: %s", len(keys), type(e).__name__, e
            )
            return []
        for event in events:
            self._engine.publish(event)
        return events

    async def poll_once(self) -> int:
        """Read the feed once and publish each answer; return how many events were published."""
        return len(await self.poll())

    async def run(
        self,
        interval: float,
        *,
        rounds: int | None = None,
        stop: asyncio.Event | None = None,
        on_poll: Callable[[list[PriceUpdated]], Awaitable[None]] | None = None,
    ) -> int:
        """Poll every ``interval`` seconds of the engine's clock; return the polls done.

        Args:
            interval: seconds between polls (slept on the engine's clock).
            rounds: stop after this many polls (None: until ``stop``).
            stop: set it to stop; a sleep in progress ends at once.
            on_poll: awaited after each poll with the events published (let executors react,
                show the result); no sleep follows the last round.
        """
        done = 0
        while (stop is None or not stop.is_set()) and (rounds is None or done < rounds):
            events = await self.poll()
            if on_poll is not None:
                await on_poll(events)
            done += 1
            if rounds is not None and done >= rounds:
                break
            await self._sleep(interval, stop)
        return done

    async def _sleep(self, interval: float, stop: asyncio.Event | None) -> None:
        if stop is None:
            await self._engine.clock.sleep(interval)
            return
        sleeper = asyncio.ensure_future(self._engine.clock.sleep(interval))
        waiter = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({sleeper, waiter}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleeper, waiter):
                task.cancel()

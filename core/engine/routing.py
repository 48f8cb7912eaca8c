"""Who receives an event: the live executors, their price subscriptions and their timers.

:class:`Router` registers an executor when it is created or resumed and unregisters it when it
terminates (or strands). A price event goes to the subscribers of each of its keys (a pair's
subscribers receive every price of the pair; a family's price event adds its own keys, such as an
LP pool's address); a tick goes to the executors that want ticks. The router also keeps the last
published price of each pair (the risk engine values exposures with it).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from lpexec.core.engine.registry import AnyExecutor
from lpexec.core.messages import PriceUpdated

__all__ = ["Router"]


class Router:
    """Subscriptions by price key and the executors with timers.

    Attributes:
        live: executors registered and not yet terminated, by id.
        prices: the last published price of each trading pair.
    """

    def __init__(self) -> None:
        self.live: dict[str, AnyExecutor] = {}
        self.prices: dict[str, Decimal] = {}
        self._by_key: dict[str, list[AnyExecutor]] = defaultdict(list)
        self._tickers: dict[str, AnyExecutor] = {}

    def register(self, executor: AnyExecutor) -> None:
        """Route events to ``executor`` from now on (nothing when it has terminated)."""
        if executor.is_terminated:
            return
        self.live[executor.id] = executor
        for key in executor.price_keys:
            self._by_key[key].append(executor)
        if executor.wants_ticks:
            self._tickers[executor.id] = executor

    def unregister(self, executor: AnyExecutor) -> None:
        """Stop routing events to ``executor``."""
        self.live.pop(executor.id, None)
        for key in executor.price_keys:
            subscribers = self._by_key.get(key)
            if subscribers and executor in subscribers:
                subscribers.remove(executor)
        self._tickers.pop(executor.id, None)

    def route(self, event: PriceUpdated) -> list[AnyExecutor]:
        """Record the event's price and return the subscribers of each of its keys."""
        self.prices[event.trading_pair] = event.price
        return [executor for key in event.keys() for executor in self._by_key.get(key, ())]

    def tickers(self) -> list[AnyExecutor]:
        """The executors that want ticks."""
        return list(self._tickers.values())

    def subscribed_keys(self) -> list[str]:
        """The price keys at least one live executor subscribes to."""
        return [key for key, subscribers in self._by_key.items() if subscribers]

"""Reading and delivering the markets of a paper exchange server (``lpexec paper-exchange``)
that several workers and daemons share: touches, funding and order records, and trading rules.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping

from lpexec.app.cex_runtime import PAPER_EXCHANGE
from lpexec.cex.chaser import TopOfBookUpdated
from lpexec.cex.funding import FundingPoller
from lpexec.core import Engine, OrderPoller, TradingRules, VenueError
from lpexec.paper.venues.remote_exchange import RemoteExchangeFeed, RemoteExchangeVenue

__all__ = ["SharedExchangeMarkets"]

logger = logging.getLogger(__name__)


class SharedExchangeMarkets:
    """The markets of a paper exchange server several processes share (``lpexec
    paper-exchange``): what a worker or a daemon's
    :class:`~lpexec.app.controller_host.ControllerHost` reads and delivers when the exchange is
    not in its process.

    Args:
        engine: the engine running the controllers' executors (its venues include ``venues``).
        venues: the server's venues by key (``paper``, ``paper_perpetual``).
    """

    def __init__(self, engine: Engine, venues: Mapping[str, RemoteExchangeVenue]) -> None:
        self._engine = engine
        self._venues = dict(venues)
        self._feed = RemoteExchangeFeed(self._venues[PAPER_EXCHANGE], clock=engine.clock)
        self._orders = OrderPoller(engine)
        self._funding = FundingPoller(engine)
        self._rules: dict[tuple[str, str], TradingRules] = {}

    async def deliver(self, pairs: Collection[str]) -> list[TopOfBookUpdated]:
        """Publish the touch of ``pairs`` to the engine, then deliver the perpetual funding its
        executors hold parts of (:mod:`lpexec.cex.funding`) and the records of its orders;
        return the touches read (none when the server does not answer).

        Funding comes before the fills: a position whose exit filled since the last read still
        holds what a payment made before that fill charged."""
        touches: list[TopOfBookUpdated] = []
        if pairs:
            try:
                touches = await self._feed.snapshot(pairs)
            except VenueError as e:  # the next tick asks again
                logger.warning("paper exchange books could not be read: %s", e)
        for touch in touches:
            self._engine.publish(touch)
        await self._funding.poll_once()
        await self._orders.poll_once()
        return touches

    async def advance(self, pairs: Collection[str]) -> dict[str, TopOfBookUpdated]:
        """:meth:`deliver`, then tick the engine; return the touches read by pair."""
        touches = await self.deliver(pairs)
        self._engine.tick()
        return {touch.trading_pair: touch for touch in touches}

    async def rules(self, connector: str, trading_pair: str) -> TradingRules | None:
        """A market's trading rules (read once), None when they cannot be read now."""
        key = (connector, trading_pair)
        if key not in self._rules:
            try:
                self._rules[key] = await self._venues[connector].trading_rules(trading_pair)
            except (VenueError, KeyError):
                return None
        return self._rules[key]

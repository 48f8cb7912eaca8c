"""What ``lpexec worker`` runs on: the Gateway venues, and with a paper exchange server the CEX
venues on it too, in one engine (so one set of leases covers both families).

Without an exchange URL this is the LP runtime (:func:`~lpexec.app.runtime.open_lp_runtime`,
engine not started) running :data:`~lpexec.app.registry.GATEWAY_TYPES`, as before. With one
(``--exchange-url`` or ``LPEXEC_PAPER_EXCHANGE_URL``: a ``lpexec paper-exchange`` server, which
several workers share) the worker's engine holds the LP runtime's Gateway venues and a
:class:`~lpexec.paper.venues.remote_exchange.RemoteExchangeVenue` under each paper exchange key
(``paper``, ``paper_perpetual``), and runs :data:`~lpexec.app.registry.CEX_TYPES` too. Each poll
(once per worker tick) then:

1. publishes the pools' prices (the Gateway feed, for the live LP executors);
2. publishes the touch of every pair a live CEX executor trades
   (:class:`~lpexec.cex.chaser.TopOfBookUpdated`: best bid, best ask and their mid);
3. delivers the perpetual market's funding payments to the executors holding its positions,
   each its part of the exchange's position (:mod:`lpexec.cex.funding`: exact whichever worker
   runs the other holders), before the fills: a position whose exit filled since the last poll
   still holds what a payment made before that fill charged;
4. delivers the exchange's records of their open orders (fills, cancels: the order poller).

A perpetual executor's leverage reaches the exchange with its first order that opens a position:
the place carries it and the server sets the market's leverage before placing, in one step (the
executor may have been created by another process, an API beside the workers).

A real exchange goes through ccxt (:func:`~lpexec.app.cex_runtime.open_cex_runtime`); workers
share only the paper exchange server for now.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lpexec.app.cex_runtime import PAPER_EXCHANGE, PAPER_PERPETUAL
from lpexec.app.registry import CEX_TYPES, EXECUTOR_TYPES, GATEWAY_TYPES
from lpexec.app.runtime import LPRuntime, live_lp_pools, open_lp_runtime
from lpexec.app.settings import Settings
from lpexec.app.shared_exchange import SharedExchangeMarkets
from lpexec.core import (
    Database,
    Engine,
    RiskEngine,
    UnknownExecutorError,
)
from lpexec.core.clock import Clock, LiveClock
from lpexec.core.market import MarketPoller
from lpexec.lp import LP_PROVIDERS
from lpexec.paper.venues.remote_exchange import RemoteExchangeVenue
from lpexec.swap import SWAP_VENUE
from lpexec.venues.gateway import GatewayMarketFeed

__all__ = [
    "EXCHANGE_URL_ENV",
    "GATEWAY_VENUE_KEYS",
    "WorkerRuntime",
    "open_worker_runtime",
    "paper_exchange_url",
]


EXCHANGE_URL_ENV = "LPEXEC_PAPER_EXCHANGE_URL"
"""The environment variable naming the paper exchange server workers share."""
GATEWAY_VENUE_KEYS: tuple[str, ...] = (*LP_PROVIDERS, "jupiter/router", "meteora/swap", SWAP_VENUE)
"""The venue keys of the LP runtime's Gateway venues (what LP and swap commands name)."""
EXCHANGE_VENUE_KEYS: tuple[str, ...] = (PAPER_EXCHANGE, PAPER_PERPETUAL)


def paper_exchange_url(explicit: str | None = None) -> str | None:
    """The paper exchange server's URL: ``explicit``, else ``LPEXEC_PAPER_EXCHANGE_URL``, else
    None (no exchange: CEX executors do not run on workers)."""
    url = explicit or os.environ.get(EXCHANGE_URL_ENV, "")
    return url.strip().rstrip("/") or None


@dataclass
class WorkerRuntime:
    """The engine a worker runs, the types it runs and its market poll; close with
    :meth:`aclose`."""

    engine: Engine
    database: Database
    types: frozenset[str]
    lp: LPRuntime
    lp_poller: MarketPoller
    exchange_venues: dict[str, RemoteExchangeVenue] = field(default_factory=dict)
    _markets: SharedExchangeMarkets | None = None

    async def poll(self) -> None:
        """Publish the pools' prices, the CEX pairs' touches, then deliver the exchange's
        funding payments and its records of the open orders (see the module docstring)."""
        await self.lp_poller.poll()
        if self._markets is not None:
            await self._markets.deliver(self.cex_pairs())

    def cex_pairs(self) -> set[str]:
        """The pairs the live CEX executors on the paper exchange trade."""
        pairs = set()
        for executor in self.engine.live_executors():
            config = executor.config
            if config.type in CEX_TYPES and getattr(config, "connector_name", None) in (
                self.exchange_venues
            ):
                pairs.add(config.trading_pair)
        return pairs

    async def aclose(self) -> None:
        """Abandon venue calls still running (their intents are reconciled by whoever holds
        the executors next), close the exchange venues and the LP runtime (and the store)."""
        await self.engine.cancel_inflight()
        for venue in self.exchange_venues.values():
            await venue.aclose()
        await self.lp.aclose()


async def open_worker_runtime(
    *,
    database_url: str,
    settings: Settings | None = None,
    exchange_url: str | None = None,
    seed: int = 0,
    paper_state_file: str | None = None,
    clock: Clock | None = None,
    risk: RiskEngine | None = None,
) -> WorkerRuntime:
    """Open what a worker runs on (see the module docstring); the engine is not started (the
    worker adopts what it claims).

    Args:
        database_url: the shared store.
        settings: where the Gateway is (unset: the paper Gateway in process).
        exchange_url: the paper exchange server (None: Gateway types only).
        seed, paper_state_file: the in-process paper Gateway's.
        clock: the wall clock (default: live).
        risk: the risk engine checking every create (a daemon's limits).
    """
    settings = settings or Settings()
    lp = await open_lp_runtime(
        database_url=database_url,
        settings=settings,
        clock=clock or LiveClock(),
        seed=seed,
        paper_state_file=paper_state_file,
        start_engine=False,
        risk=risk,
    )
    if exchange_url is None:
        return WorkerRuntime(
            engine=lp.engine,
            database=lp.database,
            types=GATEWAY_TYPES,
            lp=lp,
            lp_poller=lp.poller,
        )
    engine_holder: list[Engine] = []
    leverage_of = _leverage_of(engine_holder)
    exchange_venues = {
        key: RemoteExchangeVenue(exchange_url, venue=key, clock=lp.clock, leverage_of=leverage_of)
        for key in EXCHANGE_VENUE_KEYS
    }
    engine = Engine(
        database=lp.database,
        clock=lp.clock,
        executor_types=EXECUTOR_TYPES,
        runs=GATEWAY_TYPES | CEX_TYPES,
        venues={
            **{key: lp.engine.venue(key) for key in GATEWAY_VENUE_KEYS},
            **exchange_venues,
        },
        unknown_budget_seconds=settings.unknown_budget_seconds,
        risk=risk,
    )
    engine_holder.append(engine)
    feed = GatewayMarketFeed(lp.client, clock=lp.clock, resolve_pools=live_lp_pools(engine))
    return WorkerRuntime(
        engine=engine,
        database=lp.database,
        types=GATEWAY_TYPES | CEX_TYPES,
        lp=lp,
        lp_poller=MarketPoller(engine, feed),
        exchange_venues=exchange_venues,
        _markets=SharedExchangeMarkets(engine, exchange_venues),
    )


def _leverage_of(engine_holder: list[Engine]) -> Callable[[str], int | None]:
    """The leverage of a perpetual executor (None for any other), by executor id."""

    def leverage(executor_id: str) -> int | None:
        try:
            config: Any = engine_holder[0].executor_config(executor_id)
        except (UnknownExecutorError, KeyError):
            return None
        if not getattr(config, "perpetual", False):
            return None
        value = getattr(config, "leverage", None)
        return value if isinstance(value, int) else None

    return leverage

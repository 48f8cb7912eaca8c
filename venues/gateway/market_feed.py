"""``GatewayMarketFeed``: the MarketFeed port over Gateway's pool reads (real or paper Gateway).

A pool key (an LP pool's address) is answered with a ``PoolPriceUpdated``: the pool's price and
its active bin (Meteora DLMM, ``client.meteora.pool_info``) or current tick (other CLMM
connectors, through the unified ``/trading/clmm`` routes) — the same reads the liquidity venue
makes. To read a pool the feed must know its trading pair and LP provider: pools are either
tracked by hand (:meth:`GatewayMarketFeed.track`) or learned from a resolver the wiring gives
(e.g. the pools of the live LP executors). A key neither names — a trading pair such as
``SOL-USDC`` — is left out: a pair's subscribers get its price with the price of any pool of that
pair. A pool that cannot be read right now is left out too (logged); the next snapshot tries it
again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from gateway_client import GatewayClient
from lpexec.core import Clock, PriceUpdated
from lpexec.lp import LP_PROVIDERS
from lpexec.lp.messages import PoolPriceUpdated
from lpexec.venues.gateway.unified_clmm import UnifiedClmm

__all__ = ["GatewayMarketFeed", "PoolSource"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class PoolSource:
    """What the feed needs to read one pool: its pair and the LP provider that serves it."""

    trading_pair: str
    """``BASE-QUOTE`` as the executors name it, e.g. ``SOL-USDC``."""
    provider: str
    """One of ``LP_PROVIDERS``, e.g. ``meteora/clmm`` or ``raydium/clmm``."""


class GatewayMarketFeed:
    """Pool prices read through one Gateway, on one network.

    Args:
        client: an open ``GatewayClient`` (real Gateway, or the paper one in process).
        clock: stamps each price with the time it was read.
        network: e.g. ``mainnet-beta``.
        resolve_pools: returns the pools the feed may read beyond the tracked ones, by address
            (called once per snapshot; the wiring passes e.g. the live LP executors' pools).

    Example:
        >>> feed = GatewayMarketFeed(client, clock=clock)
        >>> feed.track(pool_address, trading_pair="SOL-USDC", provider="meteora/clmm")
        >>> [event.price for event in await feed.snapshot([pool_address])]
    """

    def __init__(
        self,
        client: GatewayClient,
        *,
        clock: Clock,
        network: str = "mainnet-beta",
        resolve_pools: Callable[[], Mapping[str, PoolSource]] | None = None,
    ) -> None:
        self._clock = clock
        self._network = network
        self._resolve = resolve_pools
        self._tracked: dict[str, PoolSource] = {}
        unified = {
            provider: UnifiedClmm(client.trading_clmm, provider)
            for provider in LP_PROVIDERS
            if provider != "meteora/clmm"
        }
        self._readers: dict[str, Any] = {"meteora/clmm": client.meteora, **unified}

    def track(self, pool_address: str, *, trading_pair: str, provider: str) -> None:
        """Answer ``pool_address`` from now on (read through ``provider``, priced as
        ``trading_pair``); a tracked pool takes precedence over the resolver's answer.

        Raises:
            ValueError: ``provider`` is not an LP provider this feed reads.
        """
        if provider not in self._readers:
            raise ValueError(
                f"provider: expected one of {sorted(self._readers)}, received {provider!r}"
            )
        self._tracked[pool_address] = PoolSource(trading_pair=trading_pair, provider=provider)

    def sources(self) -> dict[str, PoolSource]:
        """Every pool the feed can read now, by address (tracked ones win)."""
        resolved = dict(self._resolve()) if self._resolve is not None else {}
        return {**resolved, **self._tracked}

    async def snapshot(self, keys: Iterable[str]) -> list[PriceUpdated]:
        """Read each known pool among ``keys`` (in order); leave out the others."""
        sources = self.sources()
        events: list[PriceUpdated] = []
        for key in dict.fromkeys(keys):
            source = sources.get(key)
            if source is None:
                logger.debug("market feed: no pool known for key %s; left out", key)
                continue
            event = await self._read(key, source)
            if event is not None:
                events.append(event)
        return events

    async def _read(self, pool_address: str, source: PoolSource) -> PoolPriceUpdated | None:
        reader = self._readers.get(source.provider)
        if reader is None:
            logger.warning(
                "could not read pool %s: expected a provider in %s, received %r",
                pool_address,
                sorted(self._readers),
                source.provider,
            )
            return None
        try:
            info = await reader.pool_info(pool_address, network=self._network)
        except Exception as e:  # one unreadable pool must not cost the others their prices
            logger.warning("could not read pool %s: %s", pool_address, e)
            return None
        return PoolPriceUpdated(
            ts_event=self._clock.now(),
            trading_pair=source.trading_pair,
            price=info.price,
            pool_address=pool_address,
            active_bin_id=info.active_bin_id,
        )

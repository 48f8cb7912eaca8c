"""``PaperMarketFeed``: the MarketFeed port read straight from a :class:`PaperChain` (no HTTP).

For backtests and the direct paper venues (:mod:`paper.venues`): a pool key is answered with a
``PoolPriceUpdated`` carrying the pool's exact price (the paper Gateway rounds it to what a JSON
float carries) and its active bin (DLMM) or current tick (CLMM). Its trading pair is the symbols
of the pool's tokens on the chain (``SOL-USDC``) unless :meth:`PaperMarketFeed.track` names it.
A key that is no pool on the chain (a pair such as ``SOL-USDC``) is left out.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from lpexec.core import Clock, PriceUpdated
from lpexec.lp.messages import PoolPriceUpdated
from lpexec.paper.chain import PaperChain, PoolNotFoundError
from lpexec.paper.pools import DlmmPool

__all__ = ["PaperMarketFeed"]

logger = logging.getLogger(__name__)


class PaperMarketFeed:
    """Pool prices of a paper chain, stamped with ``clock``.

    Example:
        >>> feed = PaperMarketFeed(chain, clock=clock)
        >>> (event,) = await feed.snapshot([pool_address])
        >>> event.active_bin_id == chain.pool(pool_address).active_bin_id
        True
    """

    def __init__(self, chain: PaperChain, *, clock: Clock) -> None:
        self._chain = chain
        self._clock = clock
        self._pairs: dict[str, str] = {}

    def track(self, pool_address: str, *, trading_pair: str) -> None:
        """Price ``pool_address`` as ``trading_pair`` (instead of its tokens' symbols)."""
        self._pairs[pool_address] = trading_pair

    async def snapshot(self, keys: Iterable[str]) -> list[PriceUpdated]:
        """Answer each pool among ``keys`` (in order); leave out the others."""
        events: list[PriceUpdated] = []
        for key in dict.fromkeys(keys):
            event = self._read(key)
            if event is not None:
                events.append(event)
        return events

    def _read(self, key: str) -> PoolPriceUpdated | None:
        try:
            pool = self._chain.pool(key)
        except PoolNotFoundError:
            logger.debug("paper market feed: no pool at %s; left out", key)
            return None
        try:
            pair = self._pairs.get(key) or self._pair_of(pool.base_mint, pool.quote_mint)
            price = pool.price
        except Exception as e:  # one unreadable pool must not cost the others their prices
            logger.warning("could not read paper pool %s: %s", key, e)
            return None
        return PoolPriceUpdated(
            ts_event=self._clock.now(),
            trading_pair=pair,
            price=price,
            pool_address=key,
            active_bin_id=pool.active_bin_id if isinstance(pool, DlmmPool) else pool.tick_current,
        )

    def _pair_of(self, base_mint: str, quote_mint: str) -> str:
        tokens = self._chain.tokens
        return f"{tokens.get(base_mint).symbol}-{tokens.get(quote_mint).symbol}"

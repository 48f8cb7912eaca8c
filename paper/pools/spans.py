"""From a price range to the bins or ticks a position covers (the rounding Gateway uses)."""

from __future__ import annotations

from decimal import Decimal

from lpexec.lp.math.clmm import TickRounding, align_tick, price_to_tick
from lpexec.lp.math.dlmm import BinRounding
from lpexec.paper.pools.clmm import ClmmPool
from lpexec.paper.pools.dlmm import DlmmPool

__all__ = ["span_for_prices"]


def span_for_prices(
    pool: DlmmPool | ClmmPool, lower_price: Decimal, upper_price: Decimal
) -> tuple[int, int]:
    """Return ``(lower, upper)`` covering the prices: DLMM bins rounded outwards (both
    inclusive), CLMM ticks aligned outwards to the spacing (upper exclusive, at least one
    spacing wide)."""
    if isinstance(pool, DlmmPool):
        return (
            pool.bin_id_for_price(lower_price, BinRounding.DOWN),
            pool.bin_id_for_price(upper_price, BinRounding.UP),
        )
    spacing = pool.tick_spacing
    decimals = (pool.base_decimals, pool.quote_decimals)
    lower = align_tick(price_to_tick(lower_price, *decimals), spacing, TickRounding.DOWN)
    upper = align_tick(
        price_to_tick(upper_price, *decimals, TickRounding.UP), spacing, TickRounding.UP
    )
    return lower, max(upper, lower + spacing)

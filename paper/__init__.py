"""Paper venues: simulated pools, router and price paths (and the paper chain and Gateway)."""

from __future__ import annotations

from lpexec.paper.pools import (
    ClmmPool,
    DlmmFeeParameters,
    DlmmPool,
    PaperPool,
    Strategy,
    SwapResult,
)
from lpexec.paper.prices import PricePoint, generate_gbm, read_price_csv, replay
from lpexec.paper.router import NoRouteFoundError, RoutePlan, Router

__all__ = [
    "ClmmPool",
    "DlmmFeeParameters",
    "DlmmPool",
    "NoRouteFoundError",
    "PaperPool",
    "PricePoint",
    "RoutePlan",
    "Router",
    "Strategy",
    "SwapResult",
    "generate_gbm",
    "read_price_csv",
    "replay",
]

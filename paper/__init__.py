"""Paper venues: simulated pools, router and price paths (and the paper chain and Gateway)."""

from __future__ import annotations

from paper.pools import ClmmPool, DlmmFeeParameters, DlmmPool, PaperPool, Strategy, SwapResult
from paper.prices import PricePoint, generate_gbm, read_price_csv, replay
from paper.router import NoRouteFound, RoutePlan, Router

__all__ = [
    "ClmmPool",
    "DlmmFeeParameters",
    "DlmmPool",
    "NoRouteFound",
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

"""Paper venues: simulated pools, router and price paths (and the paper chain and Gateway)."""

from __future__ import annotations

from paper.pools import ClmmPool, DlmmFeeParameters, DlmmPool, PaperPool, Strategy, SwapResult

__all__ = [
    "ClmmPool",
    "DlmmFeeParameters",
    "DlmmPool",
    "PaperPool",
    "Strategy",
    "SwapResult",
]

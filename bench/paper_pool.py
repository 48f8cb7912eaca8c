"""Benchmark: swaps per second in a paper DLMM pool where swaps cross bins.

A SOL-USDC pool (bin step 10) is seeded with a market position over 69 bins and a user
position over 21 bins (Curve). The benchmark sells base, then buys back with the quote
received, each swap large enough to cross two to three bins, with advancing timestamps so the
dynamic fee moves. The last line prints the figure, e.g.
``paper_pool: 52000 swaps/s (dlmm, crossing bins)``.

Run: ``.venv/bin/python bench/paper_pool.py [seconds]``
"""

from __future__ import annotations

import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from paper.pools import DlmmPool, Strategy  # noqa: E402

SOL = "So11111111111111111111111111111111111111112"
USDC = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"


def build_pool() -> DlmmPool:
    """Return a seeded SOL-USDC DLMM pool."""
    pool = DlmmPool.at_price(
        "bench-pool",
        price=Decimal(150),
        base_mint=SOL,
        quote_mint=USDC,
        base_decimals=9,
        quote_decimals=6,
        bin_step=10,
    )
    active = pool.active_bin_id
    pool.add_liquidity("market", active - 34, active + 34, 2_000 * 10**9, 300_000 * 10**6)
    pool.add_liquidity(
        "user",
        active - 10,
        active + 10,
        20 * 10**9,
        3_000 * 10**6,
        Strategy.CURVE,
    )
    return pool


def run(seconds: float) -> tuple[int, float, int]:
    """Swap back and forth for about ``seconds``; return swaps, swap time and bins crossed.

    Fees leave the bins on every swap, so a fresh pool is built every 1,000 swaps; building
    is not timed.
    """
    sell_amount = 150 * 10**9  # about 2.6 bins of quote at this depth
    swaps = crossed = 0
    elapsed = 0.0
    while elapsed < seconds:
        pool = build_pool()
        timestamp = 0
        start = time.perf_counter()
        for _ in range(500):
            timestamp += 1
            sold = pool.swap(SOL, sell_amount, timestamp=timestamp)
            bought = pool.swap(USDC, sold.amount_out, timestamp=timestamp)
            crossed += sold.bins_crossed + bought.bins_crossed
            swaps += 2
        elapsed += time.perf_counter() - start
    return swaps, elapsed, crossed


def main() -> None:
    """Run the benchmark and print the headline figure last."""
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    swaps, elapsed, crossed = run(seconds)
    rate = swaps / elapsed
    print(f"swaps: {swaps} in {elapsed:.2f} s, bins crossed per swap: {crossed / swaps:.2f}")
    print(f"paper_pool: {rate:.0f} swaps/s (dlmm, crossing bins)")


if __name__ == "__main__":
    main()

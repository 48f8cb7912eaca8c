"""What tuning the garbage collector buys a backtest (the one speed device of ``backtest.run``).

The same replay as ``bench/backtest_lp.py`` (GBM, 5 % range, 10-minute out-of-range rebalance),
run with the collector as Python sets it and with ``run_backtest``'s tuning (cycle searches
every 100,000 allocations, the set-up frozen out of full searches), alternately, best of
``--rounds``. The results are equal (tests/backtest/test_backtest.py checks it); the last line
is ``backtest_gc: +N % rows/s with the collector tuned``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
from decimal import Decimal

from lpexec.backtest.run import run_backtest
from lpexec.lp.rebalance import RebalanceConfig
from lpexec.paper.price_bars import gbm_bars


def rows_per_second(rows: int, *, tune_gc: bool) -> float:
    points = gbm_bars(
        start_price=Decimal(150),
        steps=rows - 1,
        seed=7,
        start=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        annual_volatility=0.8,
        mean_volume=25_000.0,
    )
    policy = RebalanceConfig(
        policy_id="bench",
        pool_address="simulated",
        trading_pair="SOL-USDC",
        width=Decimal("0.05"),
        out_of_range_seconds=600,
        min_interval_seconds=0,
        max_rebalances_per_day=1_000_000,
        base_amount=Decimal(10),
        quote_amount=Decimal(1500),
    )
    result = asyncio.run(
        run_backtest(points, policy, total=rows, sample_every=1440, tune_gc=tune_gc)
    )
    return result.rows_per_second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=262_800)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    best = {True: 0.0, False: 0.0}
    for round_ in range(args.rounds):
        for tuned in (True, False) if round_ % 2 == 0 else (False, True):
            best[tuned] = max(best[tuned], rows_per_second(args.rows, tune_gc=tuned))
    print(f"collector as Python sets it: {best[False]:.0f} rows/s")
    print(f"collector tuned:             {best[True]:.0f} rows/s")
    gain = (best[True] / best[False] - 1) * 100
    print(f"backtest_gc: {gain:+.1f} % rows/s with the collector tuned")


if __name__ == "__main__":
    main()

"""Backtest throughput: one year of 1-minute bars through the rebalance policy, the real LP
executors and the engine on a paper DLMM pool (the same path as ``lpexec backtest``).

GBM with a fixed seed (525,600 rows by default, drawn in chunks of 65,536 while replaying), a 5 %
range that is rebalanced when the price has left it for 10 minutes (single-sided re-entry on the
token held). Bars inside the live executor's quiet window only move the pool (the numbers equal
delivering every bar: ``--every-bar`` does that). Prints rows per second and the process's peak
memory (max RSS); the last line is ``backtest_lp: N rows/s, M MB peak``.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from fixtures.backtest_inputs import BENCH_POLICY, bench_bars  # noqa: E402
from lpexec.backtest.run import run_backtest  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=525_600)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--every-bar", action="store_true", help="deliver every bar (slow)")
    args = parser.parse_args()
    points = bench_bars(args.rows, seed=args.seed)
    result = asyncio.run(
        run_backtest(
            points, BENCH_POLICY, total=args.rows, sample_every=1440, every_bar=args.every_bar
        )
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"rows: {result.rows} (GBM generated while replaying)")
    share = result.delivered / result.rows * 100 if result.rows else 0.0
    print(f"bars delivered to the engine: {result.delivered} ({share:.1f} %)")
    print(f"rebalances: {result.rebalances}, time in range {result.time_in_range * 100:.1f} %")
    totals = result.totals
    print(f"net P&L {totals['net_pnl_quote']:.2f}, fees {totals['fees_earned_quote']:.2f} quote")
    print(f"replay: {result.seconds:.1f} s")
    print(f"backtest_lp: {result.rows_per_second:.0f} rows/s, {peak_mb:.0f} MB peak")


if __name__ == "__main__":
    main()

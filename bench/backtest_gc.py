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
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from fixtures.backtest_inputs import BENCH_POLICY, bench_bars  # noqa: E402
from lpexec.backtest.run import run_backtest  # noqa: E402


def rows_per_second(rows: int, *, tune_gc: bool) -> float:
    result = asyncio.run(
        run_backtest(bench_bars(rows), BENCH_POLICY, total=rows, sample_every=1440, tune_gc=tune_gc)
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

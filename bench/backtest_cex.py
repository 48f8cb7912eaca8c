"""CEX backtest throughput: one year of 1-minute bars (GBM, seeded) through a market-making
controller (two levels per side, position executors) and through a directional controller
(SMA cross, position executors), on the paper exchange and the engine (the path of
``lpexec backtest --cex``).

Rows the controllers and executors cannot act on are skipped (the numbers equal delivering every
row: ``--every-row`` does that). Timed: the replay, from the engine's start to the report
(generating the series is not), in CPU time of this process (``process_time``: a loaded
machine's other processes do not count; the wall-clock figure is printed beside it).

Each controller's replay runs ``--repeat`` times (default 3) and its figure is the fastest run,
with the slowest beside it: a shared machine only ever slows a run (CPU time still grows when
other processes share the cores' caches and clock), so the fastest is the one nearest what the
code costs, as with ``timeit``. Every run must return the same numbers (checked).

Prints, per controller, rows per second, rows delivered with the CPU time per delivered row
(skipping leaves only rows where something happens, so the replay's speed hangs on that figure)
and what it traded, then the process's peak memory (max RSS); the last line is
``backtest_cex: N rows/s`` (the slower of the two controllers, fastest run, CPU time).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from lpexec.backtest.cex import CexSeries, run_cex_backtest  # noqa: E402
from lpexec.controllers.catalog import build_controller  # noqa: E402

START = 1_767_225_600.0  # 2026-01-01T00:00:00Z
ANNUAL_VOLATILITY = 0.8

MARKET_MAKING: dict[str, Any] = {
    "controller_type": "market_making",
    "id": "mm",
    "connector_name": "paper",
    "trading_pair": "SOL-USDC",
    "total_amount_quote": "1000",
    "buy_spreads": ["0.004", "0.008"],
    "sell_spreads": ["0.004", "0.008"],
    "executor_refresh_time": 4 * 3600,
    "cooldown_time": 600,
    "stop_loss": "0.015",
    "take_profit": "0.006",
    "time_limit": 24 * 3600,
    "take_profit_order_type": "LIMIT",
}
DIRECTIONAL: dict[str, Any] = {
    "controller_type": "directional",
    "id": "dir",
    "connector_name": "paper",
    "trading_pair": "SOL-USDC",
    "total_amount_quote": "1000",
    "signal": "sma_cross:fast=60,slow=360",
    "max_executors_per_side": 2,
    "cooldown_time": 3600,
    "stop_loss": "0.03",
    "take_profit": "0.04",
    "time_limit": 24 * 3600,
    "take_profit_order_type": "MARKET",
}


def minute_bars(rows: int, seed: int) -> CexSeries:
    """``rows`` GBM minute prices from 150 with a 0.04 % touch on a 0.01 tick."""
    step_years = 60 / (365 * 24 * 3600)
    rng = np.random.default_rng(seed)
    shocks = rng.standard_normal(rows)
    sigma = ANNUAL_VOLATILITY * np.sqrt(step_years)
    prices = 150 * np.exp(np.cumsum(-sigma * sigma / 2 + sigma * shocks))
    return CexSeries.from_prices(
        START + 60 * np.arange(rows), prices, spread=0.0004, price_tick=0.01
    )


def run(name: str, table: dict[str, Any], series: CexSeries, every_row: bool, repeat: int) -> float:
    cpus: list[float] = []
    first: tuple[Any, ...] | None = None
    line = ""
    for _ in range(repeat):
        cpu = time.process_time()
        result = asyncio.run(
            run_cex_backtest(
                series, controllers=[build_controller(table)], skip_quiet=not every_row
            )
        )
        cpus.append(time.process_time() - cpu)
        # what every run must share (the whole result is not kept: one run's memory at a time)
        outcome = (result.totals, result.close_types, len(result.executors), len(result.trades))
        if first is not None and outcome != first:
            raise SystemExit(f"{name}: a repeated run returned other numbers")
        first = outcome
        totals = result.totals
        line = (
            f"{result.delivered} rows delivered ({result.delivered / result.rows * 100:.1f} %, "
            "{each:.0f} us CPU each), "
            f"{totals['executors']} executors, {totals['trades']} trades, net P&L "
            f"{totals['net_pnl_quote']:.2f}, fees {totals['fees_paid_quote']:.2f}, volume "
            f"{totals['volume_quote']:.0f} quote; wall {result.seconds:.1f} s in the last run"
        )
        rows, delivered = result.rows, result.delivered
        del result
        gc.collect()  # the run's cycles, before the next run allocates (peak memory: one run)
    cpu = min(cpus)
    speed = rows / cpu
    print(
        f"{name}: {speed:,.0f} rows/s in CPU time, fastest of {repeat} runs ({cpu:.1f} s; the "
        f"slowest {rows / max(cpus):,.0f} rows/s), " + line.format(each=cpu / delivered * 1e6)
    )
    return speed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=525_600)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--every-row", action="store_true", help="deliver every row (slow)")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per controller; the fastest counts (default 3)"
    )
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error(f"--repeat: expected a whole number of runs >= 1, received {args.repeat}")
    series = minute_bars(args.rows, args.seed)
    speeds = [
        run("market making", MARKET_MAKING, series, args.every_row, args.repeat),
        run("directional", DIRECTIONAL, series, args.every_row, args.repeat),
    ]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak_mb:.0f} MB (max RSS of the process)")
    print(f"backtest_cex: {min(speeds):.0f} rows/s")


if __name__ == "__main__":
    main()

"""The collector tuning of ``run_backtest`` is a speed device only: results are equal without it
(``bench/backtest_gc.py`` measures what it buys)."""

from __future__ import annotations

import gc
from decimal import Decimal

from fixtures.prices import SOL_USDC_1M
from lpexec.backtest.run import run_backtest
from lpexec.lp.rebalance import RebalanceConfig
from lpexec.paper.prices import read_price_csv

POINTS = read_price_csv(SOL_USDC_1M)[:1500]
POLICY = RebalanceConfig(
    policy_id="gc",
    pool_address="simulated",
    trading_pair="SOL-USDC",
    width=Decimal("0.02"),
    out_of_range_seconds=300,
    min_interval_seconds=0,
    max_rebalances_per_day=1_000,
    base_amount=Decimal(10),
    quote_amount=Decimal(1500),
)


async def test_a_run_without_the_tuning_gives_the_same_report_and_ledger():
    tuned = await run_backtest(POINTS, POLICY, seed=5)
    thresholds = gc.get_threshold()
    plain = await run_backtest(POINTS, POLICY, seed=5, tune_gc=False)
    assert tuned.rebalances == plain.rebalances > 0
    assert (tuned.totals, tuned.ledger) == (plain.totals, plain.ledger)
    assert [s.net_pnl for s in tuned.samples] == [s.net_pnl for s in plain.samples]
    assert (tuned.delivered, tuned.time_in_range) == (plain.delivered, plain.time_in_range)
    assert gc.get_threshold() == thresholds  # the plain run left the collector alone

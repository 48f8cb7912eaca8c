"""Backtests: the same input gives the same numbers, and the totals equal the chain's ledger."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.backtest import PoolSpec, parse_pool_spec, run_backtest
from fixtures.prices import SOL_USDC_1M
from lp.rebalance import RebalanceConfig
from paper.prices import read_price_csv

POINTS = read_price_csv(SOL_USDC_1M)[:900]


def policy(**overrides) -> RebalanceConfig:
    values = {
        "policy_id": "bt",
        "pool_address": "set-by-backtest",
        "trading_pair": "SOL-USDC",
        "width_pct": Decimal("0.02"),
        "out_of_range_seconds": 0,
        "min_interval_seconds": 0,
        "base_amount": Decimal(5),
        "quote_amount": Decimal(750),
        "max_rebalances_per_day": 1000,
    }
    values.update(overrides)
    return RebalanceConfig(**values)


async def test_same_seed_and_input_give_identical_numbers():
    first = await run_backtest(POINTS, policy(), seed=3)
    second = await run_backtest(POINTS, policy(), seed=3)
    assert first.totals == second.totals
    assert first.rebalances == second.rebalances > 0
    assert [s.net_pnl for s in first.samples] == [s.net_pnl for s in second.samples]


async def test_totals_equal_the_paper_chain_ledger():
    result = await run_backtest(POINTS, policy(), seed=1, keep_market_history=True)
    for name in ("tx_fee_sol", "rent_locked_sol", "rent_sunk_sol"):
        assert result.totals[name] == result.ledger[name], name
    assert result.totals["tx_fee_sol"] > 0
    assert result.totals["fees_earned_quote"] > 0
    assert Decimal(0) < result.time_in_range <= Decimal(1)
    totals = result.totals
    decomposed = (
        totals["fees_earned_quote"]
        + totals["impermanent_loss_quote"]
        - totals["tx_fees_quote"]
        - totals["rent_sunk_quote"]
        - totals["swap_costs_quote"]
    )
    assert abs(totals["net_pnl_quote"] - decomposed) < Decimal("1e-18")  # 28-digit sums


async def test_a_wider_range_rebalances_less():
    narrow = await run_backtest(POINTS, policy(width_pct=Decimal("0.01")))
    wide = await run_backtest(POINTS, policy(width_pct=Decimal("0.06")))
    assert wide.rebalances < narrow.rebalances


def test_pool_spec_parsing_and_errors():
    assert parse_pool_spec("dlmm:bin_step=25") == PoolSpec(bin_step=25)
    with pytest.raises(ValueError, match="expected 'dlmm:bin_step=N', received kind 'clmm'"):
        parse_pool_spec("clmm:tick=1")
    with pytest.raises(ValueError, match=r"unknown option\(s\) \['fee'\]"):
        parse_pool_spec("dlmm:bin_step=10,fee=3")

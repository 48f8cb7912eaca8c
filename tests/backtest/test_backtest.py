"""Backtests: the same input gives the same numbers, and the totals equal the chain's ledger."""

from __future__ import annotations

import gc
from decimal import Decimal

import pytest

from fixtures.prices import SOL_USDC_1M
from lpexec.backtest.run import PoolSpec, parse_pool_spec, run_backtest
from lpexec.lp.rebalance import RebalanceConfig
from lpexec.paper.prices import read_price_csv

POINTS = read_price_csv(SOL_USDC_1M)[:900]


def policy(**overrides) -> RebalanceConfig:
    values = {
        "policy_id": "bt",
        "pool_address": "set-by-backtest",
        "trading_pair": "SOL-USDC",
        "width": Decimal("0.02"),
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
    # the P&L over time moves: samples count every executor opened so far
    assert first.samples[-1].fees_earned > first.samples[1].fees_earned > 0
    assert len({s.net_pnl for s in first.samples}) > len(first.samples) // 2


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


async def test_the_collector_settings_are_restored_after_a_run():
    threshold, frozen = gc.get_threshold(), gc.get_freeze_count()
    result = await run_backtest(POINTS[:120], policy())
    assert result.rows == 120
    assert (gc.get_threshold(), gc.get_freeze_count()) == (threshold, frozen)


async def test_a_wider_range_rebalances_less():
    narrow = await run_backtest(POINTS, policy(width=Decimal("0.01")))
    wide = await run_backtest(POINTS, policy(width=Decimal("0.06")))
    assert wide.rebalances < narrow.rebalances


def test_pool_spec_parsing_and_errors():
    assert parse_pool_spec("dlmm:bin_step=25") == PoolSpec(bin_step=25)
    with pytest.raises(ValueError, match="expected 'dlmm:bin_step=N', received kind 'clmm'"):
        parse_pool_spec("clmm:tick=1")
    with pytest.raises(ValueError, match=r"unknown option\(s\) \['fee'\]"):
        parse_pool_spec("dlmm:bin_step=10,fee=3")


def _gbm(rows: int, seed: int) -> list:
    import datetime as dt

    from lpexec.paper.price_bars import gbm_bars

    return list(
        gbm_bars(
            start_price=Decimal(150),
            steps=rows - 1,
            seed=seed,
            start=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
            mean_volume=25_000.0,
            size=700,  # several chunks, so stretches cross chunk edges
        )
    )


@pytest.mark.parametrize(
    ("overrides", "sample_every"),
    [
        ({"out_of_range_seconds": 600, "width": Decimal("0.05")}, 97),
        ({"out_of_range_seconds": 0, "limit_pct": Decimal("0.002")}, 60),
        ({"out_of_range_seconds": 300, "min_interval_seconds": 900}, 250),
    ],
)
async def test_skipping_quiet_bars_gives_the_numbers_of_delivering_every_bar(
    overrides, sample_every
):
    bars = _gbm(3_000, seed=11)
    fast = await run_backtest(bars, policy(**overrides), sample_every=sample_every)
    slow = await run_backtest(bars, policy(**overrides), sample_every=sample_every, every_bar=True)
    assert fast.rows == slow.rows == slow.delivered == 3_000
    assert fast.delivered < slow.delivered / 2  # most bars were skipped
    assert fast.rebalances == slow.rebalances > 0
    assert fast.totals == slow.totals
    assert fast.samples == slow.samples
    assert fast.samples[-1].fees_earned > 0
    assert fast.time_in_range == slow.time_in_range
    assert fast.executors == slow.executors
    assert fast.ledger == slow.ledger


async def test_price_points_and_column_chunks_give_the_same_backtest():
    from lpexec.paper.price_bars import bars_from_points

    as_points = await run_backtest(POINTS, policy(), seed=2)
    as_bars = await run_backtest(list(bars_from_points(POINTS, size=128)), policy(), seed=2)
    assert as_points.totals == as_bars.totals
    assert as_points.samples == as_bars.samples

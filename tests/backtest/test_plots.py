"""The backtest chart: units on both axes, the time zone on the x axis, the policy in the title,
and one marker per rebalance (a new range after an earlier one)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fixtures.prices import SOL_USDC_1M
from lpexec.backtest.plots import backtest_figure, plot_backtest, policy_title, rebalance_points
from lpexec.backtest.run import Sample, run_backtest
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


async def test_the_chart_names_units_time_zone_policy_and_marks_each_rebalance(tmp_path):
    # Arrange: a backtest that rebalances
    config = policy()
    result = await run_backtest(POINTS, config, seed=1, sample_every=1)
    assert result.rebalances > 0
    title = policy_title(config, pool="dlmm")
    # Act
    figure = backtest_figure(result, title=title, trading_pair="SOL-USDC")
    plot_backtest(result, tmp_path / "chart.png", title=title, trading_pair="SOL-USDC")
    # Assert
    top, bottom = figure.axes
    assert top.get_ylabel() == "price (USDC per SOL)" and bottom.get_ylabel() == "USDC"
    assert bottom.get_xlabel() == "time (UTC)"
    assert top.get_title() == title
    assert title.startswith("SOL-USDC dlmm, width 2 %, re-entry single_sided")
    assert "close after 0 s out of range" in title
    (markers,) = top.collections[1:]  # after the range band
    assert len(markers.get_offsets()) == len(rebalance_points(result.samples)) == result.rebalances
    assert (tmp_path / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_rebalance_is_a_new_range_after_an_earlier_one():
    def sample(minute: int, lower: int | None, upper: int | None) -> Sample:
        zero = Decimal(0)
        return Sample(
            timestamp=dt.datetime(2026, 1, 1, 0, minute, tzinfo=dt.UTC),
            price=Decimal(100),
            lower=None if lower is None else Decimal(lower),
            upper=None if upper is None else Decimal(upper),
            fees_earned=zero,
            impermanent_loss=zero,
            tx_fees=zero,
            net_pnl=zero,
        )

    samples = [
        sample(0, 98, 102),  # the first range: not a rebalance
        sample(1, 98, 102),
        sample(2, None, None),  # closed between ranges
        sample(3, 99, 103),  # a new range
        sample(4, 99, 103),
        sample(5, 97, 101),  # another
    ]
    assert [s.timestamp.minute for s in rebalance_points(samples)] == [3, 5]

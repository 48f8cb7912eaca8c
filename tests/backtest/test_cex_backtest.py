"""CEX backtests: controllers and executors on the paper exchange with a simulated clock.

Skipping quiet rows gives the numbers of delivering every row; identical input and seed give
identical numbers; the CLI's ``--cex`` report; bad files named."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from fixtures.cli import ROOT, invoke
from lpexec.backtest.cex import CexSeries, run_cex_backtest
from lpexec.cex import OrderExecutorConfig, PositionExecutorConfig
from lpexec.controllers.catalog import build_controller
from lpexec.core import UTC, RiskEngine, RiskLimits
from lpexec.paper.exchange import PerpetualSpec
from lpexec.paper.exchange.driver import read_quote_csv
from lpexec.paper.exchange.perpetual import money_half_even

CSV = ROOT / "fixtures/prices/sol_usdc_1m.csv"
T0 = dt.datetime(2026, 1, 1, tzinfo=UTC).timestamp()

MM: dict[str, Any] = {
    "controller_type": "market_making",
    "id": "mm",
    "connector_name": "paper",
    "trading_pair": "SOL-USDC",
    "total_amount_quote": "1000",
    "buy_spreads": ["0.002", "0.005"],
    "sell_spreads": ["0.002", "0.005"],
    "executor_refresh_time": 1800,
    "cooldown_time": 120,
    "max_price_drift": "0.004",
    "stop_loss": "0.01",
    "take_profit": "0.005",
    "time_limit": 7200,
    "trailing_stop": {"activation_price": "0.003", "trailing_delta": "0.002"},
}
DIRECTIONAL: dict[str, Any] = {
    "controller_type": "directional",
    "id": "dir",
    "connector_name": "paper",
    "trading_pair": "SOL-USDC",
    "total_amount_quote": "1000",
    "signal": "sma_cross:fast=10,slow=40",
    "cooldown_time": 600,
    "stop_loss": "0.01",
    "take_profit": "0.01",
    "time_limit": 5400,
    "take_profit_order_type": "MARKET",
}


def series(rows: int = 2500, seed: int = 7) -> CexSeries:
    rng = np.random.default_rng(seed)
    prices = 150 * np.exp(np.cumsum(rng.normal(0, 0.0008, rows)))
    return CexSeries.from_prices(T0 + 60 * np.arange(rows), prices, spread=0.0004, price_tick=0.01)


async def run(table: dict[str, Any], data: CexSeries, **options: Any):
    return await run_cex_backtest(data, controllers=[build_controller(table)], **options)


MM_ORDERS: dict[str, Any] = {
    **MM,
    "executor_type": "order",
    "open_order_type": "LIMIT_MAKER",
    "executor_refresh_time": 900,
}


@pytest.mark.parametrize(
    ("table", "seed"),
    [(MM, 7), (MM, 8), (MM_ORDERS, 7), (DIRECTIONAL, 7), (DIRECTIONAL, 9)],
    ids=["market_making", "market_making-8", "market_making-orders", "directional", "dir-9"],
)
async def test_skipping_quiet_rows_gives_the_numbers_of_every_row(
    table: dict[str, Any], seed: int
) -> None:
    data = series(seed=seed)
    fast = await run(table, data, keep_actions=True)
    slow = await run(table, data, keep_actions=True, skip_quiet=False)
    assert slow.delivered == len(data)
    assert fast.delivered < len(data) / 2  # the quiet window does skip
    assert fast.numbers() == slow.numbers()
    assert fast.totals["executors"] >= 10 and fast.trades  # it traded
    assert sum(fast.close_types.values()) == fast.totals["executors"]


@pytest.mark.parametrize("table", [MM, DIRECTIONAL], ids=["market_making", "directional"])
async def test_identical_input_and_seed_give_identical_numbers(table: dict[str, Any]) -> None:
    steps = read_quote_csv(CSV, price_tick=Decimal("0.01"))
    first = await run(table, CexSeries.from_steps(steps), seed=3)
    second = await run(table, CexSeries.from_steps(steps), seed=3)
    assert first.numbers() == second.numbers()
    assert first.rows == 3000


async def test_the_numbers_stay_those_of_the_first_implementation() -> None:
    """Speed work must not move a number: the market maker's report on the seed-7 series, as the
    first implementation (every executor's report built by the engine) produced it."""
    result = await run(MM, series())
    assert result.delivered == 579
    assert result.totals == {
        "net_pnl_quote": Decimal("-28.398942657"),
        "funding_quote": Decimal(0),  # a spot market
        "fees_paid_quote": Decimal("8.912992657"),
        "volume_quote": Decimal("29220.27221"),
        "executors": Decimal(328),
        "trades": Decimal(117),
        "held_realized_pnl_quote": Decimal(0),
        "held_unrealized_pnl_quote": Decimal(0),
    }
    assert result.close_types == {
        "EARLY_STOP": 267,
        "RUNNING": 3,
        "STOP_LOSS": 16,
        "TAKE_PROFIT": 17,
        "TIME_LIMIT": 11,
        "TRAILING_STOP": 14,
    }
    assert result.executors[0] == {
        "executor_id": "mm-0",
        "type": "position",
        "level_id": "buy_0",
        "side": "BUY",
        "status": "TERMINATED",
        "close_type": "STOP_LOSS",
        "created_at": "2026-01-01T00:00:00+00:00",
        "closed_at": "2026-01-01T00:32:00+00:00",
        "net_pnl_quote": Decimal("-2.795588350"),
        "fees_paid_quote": Decimal("0.173688350"),
        "volume_quote": Decimal("497.37610"),
    }
    take_profit = next(row for row in result.executors if row["close_type"] == "TAKE_PROFIT")
    assert (take_profit["executor_id"], take_profit["level_id"], take_profit["side"]) == (
        "mm-8",
        "sell_0",
        "SELL",
    )
    assert take_profit["net_pnl_quote"] == Decimal("1.162559178")
    assert (result.trades[-1]["price"], result.trades[-1]["time"]) == (
        Decimal("140.56"),
        "2026-01-02T17:38:00+00:00",
    )


async def test_the_report_has_the_standard_shape() -> None:
    result = await run(MM, series(800))
    assert set(result.totals) >= {
        "net_pnl_quote",
        "fees_paid_quote",
        "volume_quote",
        "executors",
        "trades",
    }
    row = result.executors[0]
    assert row["executor_id"] == "mm-0" and row["level_id"] == "buy_0"
    assert set(row) >= {"close_type", "net_pnl_quote", "fees_paid_quote", "volume_quote"}
    trade = result.trades[0]
    assert set(trade) >= {"side", "price", "amount", "fee", "liquidity", "time"}
    fees = sum((r["fees_paid_quote"] for r in result.executors), Decimal(0))
    assert fees == result.totals["fees_paid_quote"]


async def test_executors_alone_and_a_perpetual_market() -> None:
    position = PositionExecutorConfig(
        id="p-1",
        connector_name="paper_perpetual",
        trading_pair="SOL-USDC",
        side="SELL",
        amount=Decimal(2),
        triple_barrier_config={"open_order_type": "MARKET", "time_limit": 3600},
    )
    result = await run_cex_backtest(
        series(300), executors=[position], perpetual=PerpetualSpec(max_leverage=10)
    )
    (row,) = result.executors
    assert row["close_type"] == "TIME_LIMIT" and len(result.trades) == 2
    assert result.delivered == 300  # perpetual markets deliver every row


async def test_a_held_perpetual_position_s_funding_is_in_its_net_p_and_l() -> None:
    # Arrange: a short of 2 held four hours on a perpetual market paying funding every hour,
    # once with a 0.1 % rate and once with none (funding moves no barrier: same trades)
    short = PositionExecutorConfig(
        id="p-1",
        connector_name="paper_perpetual",
        trading_pair="SOL-USDC",
        side="SELL",
        amount=Decimal(2),
        triple_barrier_config={"open_order_type": "MARKET", "time_limit": 4 * 3600},
    )
    data = series(300)

    async def backtest(rate: str):
        spec = PerpetualSpec(
            max_leverage=10, funding_rate=Decimal(rate), funding_interval_seconds=3600
        )
        return await run_cex_backtest(data, executors=[short], perpetual=spec)

    # Act
    funded, unfunded = await backtest("0.001"), await backtest("0")
    # Assert: the short received 0.1 % of 2 at the mark (the last price) at each hour it was
    # held (the fourth at the row its time limit closes it: open when the exchange paid), and
    # exactly that is the difference in its net P&L
    hours = [i for i in range(1, 241) if data.row(i)[0].minute == 0]
    received = sum(money_half_even(2 * data.row(i)[3] * Decimal("0.001")) for i in hours)
    assert len(hours) == 4 and funded.trades == unfunded.trades
    assert funded.totals["funding_quote"] == received > 0
    assert unfunded.totals["funding_quote"] == 0
    net = funded.totals["net_pnl_quote"] - unfunded.totals["net_pnl_quote"]
    assert (
        net
        == received
        == funded.executors[0]["net_pnl_quote"] - (unfunded.executors[0]["net_pnl_quote"])
    )


async def test_risk_refusals_are_reported_not_raised() -> None:
    risk = RiskEngine(RiskLimits.from_mapping({"max_open_executors": 1}))
    result = await run(MM, series(50), risk=risk, keep_actions=True)
    assert any("create refused" in line and "max_open_executors" in line for line in result.actions)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cex.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_cli_runs_the_sample_configs_as_json_twice_alike(tmp_path: Path) -> None:
    args = ["backtest", "--prices", str(CSV), "--pair", "SOL-USDT", "--json", "--cex"]
    config = str(ROOT / "fixtures/controller_market_making.toml")
    first, second = invoke(*args, config), invoke(*args, config)
    assert first.exit_code == 0, first.stderr
    report = json.loads(first.stdout)
    again = json.loads(second.stdout)
    for key in ("rows_per_second",):
        report.pop(key)
        again.pop(key)
    assert report == again
    assert report["rows"] == 3000 and int(report["totals"]["executors"]) > 0
    chart = tmp_path / "directional.png"
    directional = invoke(
        *args, str(ROOT / "fixtures/controller_directional.toml"), "--plot", str(chart)
    )
    assert directional.exit_code == 0, directional.stderr
    assert json.loads(directional.stdout)["totals"]["trades"] != "0"
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[markt]\n", "unknown table(s) ['markt']"),
        ("[market]\nprice_tick = 1\n", "expected [[controller]] or [[executor]] tables"),
        ('[[executor]]\ntype = "lp"\n', "executor[0].type: expected one of"),
        (
            '[[controller]]\ncontroller_type = "directional"\nid = "d"\n'
            'connector_name = "paper"\ntrading_pair = "ETH-USDC"\ntotal_amount_quote = "10"\n',
            "controller[0].trading_pair: expected the series' pair SOL-USDC",
        ),
    ],
)
def test_cli_names_bad_files(tmp_path: Path, text: str, message: str) -> None:
    result = invoke("backtest", "--prices", str(CSV), "--cex", str(write(tmp_path, text)))
    assert result.exit_code != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


async def test_executors_alone_skip_quiet_rows_with_the_same_numbers() -> None:
    data = series(1500, seed=11)
    first_mid = Decimal(repr(float(data.mids[0])))

    def configs() -> list[Any]:
        return [
            OrderExecutorConfig(
                id="order-1",
                connector_name="paper",
                trading_pair="SOL-USDC",
                side="BUY",
                amount=Decimal(1),
                execution_strategy="LIMIT",
                price=(first_mid * Decimal("0.995")).quantize(Decimal("0.01")),
            ),
            PositionExecutorConfig(
                id="pos-1",
                connector_name="paper",
                trading_pair="SOL-USDC",
                side="SELL",
                amount=Decimal(2),
                entry_price=(first_mid * Decimal("1.002")).quantize(Decimal("0.01")),
                triple_barrier_config={
                    "open_order_type": "LIMIT",
                    "take_profit": "0.004",
                    "take_profit_order_type": "LIMIT",
                    "stop_loss": "0.02",
                    "trailing_stop": {"activation_price": "0.002", "trailing_delta": "0.001"},
                },
            ),
        ]

    fast = await run_cex_backtest(data, executors=configs())
    slow = await run_cex_backtest(data, executors=configs(), skip_quiet=False)
    assert fast.numbers() == slow.numbers()
    assert fast.delivered < len(data) / 4
    assert len(fast.trades) >= 2


async def test_a_perpetual_market_maker_sets_its_leverage_and_trades() -> None:
    table = {**MM, "connector_name": "paper_perpetual", "leverage": 5}
    result = await run(
        table, series(600), perpetual=PerpetualSpec(max_leverage=10), keep_actions=True
    )
    assert result.actions[0] == "mm: SOL-USDC leverage 5, position mode ONEWAY"
    assert result.trades and result.delivered == 600

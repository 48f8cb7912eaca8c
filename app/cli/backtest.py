"""``lpexec backtest``: a rebalance policy over a price series, on the paper chain; with
``--cex FILE``, CEX controllers and executors on the paper exchange (:mod:`.backtest_cex`)."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from lpexec.app.cli.options import check_new_file
from lpexec.app.timestamps import utc_text
from lpexec.backtest.run import BacktestResult, parse_pool_spec, run_backtest
from lpexec.core import parse_config
from lpexec.lp.rebalance import RebalanceConfig
from lpexec.paper.chain.tokens import DEFAULT_TOKENS
from lpexec.paper.prices import read_price_csv

__all__ = ["backtest_command", "parse_rebalance_spec"]

console = Console()
_KEYS = {
    "dwell": "out_of_range_seconds",
    "limit": "limit_pct",
    "interval": "min_interval_seconds",
    "reentry": "reentry",
    "max_per_day": "max_rebalances_per_day",
}


def parse_rebalance_spec(text: str) -> dict[str, Any]:
    """Parse ``dwell=600,limit=1,interval=300,reentry=single_sided,max_per_day=24``.

    ``limit`` is a percent beyond the bounds (1 = 1 %); the rest are seconds, a mode or a count.
    """
    values: dict[str, Any] = {}
    for part in filter(None, (item.strip() for item in text.split(","))):
        key, sep, value = part.partition("=")
        if not sep or key not in _KEYS:
            raise ValueError(
                f"--rebalance: expected key=value with key in {sorted(_KEYS)}, received {part!r}"
            )
        if key == "limit":
            try:
                values[_KEYS[key]] = Decimal(value) / 100
            except InvalidOperation:
                raise ValueError(
                    f"--rebalance: limit expects a percent, received {value!r}"
                ) from None
        else:
            values[_KEYS[key]] = value
    return values


def backtest_command(
    prices: Path = typer.Option(
        ..., exists=True, dir_okay=False, help="CSV: timestamp,price[,volume]"
    ),
    pool: str = typer.Option("dlmm:bin_step=10", help="Simulated pool, e.g. dlmm:bin_step=10."),
    width: str = typer.Option("0.05", help="Range width as a ratio of the price: 0.05 = 5 %."),
    width_pct: str | None = typer.Option(None, "--width-pct", hidden=True),
    rebalance: str = typer.Option(
        "dwell=0",
        help="Triggers and limits: dwell=S,limit=PCT,interval=S,reentry=MODE,max_per_day=N",
    ),
    base: str = typer.Option("10", help="Base budget (e.g. SOL)."),
    quote: str = typer.Option("1500", help="Quote budget (e.g. USDC)."),
    pair: str = typer.Option("SOL-USDC", help="Trading pair of the series."),
    seed: int = typer.Option(0, help="Seed of the paper chain."),
    sample_every: int = typer.Option(60, min=1, help="Rows between samples of P&L over time."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    plot: Path | None = typer.Option(None, help="Write a PNG chart here."),
    cex: Path | None = typer.Option(
        None,
        "--cex",
        exists=True,
        dir_okay=False,
        help="TOML with [[controller]]/[[executor]] tables: run them on the paper exchange "
        "(CSV: timestamp,price or timestamp,bid,ask[,last,volume]) instead of the LP policy.",
    ),
) -> None:
    """Run the rebalance policy and LP executors over a price series with the engine (or, with
    --cex, CEX controllers and executors on the paper exchange)."""
    if cex is not None:
        from lpexec.app.cli.backtest_cex import cex_backtest

        cex_backtest(prices=prices, cex=cex, pair=pair, seed=seed, as_json=as_json, plot=plot)
        return
    if width_pct is not None:
        raise typer.BadParameter(_width_pct_refused(width_pct), param_hint="--width-pct")
    if plot is not None:
        check_new_file(plot, option="--plot")
    policy = parse_config(
        RebalanceConfig,
        {
            "policy_id": "backtest",
            "pool_address": "simulated",
            "trading_pair": pair,
            "width": width,
            "min_interval_seconds": 0,
            "max_rebalances_per_day": 1_000_000,
            "base_amount": base,
            "quote_amount": quote,
            **parse_rebalance_spec(rebalance),
        },
    )
    pool_spec = parse_pool_spec(pool)
    _check_pair_tokens(pair)
    points = read_price_csv(prices)
    with Progress(
        TextColumn("backtest"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} rows"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
        disable=as_json,
    ) as progress:
        task = progress.add_task("rows", total=len(points))
        result = asyncio.run(
            run_backtest(
                points,
                policy,
                pool=pool_spec,
                seed=seed,
                sample_every=sample_every,
                progress=lambda done, _total: progress.update(task, completed=done),
            )
        )
    if plot is not None:
        from lpexec.backtest.plots import plot_backtest, policy_title

        title = policy_title(policy, pool=pool)
        plot_backtest(result, plot, title=title, trading_pair=policy.trading_pair)
    if as_json:
        typer.echo(json.dumps({"width": str(policy.width), **_as_json(result)}, indent=2))
        return
    _print(result, plot)


def _check_pair_tokens(pair: str) -> None:
    """Refuse a pair whose tokens the paper chain does not list (before any work)."""
    known = [token.symbol for token in DEFAULT_TOKENS]
    symbols = {symbol.upper() for symbol in known}
    missing = [part for part in pair.split("-") if part.upper() not in symbols]
    if missing:
        raise ValueError(
            f"--pair: expected tokens the paper chain lists ({', '.join(known)}), received "
            f"{pair!r} ({', '.join(missing)} unknown)"
        )


def _width_pct_refused(value: str) -> str:
    message = "no longer accepted: use --width, a ratio of the price (0.05 = 5 %)"
    try:
        ratio = Decimal(value) / 100
    except InvalidOperation:
        return f"{message}; received --width-pct {value!r}"
    return f"{message}; --width-pct {value} (a percent) is --width {ratio.normalize():f}"


def _as_json(result: BacktestResult) -> dict[str, Any]:
    return {
        "totals": {key: str(value) for key, value in result.totals.items()},
        "rebalances": result.rebalances,
        "time_in_range": str(result.time_in_range),
        "rows": result.rows,
        "rows_per_second": round(result.rows_per_second),
        "executors": result.executors,
        "samples": [
            {
                "timestamp": utc_text(sample.timestamp),
                "price": str(sample.price),
                "lower": None if sample.lower is None else str(sample.lower),
                "upper": None if sample.upper is None else str(sample.upper),
                "fees_earned": str(sample.fees_earned),
                "impermanent_loss": str(sample.impermanent_loss),
                "tx_fees": str(sample.tx_fees),
                "net_pnl": str(sample.net_pnl),
            }
            for sample in result.samples
        ],
    }


def _print(result: BacktestResult, plot: Path | None) -> None:
    totals = result.totals
    table = Table(title="backtest", show_header=False)
    rows = [
        ("fees earned", totals["fees_earned_quote"]),
        ("impermanent loss (V_LP - V_HODL)", totals["impermanent_loss_quote"]),
        ("price move (V_HODL - V_0)", totals["price_move_quote"]),
        ("tx fees", totals["tx_fees_quote"]),
        ("rent sunk (BinArrays)", totals["rent_sunk_quote"]),
        ("swap costs", totals["swap_costs_quote"]),
        ("net P&L", totals["net_pnl_quote"]),
    ]
    for name, value in rows:
        table.add_row(name, f"{value:.4f} quote")
    table.add_row("rent locked at the end", f"{totals['rent_locked_sol']} SOL (refundable)")
    table.add_row("rent sunk", f"{totals['rent_sunk_sol']} SOL")
    table.add_row("tx fees", f"{totals['tx_fee_sol']} SOL")
    table.add_row("time in range", f"{result.time_in_range * 100:.2f} %")
    table.add_row("rebalances", str(result.rebalances))
    table.add_row("rows", f"{result.rows} at {result.rows_per_second:.0f} rows/s")
    console.print(table)
    decomposition = Table(title="P&L over time (quote)")
    for column in ("time", "price", "range", "fees", "IL", "net"):
        decomposition.add_column(column)
    step = max(1, len(result.samples) // 12)
    for sample in result.samples[::step]:
        span = "-" if sample.lower is None else f"{sample.lower:.2f}..{sample.upper:.2f}"
        decomposition.add_row(
            utc_text(sample.timestamp, timespec="minutes"),
            f"{sample.price:.2f}",
            span,
            f"{sample.fees_earned:.2f}",
            f"{sample.impermanent_loss:.2f}",
            f"{sample.net_pnl:.2f}",
        )
    console.print(decomposition)
    if plot is not None:
        console.print(f"chart written to {plot}")

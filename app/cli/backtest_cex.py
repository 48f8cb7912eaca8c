"""``lpexec backtest --cex FILE``: CEX controllers and executors over a price series, on the paper
exchange.

The file is TOML: ``[[controller]]`` tables (as the daemon's; ``fixtures/controller_*.toml``),
``[[executor]]`` tables (executor configs with their ``type``, created at the first row), an
optional ``[risk]`` table (the risk engine's limits, as the daemon's; a ``[daemon]`` table is
ignored, so a daemon config runs as it is) and an optional ``[market]`` table: ``price_tick``
(0.01), ``amount_step`` (0.001), ``maker_fee`` (0.0002), ``taker_fee`` (0.0005), ``spread``
(0.0004: the touch's width around a ``timestamp,price`` row), ``perpetual`` (default: true when a
controller or executor trades a perpetual connector), ``leverage`` (20: the highest the perpetual
market accepts), and ``balances`` (a table of asset = amount).
"""

from __future__ import annotations

import asyncio
import json
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from lpexec.app.cli.options import check_new_file
from lpexec.app.controller_host import load_controllers
from lpexec.app.registry import CEX_TYPES, EXECUTOR_TYPES
from lpexec.backtest.cex import CexBacktestResult, CexSeries, run_cex_backtest
from lpexec.core import (
    ConfigError,
    ExecutorConfig,
    RiskEngine,
    RiskLimits,
    TradingRules,
    parse_config,
)
from lpexec.paper.exchange import PerpetualSpec
from lpexec.paper.exchange.driver import read_quote_csv

__all__ = ["cex_backtest", "load_cex_file"]

_MARKET_KEYS = {
    "price_tick",
    "amount_step",
    "maker_fee",
    "taker_fee",
    "spread",
    "perpetual",
    "leverage",
    "balances",
}


def load_cex_file(path: Path, *, trading_pair: str) -> dict[str, Any]:
    """Read a ``--cex`` file into the backtest's arguments (see the module docstring).

    Raises:
        ConfigError: the file, a table or a field is wrong (named).
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"--cex: could not read {path}: {e}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"--cex {path}: not valid TOML: {e}") from None
    unknown = set(data) - {"controller", "executor", "market", "risk", "daemon"}
    if unknown:
        raise ConfigError(
            f"--cex {path}: unknown table(s) {sorted(unknown)}; expected controller, executor, "
            "market, risk (daemon is ignored)"
        )
    controllers = load_controllers(data.get("controller", []))
    executors = [_executor(table, index) for index, table in enumerate(data.get("executor", []))]
    if not controllers and not executors:
        raise ConfigError(f"--cex {path}: expected [[controller]] or [[executor]] tables")
    for index, controller in enumerate(controllers):
        if controller.config.trading_pair != trading_pair:
            raise ConfigError(
                f"controller[{index}].trading_pair: expected the series' pair {trading_pair} "
                f"(--pair), received {controller.config.trading_pair}"
            )
    market = dict(data.get("market", {}))
    bad = set(market) - _MARKET_KEYS
    if bad:
        raise ConfigError(f"market: unknown key(s) {sorted(bad)}; expected {sorted(_MARKET_KEYS)}")
    try:
        tick = Decimal(str(market.get("price_tick", "0.01")))
        step = Decimal(str(market.get("amount_step", "0.001")))
        arguments: dict[str, Any] = {
            "controllers": controllers,
            "executors": executors,
            "rules": TradingRules(price_tick=tick, amount_step=step),
            "maker_fee": Decimal(str(market.get("maker_fee", "0.0002"))),
            "taker_fee": Decimal(str(market.get("taker_fee", "0.0005"))),
            "spread": Decimal(str(market.get("spread", "0.0004"))),
            "risk": RiskEngine(RiskLimits.from_mapping(data["risk"])) if "risk" in data else None,
        }
        perpetual = any(controller.config.perpetual for controller in controllers) or any(
            getattr(config, "perpetual", False) for config in executors
        )
        if market.get("perpetual", perpetual):
            arguments["perpetual"] = PerpetualSpec(max_leverage=int(market.get("leverage", 20)))
        if "balances" in market:
            arguments["balances"] = {
                str(asset): Decimal(str(amount)) for asset, amount in market["balances"].items()
            }
    except (ArithmeticError, ValueError, TypeError, AttributeError) as e:
        raise ConfigError(f"market: expected numbers and a balances table: {e}") from None
    return arguments


def _executor(table: dict[str, Any], index: int) -> ExecutorConfig:
    values = dict(table)
    kind = values.pop("type", None)
    classes = {cls.config_class.type: cls.config_class for cls in EXECUTOR_TYPES}
    if kind not in CEX_TYPES or kind not in classes:
        raise ConfigError(
            f"executor[{index}].type: expected one of {sorted(CEX_TYPES)}, received {kind!r}"
        )
    try:
        return parse_config(classes[kind], values)
    except ConfigError as e:
        raise ConfigError(f"executor[{index}]: {e}") from None


def cex_backtest(
    *, prices: Path, cex: Path, pair: str, seed: int, as_json: bool, plot: Path | None
) -> None:
    """Run the ``--cex`` file's controllers and executors over ``prices`` and print the report
    (and write a chart to ``plot``)."""
    if plot is not None:
        check_new_file(plot, option="--plot")
    arguments = load_cex_file(cex, trading_pair=pair)
    spread = arguments.pop("spread")
    steps = read_quote_csv(prices, spread=spread, price_tick=arguments["rules"].price_tick)
    executor_types = [cls for cls in EXECUTOR_TYPES if cls.config_class.type in CEX_TYPES]
    series = CexSeries.from_steps(steps)
    result = asyncio.run(
        run_cex_backtest(
            series,
            trading_pair=pair,
            seed=seed,
            executor_types=executor_types,
            **arguments,
        )
    )
    if plot is not None:
        from lpexec.backtest.cex_plot import plot_cex_backtest

        names = ", ".join(c.controller_id for c in arguments["controllers"]) or "executors"
        title = f"{pair}: {names} on the paper exchange"
        plot_cex_backtest(result, series, plot, title=title, trading_pair=pair)
    if as_json:
        typer.echo(json.dumps(_as_json(result), indent=2))
        return
    _print(result)
    if plot is not None:
        Console().print(f"chart written to {plot}")


def _as_json(result: CexBacktestResult) -> dict[str, Any]:
    plain: dict[str, Any] = json.loads(
        json.dumps(
            {
                **result.numbers(),
                "delivered": result.delivered,
                "rows_per_second": round(result.rows_per_second),
            },
            default=_plain,
        )
    )
    return plain


def _plain(value: object) -> str:
    if isinstance(value, Decimal):
        return f"{value.normalize():f}" if value else "0"
    return str(value)


def _print(result: CexBacktestResult) -> None:
    console = Console()
    table = Table(title="CEX backtest", show_header=False)
    totals = result.totals
    for name, key in (
        ("net P&L", "net_pnl_quote"),
        ("fees paid", "fees_paid_quote"),
        ("volume", "volume_quote"),
        ("held: realized P&L", "held_realized_pnl_quote"),
        ("held: unrealized P&L", "held_unrealized_pnl_quote"),
    ):
        table.add_row(name, f"{totals[key]:.4f} quote")
    table.add_row("executors", str(totals["executors"]))
    table.add_row("trades", str(totals["trades"]))
    for close_type, count in result.close_types.items():
        label = "still running" if close_type == "RUNNING" else f"closed {close_type}"
        table.add_row(label, str(count))
    table.add_row(
        "rows", f"{result.rows} ({result.delivered} delivered) at {result.rows_per_second:.0f}/s"
    )
    console.print(table)

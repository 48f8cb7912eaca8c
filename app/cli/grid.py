"""``lpexec grid``: start a grid of limit orders between two prices, watch it, stop it."""

from __future__ import annotations

from typing import Any

import typer

from lpexec.app.cex_runtime import CexRuntime
from lpexec.app.cli.cex_options import (
    CEX_OPTIONS,
    CexConnection,
    cex_options,
    print_info,
    run_cex_session,
)
from lpexec.app.cli.hoist import OptionsAnywhereGroup
from lpexec.app.cli.options import JSON_OPTION
from lpexec.app.cli.order import status_and_stop
from lpexec.app.cli.parsing import parse_options, same_options
from lpexec.cex.grid import GridExecutorConfig
from lpexec.core import ExecutorInfo

__all__ = ["grid_app"]

GRID_OPTIONS = {
    **CEX_OPTIONS,
    **same_options(
        "start_price",
        "end_price",
        "limit_price",
        "total_amount_quote",
        "max_open_orders",
        "min_order_amount_quote",
        "triple_barrier_config.take_profit",
        "triple_barrier_config.stop_loss",
        "triple_barrier_config.time_limit",
    ),
    "min_spread_between_orders": "--min-spread",
}
"""The ``grid start`` option of each config field."""

grid_app = typer.Typer(no_args_is_help=True, callback=cex_options, cls=OptionsAnywhereGroup)


@grid_app.command("start")
def start_command(
    ctx: typer.Context,
    pair: str = typer.Option(..., help="Trading pair BASE-QUOTE, e.g. SOL-USDT."),
    start_price: str = typer.Option(..., help="Lowest level's price."),
    end_price: str = typer.Option(..., help="Highest level's price."),
    limit_price: str = typer.Option(
        ..., help="Stop the grid at this price (below the range for BUY, above for SELL)."
    ),
    total_amount_quote: str = typer.Option(..., help="Quote spread over the levels."),
    take_profit: str = typer.Option(..., help="Each level's take profit, a ratio (0.005)."),
    side: str = typer.Option("BUY", help="BUY (buy low, sell higher) or SELL."),
    stop_loss: str | None = typer.Option(None, help="Grid stop loss, a ratio of the budget."),
    time_limit: int | None = typer.Option(None, help="Stop the grid after this many seconds."),
    max_open_orders: int = typer.Option(5, min=1, help="Most orders resting at once."),
    min_spread: str = typer.Option("0.0005", help="Least spread between levels, a ratio."),
    min_order_amount_quote: str = typer.Option("5", help="Least quote per level."),
    keep_position: bool = typer.Option(
        False, help="At the end, hold the inventory instead of selling it."
    ),
    controller_id: str = typer.Option("main", help="Who owns the executor."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Start a grid (with the market's trading rules from the venue) and show its levels."""
    connection: CexConnection = ctx.obj
    barrier: dict[str, Any] = {
        "take_profit": take_profit,
        "stop_loss": stop_loss,
        "time_limit": time_limit,
    }
    values: dict[str, Any] = {
        "trading_pair": pair,
        "connector_name": connection.venue_key,
        "side": side,
        "start_price": start_price,
        "end_price": end_price,
        "limit_price": limit_price,
        "total_amount_quote": total_amount_quote,
        "triple_barrier_config": {k: v for k, v in barrier.items() if v is not None},
        "max_open_orders": max_open_orders,
        "min_spread_between_orders": min_spread,
        "min_order_amount_quote": min_order_amount_quote,
        "keep_position": keep_position,
        "controller_id": controller_id,
    }
    parse_options(GridExecutorConfig, values, GRID_OPTIONS)  # fails before any venue opens

    async def work(runtime: CexRuntime) -> ExecutorInfo:
        rules = await runtime.engine.venue(connection.venue_key).trading_rules(pair)
        config = parse_options(
            GridExecutorConfig,
            {
                **values,
                "price_tick": rules.price_tick,
                "amount_step": rules.amount_step,
                "min_amount": rules.min_amount,
                "min_notional": rules.min_notional,
            },
            GRID_OPTIONS,
        )
        return await runtime.create(config)

    print_info(run_cex_session(ctx, work), as_json=as_json, title="grid executor")


status_and_stop(
    grid_app,
    noun="grid",
    stop_verb="stop",
    stop_help="Stop the grid: cancel its orders, then sell its inventory (or hold it with "
    "--keep-position).",
)

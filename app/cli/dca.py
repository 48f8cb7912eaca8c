"""``lpexec dca``: average into a position over price levels, watch it, stop it."""

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
from lpexec.app.cli.options import JSON_OPTION
from lpexec.app.cli.order import status_and_stop
from lpexec.app.cli.parsing import parse_options, same_options
from lpexec.cex.dca import DCAExecutorConfig
from lpexec.core import ExecutorInfo

__all__ = ["dca_app"]

DCA_OPTIONS = {
    **CEX_OPTIONS,
    **same_options(
        "prices",
        "amounts_quote",
        "mode",
        "take_profit",
        "stop_loss",
        "activation_bounds",
        "trailing_stop.trailing_delta",
    ),
    "trailing_stop.activation_price": "--trailing-activation",
    "trailing_stop": "--trailing-activation/--trailing-delta",
}
"""The ``dca start`` option of each config field."""

dca_app = typer.Typer(no_args_is_help=True, callback=cex_options)


def _list(value: str | None) -> list[str] | None:
    """``"100,90"`` as ``["100", "90"]`` (the config says what is wrong with an item)."""
    return None if value is None else [item.strip() for item in value.split(",")]


@dca_app.command("start")
def start_command(
    ctx: typer.Context,
    pair: str = typer.Option(..., help="Trading pair BASE-QUOTE, e.g. SOL-USDT."),
    prices: str = typer.Option(..., help="Level prices, comma-separated (150,147,144)."),
    amounts_quote: str = typer.Option(
        ..., help="Quote to spend at each level, comma-separated, one per price (100,150,200)."
    ),
    side: str = typer.Option("BUY", help="BUY (average into a long) or SELL (a short)."),
    mode: str = typer.Option(
        "MAKER", help="MAKER (limit orders at the levels) or TAKER (market at each level)."
    ),
    take_profit: str | None = typer.Option(None, help="Take profit, a ratio of net P&L (0.02)."),
    stop_loss: str | None = typer.Option(None, help="Stop loss, a ratio of net P&L (0.05)."),
    trailing_activation: str | None = typer.Option(
        None, help="Trailing stop: arm above this net P&L ratio (with --trailing-delta)."
    ),
    trailing_delta: str | None = typer.Option(None, help="Trailing stop distance, a ratio."),
    time_limit: int | None = typer.Option(None, help="Close after this many seconds."),
    activation_bounds: str | None = typer.Option(
        None, help="Two ratios near,far: place a level only this close to the price."
    ),
    keep_position: bool = typer.Option(
        False, help="When stopped without a choice, hold the position instead of closing it."
    ),
    controller_id: str = typer.Option("main", help="Who owns the executor."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Start a DCA and show its levels."""
    connection: CexConnection = ctx.obj
    trailing = None
    if trailing_activation is not None or trailing_delta is not None:
        trailing = {"activation_price": trailing_activation, "trailing_delta": trailing_delta}
    values: dict[str, Any] = {
        "trading_pair": pair,
        "connector_name": connection.venue_key,
        "side": side,
        "mode": mode,
        "prices": _list(prices),
        "amounts_quote": _list(amounts_quote),
        "take_profit": take_profit,
        "stop_loss": stop_loss,
        "trailing_stop": trailing,
        "time_limit": time_limit,
        "activation_bounds": _list(activation_bounds),
        "keep_position": keep_position,
        "controller_id": controller_id,
    }
    config = parse_options(DCAExecutorConfig, values, DCA_OPTIONS)  # fails before any venue opens

    async def work(runtime: CexRuntime) -> ExecutorInfo:
        return await runtime.create(config)

    print_info(run_cex_session(ctx, work), as_json=as_json, title="dca executor")


status_and_stop(
    dca_app,
    noun="dca",
    stop_verb="stop",
    stop_help="Stop the DCA: cancel its level orders, then close what filled (or hold it with "
    "--keep-position).",
)

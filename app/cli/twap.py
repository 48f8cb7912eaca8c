"""``lpexec twap``: trade a total in time slices, watch it, stop it."""

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
from lpexec.cex.twap import TWAPExecutorConfig
from lpexec.core import ExecutorInfo

__all__ = ["twap_app"]

TWAP_OPTIONS = {
    **CEX_OPTIONS,
    **same_options(
        "total_amount_quote",
        "total_duration",
        "order_interval",
        "mode",
        "limit_order_buffer",
        "order_resubmission_time",
    ),
}
"""The ``twap start`` option of each config field."""

twap_app = typer.Typer(no_args_is_help=True, callback=cex_options)


@twap_app.command("start")
def start_command(
    ctx: typer.Context,
    pair: str = typer.Option(..., help="Trading pair BASE-QUOTE, e.g. SOL-USDT."),
    side: str = typer.Option(..., help="BUY or SELL."),
    total_amount_quote: str = typer.Option(..., help="Quote to trade in all."),
    total_duration: int = typer.Option(..., help="Seconds from the start to the last slice."),
    order_interval: int = typer.Option(..., help="Seconds between slices."),
    mode: str = typer.Option(
        "TAKER", help="TAKER (a market order per slice) or MAKER (a limit order per slice)."
    ),
    limit_order_buffer: str | None = typer.Option(
        None, help="MAKER: the limit's distance from the mid, a ratio (0.001)."
    ),
    order_resubmission_time: int | None = typer.Option(
        None, help="MAKER: re-price a resting slice order after this many seconds."
    ),
    controller_id: str = typer.Option("main", help="Who owns the executor."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Start a TWAP and show its schedule."""
    connection: CexConnection = ctx.obj
    values: dict[str, Any] = {
        "trading_pair": pair,
        "connector_name": connection.venue_key,
        "side": side,
        "total_amount_quote": total_amount_quote,
        "total_duration": total_duration,
        "order_interval": order_interval,
        "mode": mode,
        "limit_order_buffer": limit_order_buffer,
        "order_resubmission_time": order_resubmission_time,
        "controller_id": controller_id,
    }
    config = parse_options(TWAPExecutorConfig, values, TWAP_OPTIONS)  # fails before any venue opens

    async def work(runtime: CexRuntime) -> ExecutorInfo:
        return await runtime.create(config)

    print_info(run_cex_session(ctx, work), as_json=as_json, title="twap executor")


status_and_stop(
    twap_app,
    noun="twap",
    stop_verb="stop",
    stop_help="Stop the TWAP: cancel its live order; what filled is kept (a TWAP never flattens).",
)

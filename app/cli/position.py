"""``lpexec position``: open a position with a triple barrier, watch it, close it."""

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
from lpexec.cex.position import PositionExecutorConfig
from lpexec.core import ExecutorInfo

__all__ = ["position_app"]

POSITION_OPTIONS = {
    **CEX_OPTIONS,
    **same_options(
        "amount",
        "entry_price",
        "triple_barrier_config.take_profit",
        "triple_barrier_config.stop_loss",
        "triple_barrier_config.time_limit",
        "triple_barrier_config.take_profit_order_type",
        "triple_barrier_config.trailing_stop.trailing_delta",
    ),
    "triple_barrier_config.open_order_type": "--entry-type",
    "open_order_type": "--entry-type",
    "triple_barrier_config.trailing_stop.activation_price": "--trailing-activation",
    "triple_barrier_config.trailing_stop": "--trailing-activation/--trailing-delta",
}
"""The ``position open`` option of each config field."""

position_app = typer.Typer(no_args_is_help=True, callback=cex_options, cls=OptionsAnywhereGroup)


@position_app.command("open")
def open_command(
    ctx: typer.Context,
    pair: str = typer.Option(..., help="Trading pair BASE-QUOTE, e.g. SOL-USDT."),
    side: str = typer.Option(..., help="BUY (long) or SELL (short)."),
    amount: str = typer.Option(..., help="Base amount."),
    entry_type: str = typer.Option(
        "MARKET", "--entry-type", help="Entry order: MARKET, LIMIT or LIMIT_MAKER."
    ),
    entry_price: str | None = typer.Option(None, help="Entry limit price (LIMIT entries)."),
    take_profit: str | None = typer.Option(None, help="Take profit, a ratio (0.02 = 2 %)."),
    stop_loss: str | None = typer.Option(None, help="Stop loss, a ratio (0.01 = 1 %)."),
    time_limit: int | None = typer.Option(None, help="Close after this many seconds."),
    trailing_activation: str | None = typer.Option(
        None, help="Trailing stop: arm past this gain, a ratio (with --trailing-delta)."
    ),
    trailing_delta: str | None = typer.Option(
        None, help="Trailing stop: close after giving back this ratio from the best price."
    ),
    take_profit_type: str = typer.Option(
        "MARKET", help="Take profit order: MARKET, or LIMIT/LIMIT_MAKER resting from the entry."
    ),
    leverage: int = typer.Option(1, min=1, help="Leverage (perpetual markets)."),
    keep_position: bool = typer.Option(
        False, help="On a stop without a choice, hold the position instead of closing it."
    ),
    controller_id: str = typer.Option("main", help="Who owns the executor."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Open a position and show what the venue did with its entry."""
    connection: CexConnection = ctx.obj
    barrier: dict[str, Any] = {
        "open_order_type": entry_type,
        "take_profit_order_type": take_profit_type,
        "take_profit": take_profit,
        "stop_loss": stop_loss,
        "time_limit": time_limit,
    }
    if trailing_activation is not None or trailing_delta is not None:
        barrier["trailing_stop"] = {
            "activation_price": trailing_activation,
            "trailing_delta": trailing_delta,
        }
    values: dict[str, Any] = {
        "trading_pair": pair,
        "connector_name": connection.venue_key,
        "side": side,
        "amount": amount,
        "entry_price": entry_price,
        "triple_barrier_config": {k: v for k, v in barrier.items() if v is not None},
        "leverage": leverage,
        "keep_position": keep_position,
        "controller_id": controller_id,
    }
    config = parse_options(
        PositionExecutorConfig, {k: v for k, v in values.items() if v is not None}, POSITION_OPTIONS
    )

    async def work(runtime: CexRuntime) -> ExecutorInfo:
        return await runtime.create(config)

    print_info(run_cex_session(ctx, work), as_json=as_json, title="position executor")


status_and_stop(
    position_app,
    noun="position",
    stop_verb="close",
    stop_help="Close the position: cancel its orders, then flatten it (or hold it with "
    "--keep-position).",
)

"""``lpexec order``: place one order as an executor, watch it fill, cancel it."""

from __future__ import annotations

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
from lpexec.app.cli.parsing import parse_options, same_options
from lpexec.cex import OrderExecutorConfig
from lpexec.core import ExecutorInfo

__all__ = ["order_app", "status_and_stop"]

ORDER_OPTIONS = {
    **CEX_OPTIONS,
    **same_options("amount", "price", "chaser_config.distance", "chaser_config.refresh_threshold"),
    "execution_strategy": "--type",
    "chaser_config": "--distance/--refresh-threshold",
}
"""The ``order place`` option of each config field."""

order_app = typer.Typer(no_args_is_help=True, callback=cex_options, cls=OptionsAnywhereGroup)


@order_app.command("place")
def place_command(
    ctx: typer.Context,
    pair: str = typer.Option(..., help="Trading pair BASE-QUOTE, e.g. SOL-USDT."),
    side: str = typer.Option(..., help="BUY or SELL."),
    amount: str = typer.Option(..., help="Base amount."),
    order_type: str = typer.Option(
        "LIMIT", "--type", help="MARKET, LIMIT, LIMIT_MAKER (post-only) or LIMIT_CHASER."
    ),
    price: str | None = typer.Option(None, help="Limit price (LIMIT and LIMIT_MAKER)."),
    distance: str | None = typer.Option(
        None, help="LIMIT_CHASER: rest this ratio behind the touch (0.001 = 0.1 %)."
    ),
    refresh_threshold: str | None = typer.Option(
        None, help="LIMIT_CHASER: re-quote when the touch moves away by more than this ratio."
    ),
    controller_id: str = typer.Option("main", help="Who owns the executor."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Place an order and show what the venue did with it."""
    connection: CexConnection = ctx.obj
    chaser = None
    if distance is not None or refresh_threshold is not None:
        chaser = {"distance": distance, "refresh_threshold": refresh_threshold}
    values = {
        "chaser_config": chaser,
        "trading_pair": pair,
        "connector_name": connection.venue_key,
        "side": side,
        "amount": amount,
        "execution_strategy": order_type,
        "price": price,
        "controller_id": controller_id,
    }
    config = parse_options(
        OrderExecutorConfig, {k: v for k, v in values.items() if v is not None}, ORDER_OPTIONS
    )

    async def work(runtime: CexRuntime) -> ExecutorInfo:
        return await runtime.create(config)

    print_info(run_cex_session(ctx, work), as_json=as_json, title="order executor")


def status_and_stop(app: typer.Typer, *, noun: str, stop_verb: str, stop_help: str) -> None:
    """Add ``status ID`` and ``<stop_verb> ID`` (documented by ``stop_help``) to a CEX group."""

    @app.command("status")
    def status_command(
        ctx: typer.Context,
        executor_id: str = typer.Argument(..., help="Executor id."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Catch up with the venue (fills, prices, timers) and show the executor."""

        async def work(runtime: CexRuntime) -> ExecutorInfo:
            return runtime.engine.info(executor_id)

        print_info(run_cex_session(ctx, work), as_json=as_json, title=f"{noun} executor")

    @app.command(stop_verb, help=stop_help)
    def stop_command(
        ctx: typer.Context,
        executor_id: str = typer.Argument(..., help="Executor id."),
        keep_position: bool | None = typer.Option(
            None,
            "--keep-position/--close-position",
            help="Hold what filled, or flatten it (default: the executor's own setting).",
        ),
        as_json: bool = JSON_OPTION,
    ) -> None:
        async def work(runtime: CexRuntime) -> ExecutorInfo:
            engine = runtime.engine
            if engine.has_executor(executor_id) and engine.info(executor_id).is_done:
                return engine.info(executor_id)  # already ended: its report, nothing changed
            await engine.stop(executor_id, keep_position=keep_position)
            await runtime.settle()
            return engine.info(executor_id)

        print_info(run_cex_session(ctx, work), as_json=as_json, title=f"{noun} executor")


status_and_stop(
    order_app,
    noun="order",
    stop_verb="cancel",
    stop_help="Cancel the order; what filled is kept (an order executor never flattens).",
)

"""``lpexec lp``: open, watch, close and list LP positions by hand."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.console import Console
from rich.live import Live
from rich.table import Table

from lpexec.app.cli.hoist import OptionsAnywhereGroup
from lpexec.app.cli.lp_adopt import adopt_command
from lpexec.app.cli.lp_changes import add_command, remove_command
from lpexec.app.cli.lp_fees import collect_fees_command
from lpexec.app.cli.lp_options import (
    ABOVE_SECONDS_OPTION,
    BELOW_SECONDS_OPTION,
    CONTROLLER_ID_OPTION,
    KEEP_POSITION_OPTION,
    LOWER_LIMIT_OPTION,
    UPPER_LIMIT_OPTION,
)
from lpexec.app.cli.lp_positions import positions_command
from lpexec.app.cli.options import (
    JSON_OPTION,
    YES_OPTION,
    confirm_write,
    connection_options,
    expect_executor,
    read_store,
    run_session,
)
from lpexec.app.cli.output import print_json, text_of
from lpexec.app.cli.parsing import parse_options
from lpexec.app.cli.tables import add_row, info_table
from lpexec.app.cli.venue import print_venue, session_venue
from lpexec.core import Engine, ExecutorInfo, PriceUpdated, UnknownExecutorError
from lpexec.lp import LPExecutor, LPExecutorConfig

if TYPE_CHECKING:
    from lpexec.app.runtime import LPRuntime

__all__ = ["lp_app", "print_info"]

console = Console()
lp_app = typer.Typer(no_args_is_help=True, callback=connection_options, cls=OptionsAnywhereGroup)
T = TypeVar("T")
ADOPTED_ROWS = (
    "adopted",
    "adopted_open_tx_fee_native",
    "adopted_rent_sunk_native",
    "adopted_position_rent_native",
    "base_fee_before",
    "quote_fee_before",
)
"""Rows of an adopted position's report: what was paid or earned before the adoption."""
lp_app.command("positions")(positions_command)
lp_app.command("adopt")(adopt_command)
lp_app.command("collect-fees")(collect_fees_command)
lp_app.command("add")(add_command)
lp_app.command("remove")(remove_command)


def print_info(info: ExecutorInfo, *, as_json: bool, venue: dict[str, Any]) -> None:
    """Print an LP executor's report: JSON, or its tables and the venue line."""
    if as_json:
        print_json({**info.model_dump(mode="json"), "venue": venue})
        return
    console.print(info_table([info], title="LP executor"))
    print_venue(console, venue)
    details: Any = info.details
    if details is None:
        return
    table = Table(show_header=False, title="position")
    for name in (
        "state",
        "position_address",
        "lower_price",
        "upper_price",
        "price",
        "in_range",
        "out_of_range_seconds",
        "base_amount",
        "quote_amount",
        "base_fee",
        "quote_fee",
        "fees_earned_quote",
        "impermanent_loss_quote",
        "tx_fee",
        "position_rent",
        "position_rent_refunded",
        "rent_sunk_native",
        "failure_reason",
        *(ADOPTED_ROWS if getattr(details, "adopted", False) else ()),
    ):
        add_row(table, name, text_of(getattr(details, name)))
    console.print(table)


OPEN_OPTIONS = {
    "pool_address": "--pool",
    "trading_pair": "--pair",
    "lower_price": "--lower",
    "upper_price": "--upper",
    "base_amount": "--base",
    "quote_amount": "--quote",
    "side": "--side",
    "strategy_type": "--strategy",
    "slippage_pct": "--slippage",
    "auto_close_above_range_seconds": "--above-seconds",
    "auto_close_below_range_seconds": "--below-seconds",
    "upper_limit_price": "--upper-limit",
    "lower_limit_price": "--lower-limit",
    "keep_position": "--keep-position",
    "controller_id": "--controller-id",
}
"""The ``lp open`` option of each LP config field."""


@lp_app.command("open")
def open_command(
    ctx: typer.Context,
    pool: str = typer.Option(..., help="Pool address."),
    pair: str = typer.Option(..., help="Trading pair BASE-QUOTE, e.g. SOL-USDC."),
    lower: str = typer.Option(..., help="Lower price (quote per base)."),
    upper: str = typer.Option(..., help="Upper price (quote per base)."),
    base: str = typer.Option("0", help="Base amount to deposit."),
    quote: str = typer.Option("0", help="Quote amount to deposit."),
    side: str = typer.Option("BOTH", help="BOTH, BUY (quote only) or SELL (base only)."),
    strategy: str = typer.Option("Spot", help="Spot, Curve or BidAsk."),
    slippage: str = typer.Option("0.01", help="Slippage as a ratio (0.01 = 1 %)."),
    above_seconds: int | None = ABOVE_SECONDS_OPTION,
    below_seconds: int | None = BELOW_SECONDS_OPTION,
    upper_limit: str | None = UPPER_LIMIT_OPTION,
    lower_limit: str | None = LOWER_LIMIT_OPTION,
    keep_position: bool = KEEP_POSITION_OPTION,
    controller_id: str = CONTROLLER_ID_OPTION,
    yes: bool = YES_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Check the request against the pool and the wallet, then open the position."""
    values: dict[str, Any] = {
        "pool_address": pool,
        "trading_pair": pair,
        "lower_price": lower,
        "upper_price": upper,
        "base_amount": base,
        "quote_amount": quote,
        "side": side,
        "strategy_type": strategy,
        "slippage_pct": slippage,
        "auto_close_above_range_seconds": above_seconds,
        "auto_close_below_range_seconds": below_seconds,
        "upper_limit_price": upper_limit,
        "lower_limit_price": lower_limit,
        "keep_position": keep_position,
        "controller_id": controller_id,
    }
    config = parse_options(LPExecutorConfig, values, OPEN_OPTIONS)
    confirm_write(ctx, f"open an LP position on {pool}", yes=yes)

    async def work(runtime: LPRuntime) -> ExecutorInfo:
        from lpexec.venues.gateway.preflight import preflight

        await preflight(
            config, runtime.client, wallet_address=runtime.wallet, network="mainnet-beta"
        )
        await runtime.engine.create(config)
        await runtime.settle()
        return runtime.engine.info(config.id)

    print_info(run_session(ctx, work), as_json=as_json, venue=session_venue(ctx))


@lp_app.command("status")
def status_command(
    ctx: typer.Context,
    executor_id: str = typer.Argument(..., help="Executor id."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Refresh one position from the chain and show it."""

    async def work(runtime: LPRuntime) -> ExecutorInfo:
        expect_executor(runtime.engine, executor_id, "lp")
        await _refresh(runtime)
        return runtime.engine.info(executor_id)

    print_info(run_session(ctx, work), as_json=as_json, venue=session_venue(ctx))


async def _refresh(runtime: LPRuntime) -> None:
    await runtime.poller.poll_once()
    await _react(runtime)


async def _react(runtime: LPRuntime) -> None:
    # After the prices: timers, limits and closes, and what they send.
    runtime.engine.tick()
    await runtime.settle()


@lp_app.command("close")
def close_command(
    ctx: typer.Context,
    executor_id: str = typer.Argument(..., help="Executor id."),
    keep_position: bool | None = typer.Option(
        None, "--keep-position/--swap-back", help="Default: the executor's own setting."
    ),
    yes: bool = YES_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Close a position (also retries a STRANDED one: outcomes left unknown are reconciled
    again first)."""
    confirm_write(ctx, f"close {executor_id}", yes=yes)

    async def work(runtime: LPRuntime) -> ExecutorInfo:
        expect_executor(runtime.engine, executor_id, "lp", open_only=True)
        with contextlib.suppress(UnknownExecutorError):  # stop() below names the unknown id
            runtime.engine.retry(executor_id)
        await runtime.engine.stop(executor_id, keep_position=keep_position)
        await runtime.settle()
        return runtime.engine.info(executor_id)

    print_info(run_session(ctx, work), as_json=as_json, venue=session_venue(ctx))


@lp_app.command("retry")
def retry_command(
    ctx: typer.Context,
    executor_id: str = typer.Argument(..., help="Executor id (any type this runtime runs)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Reconcile a stranded executor's unknown outcomes again, from their evidence and the
    chain (nothing is sent again unless the chain shows it never landed)."""

    async def work(runtime: LPRuntime) -> ExecutorInfo:
        runtime.engine.retry(executor_id)
        await runtime.settle()
        return runtime.engine.info(executor_id)

    print_info(run_session(ctx, work), as_json=as_json, venue=session_venue(ctx))


@lp_app.command("list")
def list_command(
    ctx: typer.Context,
    stranded: bool = typer.Option(False, "--stranded", help="Only stranded executors."),
    as_json: bool = JSON_OPTION,
) -> None:
    """List LP executors, newest first (from the store alone: no Gateway is contacted)."""

    def work(engine: Engine) -> list[ExecutorInfo]:
        return engine.infos(executor_type="lp", stranded=True if stranded else None)

    infos = read_store(ctx, work, executor_types=[LPExecutor])
    if as_json:
        print_json([info.model_dump(mode="json") for info in infos])
        return
    console.print(info_table(infos, title="LP executors"))


@lp_app.command("watch")
def watch_command(
    ctx: typer.Context,
    interval: float = typer.Option(5.0, min=0.1, help="Seconds between refreshes."),
    count: int = typer.Option(0, min=0, help="Refreshes before stopping (0 = until Ctrl-C)."),
) -> None:
    """Keep every open position up to date: prices, range state, timers, closes."""

    async def work(runtime: LPRuntime) -> None:
        label = session_venue(ctx)["label"]
        with Live(console=console, refresh_per_second=2) as live:

            async def show(_prices: list[PriceUpdated]) -> None:
                await _react(runtime)
                infos = runtime.engine.infos(executor_type="lp")
                live.update(info_table(infos, title=f"LP executors on the {label}"))

            await runtime.poller.run(interval, rounds=count or None, on_poll=show)

    try:
        run_session(ctx, work)
    except KeyboardInterrupt:
        console.print("stopped watching; positions are left as they are")

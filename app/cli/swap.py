"""``lpexec swap``: compare providers' quotes, execute a swap through the best one, show it.

On the paper Gateway by default (state kept between runs), or on a real Gateway with
``--gateway``. ``execute`` exits 1 when the swap ended FAILED (the report says why).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from lpexec.app.cli.hoist import OptionsAnywhereGroup
from lpexec.app.cli.options import (
    JSON_OPTION,
    YES_OPTION,
    confirm_write,
    connection_options,
    expect_executor,
    run_session,
)
from lpexec.app.cli.output import plain, print_json, text_of
from lpexec.app.cli.parsing import parse_options
from lpexec.app.cli.tables import add_row, info_table
from lpexec.app.cli.venue import print_venue, session_venue
from lpexec.core import CloseType, ExecutorInfo
from lpexec.swap import (
    SWAP_VENUE,
    QuoteFailure,
    QuoteSwap,
    SwapExecutorConfig,
    SwapQuoted,
    rank_quotes,
    swap_limit,
)

if TYPE_CHECKING:
    from lpexec.app.runtime import LPRuntime

__all__ = ["swap_app"]

console = Console()
swap_app = typer.Typer(no_args_is_help=True, callback=connection_options, cls=OptionsAnywhereGroup)
T = TypeVar("T")
PAIR_OPTION = typer.Option(..., "--pair", help="Trading pair BASE-QUOTE (symbols or mints).")
SIDE_OPTION = typer.Option(..., "--side", help="SELL (pay base) or BUY (receive base).")
AMOUNT_OPTION = typer.Option(..., "--amount", help="Base amount to sell or buy.")
PROVIDER_OPTION = typer.Option(
    "jupiter/router", "--provider", help="The configured provider (wins ties)."
)
COMPARE_OPTION = typer.Option(
    "meteora/clmm,raydium/clmm",
    "--compare",
    help="More providers to quote, comma separated ('' for none).",
)
SLIPPAGE_OPTION = typer.Option(None, "--slippage", help="Slippage as a ratio (0.01 = 1 %).")
POOL_OPTION = typer.Option(None, "--pool", help="Pool for single-pool providers (meteora/clmm).")


SWAP_OPTIONS = {
    "trading_pair": "--pair",
    "side": "--side",
    "amount": "--amount",
    "swap_provider": "--provider",
    "swap_providers": "--compare",
    "slippage_pct": "--slippage",
    "pool_address": "--pool",
    "max_quote_age_seconds": "--max-quote-age",
    "controller_id": "--controller-id",
}
"""The ``swap`` option of each swap config field."""


def _config(
    *,
    pair: str,
    side: str,
    amount: str,
    provider: str,
    compare: str,
    slippage: str | None,
    pool: str | None,
    **extra: Any,
) -> SwapExecutorConfig:
    values: dict[str, Any] = {
        "trading_pair": pair,
        "side": side,
        "amount": amount,
        "swap_provider": provider,
        "swap_providers": compare,
        "slippage_pct": slippage,
        "pool_address": pool,
        **extra,
    }
    return parse_options(SwapExecutorConfig, values, SWAP_OPTIONS)


def _quotes_json(config: SwapExecutorConfig, quoted: SwapQuoted) -> dict[str, Any]:
    ranked = rank_quotes(config.side, quoted.quotes)
    best = ranked[0] if ranked else None
    return {
        "trading_pair": config.trading_pair,
        "side": config.side,
        "amount": plain(config.amount),
        "slippage": plain(config.slippage),
        "best_provider": best.provider if best else None,
        "limit": plain(swap_limit(best, config.slippage)) if best else None,
        "quotes": [
            {
                "provider": quote.provider,
                "base_amount": plain(quote.base_amount),
                "quote_amount": plain(quote.quote_amount),
                "price": plain(quote.price),
                "price_impact": plain(quote.price_impact),
                "min_amount_out": plain(quote.min_amount_out),
                "max_amount_in": plain(quote.max_amount_in),
                "route": quote.route,
                "quote_id": quote.quote_id,
                "best": quote is best,
            }
            for quote in ranked
        ],
        "failures": [_failure_json(failure) for failure in quoted.failures],
        "balances": {token: plain(value) for token, value in quoted.balances.items()},
    }


def _failure_json(failure: QuoteFailure) -> dict[str, Any]:
    return {
        "provider": failure.provider,
        "code": failure.code,
        "retryable": failure.retryable,
        "reason": failure.reason,
    }


def _quotes_table(config: SwapExecutorConfig, data: dict[str, Any]) -> Table:
    received = "quote received" if config.side == "SELL" else "quote paid"
    table = Table(
        title=f"{config.side} {config.amount} {config.trading_pair}: quotes, best first "
        f"(slippage {config.slippage}, limit {data['limit']})",
    )
    for column in ("", "provider", received, "price", "impact", "route"):
        table.add_column(column)
    for row in data["quotes"]:
        add_row(
            table,
            "*" if row["best"] else "",
            row["provider"],
            row["quote_amount"],
            f"{Decimal(row['price']):.6f}",
            f"{Decimal(row['price_impact']):.4%}",
            row["route"],
        )
    for failure in data["failures"]:
        add_row(
            table, "x", failure["provider"], "", "", "", f"{failure['code']}: {failure['reason']}"
        )
    return table


@swap_app.command("quote")
def quote_command(
    ctx: typer.Context,
    pair: str = PAIR_OPTION,
    side: str = SIDE_OPTION,
    amount: str = AMOUNT_OPTION,
    provider: str = PROVIDER_OPTION,
    compare: str = COMPARE_OPTION,
    slippage: str | None = SLIPPAGE_OPTION,
    pool: str | None = POOL_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Quote the swap on every provider at once and show them all, best first (exit status 1
    when every provider failed)."""
    config = _config(
        pair=pair,
        side=side,
        amount=amount,
        provider=provider,
        compare=compare,
        slippage=slippage,
        pool=pool,
    )

    async def work(runtime: LPRuntime) -> SwapQuoted:
        command = QuoteSwap(
            command_id=f"{config.id}-quote",
            executor_id=config.id,
            venue=SWAP_VENUE,
            providers=config.providers,
            trading_pair=config.trading_pair,
            side=config.side,
            amount=config.amount,
            slippage=config.slippage,
            pool_address=config.pool_address,
            native_token=config.native_token,
        )
        quoted: SwapQuoted = await runtime.engine.venue(SWAP_VENUE).quote_swaps(command)
        return quoted

    data = {**_quotes_json(config, run_session(ctx, work)), "venue": session_venue(ctx)}
    if as_json:
        print_json(data)
    else:
        console.print(_quotes_table(config, data))
        print_venue(console, data["venue"])
    if not data["quotes"]:  # every provider failed: nothing to execute through
        raise typer.Exit(1)


def _print_info(info: ExecutorInfo, *, as_json: bool, venue: dict[str, Any]) -> None:
    if as_json:
        print_json({**info.model_dump(mode="json"), "venue": venue})
        return
    console.print(info_table([info], title="swap executor"))
    print_venue(console, venue)
    details: Any = info.details
    if details is None:
        return
    table = Table(show_header=False, title="swap")
    for name in (
        "state",
        "provider",
        "route",
        "limit",
        "base_amount",
        "quote_amount",
        "effective_price",
        "quoted_price",
        "realized_slippage",
        "tx_fee_native",
        "network_fee_quote",
        "signature",
        "evidence",
        "refresh_reason",
        "failure_reason",
    ):
        add_row(table, name, text_of(getattr(details, name)))
    console.print(table)
    quotes = Table(title="quotes compared, best first")
    for column in ("provider", "base", "quote", "price", "route"):
        quotes.add_column(column)
    for quote in details.quotes:
        add_row(
            quotes,
            quote.provider,
            str(quote.base_amount),
            str(quote.quote_amount),
            f"{quote.price:.6f}",
            quote.route,
        )
    for failure in details.failures:
        add_row(quotes, failure.provider, "", "", "", f"{failure.code}: {failure.reason}")
    console.print(quotes)


def _exit_for(info: ExecutorInfo) -> None:
    if info.close_type is CloseType.FAILED:
        raise typer.Exit(1)


@swap_app.command("execute")
def execute_command(
    ctx: typer.Context,
    pair: str = PAIR_OPTION,
    side: str = SIDE_OPTION,
    amount: str = AMOUNT_OPTION,
    provider: str = PROVIDER_OPTION,
    compare: str = COMPARE_OPTION,
    slippage: str | None = SLIPPAGE_OPTION,
    pool: str | None = POOL_OPTION,
    max_quote_age: float = typer.Option(
        10.0, "--max-quote-age", help="Seconds after which a quote is renewed before sending."
    ),
    controller_id: str = typer.Option("main", help="Who owns the executor."),
    yes: bool = YES_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Quote every provider, execute through the best, and report what actually moved."""
    config = _config(
        pair=pair,
        side=side,
        amount=amount,
        provider=provider,
        compare=compare,
        slippage=slippage,
        pool=pool,
        max_quote_age_seconds=max_quote_age,
        controller_id=controller_id,
    )
    confirm_write(ctx, f"swap {side} {amount} {pair}", yes=yes)

    async def work(runtime: LPRuntime) -> ExecutorInfo:
        await runtime.engine.create(config)
        await runtime.settle()
        return runtime.engine.info(config.id)

    info = run_session(ctx, work)
    _print_info(info, as_json=as_json, venue=session_venue(ctx))
    _exit_for(info)


@swap_app.command("status")
def status_command(
    ctx: typer.Context,
    executor_id: str = typer.Argument(..., help="Executor id."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Show a swap; an outcome still unknown is reconciled first."""

    async def work(runtime: LPRuntime) -> ExecutorInfo:
        expect_executor(runtime.engine, executor_id, "swap")
        await runtime.settle()
        return runtime.engine.info(executor_id)

    info = run_session(ctx, work)
    _print_info(info, as_json=as_json, venue=session_venue(ctx))
    _exit_for(info)

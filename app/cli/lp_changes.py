"""``lpexec lp add`` and ``lpexec lp remove``: add liquidity to, or remove a fraction of, a
managed open position (see :mod:`lpexec.lp.liquidity_changes`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import typer

from lpexec.app.cli.errors import UserError
from lpexec.app.cli.lp_fees import expect_open_position
from lpexec.app.cli.options import JSON_OPTION, YES_OPTION, confirm_write, run_session

if TYPE_CHECKING:
    from lpexec.app.runtime import LPRuntime
    from lpexec.core import Event, ExecutorInfo

__all__ = ["add_command", "change_liquidity", "remove_command"]


def _decimal(option: str, text: str, expected: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise UserError(option, text, expected) from None
    if not value.is_finite():
        raise UserError(option, text, expected)
    return value


async def change_liquidity(
    runtime: LPRuntime, executor_id: str, request: Callable[[dt.datetime], Event]
) -> ExecutorInfo:
    """Hand ``request(now)`` (an add or remove request) to an open LP executor, carry its write
    out and return the report.

    Raises:
        UserError: not an open LP position, or the venue refused the change.
    """
    expect_open_position(runtime, executor_id)
    runtime.engine.observe(executor_id, [request(runtime.clock.now())])
    await runtime.settle()
    state: Any = runtime.engine.executor(executor_id).state
    if not state.change_command_id and state.failure_reason.startswith("liquidity change failed"):
        raise UserError(
            "executor id", executor_id, "a change the venue carries out", hint=state.failure_reason
        )
    return runtime.engine.info(executor_id)


def _run(
    ctx: typer.Context,
    executor_id: str,
    request: Callable[[dt.datetime], Event],
    *,
    as_json: bool,
) -> None:
    from lpexec.app.cli.lp import print_info
    from lpexec.app.cli.venue import session_venue

    async def work(runtime: LPRuntime) -> ExecutorInfo:
        return await change_liquidity(runtime, executor_id, request)

    print_info(run_session(ctx, work), as_json=as_json, venue=session_venue(ctx))


def add_command(
    ctx: typer.Context,
    executor_id: str = typer.Argument(..., help="Executor id of an open LP position."),
    base: str = typer.Option("0", help="Base amount to add."),
    quote: str = typer.Option("0", help="Quote amount to add."),
    yes: bool = YES_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Add liquidity to a managed open position (more deposit, at the pool price now)."""
    from lpexec.lp.liquidity_changes import AddLiquidityRequested

    amounts = {}
    for option, text in (("--base", base), ("--quote", quote)):
        amounts[option] = _decimal(option, text, "an amount >= 0")
        if amounts[option] < 0:
            raise UserError(option, text, "an amount >= 0")
    if amounts["--base"] == 0 and amounts["--quote"] == 0:
        raise UserError("--base/--quote", "0", "--base or --quote > 0")
    confirm_write(ctx, f"add liquidity to {executor_id}", yes=yes)
    base_amount, quote_amount = amounts["--base"], amounts["--quote"]

    def request(now: dt.datetime) -> Event:
        return AddLiquidityRequested(
            ts_event=now, base_amount=base_amount, quote_amount=quote_amount
        )

    _run(ctx, executor_id, request, as_json=as_json)


def remove_command(
    ctx: typer.Context,
    executor_id: str = typer.Argument(..., help="Executor id of an open LP position."),
    fraction: str = typer.Option(..., help="Fraction of the liquidity to remove, in (0, 1]."),
    yes: bool = YES_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Remove a fraction of a managed open position's liquidity (the position stays open)."""
    from lpexec.lp.liquidity_changes import RemoveLiquidityRequested

    value = _decimal("--fraction", fraction, "a ratio in (0, 1], e.g. 0.5")
    if not 0 < value <= 1:
        raise UserError("--fraction", fraction, "a ratio in (0, 1], e.g. 0.5")
    confirm_write(ctx, f"remove {fraction} of {executor_id}'s liquidity", yes=yes)

    def request(now: dt.datetime) -> Event:
        return RemoveLiquidityRequested(ts_event=now, fraction=value)

    _run(ctx, executor_id, request, as_json=as_json)

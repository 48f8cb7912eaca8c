"""``lpexec lp collect-fees``: claim a managed open position's fees into the wallet (see
:mod:`lpexec.lp.fees`); the amounts are added to the executor's fees claimed."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import typer

from lpexec.app.cli.errors import UserError
from lpexec.app.cli.options import (
    JSON_OPTION,
    YES_OPTION,
    confirm_write,
    expect_executor,
    run_session,
)

if TYPE_CHECKING:
    from lpexec.app.runtime import LPRuntime
    from lpexec.core import ExecutorInfo

__all__ = ["collect_fees", "collect_fees_command", "expect_open_position"]

_OPEN = ("IN_RANGE", "OUT_OF_RANGE")


def expect_open_position(runtime: LPRuntime, executor_id: str) -> None:
    """Refuse, before anything is sent, an id that is not an LP executor whose position is open.

    Raises:
        UserError: naming the id and its state.
    """
    info = expect_executor(runtime.engine, executor_id, "lp", open_only=True)
    details: Any = info.details
    state = getattr(details, "state", "")
    if state not in _OPEN:
        raise UserError(
            "executor id",
            executor_id,
            "an LP executor whose position is open (IN_RANGE or OUT_OF_RANGE)",
            hint=f"it is {state}",
        )


def _claimed(runtime: LPRuntime, executor_id: str) -> tuple[Decimal, Decimal, Decimal]:
    state: Any = runtime.engine.executor(executor_id).state
    return state.base_fee_claimed, state.quote_fee_claimed, state.tx_fee


async def collect_fees(runtime: LPRuntime, executor_id: str) -> tuple[ExecutorInfo, dict[str, Any]]:
    """Ask the executor to claim its fees, carry the claim out; return its report and what
    this claim collected (``pending`` when its outcome is still being reconciled).

    Raises:
        UserError: not an LP executor with an open position, or the venue refused the claim.
    """
    from lpexec.lp.fees import CollectFeesRequested

    expect_open_position(runtime, executor_id)
    before = _claimed(runtime, executor_id)
    runtime.engine.observe(executor_id, [CollectFeesRequested(ts_event=runtime.clock.now())])
    await runtime.settle()
    after = _claimed(runtime, executor_id)
    executor: Any = runtime.engine.executor(executor_id)
    pending = bool(executor.state.collect_command_id)
    reason = executor.state.failure_reason
    if not pending and after == before and reason.startswith("collect fees failed"):
        raise UserError("collect-fees", executor_id, "a claim the venue carries out", hint=reason)
    collected = {
        "base_fee": str(after[0] - before[0]),
        "quote_fee": str(after[1] - before[1]),
        "tx_fee": str(after[2] - before[2]),
        "pending": pending,
    }
    return runtime.engine.info(executor_id), collected


def collect_fees_command(
    ctx: typer.Context,
    executor_id: str = typer.Argument(..., help="Executor id of an open LP position."),
    yes: bool = YES_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Claim the fees a managed open position has earned into the wallet (an answer lost on the
    way is reconciled from the chain, never sent twice)."""
    from lpexec.app.cli.lp import console, print_info
    from lpexec.app.cli.output import print_json, text_of
    from lpexec.app.cli.venue import session_venue

    confirm_write(ctx, f"collect the fees of {executor_id}", yes=yes)

    async def work(runtime: LPRuntime) -> tuple[ExecutorInfo, dict[str, Any]]:
        return await collect_fees(runtime, executor_id)

    info, collected = run_session(ctx, work)
    venue = session_venue(ctx)
    if as_json:
        print_json({**info.model_dump(mode="json"), "collected": collected, "venue": venue})
        return
    print_info(info, as_json=False, venue=venue)
    if collected["pending"]:
        console.print(
            "the claim's outcome is not known yet: it is reconciled from the chain by the next "
            f"lpexec lp command (e.g. lpexec lp status {executor_id})",
            soft_wrap=True,
        )
    else:
        amounts = [
            text_of(Decimal(collected[name])) for name in ("base_fee", "quote_fee", "tx_fee")
        ]
        console.print(
            f"collected {amounts[0]} base and {amounts[1]} quote (tx fee {amounts[2]} SOL)",
            soft_wrap=True,
        )

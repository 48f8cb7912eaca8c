"""Never silently lost: the arbitrage and XEMM executors under random venue answers (seeded).

Every trade they send is answered at random (filled, partly filled and the rest canceled, refused,
or first unknown and then filled); whatever happens, each run ends, and it ends COMPLETED with both
legs whole, FAILED flat, or POSITION_HOLD with the base left over handed to the held-positions
ledger and the reason reported.
"""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from fixtures.cross_venue import CEX, DEX
from fixtures.cross_venue import leg_quote as quote
from fixtures.events import T0, at
from lpexec.cex.arbitrage import ArbitrageExecutor, ArbitrageExecutorConfig
from lpexec.cex.xemm import XEMMExecutor, XEMMExecutorConfig
from lpexec.core import (
    CloseType,
    Command,
    CommandFailed,
    Event,
    ExecutorStarted,
    OrderCanceled,
    OrderCreated,
    OrderFilled,
    PlaceOrder,
    Swap,
    SwapExecuted,
)

D = Decimal
SEEDS = range(40)


def answers(command: Command, rng: random.Random, seconds: float) -> list[Event]:
    """A random answer of the venue to a taker trade (a swap is all or nothing)."""
    ts = at(seconds)
    kind = rng.choice(["fill", "fill", "partial", "refuse", "unknown"])
    if kind == "refuse":
        return [CommandFailed(ts_event=ts, command_id=command.command_id, reason="refused")]
    unknown = (
        [
            CommandFailed(
                ts_event=ts, command_id=command.command_id, reason="timeout", code="outcome_unknown"
            )
        ]
        if kind == "unknown"
        else []
    )
    if isinstance(command, Swap):
        if kind == "partial":
            return [CommandFailed(ts_event=ts, command_id=command.command_id, reason="slippage")]
        return [
            *unknown,
            SwapExecuted(
                ts_event=ts,
                command_id=command.command_id,
                trading_pair=command.trading_pair,
                side=command.side,
                base_amount=command.amount,
                quote_amount=command.amount * D(101),
                tx_fee=D("0.000005"),
            ),
        ]
    assert isinstance(command, PlaceOrder)
    amount = command.amount
    if kind == "partial":
        amount = (amount * D(rng.randint(1, 9)) / 10).quantize(D("0.0001"))
    events: list[Event] = [
        *unknown,
        OrderCreated(
            ts_event=ts, command_id=command.command_id, client_order_id=command.client_order_id
        ),
        OrderFilled(
            ts_event=ts,
            command_id=command.command_id,
            client_order_id=command.client_order_id,
            fill_id=f"f-{command.command_id}",
            side=command.side,
            base_amount=amount,
            price=D(100),
            fee_quote=amount * D("0.1"),
        ),
    ]
    if amount < command.amount:
        events.append(
            OrderCanceled(
                ts_event=ts, command_id=command.command_id, client_order_id=command.client_order_id
            )
        )
    return events


def run(executor, commands: list[Command], rng: random.Random) -> None:
    """Answer every command at random until none is left."""
    seconds = 10.0
    while commands:
        seconds += 1
        for event in answers(commands.pop(0), rng, seconds):
            commands.extend(executor.apply(event))
    assert executor.is_terminated, executor.state


def assert_accounted_for(executor) -> None:
    """The ending matches what moved: nothing is left over unreported."""
    info = executor.info(at(999))
    net = info.details.net_base
    assert not any(trade.is_open for trade in executor.state.trades)
    if info.close_type is CloseType.COMPLETED:
        assert net == 0
    elif info.close_type in (CloseType.FAILED, CloseType.EARLY_STOP):
        assert abs(net) <= D("0.000001"), info.details
        assert info.details.failure_reason
    else:
        assert info.close_type is CloseType.POSITION_HOLD
        assert info.details.failure_reason
        held = sum(
            (fill.base_amount if fill.side == "BUY" else -fill.base_amount)
            for _, fill in executor.held_fills()
        )
        assert held == net != 0


@pytest.mark.parametrize("seed", SEEDS)
def test_an_arbitrage_always_ends_with_every_base_accounted_for(seed):
    rng = random.Random(seed)
    config = ArbitrageExecutorConfig(
        buying_market=CEX,
        selling_market=DEX,
        order_amount=D(1),
        min_profitability=D("0.001"),
        max_retries=rng.randint(0, 3),
    )
    executor = ArbitrageExecutor(config, created_at=T0)
    executor.apply(ExecutorStarted(ts_event=T0))
    executor.apply(quote(CEX, "100", "99.9"))
    commands = executor.apply(quote(DEX, "101", "101"))
    assert len(commands) == 2
    run(executor, commands, rng)
    assert_accounted_for(executor)


@pytest.mark.parametrize("seed", SEEDS)
def test_an_xemm_hedge_always_ends_with_every_base_accounted_for(seed):
    rng = random.Random(seed)
    config = XEMMExecutorConfig(
        buying_market=CEX,
        selling_market=DEX,
        maker_side="BUY",
        order_amount=D(1),
        min_profitability=D("0.001"),
        target_profitability=D("0.002"),
        max_profitability=D("0.01"),
        max_retries=rng.randint(0, 3),
    )
    executor = XEMMExecutor(config, created_at=T0)
    executor.apply(ExecutorStarted(ts_event=T0))
    executor.apply(quote(CEX, "120", "119"))
    (maker,) = executor.apply(quote(DEX, "101", "101"))
    executor.apply(
        OrderCreated(
            ts_event=at(2), command_id=maker.command_id, client_order_id=maker.client_order_id
        )
    )
    filled = OrderFilled(
        ts_event=at(3),
        command_id=maker.command_id,
        client_order_id=maker.client_order_id,
        fill_id="maker",
        side="BUY",
        base_amount=D(1),
        price=maker.price,
        is_final=True,
    )
    run(executor, executor.apply(filled), rng)
    assert_accounted_for(executor)

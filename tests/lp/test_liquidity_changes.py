"""An open LP executor adding and removing liquidity on request, fed events by hand: one change at
a time, an addition is more deposit at its own price, a removal stays part of what it returned."""

from __future__ import annotations

from decimal import Decimal

from fixtures.events import command_failed, outcome
from fixtures.lp_builders import at, open_executor, position_closed, price
from lpexec.core import StopRequested
from lpexec.lp import LPState
from lpexec.lp.liquidity_changes import AddLiquidityRequested, RemoveLiquidityRequested
from lpexec.lp.messages import AddLiquidity, LiquidityAdded, LiquidityRemoved, RemoveLiquidity


def moved(event_class, command, seconds, base, quote, fee="0.00001"):
    return outcome(
        event_class,
        command.command_id,
        seconds,
        {"position_address": "Pos1"},
        {"base_amount": base, "quote_amount": quote, "tx_fee": fee},
    )


def test_an_addition_is_more_deposit_at_the_price_it_was_made():
    executor = open_executor()  # 0.99 SOL + 149.5 USDC at 150
    executor.apply(price(160, 10))
    value_before = executor.accounting().initial_value_quote
    (add,) = executor.apply(
        AddLiquidityRequested(ts_event=at(11), base_amount=Decimal(1), quote_amount=Decimal(160))
    )
    assert isinstance(add, AddLiquidity) and add.position_address == "Pos1"
    assert executor.apply(RemoveLiquidityRequested(ts_event=at(12), fraction=Decimal(1))) == []

    executor.apply(moved(LiquidityAdded, add, 20, "1", "160"))

    state, figures = executor.state, executor.accounting()
    assert (state.initial_base, state.initial_quote) == (Decimal("1.99"), Decimal("309.5"))
    assert figures.initial_value_quote == value_before + 1 * 160 + 160
    assert state.change_command_id == "" and state.tx_fee > 0


def test_a_removal_stays_part_of_what_the_position_returned():
    executor = open_executor()
    (remove,) = executor.apply(RemoveLiquidityRequested(ts_event=at(11), fraction=Decimal("0.5")))
    assert isinstance(remove, RemoveLiquidity) and remove.fraction == Decimal("0.5")
    before = executor.accounting()

    executor.apply(moved(LiquidityRemoved, remove, 20, "0.495", "74.75", fee="0"))

    state = executor.state
    assert (state.base_amount, state.quote_amount) == (Decimal("0.495"), Decimal("74.75"))
    assert executor.returned_amounts() == (Decimal("0.99"), Decimal("149.5"))
    assert executor.accounting().net_pnl_quote == before.net_pnl_quote  # nothing was lost
    (close,) = executor.apply(StopRequested(ts_event=at(30), keep_position=True))
    executor.apply(position_closed(close, 40, base_amount="0.495", quote_amount="74.75"))
    assert executor.returned_amounts() == (Decimal("0.99"), Decimal("149.5"))


def test_a_refused_change_leaves_the_position_as_it_was():
    executor = open_executor()
    (add,) = executor.apply(
        AddLiquidityRequested(ts_event=at(11), base_amount=Decimal(1), quote_amount=Decimal(0))
    )
    executor.apply(command_failed(add, 12, "slippage", code="slippage_exceeded"))
    state = executor.state
    assert state.change_command_id == "" and state.lp_state is LPState.IN_RANGE
    assert state.initial_base == Decimal("0.99")
    assert state.failure_reason == "liquidity change failed: slippage"

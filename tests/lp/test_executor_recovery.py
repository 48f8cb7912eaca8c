"""LPExecutor after faults: unknown outcomes strand with a reason and stay actionable, failed
transactions' fees count, a position the chain lacks strands at once, and a close read from the
wallet's balance changes keeps its exact total."""

from __future__ import annotations

from decimal import Decimal

from fixtures.events import command_failed, swap_executed
from fixtures.lp_builders import (
    POOL,
    at,
    executor_started,
    make_config,
    open_executor,
    position_closed,
    position_opened,
    position_updated,
    tick,
)
from lpexec.core import ExecutorStatus, StopRequested, Swap
from lpexec.lp import LP_STATUS, LPExecutor, LPState
from lpexec.lp.messages import ClosePosition, RefreshPosition


def unknown(command, seconds=900):
    reason = "outcome still unknown after 900 s (no signature)"
    return command_failed(command, seconds, reason, code="outcome_unknown")


def opened(command, seconds=1000):
    return position_opened(
        command, seconds, position_rent="0.05740608", tx_fee="0.000045", signature="sig-open"
    )


def test_an_open_whose_outcome_stays_unknown_strands_and_a_late_answer_resumes_it():
    executor = LPExecutor(make_config(), created_at=at(0))
    (open_command,) = executor.apply(executor_started())
    # the engine gave up waiting: stranded, listed with the reason, nothing sent
    assert executor.apply(unknown(open_command)) == []
    assert executor.state.lp_state is LPState.STRANDED
    assert executor.state.stranded_from == "open"
    info = executor.info(at(901))
    assert info.status is not ExecutorStatus.TERMINATED
    assert info.stranded_reason.startswith("open outcome unknown")
    assert POOL in info.stranded_reason
    # a stop while stranded on the open is remembered: once the open is found, it closes
    assert executor.apply(StopRequested(ts_event=at(950))) == []
    commands = executor.apply(opened(open_command))
    assert [type(command) for command in commands] == [ClosePosition]
    assert executor.state.position_rent == Decimal("0.05740608")
    assert executor.state.failure_reason == ""


def test_an_open_reconciled_as_never_landed_after_stranding_fails_cleanly():
    executor = LPExecutor(make_config(), created_at=at(0))
    (open_command,) = executor.apply(executor_started())
    executor.apply(unknown(open_command))
    executor.apply(command_failed(open_command, 1000, "gone"))
    assert executor.state.lp_state is LPState.FAILED


def test_fees_of_transactions_that_failed_on_chain_are_counted():
    executor = open_executor()
    fee_before = executor.state.tx_fee
    (close,) = executor.apply(StopRequested(ts_event=at(1)))
    executor.apply(
        command_failed(
            close,
            2,
            "transaction sig-x failed on chain",
            code="transaction_failed",
            tx_fee="0.000025",
            signature="sig-x",
        )
    )
    assert executor.state.tx_fee == fee_before + Decimal("0.000025")
    assert executor.accounting().tx_fees_quote > 0


def test_a_position_the_chain_does_not_have_strands_at_once_then_fails_on_close():
    executor = open_executor(refresh_interval_seconds=10)
    commands = executor.apply(tick(10))
    (refresh,) = [command for command in commands if isinstance(command, RefreshPosition)]
    not_found = "Position not found: Pos1"
    executor.apply(command_failed(refresh, 11, not_found, code="position_not_found"))
    assert executor.state.lp_state is LPState.STRANDED
    assert executor.info(at(12)).stranded_reason.startswith("position Pos1 is not on chain")
    # actionable: a close confirms the chain does not have it, and the executor ends
    (close,) = executor.apply(StopRequested(ts_event=at(20)))
    assert isinstance(close, ClosePosition)
    executor.apply(command_failed(close, 21, not_found, code="position_not_found"))
    assert executor.state.lp_state is LPState.FAILED


def test_a_close_read_from_balance_changes_keeps_the_total_and_splits_by_the_last_read():
    executor = open_executor()
    executor.apply(
        position_updated(5, base_amount="0.6", quote_amount=210, base_fee="0.01", quote_fee=2)
    )
    (close,) = executor.apply(StopRequested(ts_event=at(6)))
    (swap,) = executor.apply(
        position_closed(
            close,
            7,
            base_amount="0.62",
            quote_amount=213,
            position_rent_refunded="0.05740608",
            tx_fee="0.00003",
            signature="sig-close",
            already_closed=True,
            fees_included=True,
        )
    )
    state = executor.state
    assert (state.base_amount, state.base_fee) == (Decimal("0.61"), Decimal("0.01"))
    assert (state.quote_amount, state.quote_fee) == (Decimal(211), Decimal(2))
    assert state.close_fees_estimated and not state.close_estimated
    # the swap back is sized from the exact total: 0.62 received against 0.99 deposited
    assert isinstance(swap, Swap)
    assert (swap.side, swap.amount) == ("BUY", Decimal("0.37"))
    assert state.position_rent_refunded == Decimal("0.05740608")
    assert state.close_signature == "sig-close"


def test_a_swap_back_whose_outcome_stays_unknown_strands_and_a_late_fill_completes():
    executor = open_executor()
    (close,) = executor.apply(StopRequested(ts_event=at(1)))
    (swap,) = executor.apply(position_closed(close, 2, base_amount="0.5", quote_amount=225))
    executor.apply(unknown(swap, 902))
    assert (executor.state.lp_state, executor.state.stranded_from) == (LPState.STRANDED, "swap")
    assert executor.info(at(903)).stranded_reason.startswith("swap back outcome unknown")
    executor.apply(
        swap_executed(
            swap,
            1000,
            base_amount="0.49",
            quote_amount="73.6",
            tx_fee="0.00001",
            signature="sig-swap",
        )
    )
    assert executor.state.lp_state is LPState.COMPLETE
    assert executor.info(at(1001)).stranded_reason is None


def test_the_status_follows_the_lp_state_through_a_strand_and_a_late_open():
    # The status is derived from the LP state (LP_STATUS): a stranded executor is CLOSING
    # whatever was under way, and a late open brings it back to ACTIVE.
    executor = LPExecutor(make_config(), created_at=at(0))
    (open_command,) = executor.apply(executor_started())
    seen = [(executor.state.lp_state, executor.status)]
    executor.apply(unknown(open_command))
    seen.append((executor.state.lp_state, executor.status))
    executor.apply(opened(open_command))
    seen.append((executor.state.lp_state, executor.status))
    (close,) = executor.apply(StopRequested(ts_event=at(1001)))
    seen.append((executor.state.lp_state, executor.status))
    assert seen == [
        (LPState.OPENING, ExecutorStatus.ACTIVE),
        (LPState.STRANDED, ExecutorStatus.CLOSING),
        (LPState.IN_RANGE, ExecutorStatus.ACTIVE),
        (LPState.CLOSING, ExecutorStatus.CLOSING),
    ]
    assert all(status is LP_STATUS[lp_state] for lp_state, status in seen)
    assert isinstance(close, ClosePosition) and executor.closed_at is None

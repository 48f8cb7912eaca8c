"""The swap executor, pure: events in, commands out."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fixtures.events import T0, at, command_failed
from fixtures.swap_builders import make_config, quote, started
from lpexec.core import (
    CloseType,
    ExecutorStarted,
    ExecutorStatus,
    InvalidTransitionError,
    PriceUpdated,
    StopRequested,
)
from lpexec.swap import (
    SWAP_VENUE,
    ExecuteSwap,
    QuoteFailure,
    QuoteSwap,
    SwapDetails,
    SwapExecutor,
    SwapFilled,
    SwapQuoted,
    SwapQuoteRefreshed,
    SwapState,
)

D = Decimal
BALANCES = {"SOL": D(100), "USDC": D(20000)}


def quoted(command, quotes=(), failures=(), balances=None, native_price=None, seconds=1):
    return SwapQuoted(
        ts_event=at(seconds),
        command_id=command.command_id,
        quotes=tuple(quotes),
        failures=tuple(failures),
        balances=BALANCES if balances is None else balances,
        native_price=native_price,
    )


def filled(command, *, base="2", quote_amount="358.9", fee="0.000025", evidence="response"):
    return SwapFilled(
        ts_event=at(3),
        command_id=command.command_id,
        trading_pair="SOL-USDC",
        side=command.side,
        base_amount=D(base),
        quote_amount=D(quote_amount),
        tx_fee=D(fee),
        signature="Sig1",
        provider=getattr(command, "provider", ""),
        evidence=evidence,
    )


def three_quotes(side="SELL"):
    return [
        quote("jupiter/router", "359.1", side=side, quote_id="q-1"),
        quote("meteora/clmm", "360.4" if side == "SELL" else "358.2", side=side),
        quote("raydium/clmm", "358" if side == "SELL" else "362", side=side),
    ]


def test_start_asks_every_provider_at_once_on_the_swap_venue():
    executor, command = started()

    assert isinstance(command, QuoteSwap)
    assert command.venue == SWAP_VENUE
    assert command.providers == ("jupiter/router", "meteora/clmm", "raydium/clmm")
    assert (command.side, command.amount, command.slippage) == ("SELL", D(2), D("0.01"))
    assert executor.status is ExecutorStatus.ACTIVE
    assert executor.state.swap_state is SwapState.QUOTING


def test_a_sell_executes_through_the_best_quote_within_the_slippage_limit():
    executor, command = started()

    (execute,) = executor.apply(quoted(command, three_quotes()))

    assert isinstance(execute, ExecuteSwap)
    assert execute.provider == "meteora/clmm"
    assert execute.quote.quote_amount == D("360.4")
    assert execute.limit == D("360.4") * D("0.99")
    assert execute.balances_before == BALANCES
    assert execute.max_quote_age_seconds == 10.0
    assert executor.state.swap_state is SwapState.EXECUTING


def test_a_buy_executes_through_the_cheapest_quote():
    executor, command = started(side="BUY")

    (execute,) = executor.apply(quoted(command, three_quotes("BUY")))

    assert execute.provider == "meteora/clmm"
    assert execute.limit == D("358.2") * D("1.01")


def test_the_fill_completes_the_swap_with_accounting_from_what_moved():
    executor, command = started()
    (execute,) = executor.apply(quoted(command, three_quotes()))

    executor.apply(filled(execute, quote_amount="358.6"))

    info = executor.info(at(4))
    details = info.details
    assert (info.status, info.close_type) == (ExecutorStatus.TERMINATED, CloseType.COMPLETED)
    assert info.net_pnl_quote == 0
    assert info.volume_quote == D("358.6")
    assert info.fees_paid_quote == D("0.000025") * D("179.3")
    assert isinstance(details, SwapDetails)
    assert details.provider == "meteora/clmm"
    assert details.effective_price == D("179.3")
    assert details.quoted_price == D("180.2")
    assert details.realized_slippage == 1 - D("179.3") / D("180.2")
    assert details.shortfall_quote == D("1.8")
    assert [q.provider for q in details.quotes] == [
        "meteora/clmm",
        "jupiter/router",
        "raydium/clmm",
    ]
    assert details.chosen_quote.provider == "meteora/clmm"
    assert details.keep_position is True


def test_a_renewed_quote_becomes_the_reference_for_realized_slippage():
    executor, command = started()
    (execute,) = executor.apply(quoted(command, three_quotes()))
    renewed = quote("meteora/clmm", "359", quoted_at=at(20))

    executor.apply(
        SwapQuoteRefreshed(
            ts_event=at(20), command_id=execute.command_id, quote=renewed, reason="age"
        )
    )
    executor.apply(filled(execute, quote_amount="359"))

    details = executor.details()
    assert details.refresh_reason == "age"
    assert details.executed_quote == renewed
    assert details.chosen_quote.quote_amount == D("360.4")
    assert details.realized_slippage == 0


def test_no_route_anywhere_fails_at_once_with_each_providers_reason():
    executor, command = started()
    failures = [
        QuoteFailure(provider=p, reason=f"No route found via {p}", code="no_route")
        for p in ("jupiter/router", "meteora/clmm", "raydium/clmm")
    ]

    commands = executor.apply(quoted(command, failures=failures))

    info = executor.info(at(2))
    assert commands == []
    assert info.close_type is CloseType.FAILED
    assert executor.state.failure_code == "no_route"
    reason = executor.state.failure_reason
    assert reason.startswith("no route found for SELL 2 SOL-USDC after 1 round(s)")
    assert "meteora/clmm: No route found via meteora/clmm" in reason
    assert reason.endswith("nothing was sent")


def test_an_outage_quotes_again_up_to_max_attempts_then_fails():
    executor, command = started(max_attempts=2)
    outage = [
        QuoteFailure(provider="jupiter/router", reason="503", code="unavailable", retryable=True)
    ]

    (again,) = executor.apply(quoted(command, failures=outage))
    last = executor.apply(quoted(again, failures=outage, seconds=2))

    assert isinstance(again, QuoteSwap) and again.command_id != command.command_id
    assert last == []
    assert executor.close_type is CloseType.FAILED
    assert "after 2 round(s)" in executor.state.failure_reason


def test_one_good_quote_is_enough_when_others_fail():
    executor, command = started()
    failures = [
        QuoteFailure(provider="raydium/clmm", reason="503", code="unavailable", retryable=True)
    ]

    (execute,) = executor.apply(quoted(command, [quote("jupiter/router", "359")], failures))

    assert execute.provider == "jupiter/router"
    assert executor.details().failures == failures


def test_a_wallet_that_cannot_pay_fails_before_sending():
    executor, command = started(side="BUY")

    commands = executor.apply(
        quoted(command, three_quotes("BUY"), balances={"SOL": D(1), "USDC": D("300")})
    )

    assert commands == []
    assert executor.close_type is CloseType.FAILED
    assert executor.state.failure_code == "insufficient_funds"
    assert "expected at least 361.782 USDC" in executor.state.failure_reason
    assert "received a balance of 300" in executor.state.failure_reason


def test_zero_balances_are_not_read_as_an_empty_wallet():
    executor, command = started()

    (execute,) = executor.apply(
        quoted(command, three_quotes(), balances={"SOL": D(0), "USDC": D(0)})
    )

    assert isinstance(execute, ExecuteSwap)


def test_slippage_exceeded_is_a_clear_failure_and_not_retried():
    executor, command = started()
    (execute,) = executor.apply(quoted(command, three_quotes()))

    commands = executor.apply(
        command_failed(execute, 3, "Slippage tolerance exceeded", code="slippage_exceeded")
    )

    assert commands == []
    assert executor.close_type is CloseType.FAILED
    reason = executor.state.failure_reason
    assert reason.startswith("slippage exceeded through meteora/clmm")
    assert "slippage_pct=0.01 (minimum received 356.796 USDC); not retried" in reason


def test_a_send_that_certainly_did_not_go_out_compares_again():
    executor, command = started()
    (execute,) = executor.apply(quoted(command, three_quotes()))

    (requote,) = executor.apply(
        command_failed(execute, 3, "429", retryable=True, code="rate_limited")
    )

    assert isinstance(requote, QuoteSwap)
    assert executor.state.swap_state is SwapState.QUOTING
    assert executor.state.rounds == 2


def test_a_stop_before_sending_ends_early_stop_and_ignores_late_quotes():
    executor, command = started()

    executor.apply(StopRequested(ts_event=at(1)))
    late = executor.apply(quoted(command, three_quotes(), seconds=2))

    assert late == []
    assert (executor.status, executor.close_type) == (
        ExecutorStatus.TERMINATED,
        CloseType.EARLY_STOP,
    )
    assert executor.state.swap_state is SwapState.CANCELED


def test_a_stop_before_start_ends_early_stop():
    executor = SwapExecutor(make_config(), created_at=T0)

    executor.apply(StopRequested(ts_event=T0))

    assert executor.close_type is CloseType.EARLY_STOP


def test_a_stop_while_executing_waits_for_the_outcome():
    executor, command = started()
    (execute,) = executor.apply(quoted(command, three_quotes()))

    executor.apply(StopRequested(ts_event=at(2)))
    executor.apply(filled(execute))

    assert executor.close_type is CloseType.COMPLETED
    assert executor.details().stop_requested


def test_outcomes_for_other_commands_change_nothing():
    executor, command = started()
    (execute,) = executor.apply(quoted(command, three_quotes()))
    revision = executor.revision

    executor.apply(filled(command))
    executor.apply(quoted(command, three_quotes()))

    assert executor.revision == revision
    assert executor.state.swap_state is SwapState.EXECUTING
    assert execute.command_id != command.command_id


def test_the_native_price_prices_the_fee_when_the_pair_lacks_the_native_token():
    executor, command = started(trading_pair="JUP-USDC", amount=D(1000))
    jup = [quote("jupiter/router", "790", base_amount="1000")]
    (execute,) = executor.apply(quoted(command, jup, balances={}, native_price=D(180)))
    executor.apply(PriceUpdated(ts_event=at(2), trading_pair="SOL-USDC", price=D(181)))

    executor.apply(
        SwapFilled(
            ts_event=at(3),
            command_id=execute.command_id,
            trading_pair="JUP-USDC",
            side="SELL",
            base_amount=D(1000),
            quote_amount=D(789),
            tx_fee=D("0.0001"),
        )
    )

    assert executor.info(at(3)).fees_paid_quote == D("0.0181")


def test_snapshot_and_restore_round_trip_mid_swap():
    executor, command = started()
    (execute,) = executor.apply(quoted(command, three_quotes()))

    restored = SwapExecutor.restore(executor.config, executor.snapshot())
    restored.apply(filled(execute))

    assert restored.state.chosen == executor.state.chosen
    assert restored.state.balances == BALANCES
    assert restored.close_type is CloseType.COMPLETED
    assert restored.details().quotes == executor.details().quotes


def test_a_second_start_is_refused_by_the_lifecycle():
    executor, _ = started()

    with pytest.raises(InvalidTransitionError, match="no transition"):
        executor.apply(ExecutorStarted(ts_event=at(1)))


def test_an_outcome_unknown_past_its_budget_strands_and_a_late_fill_completes():
    executor, command = started()
    (execute,) = executor.apply(quoted(command, three_quotes()))

    reason = "outcome still unknown after 900 s"
    executor.apply(command_failed(execute, 900, reason, code="outcome_unknown"))
    stranded = executor.info(at(901))
    executor.apply(filled(execute))

    assert executor.state.swap_state is SwapState.COMPLETE
    assert stranded.status is ExecutorStatus.ACTIVE
    assert stranded.stranded_reason.startswith("swap through meteora/clmm outcome unknown")
    assert executor.close_type is CloseType.COMPLETED
    assert executor.info(at(902)).stranded_reason is None


def test_a_swap_that_failed_on_chain_counts_the_fee_it_cost():
    executor, command = started()
    (execute,) = executor.apply(quoted(command, three_quotes()))

    executor.apply(
        command_failed(
            execute,
            3,
            "transaction Sig9 failed on chain",
            code="transaction_failed",
            tx_fee="0.000015",
            signature="Sig9",
        )
    )

    assert executor.close_type is CloseType.FAILED
    assert executor.state.tx_fee == D("0.000015")
    assert executor.info(at(4)).fees_paid_quote > 0

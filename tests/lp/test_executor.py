"""LPExecutor fed events by hand: range states, exact timer boundaries, limits, closes, swaps."""

from __future__ import annotations

from decimal import Decimal

import pytest

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
    price,
    tick,
)
from lpexec.core import (
    CloseType,
    ConfigError,
    ExecutorStatus,
    PriceUpdated,
    StopRequested,
    Swap,
    parse_config,
)
from lpexec.lp import LPExecutor, LPExecutorConfig, LPSide, LPState
from lpexec.lp.messages import ClosePosition, OpenPosition, RefreshPosition


def closed_event(command, seconds, *, base, quote, base_fee="0", quote_fee="0"):
    return position_closed(
        command,
        seconds,
        base_amount=base,
        quote_amount=quote,
        base_fee=base_fee,
        quote_fee=quote_fee,
        position_rent_refunded="0.05740608",
        tx_fee="0.00003",
    )


def closes(commands):
    """The close commands among ``commands`` (timers also emit position reads)."""
    return [command for command in commands if isinstance(command, ClosePosition)]


def test_start_sends_one_open_with_the_config_amounts():
    executor = LPExecutor(make_config(strategy_type="BidAsk"), created_at=at(0))
    (command,) = executor.apply(executor_started())
    assert isinstance(command, OpenPosition)
    assert (command.venue, command.pool_address, command.strategy_type) == (
        "meteora/clmm",
        POOL,
        "BidAsk",
    )
    assert (command.base_amount, command.quote_amount, command.slippage) == (
        Decimal(1),
        Decimal(150),
        Decimal("0.01"),
    )
    assert executor.state.lp_state is LPState.OPENING
    assert executor.status is ExecutorStatus.ACTIVE


def test_open_records_what_landed_not_what_was_asked():
    executor = open_executor()
    state = executor.state
    assert (state.initial_base, state.initial_quote) == (Decimal("0.99"), Decimal("149.5"))
    assert state.lp_state is LPState.IN_RANGE
    assert state.add_price == Decimal(150)


@pytest.mark.parametrize(
    ("active", "dlmm_in_range", "clmm_in_range"),
    [
        (99, False, False),
        (100, True, True),
        (150, True, True),
        (160, True, False),
        (161, False, False),
    ],
)
def test_range_rule_on_chain_bins_and_ticks(active, dlmm_in_range, clmm_in_range):
    dlmm = open_executor(bins=(100, 160, 130))
    clmm = open_executor(bins=(100, 160, 130), lp_provider="raydium/clmm")
    dlmm.apply(price("150", 1, active_bin=active))
    clmm.apply(price("150", 1, active_bin=active))
    assert (dlmm.state.lp_state is LPState.IN_RANGE) is dlmm_in_range
    assert (clmm.state.lp_state is LPState.IN_RANGE) is clmm_in_range


def test_price_rule_without_bins_uses_on_chain_bounds_inclusive_for_dlmm():
    executor = open_executor()
    executor.apply(price("160", 1))
    assert executor.state.lp_state is LPState.IN_RANGE
    executor.apply(price("160.0001", 2))
    assert executor.state.lp_state is LPState.OUT_OF_RANGE


def test_prices_of_another_pool_are_ignored():
    executor = open_executor()
    executor.apply(price("500", 1, pool="OtherPool"))
    assert executor.state.lp_state is LPState.IN_RANGE


def test_above_range_timer_closes_at_the_exact_second():
    executor = open_executor(auto_close_above_range_seconds=60)
    executor.apply(price("161", 10))
    assert executor.state.lp_state is LPState.OUT_OF_RANGE
    assert closes(executor.apply(tick(69.999))) == []
    (close,) = executor.apply(tick(70))
    assert isinstance(close, ClosePosition) and close.position_address == "Pos1"
    assert executor.close_type is CloseType.EARLY_STOP
    assert executor.state.lp_state is LPState.CLOSING


def test_timer_needs_continuous_time_out_of_range():
    executor = open_executor(auto_close_above_range_seconds=60)
    executor.apply(price("161", 10))
    executor.apply(price("150", 50))  # back in range: the clock restarts
    executor.apply(price("161", 60))
    assert closes(executor.apply(tick(119.5))) == []
    assert executor.out_of_range_seconds(at(119.5)) == 59.5
    assert len(closes(executor.apply(tick(120)))) == 1


def test_below_timer_is_separate_from_above():
    executor = open_executor(auto_close_below_range_seconds=30)
    executor.apply(price("161", 0))
    assert closes(executor.apply(tick(1000))) == []  # no above timer configured
    executor.apply(price("139", 1000))  # changing side restarts the clock
    assert closes(executor.apply(tick(1029))) == []
    assert len(closes(executor.apply(tick(1030)))) == 1


def test_timer_close_keeps_the_position_when_configured():
    executor = open_executor(auto_close_above_range_seconds=0, keep_position=True)
    (close,) = executor.apply(price("170", 5))
    assert executor.close_type is CloseType.POSITION_HOLD
    executor.apply(closed_event(close, 6, base="0", quote="309"))
    assert executor.state.lp_state is LPState.COMPLETE
    ((key, fill),) = executor.held_fills()
    # 0.99 base sold inside the range for 159.5 quote more than deposited
    assert (fill.side, fill.base_amount, fill.quote_amount) == (
        "SELL",
        Decimal("0.99"),
        Decimal("159.5"),
    )
    assert key.trading_pair == "SOL-USDC"


@pytest.mark.parametrize(
    ("trading_pair", "native_price"),
    [("SOL-USDC", None), ("USDC-SOL", None), ("JUP-USDC", Decimal("151.5"))],
)
def test_a_held_fill_pays_the_tx_fees_and_sunk_rent_of_the_report(trading_pair, native_price):
    # Arrange: native SOL as base, as quote, and priced by its own pair
    executor = open_executor(trading_pair=trading_pair, keep_position=True)
    if native_price is not None:
        executor.apply(PriceUpdated(ts_event=at(1), trading_pair="SOL-USDC", price=native_price))
    (close,) = executor.apply(StopRequested(ts_event=at(2)))
    executor.apply(closed_event(close, 3, base="0.5", quote="225"))
    # Act
    ((_, fill),) = executor.held_fills()
    # Assert
    figures = executor.accounting()
    assert fill.fee_quote == figures.tx_fees_quote + figures.rent_sunk_quote
    assert fill.fee_quote > 0


@pytest.mark.parametrize(
    ("overrides", "value"),
    [({"upper_limit_price": Decimal(155)}, "155"), ({"lower_limit_price": Decimal(145)}, "145")],
)
def test_limit_prices_close_at_once(overrides, value):
    executor = open_executor(**overrides)
    (close,) = executor.apply(price(value, 1))
    assert isinstance(close, ClosePosition)
    assert executor.close_type is CloseType.EARLY_STOP


def test_close_swaps_back_the_base_actually_received():
    executor = open_executor()
    (close,) = executor.apply(StopRequested(ts_event=at(1)))
    (swap,) = executor.apply(
        closed_event(close, 2, base="0.5", quote="225", base_fee="0.01", quote_fee="1")
    )
    assert isinstance(swap, Swap)
    assert (swap.side, swap.amount, swap.venue) == ("BUY", Decimal("0.48"), "jupiter/router")
    executor.apply(
        swap_executed(swap, 3, base_amount="0.48", quote_amount="72.2", tx_fee="0.00001")
    )
    assert executor.state.lp_state is LPState.COMPLETE
    assert executor.status is ExecutorStatus.TERMINATED
    assert executor.close_type is CloseType.EARLY_STOP
    assert executor.state.swap_cost == Decimal("72.2") - Decimal("0.48") * Decimal(150)


def test_no_swap_when_the_base_is_back_to_the_deposit():
    executor = open_executor()
    (close,) = executor.apply(StopRequested(ts_event=at(1)))
    assert executor.apply(closed_event(close, 2, base="0.99", quote="149.5")) == []
    assert executor.state.lp_state is LPState.COMPLETE


def test_close_retries_with_backoff_and_wider_slippage_then_strands():
    executor = open_executor(max_close_attempts=3, close_retry_seconds=5)
    (close,) = executor.apply(StopRequested(ts_event=at(0)))
    slippages = [close.slippage]
    for attempt, now in enumerate((0, 5, 15)):
        executor.apply(command_failed(close, now, "slippage"))
        if attempt == 2:
            break
        wait = 5 * 2**attempt
        assert executor.apply(tick(now + wait - 0.001)) == []
        (close,) = executor.apply(tick(now + wait))
        slippages.append(close.slippage)
    assert slippages == [Decimal("0.01"), Decimal("0.015"), Decimal("0.02")]
    assert executor.state.lp_state is LPState.STRANDED
    info = executor.info(at(20))
    assert info.status is ExecutorStatus.CLOSING
    assert info.stranded_reason.startswith("close failed 3 times, last: slippage")
    # a stranded position is actionable: stopping it again tries the close again
    (again,) = executor.apply(StopRequested(ts_event=at(30)))
    assert isinstance(again, ClosePosition) and executor.state.lp_state is LPState.CLOSING


def test_a_position_that_never_existed_fails_instead_of_stranding():
    executor = open_executor()
    (close,) = executor.apply(StopRequested(ts_event=at(0)))
    executor.apply(command_failed(close, 1, "Position not found: Pos1", code="position_not_found"))
    assert executor.state.lp_state is LPState.FAILED
    assert executor.close_type is CloseType.FAILED


def test_open_failures_retry_only_when_retryable():
    executor = LPExecutor(make_config(max_open_attempts=2), created_at=at(0))
    (first,) = executor.apply(executor_started())
    (second,) = executor.apply(command_failed(first, 1, "503", retryable=True))
    assert second.command_id != first.command_id
    assert executor.apply(command_failed(second, 2, "503", retryable=True)) == []
    assert executor.state.lp_state is LPState.FAILED
    assert executor.state.failure_reason == "open failed: 503"


def test_stop_while_opening_closes_once_the_open_lands():
    executor = LPExecutor(make_config(), created_at=at(0))
    (open_command,) = executor.apply(executor_started())
    assert executor.apply(StopRequested(ts_event=at(1), keep_position=True)) == []
    (close,) = executor.apply(position_opened(open_command, 2))
    assert isinstance(close, ClosePosition)
    assert executor.close_type is CloseType.POSITION_HOLD


def test_refresh_reads_are_spaced_by_the_interval():
    executor = open_executor(refresh_interval_seconds=10)
    assert executor.apply(tick(9)) == []
    (read,) = executor.apply(tick(10))
    assert isinstance(read, RefreshPosition)
    assert executor.apply(tick(15)) == []  # one read at a time
    executor.apply(
        position_updated(
            16,
            command_id=read.command_id,
            base_amount="0.5",
            quote_amount=225,
            base_fee="0.002",
            quote_fee="0.4",
            lower_price="139.9",
            upper_price="160.1",
            price=152,
        )
    )
    assert executor.state.base_fee == Decimal("0.002")
    assert (executor.state.lower_price, executor.state.upper_price) == (
        Decimal("139.9"),
        Decimal("160.1"),
    )


def test_accounting_decomposes_pnl_and_keeps_rent_apart():
    executor = open_executor()
    executor.apply(
        position_updated(
            5,
            command_id="r",
            base_amount="0.5",
            quote_amount=225,
            base_fee="0.01",
            quote_fee="1.5",
            price=152,
        )
    )
    figures = executor.accounting()
    assert figures.initial_value_quote == Decimal("0.99") * 150 + Decimal("149.5")
    assert figures.hodl_value_quote == Decimal("0.99") * 152 + Decimal("149.5")
    assert figures.lp_value_quote == Decimal("0.5") * 152 + 225
    assert figures.impermanent_loss_quote == figures.lp_value_quote - figures.hodl_value_quote
    assert figures.fees_earned_quote == Decimal("0.01") * 152 + Decimal("1.5")
    assert figures.tx_fees_quote == Decimal("0.000045") * 152
    assert figures.rent_sunk_quote == Decimal("0.07143744") * 152
    assert figures.rent_locked_native == Decimal("0.05740608")
    assert figures.net_pnl_quote == (
        figures.fees_earned_quote
        + figures.impermanent_loss_quote
        - figures.tx_fees_quote
        - figures.rent_sunk_quote
    )
    info = executor.info(at(5))
    assert info.net_pnl_pct == figures.net_pnl_quote / figures.initial_value_quote
    assert info.fees_earned_quote == figures.fees_earned_quote
    assert info.details.position_rent_native == Decimal("0.05740608")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"lower_price": "160", "upper_price": "140"},
            "expected lower_price < upper_price, received lower_price=160 upper_price=140",
        ),
        (
            {"base_amount": "0", "quote_amount": "0"},
            "expected base_amount or quote_amount > 0, received both 0",
        ),
        (
            {"side": "BUY"},
            "side BUY deposits quote only: expected base_amount=0, received 1",
        ),
        (
            {"side": "SIDEWAYS"},
            "side: expected 0, 1, 2 or one of ['BOTH', 'BUY', 'RANGE', 'SELL'], "
            "received 'SIDEWAYS'",
        ),
        ({"base_amount": "-1"}, "base_amount: Input should be greater than or equal to 0"),
        ({"pool": "x"}, "pool: unknown field for lp"),
    ],
)
def test_config_errors_name_the_field_and_value(data, message):
    values = {
        "pool_address": POOL,
        "trading_pair": "SOL-USDC",
        "lower_price": "140",
        "upper_price": "160",
        "base_amount": "1",
        "quote_amount": "150",
    }
    values.update(data)
    with pytest.raises(ConfigError) as raised:
        parse_config(LPExecutorConfig, values)
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("name", "side"), [("RANGE", LPSide.BOTH), ("sell", LPSide.SELL), (1, LPSide.BUY)]
)
def test_side_accepts_numbers_and_names(name, side):
    amounts = {"base_amount": 0} if side is LPSide.BUY else {}
    amounts |= {"quote_amount": 0} if side is LPSide.SELL else {}
    assert make_config(side=name, **amounts).side is side

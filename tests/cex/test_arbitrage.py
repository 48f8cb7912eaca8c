"""The arbitrage executor, pure: config, the decision at its exact boundary, both legs, a leg
that fails (re-sent, unwound, or held and reported), stops, unknown outcomes and a restore."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fixtures.cross_venue import CEX, DEX
from fixtures.cross_venue import leg_quote as quote
from fixtures.events import T0, at, command_failed
from fixtures.transition_tables import assert_terminal
from lpexec.cex.arbitrage import (
    ARBITRAGE_STATUS,
    ARBITRAGE_TRANSITIONS,
    ArbitrageExecutor,
    ArbitrageExecutorConfig,
    ArbitrageState,
)
from lpexec.cex.cross_market import LegQuoteUpdated, interchangeable
from lpexec.core import (
    CloseType,
    ConfigError,
    ExecutorStarted,
    ExecutorStatus,
    OrderCanceled,
    OrderCreated,
    OrderFilled,
    PlaceOrder,
    StopRequested,
    Swap,
    SwapExecuted,
    parse_config,
)

D = Decimal


def config(**fields) -> ArbitrageExecutorConfig:
    values = {
        "id": "arb-1",
        "buying_market": CEX,
        "selling_market": DEX,
        "order_amount": D(1),
        "min_profitability": D("0.008"),
        "max_retries": 1,
    }
    values.update(fields)
    return ArbitrageExecutorConfig(**values)


def started(cfg: ArbitrageExecutorConfig | None = None) -> ArbitrageExecutor:
    executor = ArbitrageExecutor(cfg or config(), created_at=T0)
    assert executor.apply(ExecutorStarted(ts_event=T0)) == []
    return executor


def cex_quote(seconds: float = 1, **fields) -> LegQuoteUpdated:
    """The exchange: buy at 100 with a 0.1 % taker fee."""
    return quote(CEX, "100", "99.9", seconds, taker_fee=D("0.001"), **fields)


def dex_quote(sell: str, seconds: float = 1, **fields) -> LegQuoteUpdated:
    """The DEX: sell at ``sell`` with a 0.1 USDC network fee."""
    return quote(DEX, sell, sell, seconds, network_fee_quote=D("0.1"), **fields)


def execute(executor: ArbitrageExecutor) -> tuple[PlaceOrder, Swap]:
    """Quotes whose spread pays: the two legs sent."""
    executor.apply(cex_quote())
    buy, sell = executor.apply(dex_quote("101.01"))
    assert isinstance(buy, PlaceOrder) and isinstance(sell, Swap)
    return buy, sell


def filled(order: PlaceOrder, price: str, seconds: float = 2, fee: str = "0.1") -> OrderFilled:
    return OrderFilled(
        ts_event=at(seconds),
        command_id=order.command_id,
        client_order_id=order.client_order_id,
        fill_id=f"f-{order.command_id}",
        side=order.side,
        base_amount=order.amount,
        price=D(price),
        fee_quote=D(fee),
        is_final=True,
    )


def swapped(swap: Swap, price: str, seconds: float = 2, tx_fee: str = "0.000005") -> SwapExecuted:
    return SwapExecuted(
        ts_event=at(seconds),
        command_id=swap.command_id,
        trading_pair=swap.trading_pair,
        side=swap.side,
        base_amount=swap.amount,
        quote_amount=swap.amount * D(price),
        tx_fee=D(tx_fee),
        signature=f"sig-{swap.command_id}",
    )


# --- config -------------------------------------------------------------------------------------


def test_the_two_markets_must_differ_and_trade_the_same_tokens():
    with pytest.raises(ConfigError, match="selling_market: expected a market other than"):
        parse_config(ArbitrageExecutorConfig, {**config().model_dump(), "selling_market": CEX})
    other = {"connector_name": "jupiter/router", "trading_pair": "JUP-USDC"}
    with pytest.raises(ConfigError, match="interchangeable with buying_market's 'SOL'.*'JUP'"):
        parse_config(ArbitrageExecutorConfig, {**config().model_dump(), "selling_market": other})
    with pytest.raises(ConfigError, match="order_amount"):
        parse_config(ArbitrageExecutorConfig, {**config().model_dump(), "order_amount": "0"})
    assert interchangeable("USDT", "USDC") and interchangeable("WSOL", "SOL")
    assert not interchangeable("SOL", "ETH")


def test_a_hummingbot_config_validates_unchanged():
    hummingbot = {
        "id": None,
        "type": "arbitrage_executor",
        "timestamp": 1700000000.0,
        "controller_id": "main",
        "buying_market": CEX,
        "selling_market": DEX,
        "order_amount": "1",
        "min_profitability": "0.01",
        "gas_conversion_price": None,
    }
    parsed = parse_config(ArbitrageExecutorConfig, hummingbot)
    assert parsed.min_profitability == D("0.01") and parsed.id


def test_terminal_states_are_final():
    terminal = [s for s, status in ARBITRAGE_STATUS.items() if status is ExecutorStatus.TERMINATED]
    assert_terminal(ARBITRAGE_TRANSITIONS, ARBITRAGE_STATUS, terminal)


# --- the decision ---------------------------------------------------------------------------------


def test_a_spread_exactly_at_min_profitability_sends_nothing_and_a_hair_above_sends_both_legs():
    # Arrange: buy 1 at 100 (+0.1 fee), sell at 101 (-0.1 network fee): (101-100-0.2)/100 = 0.008
    executor = started()
    assert executor.apply(cex_quote()) == []
    # Act / Assert: exactly the minimum is not strictly greater
    assert executor.apply(dex_quote("101")) == []
    assert executor.state.last_profitability == D("0.008")
    assert executor.state.arbitrage_state is ArbitrageState.WATCHING
    # A hair above: (101.01 - 100 - 0.1001 - 0.1) / 100 > 0.008
    buy, sell = executor.apply(dex_quote("101.01", seconds=2))
    assert (buy.venue, buy.side, buy.order_type, buy.amount) == ("paper", "BUY", "MARKET", D(1))
    assert (sell.venue, sell.side, sell.amount, sell.slippage) == (
        "jupiter/router",
        "SELL",
        D(1),
        D("0.01"),
    )
    assert executor.state.arbitrage_state is ArbitrageState.EXECUTING


def test_a_stale_quote_is_not_acted_on():
    executor = started(config(max_quote_age_seconds=5))
    executor.apply(cex_quote(seconds=1))
    # 6 s later the exchange's quote is too old: nothing is sent
    assert executor.apply(dex_quote("110", seconds=7)) == []
    assert executor.apply(cex_quote(seconds=7))  # both fresh again: both legs


def test_too_little_balance_ends_insufficient_balance_with_nothing_sent():
    executor = started()
    executor.apply(cex_quote(quote_available=D(50)))
    assert executor.apply(dex_quote("102")) == []
    info = executor.info(at(2))
    assert (info.status, info.close_type) == (
        ExecutorStatus.TERMINATED,
        CloseType.INSUFFICIENT_BALANCE,
    )
    assert "expected at least 100.100 USDC" in info.details.failure_reason


# --- both legs --------------------------------------------------------------------------------


def test_both_legs_filled_complete_with_both_fees_in_the_pnl():
    executor = started()
    buy, sell = execute(executor)
    assert (
        executor.apply(
            OrderCreated(
                ts_event=at(2), command_id=buy.command_id, client_order_id=buy.client_order_id
            )
        )
        == []
    )
    executor.apply(filled(buy, "100", fee="0.1"))
    assert executor.state.arbitrage_state is ArbitrageState.EXECUTING  # the swap is out
    executor.apply(swapped(sell, "101.01", tx_fee="0.001"))
    info = executor.info(at(3))
    assert (info.status, info.close_type) == (ExecutorStatus.TERMINATED, CloseType.COMPLETED)
    network_fee = D("0.001") * D("101.01")  # SOL is the base: valued at the swap's price
    assert info.fees_paid_quote == D("0.1") + network_fee
    assert info.net_pnl_quote == D("101.01") - D(100) - D("0.1") - network_fee
    assert info.net_pnl_pct == info.net_pnl_quote / D(100)
    assert info.volume_quote == D("201.01")
    assert info.details.net_base == 0


def test_a_market_leg_partly_filled_is_sent_again_for_the_rest():
    executor = started()
    buy, sell = execute(executor)
    executor.apply(swapped(sell, "101.01"))
    part = filled(buy, "100")
    executor.apply(OrderFilled(**{**_fields(part), "base_amount": D("0.4"), "is_final": False}))
    (again,) = executor.apply(
        OrderCanceled(
            ts_event=at(2), command_id=buy.command_id, client_order_id=buy.client_order_id
        )
    )
    assert isinstance(again, PlaceOrder) and again.amount == D("0.6") and again.side == "BUY"
    executor.apply(filled(again, "100.1"))
    info = executor.info(at(3))
    assert info.close_type is CloseType.COMPLETED
    assert info.details.bought_base == D(1) and info.details.failures == 1


# --- a leg that fails ----------------------------------------------------------------------


def test_a_failed_leg_is_sent_again_then_unwound_to_flat():
    # Arrange: the buy fills, the swap is refused twice (max_retries=1)
    executor = started()
    buy, sell = execute(executor)
    executor.apply(filled(buy, "100"))
    (again,) = executor.apply(
        command_failed(sell, 2, "slippage exceeded", code="slippage_exceeded")
    )
    assert isinstance(again, Swap) and again.command_id != sell.command_id and again.amount == 1
    # Act: the second refusal unwinds: the bought SOL is sold back on the exchange
    (unwind,) = executor.apply(
        command_failed(again, 3, "slippage exceeded", code="slippage_exceeded")
    )
    assert isinstance(unwind, PlaceOrder)
    assert (unwind.venue, unwind.side, unwind.order_type, unwind.amount) == (
        "paper",
        "SELL",
        "MARKET",
        D(1),
    )
    assert executor.info(at(3)).status is ExecutorStatus.CLOSING
    executor.apply(filled(unwind, "99.9", seconds=4, fee="0.0999"))
    # Assert: flat, FAILED, the loss realized and the reason reported
    info = executor.info(at(4))
    assert (info.status, info.close_type) == (ExecutorStatus.TERMINATED, CloseType.FAILED)
    assert info.details.net_base == 0 and info.details.unwound_base == 1
    assert info.net_pnl_quote == D("99.9") - D(100) - D("0.1") - D("0.0999")
    assert "the sell leg could not be completed after 2 failure(s)" in info.details.failure_reason
    assert info.details.failure_reason.endswith("unwound")
    assert info.details.failure_code == "slippage_exceeded"


def test_an_unwind_that_fails_too_ends_held_with_every_trade_in_the_ledger():
    executor = started(config(max_retries=0))
    buy, sell = execute(executor)
    executor.apply(filled(buy, "100"))
    (unwind,) = executor.apply(command_failed(sell, 2, "no route", code="no_route"))
    assert executor.apply(command_failed(unwind, 3, "rejected: exchange closed")) == []
    info = executor.info(at(3))
    assert (info.status, info.close_type) == (ExecutorStatus.TERMINATED, CloseType.POSITION_HOLD)
    assert "unwinding failed 1 time(s)" in info.details.failure_reason
    assert "1 SOL is held" in info.details.failure_reason
    ((key, fill),) = executor.held_fills()
    assert (key.connector, key.trading_pair, fill.side, fill.base_amount) == (
        "paper",
        "SOL-USDC",
        "BUY",
        1,
    )


def test_both_legs_refused_end_failed_with_nothing_held():
    executor = started(config(max_retries=0))
    buy, sell = execute(executor)
    executor.apply(command_failed(buy, 2, "insufficient funds", code="insufficient_funds"))
    assert executor.apply(command_failed(sell, 2, "no route", code="no_route")) == []
    info = executor.info(at(2))
    assert (info.status, info.close_type) == (ExecutorStatus.TERMINATED, CloseType.FAILED)
    assert "nothing is left over" in info.details.failure_reason


def test_a_stop_keeping_the_position_holds_a_failed_leg_instead_of_unwinding():
    executor = started(config(max_retries=0))
    buy, sell = execute(executor)
    assert executor.apply(StopRequested(ts_event=at(2), keep_position=True)) == []
    executor.apply(filled(buy, "100"))
    assert executor.apply(command_failed(sell, 3, "no route", code="no_route")) == []
    info = executor.info(at(3))
    assert info.close_type is CloseType.POSITION_HOLD
    assert "kept (keep_position)" in info.details.failure_reason


def test_an_unknown_outcome_is_reported_stranded_until_it_is_settled():
    executor = started()
    buy, sell = execute(executor)
    executor.apply(filled(buy, "100"))
    assert executor.apply(command_failed(sell, 2, "timed out", code="outcome_unknown")) == []
    info = executor.info(at(2))
    assert info.status is ExecutorStatus.ACTIVE
    assert "SELL swap" in info.stranded_reason and "outcome unknown" in info.stranded_reason
    executor.apply(swapped(sell, "101.01", seconds=30))  # the engine's reconciliation found it
    assert executor.info(at(30)).close_type is CloseType.COMPLETED


def test_a_stop_before_the_legs_are_sent_cancels():
    executor = started()
    executor.apply(cex_quote())
    assert executor.apply(StopRequested(ts_event=at(2))) == []
    info = executor.info(at(2))
    assert (info.status, info.close_type) == (ExecutorStatus.TERMINATED, CloseType.EARLY_STOP)


def test_a_restored_executor_goes_on_where_it_stood():
    executor = started()
    buy, sell = execute(executor)
    executor.apply(filled(buy, "100"))
    restored = ArbitrageExecutor.restore(executor.config, executor.snapshot())
    restored.apply(swapped(sell, "101.01"))
    assert restored.info(at(3)).close_type is CloseType.COMPLETED
    network_fee = D("0.000005") * D("101.01")
    assert restored.info(at(3)).net_pnl_quote == D("101.01") - D(100) - D("0.1") - network_fee


def _fields(event) -> dict:
    return {name: getattr(event, name) for name in event.__dataclass_fields__}

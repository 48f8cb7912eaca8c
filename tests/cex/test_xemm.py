"""The XEMM executor, pure: config, the maker price, refreshes at the exact [min, max] bounds,
hedging (both maker sides' P&L), partial fills, a hedge that fails (unwound or held), stops,
maker retries and a restore."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fixtures.cross_venue import CEX, DEX
from fixtures.cross_venue import leg_quote as quote
from fixtures.events import T0, at, command_failed
from fixtures.transition_tables import assert_terminal
from lpexec.cex.xemm import (
    XEMM_STATUS,
    XEMM_TRANSITIONS,
    XEMMExecutor,
    XEMMExecutorConfig,
    XEMMState,
)
from lpexec.core import (
    CancelOrder,
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


def config(**fields) -> XEMMExecutorConfig:
    """Maker BUY on the exchange, hedged on the DEX; target 1 %, kept within [0.5 %, 2 %]."""
    values = {
        "id": "xemm-1",
        "buying_market": CEX,
        "selling_market": DEX,
        "maker_side": "BUY",
        "order_amount": D(1),
        "min_profitability": D("0.005"),
        "target_profitability": D("0.01"),
        "max_profitability": D("0.02"),
        "max_retries": 1,
    }
    values.update(fields)
    return XEMMExecutorConfig(**values)


def started(cfg: XEMMExecutorConfig | None = None) -> XEMMExecutor:
    executor = XEMMExecutor(cfg or config(), created_at=T0)
    executor.apply(ExecutorStarted(ts_event=T0))
    return executor


def placed(executor: XEMMExecutor, dex_price: str = "101", seconds: float = 1) -> PlaceOrder:
    """Quotes on both markets (no fees): the maker order, confirmed."""
    assert executor.apply(quote(CEX, "120", "119", seconds)) == []
    commands = executor.apply(quote(DEX, dex_price, dex_price, seconds))
    (order,) = commands
    executor.apply(
        OrderCreated(
            ts_event=at(seconds), command_id=order.command_id, client_order_id=order.client_order_id
        )
    )
    return order


def fill(
    order: PlaceOrder, amount: str, price: str, seconds: float = 2, fee: str = "0"
) -> OrderFilled:
    return OrderFilled(
        ts_event=at(seconds),
        command_id=order.command_id,
        client_order_id=order.client_order_id,
        fill_id=f"f-{order.command_id}-{amount}-{seconds}",
        side=order.side,
        base_amount=D(amount),
        price=D(price),
        fee_quote=D(fee),
    )


def canceled(order: PlaceOrder | CancelOrder, seconds: float = 3) -> OrderCanceled:
    return OrderCanceled(
        ts_event=at(seconds), command_id=order.command_id, client_order_id=order.client_order_id
    )


def swapped(swap: Swap, price: str, seconds: float = 3, tx_fee: str = "0") -> SwapExecuted:
    return SwapExecuted(
        ts_event=at(seconds),
        command_id=swap.command_id,
        trading_pair=swap.trading_pair,
        side=swap.side,
        base_amount=swap.amount,
        quote_amount=swap.amount * D(price),
        tx_fee=D(tx_fee),
    )


# --- config ---------------------------------------------------------------------------------------


def test_profitabilities_must_be_ordered_and_the_maker_an_order_book():
    with pytest.raises(ConfigError, match="target_profitability: expected min_profitability <="):
        parse_config(XEMMExecutorConfig, {**config().model_dump(), "min_profitability": "0.03"})
    with pytest.raises(ConfigError, match="selling_market: the maker market .* swap connector"):
        parse_config(XEMMExecutorConfig, {**config().model_dump(), "maker_side": "SELL"})
    hummingbot = {
        **config().model_dump(mode="json"),
        "type": "xemm_executor",
        "timestamp": 1.0,
        "id": None,
        "maker_side": 1,
    }
    assert parse_config(XEMMExecutorConfig, hummingbot).maker_side == "BUY"


def test_terminal_states_are_final():
    terminal = [s for s, status in XEMM_STATUS.items() if status is ExecutorStatus.TERMINATED]
    assert_terminal(XEMM_TRANSITIONS, XEMM_STATUS, terminal)


# --- pricing and refreshing --------------------------------------------------------------------


def test_the_maker_order_is_priced_at_the_target_net_of_both_fees():
    executor = started()
    assert executor.apply(quote(CEX, "120", "119", maker_fee=D("0.001"))) == []  # no taker quote
    (order,) = executor.apply(quote(DEX, "101", "101", network_fee_quote=D("0.101")))
    # tx = 0.001 maker fee + 0.101 / 101 network fee = 0.002; price = 101 / (1 + 0.01 + 0.002)
    assert (order.venue, order.side, order.order_type) == ("paper", "BUY", "LIMIT_MAKER")
    assert order.price == D(101) / D("1.012") and order.amount == 1
    assert executor.state.xemm_state is XEMMState.QUOTING


def test_a_maker_sell_is_priced_above_the_taker_buy():
    executor = started(
        config(
            buying_market=DEX, selling_market=CEX, maker_side="SELL", target_profitability=D("0.01")
        )
    )
    executor.apply(quote(CEX, "90", "89"))
    (order,) = executor.apply(quote(DEX, "99", "99"))
    assert (order.side, order.price) == ("SELL", D(99) / D("0.99"))


@pytest.mark.parametrize(
    ("taker_price", "refreshes"),
    [("100.5", False), ("100.49", True), ("102", False), ("102.01", True)],
)
def test_the_order_is_refreshed_only_when_profitability_leaves_min_max(taker_price, refreshes):
    # The maker BUY rests at 100 (101 / 1.01); its profitability is taker / 100 - 1
    executor = started()
    order = placed(executor)
    assert order.price == 100
    commands = executor.apply(quote(DEX, taker_price, taker_price, seconds=2))
    assert executor.state.last_profitability == D(taker_price) / 100 - 1
    if refreshes:
        (cancel,) = commands
        assert isinstance(cancel, CancelOrder) and cancel.client_order_id == order.client_order_id
        assert executor.state.xemm_state is XEMMState.REFRESHING
    else:
        assert commands == [] and executor.state.xemm_state is XEMMState.QUOTING


def test_a_refreshed_order_is_replaced_at_the_new_target_once_the_cancel_lands():
    executor = started()
    order = placed(executor)
    executor.apply(quote(CEX, "120", "119", seconds=2))
    (cancel,) = executor.apply(quote(DEX, "103.02", "103.02", seconds=2))
    (replacement,) = executor.apply(canceled(order, seconds=2))
    assert replacement.price == D("103.02") / D("1.01") and replacement.amount == 1
    assert replacement.client_order_id != order.client_order_id
    assert executor.details().refreshes == 1 and executor.details().maker_orders == 2


def test_a_target_through_the_touch_rests_at_the_touch_and_is_not_churned():
    # The DEX pays 110: the target 108.9 is above the exchange's bid 100, so the buy joins the bid
    executor = started()
    executor.apply(quote(CEX, "100.1", "100"))
    (order,) = executor.apply(quote(DEX, "110", "110"))
    assert order.price == 100 and order.order_type == "LIMIT_MAKER"
    executor.apply(
        OrderCreated(
            ts_event=at(1), command_id=order.command_id, client_order_id=order.client_order_id
        )
    )
    # Its profitability (10 %) is above max_profitability, but its replacement would be itself
    assert executor.apply(quote(DEX, "110", "110", seconds=2)) == []
    assert executor.state.last_profitability == D("0.1")
    # The bid moves up: now the replacement differs, so it is re-priced
    (cancel,) = executor.apply(quote(CEX, "100.6", "100.5", seconds=3))
    assert isinstance(cancel, CancelOrder)
    (replacement,) = executor.apply(canceled(order, seconds=3))
    assert replacement.price == D("100.5")


def test_an_unconfirmed_maker_order_is_not_refreshed():
    executor = started()
    executor.apply(quote(CEX, "120", "119"))
    executor.apply(quote(DEX, "101", "101"))  # placed, not confirmed yet
    assert executor.apply(quote(DEX, "90", "90", seconds=2)) == []


# --- hedging ----------------------------------------------------------------------------------


def test_a_filled_maker_buy_is_hedged_and_completes_with_both_legs_in_the_pnl():
    executor = started()
    order = placed(executor)
    (hedge,) = executor.apply(fill(order, "1", "100", fee="0.08"))
    assert isinstance(hedge, Swap)
    assert (hedge.venue, hedge.side, hedge.amount) == ("jupiter/router", "SELL", D(1))
    executor.apply(swapped(hedge, "101", tx_fee="0.00001"))
    info = executor.info(at(3))
    assert (info.status, info.close_type) == (ExecutorStatus.TERMINATED, CloseType.COMPLETED)
    network_fee = D("0.00001") * D(101)
    assert info.fees_paid_quote == D("0.08") + network_fee
    assert info.net_pnl_quote == D(101) - D(100) - D("0.08") - network_fee
    assert info.net_pnl_pct == info.net_pnl_quote / D(100)


def test_a_filled_maker_sell_earns_the_maker_price_over_the_hedge():
    # Hummingbot reports taker - maker - fees for both sides (a loss here); ours follows the side
    executor = started(config(buying_market=DEX, selling_market=CEX, maker_side="SELL"))
    executor.apply(quote(CEX, "90", "89"))
    (order,) = executor.apply(quote(DEX, "99", "99"))
    (hedge,) = executor.apply(fill(order, "1", "100", fee="0.1"))
    assert (hedge.side, hedge.venue) == ("BUY", "jupiter/router")
    executor.apply(swapped(hedge, "99"))
    info = executor.info(at(3))
    assert info.close_type is CloseType.COMPLETED
    assert info.net_pnl_quote == D(100) - D(99) - D("0.1")


def test_partial_fills_are_hedged_at_a_refresh_and_the_rest_is_made_again():
    executor = started()
    order = placed(executor)
    executor.apply(fill(order, "0.4", "100"))
    executor.apply(quote(CEX, "120", "119", seconds=2))
    (cancel,) = executor.apply(quote(DEX, "110", "110", seconds=2))
    (hedge,) = executor.apply(canceled(order))
    assert isinstance(hedge, Swap) and hedge.amount == D("0.4")
    (rest,) = executor.apply(swapped(hedge, "110"))
    assert isinstance(rest, PlaceOrder) and rest.amount == D("0.6")
    assert rest.price == D(110) / D("1.01")
    executor.apply(
        OrderCreated(
            ts_event=at(4), command_id=rest.command_id, client_order_id=rest.client_order_id
        )
    )
    (last,) = executor.apply(fill(rest, "0.6", "108.9", seconds=5))
    executor.apply(swapped(last, "110", seconds=6))
    assert executor.info(at(6)).close_type is CloseType.COMPLETED
    assert executor.details().hedged_base == 1


# --- a hedge that fails ------------------------------------------------------------------------


def test_a_hedge_that_keeps_failing_is_unwound_on_the_maker_market():
    executor = started()
    order = placed(executor)
    (hedge,) = executor.apply(fill(order, "1", "100"))
    (again,) = executor.apply(command_failed(hedge, 3, "no route", code="no_route"))
    assert isinstance(again, Swap) and again.amount == 1
    (unwind,) = executor.apply(command_failed(again, 4, "no route", code="no_route"))
    assert (unwind.venue, unwind.side, unwind.order_type, unwind.amount) == (
        "paper",
        "SELL",
        "MARKET",
        1,
    )
    executor.apply(
        OrderFilled(
            ts_event=at(5),
            command_id=unwind.command_id,
            client_order_id=unwind.client_order_id,
            fill_id="u1",
            side="SELL",
            base_amount=D(1),
            price=D("99.5"),
            fee_quote=D("0.1"),
            is_final=True,
        )
    )
    info = executor.info(at(5))
    assert (info.status, info.close_type) == (ExecutorStatus.TERMINATED, CloseType.FAILED)
    assert info.details.net_base == 0
    assert info.net_pnl_quote == D("99.5") - D(100) - D("0.1")
    assert "the hedge could not be completed after 2 failure(s)" in info.details.failure_reason
    assert info.details.failure_reason.endswith("unwound")


def test_a_failed_hedge_and_unwind_end_held_with_the_maker_fill_in_the_ledger():
    executor = started(config(max_retries=0))
    order = placed(executor)
    (hedge,) = executor.apply(fill(order, "1", "100"))
    (unwind,) = executor.apply(command_failed(hedge, 3, "no route", code="no_route"))
    assert executor.apply(command_failed(unwind, 4, "market closed")) == []
    info = executor.info(at(4))
    assert info.close_type is CloseType.POSITION_HOLD
    assert "1 SOL is held" in info.details.failure_reason
    ((key, held),) = executor.held_fills()
    assert (key.connector, held.side, held.base_amount, held.quote_amount) == (
        "paper",
        "BUY",
        1,
        100,
    )


# --- stops and maker failures ------------------------------------------------------------------


def test_a_stop_cancels_the_maker_and_hedges_what_filled():
    executor = started()
    order = placed(executor)
    executor.apply(fill(order, "0.3", "100"))
    (cancel,) = executor.apply(StopRequested(ts_event=at(3)))
    assert isinstance(cancel, CancelOrder)
    (hedge,) = executor.apply(canceled(order, seconds=3))
    assert hedge.amount == D("0.3")
    executor.apply(swapped(hedge, "101", seconds=4))
    info = executor.info(at(4))
    assert (info.status, info.close_type) == (ExecutorStatus.TERMINATED, CloseType.EARLY_STOP)
    assert info.net_pnl_quote == D("0.3")


def test_a_stop_keeping_the_position_holds_what_filled():
    executor = started()
    order = placed(executor)
    executor.apply(fill(order, "0.3", "100"))
    executor.apply(StopRequested(ts_event=at(3), keep_position=True))
    assert executor.apply(canceled(order, seconds=3)) == []
    info = executor.info(at(3))
    assert info.close_type is CloseType.POSITION_HOLD
    assert [fill.base_amount for _, fill in executor.held_fills()] == [D("0.3")]


def test_a_stop_with_no_maker_order_cancels():
    executor = started()
    assert executor.apply(StopRequested(ts_event=at(1))) == []
    assert executor.info(at(1)).close_type is CloseType.EARLY_STOP


def test_a_refused_maker_order_is_quoted_again_then_fails_past_max_retries():
    executor = started()
    executor.apply(quote(CEX, "120", "119"))
    (order,) = executor.apply(quote(DEX, "101", "101"))
    assert executor.apply(command_failed(order, 1, "would cross (post-only)")) == []
    assert executor.state.xemm_state is XEMMState.WAITING
    (second,) = executor.apply(quote(DEX, "101", "101", seconds=2))
    assert executor.apply(command_failed(second, 2, "would cross (post-only)")) == []
    info = executor.info(at(2))
    assert (info.status, info.close_type) == (ExecutorStatus.TERMINATED, CloseType.FAILED)
    assert "the maker order failed 2 time(s)" in info.details.failure_reason


def test_a_restored_executor_hedges_a_fill_made_while_it_was_down():
    executor = started()
    order = placed(executor)
    restored = XEMMExecutor.restore(executor.config, executor.snapshot())
    assert restored.order_refs()[0].client_order_id == order.client_order_id
    (hedge,) = restored.apply(fill(order, "1", "100"))
    assert isinstance(hedge, Swap) and hedge.side == "SELL"


def test_the_hedge_on_an_order_book_is_a_market_order_and_its_unfilled_rest_is_sent_again():
    other_exchange = {"connector_name": "binance", "trading_pair": "SOL-USDT"}
    executor = started(config(selling_market=other_exchange))
    executor.apply(quote(CEX, "120", "119"))
    (order,) = executor.apply(quote(other_exchange, "102", "101", taker_fee=D("0.001")))
    executor.apply(
        OrderCreated(
            ts_event=at(1), command_id=order.command_id, client_order_id=order.client_order_id
        )
    )
    (hedge,) = executor.apply(fill(order, "1", str(order.price)))
    assert isinstance(hedge, PlaceOrder)
    assert (hedge.venue, hedge.trading_pair, hedge.side, hedge.order_type) == (
        "binance",
        "SOL-USDT",
        "SELL",
        "MARKET",
    )
    executor.apply(fill(hedge, "0.7", "101", seconds=3))
    (rest,) = executor.apply(canceled(hedge, seconds=3))
    assert isinstance(rest, PlaceOrder) and rest.amount == D("0.3")
    assert executor.state.hedge_failures == 1

"""The order executor, pure: its table, config, fills, cancel, failure and restart."""

from __future__ import annotations

import inspect
from decimal import Decimal

import pytest

import lpexec.cex as cex
from fixtures.events import T0, at, command_failed
from fixtures.transition_tables import (
    assert_pair_is_refused,
    assert_row_fires,
    assert_terminal,
    missing_pairs,
)
from lpexec.cex import (
    ORDER_STATUS,
    ORDER_TRANSITIONS,
    OrderDetails,
    OrderExecutor,
    OrderExecutorConfig,
    OrderExecutorState,
    OrderState,
    OrderTrigger,
    client_order_id_for,
)
from lpexec.cex.chaser import TopOfBookUpdated
from lpexec.core import (
    CancelOrder,
    CloseType,
    CommandFailed,
    ConfigError,
    ExecutorStarted,
    ExecutorStatus,
    OrderCanceled,
    OrderCreated,
    OrderFailed,
    OrderFilled,
    PlaceOrder,
    StopRequested,
    parse_config,
)

D = Decimal
S, T = OrderState, OrderTrigger


def make_config(**fields) -> OrderExecutorConfig:
    values = {
        "id": "ord-1",
        "trading_pair": "SOL-USDT",
        "connector_name": "binance",
        "side": "BUY",
        "amount": D(2),
        "execution_strategy": "LIMIT",
        "price": D(150),
    }
    values.update(fields)
    return OrderExecutorConfig(**values)


def started(**fields) -> tuple[OrderExecutor, PlaceOrder]:
    executor = OrderExecutor(make_config(**fields), created_at=T0)
    (command,) = executor.apply(ExecutorStarted(ts_event=T0))
    return executor, command


def created(command, seconds=1) -> OrderCreated:
    return OrderCreated(
        ts_event=at(seconds),
        command_id=command.command_id,
        client_order_id=command.client_order_id,
        venue_order_id="v-1",
    )


def fill(command, base, price="150", fee="0.1", fill_id=None, seconds=2, final=False):
    return OrderFilled(
        ts_event=at(seconds),
        command_id=command.command_id,
        client_order_id=command.client_order_id,
        fill_id=fill_id or f"f-{base}-{price}-{seconds}",
        side="BUY",
        base_amount=D(base),
        price=D(price),
        fee_quote=D(fee),
        is_final=final,
    )


def canceled(command, seconds=5) -> OrderCanceled:
    return OrderCanceled(
        ts_event=at(seconds), command_id=command.command_id, client_order_id=command.client_order_id
    )


def stop(seconds=4, keep_position=None) -> StopRequested:
    return StopRequested(ts_event=at(seconds), keep_position=keep_position)


CHASER = {
    "execution_strategy": "LIMIT_CHASER",
    "price": None,
    "chaser_config": {"distance": "0.01", "refresh_threshold": "0.02"},
}


def book(bid, ask=None, seconds=1, pair="SOL-USDT") -> TopOfBookUpdated:
    """The touch: ``bid`` and ``ask`` (one tick above the bid unless given)."""
    best_bid = D(bid)
    best_ask = D(ask) if ask is not None else best_bid + D("0.01")
    return TopOfBookUpdated(
        ts_event=at(seconds),
        trading_pair=pair,
        price=(best_bid + best_ask) / 2,
        best_bid=best_bid,
        best_ask=best_ask,
    )


def restarted(executor: OrderExecutor) -> OrderExecutor:
    return OrderExecutor.restore(executor.config, executor.snapshot())


# --- the table ------------------------------------------------------------------------------


@pytest.mark.parametrize(("move", "target"), sorted(ORDER_TRANSITIONS.items()), ids=str)
def test_every_row(move, target):
    assert_row_fires(ORDER_TRANSITIONS, move, target)


@pytest.mark.parametrize(
    ("state", "trigger"), missing_pairs(ORDER_TRANSITIONS, OrderState, OrderTrigger), ids=str
)
def test_every_illegal_pair(state, trigger):
    assert_pair_is_refused(ORDER_TRANSITIONS, state, trigger)


def test_terminal_states_are_final_and_every_state_has_a_status():
    assert_terminal(ORDER_TRANSITIONS, ORDER_STATUS, (S.FILLED, S.CANCELED, S.FAILED))
    assert set(ORDER_STATUS) == set(OrderState)
    assert ORDER_STATUS[S.NOT_STARTED] is ExecutorStatus.CREATED
    assert ORDER_STATUS[S.CANCELING] is ExecutorStatus.CLOSING


_CHASER_STATES = (S.WAITING, S.REQUOTING)
_CHASER_TRIGGERS = (T.WAIT, T.REQUOTE, T.REPLACE, T.KEEP, T.RETRY)


def _executor_in(state: OrderState, *, chaser: bool) -> tuple[OrderExecutor, PlaceOrder | None]:
    """An executor (a LIMIT, or a chaser quoted at bid 100) driven by events into ``state``,
    and the command that placed its last order."""
    if chaser:
        return _chaser_in(state)
    if state is S.NOT_STARTED:
        return OrderExecutor(make_config(), created_at=T0), None
    executor, command = started()
    if state is S.OPEN:
        executor.apply(created(command))
    elif state is S.CANCELING:
        executor.apply(created(command))
        executor.apply(stop())
    return executor, command


def _chaser_in(state: OrderState) -> tuple[OrderExecutor, PlaceOrder | None]:
    executor = OrderExecutor(make_config(**CHASER), created_at=T0)
    if state is S.NOT_STARTED:
        return executor, None
    executor.apply(ExecutorStarted(ts_event=T0))
    (command,) = executor.apply(book("100", seconds=1))
    if state is S.PLACING:
        return executor, command
    executor.apply(created(command))
    if state is S.WAITING:  # the venue canceled the first quote: waiting to quote again
        executor.apply(canceled(command, seconds=2))
    elif state is S.REQUOTING:
        executor.apply(book("103", seconds=2))
    elif state is S.CANCELING:
        executor.apply(stop(seconds=2))
    return executor, command


def _event_for(trigger: OrderTrigger, executor: OrderExecutor, command):
    """The event that fires ``trigger`` for ``executor``."""
    family = executor.state.order_state
    if trigger is T.PLACE:
        return book("100", seconds=6) if family is S.WAITING else ExecutorStarted(ts_event=T0)
    if trigger is T.WAIT:
        return ExecutorStarted(ts_event=T0)
    if trigger is T.CONFIRM:
        return created(command, seconds=6)
    if trigger is T.FILL:
        return fill(command, "0.5", seconds=6)
    if trigger is T.COMPLETE:
        return fill(command, "2", seconds=6)  # in WAITING: a late fill of the canceled quote
    if trigger is T.CANCEL:
        return stop(seconds=6)
    if trigger is T.REQUOTE:
        return book("103", seconds=6)
    if trigger in (T.RECANCEL, T.KEEP):
        cancel = CancelOrder(
            command_id=executor.state.cancel_command_id,
            executor_id=executor.id,
            venue="binance",
            trading_pair="SOL-USDT",
            client_order_id=command.client_order_id,
        )
        return command_failed(cancel, 6, "timeout", retryable=trigger is T.RECANCEL)
    if trigger in (T.CANCELED, T.REPLACE) or (trigger is T.RETRY and family is S.OPEN):
        return canceled(command, seconds=6)
    return OrderFailed(
        ts_event=at(6),
        command_id=command.command_id,
        client_order_id=command.client_order_id,
        reason="rejected",
    )


@pytest.mark.parametrize(("move", "target"), sorted(ORDER_TRANSITIONS.items()), ids=str)
def test_every_row_is_reached_by_an_event(move, target):
    state, trigger = move
    chaser = state in _CHASER_STATES or trigger in _CHASER_TRIGGERS
    executor, command = _executor_in(state, chaser=chaser)
    assert executor.state.order_state is state

    executor.apply(_event_for(trigger, executor, command))

    assert executor.state.order_state is target
    assert executor.status is ORDER_STATUS[target]
    assert executor.is_terminated is (ORDER_STATUS[target] is ExecutorStatus.TERMINATED)
    if executor.is_terminated:
        assert executor.closed_at is not None and executor.close_type is not None


# --- config ---------------------------------------------------------------------------------


def test_config_uses_hummingbot_names_and_defaults():
    config = make_config(side="buy", execution_strategy="limit_maker")

    assert (config.side, config.execution_strategy, config.order_type) == (
        "BUY",
        "LIMIT_MAKER",
        "LIMIT_MAKER",
    )
    assert (config.position_action, config.leverage, config.keep_position) == ("OPEN", 1, True)
    assert config.price_keys() == frozenset({"SOL-USDT"})
    assert config.exposure().base_amount == D(2)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"execution_strategy": "LIMIT", "price": None}, "price: required"),
        ({"execution_strategy": "MARKET", "price": D(1)}, "MARKET order takes no price"),
        ({"execution_strategy": "LIMIT_CHASER", "price": None}, "chaser_config: required"),
        ({**CHASER, "price": D(150)}, "LIMIT_CHASER order takes no price"),
        ({"chaser_config": CHASER["chaser_config"]}, "chaser_config: only LIMIT_CHASER"),
        ({**CHASER, "chaser_config": {"distance": "0", "refresh_threshold": "0.1"}}, "distance"),
        ({**CHASER, "chaser_config": {"distance": "1", "refresh_threshold": "0.1"}}, "distance"),
        ({**CHASER, "chaser_config": {"distance": "0.1", "refresh_threshold": "0"}}, "refresh"),
        ({**CHASER, "chaser_config": {"distance": "0.1"}}, "refresh_threshold"),
        ({"position_action": "CLOSE"}, "CLOSE reduces a perpetual position"),
        ({"position_action": "NIL", "connector_name": "binance_perpetual"}, "needs OPEN or CLOSE"),
        ({"type": "position_executor"}, "type: expected 'order_executor'"),
        ({"side": 3}, "side"),
        ({"post_only": True}, "post_only: unknown field"),
        ({"keep_position": False}, "always keeps what filled"),
        ({"amount": D(0)}, "amount"),
        ({"leverage": 0}, "leverage"),
        ({"trading_pair": "SOLUSDT"}, "trading_pair"),
    ],
)
def test_config_refuses(fields, message):
    data = make_config().model_dump() | fields

    with pytest.raises(ConfigError, match=message):
        parse_config(OrderExecutorConfig, data)


# --- placing --------------------------------------------------------------------------------


def test_start_places_one_order_with_a_client_id_from_the_command_id():
    executor, command = started()

    assert isinstance(command, PlaceOrder)
    assert (command.venue, command.trading_pair, command.side) == ("binance", "SOL-USDT", "BUY")
    assert (command.order_type, command.amount, command.price) == ("LIMIT", D(2), D(150))
    assert command.client_order_id == client_order_id_for(command.command_id)
    assert executor.state.order_state is S.PLACING
    assert executor.status is ExecutorStatus.ACTIVE


def test_client_order_id_is_deterministic_short_and_alphanumeric():
    first = client_order_id_for("ord-1-1")

    assert first == client_order_id_for("ord-1-1") != client_order_id_for("ord-1-2")
    assert len(first) == 32 and first.isalnum()


def test_market_order_has_no_price_and_fills_at_once():
    executor, command = started(execution_strategy="MARKET", price=None)
    assert (command.order_type, command.price) == ("MARKET", None)

    executor.apply(fill(command, "2", price="151", fee="0.3", final=True))

    assert executor.state.order_state is S.FILLED
    assert executor.close_type is CloseType.POSITION_HOLD


def test_created_records_the_venue_order_id_and_ignores_other_orders():
    executor, command = started()
    other = OrderCreated(ts_event=at(1), command_id="x", client_order_id="someone-else")

    assert executor.apply(other) == []
    assert executor.state.order_state is S.PLACING
    executor.apply(created(command))
    assert (executor.state.order_state, executor.state.venue_order_id) == (S.OPEN, "v-1")


# --- fills ----------------------------------------------------------------------------------


def test_partial_fills_accumulate_amount_average_price_and_fees():
    executor, command = started()
    executor.apply(created(command))

    executor.apply(fill(command, "0.5", price="150", fee="0.1", seconds=2))
    executor.apply(fill(command, "1", price="153", fee="0.2", seconds=3))

    state = executor.state
    assert state.order_state is S.OPEN and executor.status is ExecutorStatus.ACTIVE
    assert (state.filled_base, state.filled_quote, state.fees_quote) == (
        D("1.5"),
        D(228),
        D("0.3"),
    )
    assert executor.average_price == D(152)
    info = executor.info(at(3))
    assert (info.volume_quote, info.fees_paid_quote, info.net_pnl_quote) == (D(228), D("0.3"), 0)
    assert isinstance(info.details, OrderDetails)
    assert info.details.filled_amount_quote == D(228) and info.details.fills == 2


def test_the_same_fill_twice_counts_once():
    executor, command = started()
    once = fill(command, "0.5", fill_id="f-1")

    executor.apply(once)
    executor.apply(once)

    assert executor.state.filled_base == D("0.5") and len(executor.state.fills) == 1


def test_completes_when_the_filled_amount_reaches_the_order_amount():
    executor, command = started()
    executor.apply(created(command))
    executor.apply(fill(command, "1.2", seconds=2))

    executor.apply(fill(command, "0.8", seconds=3))

    assert executor.state.order_state is S.FILLED
    assert executor.is_terminated and executor.closed_at == at(3)
    assert executor.close_type is CloseType.POSITION_HOLD
    assert executor.apply(stop(seconds=9)) == []  # ended: nothing more


def test_a_final_fill_completes_even_below_the_amount():
    executor, command = started()

    executor.apply(fill(command, "1.99", final=True))

    assert executor.state.order_state is S.FILLED


def test_held_fills_hand_every_fill_to_the_ledger():
    executor, command = started()
    executor.apply(fill(command, "0.5", price="150", fee="0.1", fill_id="a", seconds=2))
    executor.apply(fill(command, "1.5", price="154", fee="0.2", fill_id="b", seconds=3))

    held = executor.held_fills()

    assert [(key.connector, key.trading_pair) for key, _ in held] == [("binance", "SOL-USDT")] * 2
    assert [(f.side, f.base_amount, f.quote_amount, f.fee_quote) for _, f in held] == [
        ("BUY", D("0.5"), D(75), D("0.1")),
        ("BUY", D("1.5"), D(231), D("0.2")),
    ]
    assert held[0][1].fill_id == f"{command.client_order_id}:a"


# --- stopping -------------------------------------------------------------------------------


def test_stop_before_start_ends_canceled_without_commands():
    executor = OrderExecutor(make_config(), created_at=T0)

    assert executor.apply(stop()) == []
    assert executor.state.order_state is S.CANCELED
    assert executor.close_type is CloseType.EARLY_STOP


@pytest.mark.parametrize("keep_position", [None, True, False])
def test_stop_cancels_the_open_order_then_ends_on_the_cancel(keep_position):
    executor, command = started()
    executor.apply(created(command))

    (cancel,) = executor.apply(stop(keep_position=keep_position))

    assert isinstance(cancel, CancelOrder)
    assert cancel.client_order_id == command.client_order_id and cancel.venue == "binance"
    assert executor.status is ExecutorStatus.CLOSING
    assert executor.apply(stop(seconds=5)) == []  # a second stop sends nothing more
    executor.apply(canceled(command))
    assert executor.state.order_state is S.CANCELED
    assert executor.close_type is CloseType.EARLY_STOP  # nothing filled


def test_partial_fills_of_a_canceled_order_are_held():
    executor, command = started()
    executor.apply(fill(command, "0.5", seconds=2))
    executor.apply(stop(seconds=3))
    executor.apply(fill(command, "0.25", seconds=4))  # landed before the cancel

    executor.apply(canceled(command))

    assert executor.state.filled_base == D("0.75")
    assert executor.close_type is CloseType.POSITION_HOLD
    assert len(executor.held_fills()) == 2


def test_a_fill_that_completes_before_the_cancel_lands_ends_filled():
    executor, command = started()
    executor.apply(stop(seconds=1))

    executor.apply(fill(command, "2", seconds=2))

    assert executor.state.order_state is S.FILLED
    assert executor.close_type is CloseType.POSITION_HOLD


def test_a_retryable_cancel_refusal_sends_the_cancel_again():
    executor, command = started()
    (cancel,) = executor.apply(stop(seconds=1))

    (again,) = executor.apply(command_failed(cancel, 2, "timeout", retryable=True))

    assert again.command_id != cancel.command_id
    assert again.client_order_id == cancel.client_order_id
    assert executor.state.order_state is S.CANCELING


def test_a_final_cancel_refusal_ends_failed_and_says_the_order_may_be_open():
    executor, command = started()
    (cancel,) = executor.apply(stop(seconds=1))

    executor.apply(command_failed(cancel, 2, "unknown order", code="order_not_found"))

    assert executor.state.order_state is S.FAILED
    assert executor.close_type is CloseType.FAILED
    assert "may still be open" in executor.state.failure_reason


def test_a_refused_place_while_stopping_ends_canceled():
    executor, command = started()
    executor.apply(stop(seconds=1))

    executor.apply(command_failed(command, 2, "insufficient balance"))

    assert executor.state.order_state is S.CANCELED
    assert executor.close_type is CloseType.EARLY_STOP


# --- failures -------------------------------------------------------------------------------


def test_order_failed_ends_failed_with_the_reason():
    executor, command = started()
    failed = OrderFailed(
        ts_event=at(2),
        command_id=command.command_id,
        client_order_id=command.client_order_id,
        reason="post-only would take",
    )

    executor.apply(failed)

    assert executor.state.order_state is S.FAILED
    assert executor.close_type is CloseType.FAILED and executor.closed_at == at(2)
    assert "post-only would take" in executor.state.failure_reason


def test_a_failure_after_partial_fills_holds_them():
    executor, command = started()
    executor.apply(fill(command, "0.5"))

    executor.apply(
        OrderFailed(
            ts_event=at(3),
            command_id=command.command_id,
            client_order_id=command.client_order_id,
            reason="venue error",
        )
    )

    assert executor.state.order_state is S.FAILED
    assert executor.close_type is CloseType.POSITION_HOLD


@pytest.mark.parametrize("retryable", [False, True])
def test_a_refused_place_ends_failed(retryable):
    executor, command = started()

    executor.apply(command_failed(command, 1, "insufficient balance", retryable=retryable))

    assert executor.state.order_state is S.FAILED
    assert executor.close_type is CloseType.FAILED


def test_an_unknown_place_outcome_waits_for_the_venue_and_reports_stranded():
    executor, command = started()

    executor.apply(command_failed(command, 1, "timeout", code="outcome_unknown"))

    assert executor.state.order_state is S.PLACING
    assert "may be open" in (executor.info(at(1)).stranded_reason or "")
    executor.apply(created(command, seconds=2))
    assert executor.state.order_state is S.OPEN
    assert executor.info(at(2)).stranded_reason is None


def test_a_failure_of_another_command_changes_nothing():
    executor, _command = started()
    revision = executor.revision

    executor.apply(CommandFailed(ts_event=at(1), command_id="other", reason="x"))

    assert executor.revision == revision


# --- restart --------------------------------------------------------------------------------


def test_state_round_trips_through_a_snapshot_and_the_executor_resumes():
    executor, command = started()
    executor.apply(created(command))
    executor.apply(fill(command, "0.5", fill_id="a", seconds=2))

    resumed = restarted(executor)

    assert isinstance(resumed.state, OrderExecutorState)
    assert resumed.state == executor.state
    assert (resumed.status, resumed.family_state) == (ExecutorStatus.ACTIVE, S.OPEN)
    resumed.apply(fill(command, "0.5", fill_id="a", seconds=3))  # already counted before
    assert resumed.state.filled_base == D("0.5")
    (cancel,) = resumed.apply(stop(seconds=4))
    assert cancel.command_id != command.command_id  # the command sequence survived too
    assert cancel.client_order_id == command.client_order_id
    resumed.apply(canceled(command))
    assert resumed.close_type is CloseType.POSITION_HOLD
    again = restarted(resumed)
    assert (again.status, again.close_type, again.closed_at) == (
        ExecutorStatus.TERMINATED,
        CloseType.POSITION_HOLD,
        at(5),
    )


# --- facade ---------------------------------------------------------------------------------


def test_the_facade_all_matches_its_public_names():
    public = {
        name
        for name, value in vars(cex).items()
        if not name.startswith("_") and not inspect.ismodule(value) and name != "annotations"
    }

    assert set(cex.__all__) == public and len(cex.__all__) == len(public)

"""The order executor, pure: its table, config, fills, cancel, failure and restart."""

from __future__ import annotations

import inspect
import logging
import random
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
from lpexec.cex.chaser import (
    TopOfBookUpdated,
    chase_price,
    needs_requote,
    quoted_touch,
    touch_of,
)
from lpexec.cex.order import HUMMINGBOT_IGNORED_FIELDS, LimitChaserConfig
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
    OrderRef,
    OrderReport,
    PlaceOrder,
    PriceUpdated,
    SimulatedClock,
    StopRequested,
    parse_config,
)
from lpexec.core.messages import message_class

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


def _executor_in(
    state: OrderState, *, chaser: bool, retries: int = 10
) -> tuple[OrderExecutor, PlaceOrder | None]:
    """An executor (a LIMIT, or a chaser quoted at bid 100 allowed ``retries``) driven by events
    into ``state``, and the command that placed its last order."""
    if chaser:
        return _chaser_in(state, retries)
    if state is S.NOT_STARTED:
        return OrderExecutor(make_config(), created_at=T0), None
    executor, command = started()
    if state is S.OPEN:
        executor.apply(created(command))
    elif state is S.CANCELING:
        executor.apply(created(command))
        executor.apply(stop())
    return executor, command


def _chaser_in(state: OrderState, retries: int) -> tuple[OrderExecutor, PlaceOrder | None]:
    chaser_config = CHASER["chaser_config"] | {"max_retries": retries}
    executor = OrderExecutor(
        make_config(**(CHASER | {"chaser_config": chaser_config})), created_at=T0
    )
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
    if trigger in (T.RECANCEL, T.KEEP) or (trigger is T.FAIL and family is S.REQUOTING):
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
    retries = 0 if move == (S.REQUOTING, T.FAIL) else 10  # the refused cancel is one too many
    executor, command = _executor_in(state, chaser=chaser, retries=retries)
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
        ({"position_action": "NIL", "is_perpetual": True}, "needs OPEN or CLOSE"),
        ({"position_action": "CLOSE", "is_perpetual": False}, "is not perpetual"),
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


def test_reading_an_open_orders_record_again_changes_nothing():
    executor, command = started()
    report = OrderReport(
        client_order_id=command.client_order_id,
        trading_pair="SOL-USDT",
        status="OPEN",
        venue_order_id="v-1",
        fills=(fill(command, "0.5", fill_id="a"),),
    )
    for event in report.events(at(3)):
        executor.apply(event)
    revision = executor.revision

    for event in report.events(at(4)):  # the order poller reads the same record again
        assert executor.apply(event) == []

    assert executor.revision == revision
    assert (executor.state.order_state, executor.state.filled_base) == (S.OPEN, D("0.5"))


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


# --- Hummingbot configs -----------------------------------------------------------------------

# An OrderExecutorConfig as Hummingbot dumps it to JSON (``model_dump(mode="json")``): its
# TradeType is the number 1 (BUY) or 2 (SELL), decimals are strings, every field is present.
HUMMINGBOT_CHASER = {
    "id": "hb-1",
    "type": "order_executor",
    "timestamp": 1767225600.0,
    "controller_id": "main",
    "trading_pair": "SOL-USDT",
    "connector_name": "binance_perpetual",
    "side": 2,
    "amount": "2",
    "position_action": "CLOSE",
    "price": None,
    "chaser_config": {"distance": "0.001", "refresh_threshold": "0.0005"},
    "execution_strategy": "LIMIT_CHASER",
    "leverage": 5,
    "level_id": None,
    "slippage_pct": "0.05",
    "slippage_multiplier": "5",
    "max_slippage_pct": "5",
}


def test_a_hummingbot_dict_validates_unchanged_and_silently(caplog):
    config = parse_config(OrderExecutorConfig, HUMMINGBOT_CHASER)

    assert (config.id, config.side, config.amount, config.leverage) == ("hb-1", "SELL", D(2), 5)
    assert config.position_action == "CLOSE" and config.perpetual
    assert config.chaser_config == LimitChaserConfig(
        distance=D("0.001"), refresh_threshold=D("0.0005")
    )
    assert config.order_type == "LIMIT_MAKER"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"side": 1}, ("BUY", "OPEN")),
        ({"position_action": "NIL"}, ("SELL", "OPEN")),  # Hummingbot's "no action", on spot
        ({"side": "sell", "position_action": "open"}, ("SELL", "OPEN")),
    ],
)
def test_hummingbot_side_and_position_action_values(fields, expected):
    data = {
        "connector_name": "binance",
        "execution_strategy": "LIMIT",
        "price": "150",
        "chaser_config": None,
        "position_action": "OPEN",
    }
    config = parse_config(OrderExecutorConfig, {**HUMMINGBOT_CHASER, **data} | fields)

    assert (config.side, config.position_action) == expected


def test_a_hummingbot_dict_without_an_id_gets_one():
    config = parse_config(OrderExecutorConfig, HUMMINGBOT_CHASER | {"id": None})

    assert config.id and config.id != "hb-1"


def test_hummingbot_swap_fields_off_their_defaults_are_ignored_with_a_warning(caplog):
    data = HUMMINGBOT_CHASER | {"slippage_pct": "1", "max_slippage_pct": "5"}

    with caplog.at_level(logging.WARNING, logger="lpexec.cex.order"):
        config = parse_config(OrderExecutorConfig, data)

    assert "slippage_pct" not in config.model_dump()
    (record,) = caplog.records
    assert "slippage_pct='1'" in record.getMessage()
    assert "max_slippage_pct" not in record.getMessage()  # at its default: nothing to say


def test_hummingbot_only_fields_are_not_our_fields():
    assert set(HUMMINGBOT_IGNORED_FIELDS).isdisjoint(OrderExecutorConfig.model_fields)
    data = make_config().model_dump() | {"timestamp": 1.0, "type": "order"}

    assert parse_config(OrderExecutorConfig, data) == make_config()


# --- perpetuals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("connector", "perpetual", "action", "sent"),
    [
        ("binance_perpetual", None, "OPEN", "OPEN"),
        ("binance_perpetual", None, "CLOSE", "CLOSE"),
        ("Hyperliquid_Perpetual", None, "CLOSE", "CLOSE"),
        ("binance", None, "OPEN", None),  # spot orders carry none
        ("paper", True, "CLOSE", "CLOSE"),  # said, not inferred from the name
        ("odd_perpetual_name", False, "OPEN", None),
    ],
)
def test_position_action_rides_on_perpetual_orders_only(connector, perpetual, action, sent):
    _executor, command = started(
        connector_name=connector, is_perpetual=perpetual, position_action=action
    )

    assert command.position_action == sent


def test_a_chasers_every_order_carries_the_position_action():
    executor = chasing(connector_name="binance_perpetual", position_action="CLOSE", side="SELL")
    (first,) = executor.apply(book("100", "100.1", seconds=1))
    executor.apply(created(first))
    (cancel,) = executor.apply(book("100", "97", seconds=2))

    (second,) = executor.apply(canceled(first, seconds=3))

    assert (first.position_action, second.position_action) == ("CLOSE", "CLOSE")


# --- LIMIT_MAKER --------------------------------------------------------------------------------


def test_limit_maker_is_placed_at_its_price_whatever_the_touch():
    executor = OrderExecutor(make_config(execution_strategy="LIMIT_MAKER"), created_at=T0)
    executor.apply(book("140", seconds=0))  # the price would cross: the venue decides

    (command,) = executor.apply(ExecutorStarted(ts_event=T0))

    assert (command.order_type, command.price) == ("LIMIT_MAKER", D(150))
    assert executor.apply(book("160", seconds=1)) == []


def test_a_post_only_rejection_ends_a_limit_maker_failed_with_the_venues_reason():
    executor, command = started(execution_strategy="LIMIT_MAKER")

    executor.apply(command_failed(command, 1, "order would immediately match", code="post_only"))

    assert executor.state.order_state is S.FAILED
    assert (executor.close_type, executor.state.failure_code) == (CloseType.FAILED, "post_only")


# --- LIMIT_CHASER -----------------------------------------------------------------------------


def chasing(**fields) -> OrderExecutor:
    """A started chaser of 2 base (distance 1 %, threshold 2 % unless given), no price yet."""
    executor = OrderExecutor(make_config(**(CHASER | fields)), created_at=T0)
    assert executor.apply(ExecutorStarted(ts_event=T0)) == []
    return executor


def test_a_chaser_waits_for_a_price_then_places_a_maker_order_behind_the_bid():
    executor = chasing()
    assert executor.state.order_state is S.WAITING and executor.status is ExecutorStatus.ACTIVE
    assert executor.order_refs() == []

    (command,) = executor.apply(book("100", "100.2", seconds=1))

    assert isinstance(command, PlaceOrder)
    assert (command.order_type, command.side, command.amount) == ("LIMIT_MAKER", "BUY", D(2))
    assert command.price == D(99)  # 100 x (1 - 0.01)
    assert command.client_order_id == client_order_id_for(command.command_id)
    assert command.position_action is None
    assert executor.order_refs() == [OrderRef("binance", "SOL-USDT", command.client_order_id)]


@pytest.mark.parametrize(
    ("side", "event", "price"),
    [
        ("BUY", book("100", "100.4"), D(99)),  # bid x (1 - distance)
        ("SELL", book("100", "100.4"), D("101.404")),  # ask x (1 + distance)
        ("BUY", PriceUpdated(ts_event=at(1), trading_pair="SOL-USDT", price=D(100)), D(99)),
        ("SELL", PriceUpdated(ts_event=at(1), trading_pair="SOL-USDT", price=D(100)), D(101)),
    ],
)
def test_the_chase_price_is_behind_its_side_of_the_touch(side, event, price):
    executor = chasing(side=side)

    (command,) = executor.apply(event)

    assert command.price == price


def test_a_chaser_with_a_touch_before_start_places_at_once_and_ignores_other_pairs():
    executor = OrderExecutor(make_config(**CHASER), created_at=T0)
    assert executor.apply(book("50", seconds=0, pair="ETH-USDT")) == []
    executor.apply(book("100", seconds=0))

    (command,) = executor.apply(ExecutorStarted(ts_event=at(1)))

    assert command.price == D(99)


def test_orders_other_than_chasers_ignore_prices():
    executor, _command = started()
    revision = executor.revision

    assert executor.apply(book("200", seconds=1)) == []
    assert executor.revision == revision and executor.state.best_bid == 0


@pytest.mark.parametrize(
    ("side", "touch", "requotes"),
    [
        ("BUY", "101.99", False),
        ("BUY", "102", False),  # exactly 2 % away: not beyond the threshold
        ("BUY", "102.01", True),
        ("BUY", "90", False),  # toward the order: never chased
        ("SELL", "98.01", False),
        ("SELL", "98", False),  # exactly 2 % away
        ("SELL", "97.99", True),
        ("SELL", "110", False),
    ],
)
def test_refresh_threshold_boundary(side, touch, requotes):
    # A simulated clock stamps the quote, then the touch an hour later: time plays no part.
    clock = SimulatedClock(T0)
    executor = chasing(side=side)
    (command,) = executor.apply(_touch(side, "100", clock.advance(1)))
    executor.apply(created(command))

    commands = executor.apply(_touch(side, touch, clock.advance(3600)))

    assert bool(commands) is requotes
    assert executor.state.order_state is (S.REQUOTING if requotes else S.OPEN)
    if requotes:
        (cancel,) = commands
        assert isinstance(cancel, CancelOrder)
        assert cancel.client_order_id == command.client_order_id


def _touch(side: str, price: str, when) -> TopOfBookUpdated:
    """A touch whose ``side`` side (bid for a BUY, ask for a SELL) is ``price``."""
    value = D(price)
    bid, ask = (value, value + 1) if side == "BUY" else (value - 1, value)
    return TopOfBookUpdated(
        ts_event=when, trading_pair="SOL-USDT", price=(bid + ask) / 2, best_bid=bid, best_ask=ask
    )


def test_a_requote_places_the_next_order_only_once_the_cancel_lands():
    executor = chasing()
    (first,) = executor.apply(book("100", seconds=1))
    executor.apply(created(first))
    (cancel,) = executor.apply(book("103", seconds=2))

    assert executor.apply(book("104", seconds=3)) == []  # the cancel has not landed: no order
    assert executor.apply(created(first, seconds=3)) == []
    assert len(executor.order_refs()) == 1
    (second,) = executor.apply(canceled(first, seconds=4))

    assert isinstance(second, PlaceOrder)
    assert second.command_id not in (first.command_id, cancel.command_id)
    assert second.client_order_id not in (first.client_order_id, "")
    assert second.price == D("102.96")  # the newest touch, 104 x 0.99
    assert executor.order_refs() == [OrderRef("binance", "SOL-USDT", second.client_order_id)]
    assert (executor.state.order_state, executor.state.requotes) == (S.PLACING, 1)


def test_partial_fills_across_requotes_add_up_to_the_amount():
    executor = chasing()
    (first,) = executor.apply(book("100", seconds=1))
    executor.apply(created(first))
    executor.apply(fill(first, "0.5", price="99", fee="0.1", fill_id="a", seconds=2))
    executor.apply(book("103", seconds=3))
    executor.apply(fill(first, "0.25", price="99", fee="0.1", fill_id="b", seconds=4))

    (second,) = executor.apply(canceled(first, seconds=5))
    assert second.amount == D("1.25")  # what the first order left
    executor.apply(created(second, seconds=6))
    executor.apply(fill(second, "1.25", price="101.97", fee="0.3", fill_id="c", seconds=7))

    state = executor.state
    assert state.order_state is S.FILLED and executor.close_type is CloseType.POSITION_HOLD
    assert (state.filled_base, state.fees_quote) == (D(2), D("0.5"))
    assert state.filled_quote == D("0.75") * 99 + D("1.25") * D("101.97")
    assert executor.info(at(7)).volume_quote == state.filled_quote
    held_ids = [held.fill_id for _, held in executor.held_fills()]
    assert held_ids == [
        f"{first.client_order_id}:a",
        f"{first.client_order_id}:b",
        f"{second.client_order_id}:c",
    ]
    assert executor.order_refs() == []


def test_a_fill_that_completes_the_order_while_requoting_ends_filled():
    executor = chasing()
    (first,) = executor.apply(book("100", seconds=1))
    executor.apply(book("103", seconds=2))  # not confirmed yet: no re-quote from PLACING
    assert executor.state.order_state is S.PLACING
    executor.apply(created(first))
    executor.apply(book("103", seconds=2))

    executor.apply(fill(first, "2", price="99", seconds=3))

    assert executor.state.order_state is S.FILLED
    assert executor.apply(canceled(first, seconds=4)) == []


def test_a_late_fill_of_a_replaced_order_that_reaches_the_amount_cancels_the_live_one():
    executor = chasing()
    (first,) = executor.apply(book("100", seconds=1))
    executor.apply(created(first))
    executor.apply(book("103", seconds=2))
    (second,) = executor.apply(canceled(first, seconds=3))
    executor.apply(created(second, seconds=4))

    (cancel,) = executor.apply(fill(first, "2", price="99", seconds=5))  # made before the cancel

    assert cancel.client_order_id == second.client_order_id
    executor.apply(canceled(second, seconds=6))
    assert executor.state.order_state is S.FILLED
    assert executor.close_type is CloseType.POSITION_HOLD


def test_a_late_fill_below_the_amount_counts_and_sizes_the_next_quote():
    executor = chasing()
    (first,) = executor.apply(book("100", seconds=1))
    executor.apply(created(first))
    executor.apply(canceled(first, seconds=2))  # canceled by the venue: WAITING
    revision = executor.revision

    assert executor.apply(fill(first, "0.5", price="99", seconds=3)) == []

    assert executor.revision > revision and executor.state.order_state is S.WAITING
    (second,) = executor.apply(book("100", seconds=4))
    assert second.amount == D("1.5")


@pytest.mark.parametrize("how", ["refused", "failed", "canceled by the venue"])
def test_a_chase_order_that_ends_unasked_is_quoted_again_at_the_next_price(how):
    executor = chasing()
    (first,) = executor.apply(book("100", seconds=1))
    if how == "refused":
        executor.apply(command_failed(first, 2, "would take", code="post_only"))
    elif how == "failed":
        executor.apply(
            OrderFailed(
                ts_event=at(2),
                command_id=first.command_id,
                client_order_id=first.client_order_id,
                reason="post-only would take",
            )
        )
    else:
        executor.apply(created(first))
        executor.apply(canceled(first, seconds=2))

    assert (executor.state.order_state, executor.state.retries) == (S.WAITING, 1)
    assert executor.order_refs() == []
    (second,) = executor.apply(book("101", seconds=3))
    assert second.client_order_id != first.client_order_id and second.price == D("99.99")


def test_a_chaser_ends_failed_past_max_retries_holding_what_filled():
    config = {"distance": "0.01", "refresh_threshold": "0.02", "max_retries": 2}
    executor = chasing(chaser_config=config)
    (first,) = executor.apply(book("100", seconds=1))
    executor.apply(fill(first, "0.5", price="99", seconds=2))
    executor.apply(
        OrderFailed(
            ts_event=at(3),
            command_id=first.command_id,
            client_order_id=first.client_order_id,
            reason="venue error",
        )
    )
    (second,) = executor.apply(book("100", seconds=4))
    executor.apply(command_failed(second, 5, "would take", code="post_only"))
    assert (executor.state.order_state, executor.state.retries) == (S.WAITING, 2)
    (third,) = executor.apply(book("100", seconds=6))
    assert third.amount == D("1.5")

    executor.apply(command_failed(third, 7, "would take", code="post_only"))

    assert executor.state.order_state is S.FAILED
    assert executor.close_type is CloseType.POSITION_HOLD
    assert "max_retries=2" in executor.state.failure_reason
    assert executor.state.failure_code == "post_only"


@pytest.mark.parametrize(("fills", "close_type"), [(False, "EARLY_STOP"), (True, "POSITION_HOLD")])
def test_stopping_a_waiting_chaser_ends_at_once(fills, close_type):
    executor = chasing()
    (first,) = executor.apply(book("100", seconds=1))
    if fills:
        executor.apply(fill(first, "0.5", price="99", seconds=1))
    executor.apply(canceled(first, seconds=2))

    assert executor.apply(stop(seconds=3)) == []

    assert executor.state.order_state is S.CANCELED
    assert executor.close_type is CloseType(close_type)


def test_a_stop_while_requoting_waits_for_the_cancel_in_flight():
    executor = chasing()
    (first,) = executor.apply(book("100", seconds=1))
    executor.apply(created(first))
    executor.apply(book("103", seconds=2))

    assert executor.apply(stop(seconds=3)) == []  # no second cancel
    assert executor.status is ExecutorStatus.CLOSING
    assert executor.apply(canceled(first, seconds=4)) == []  # and no new order

    assert executor.state.order_state is S.CANCELED
    assert executor.close_type is CloseType.EARLY_STOP


def test_a_requote_whose_cancel_is_refused_keeps_the_order_until_the_venue_tells():
    executor = chasing()
    (first,) = executor.apply(book("100", seconds=1))
    executor.apply(created(first))
    (cancel,) = executor.apply(book("103", seconds=2))

    (again,) = executor.apply(command_failed(cancel, 3, "timeout", retryable=True))
    assert again.client_order_id == first.client_order_id and again.command_id != cancel.command_id
    assert executor.apply(command_failed(again, 4, "unknown order", code="order_not_found")) == []

    assert executor.state.order_state is S.OPEN
    assert executor.order_refs() == [OrderRef("binance", "SOL-USDT", first.client_order_id)]
    report = OrderReport(
        client_order_id=first.client_order_id,
        trading_pair="SOL-USDT",
        status="FILLED",
        fills=(fill(first, "2", price="99", fill_id="x", seconds=4),),
    )
    for event in report.events(at(5)):  # what the order poller delivers
        executor.apply(event)
    assert executor.state.order_state is S.FILLED


def test_requote_cancels_refused_for_good_count_as_retries():
    config = {"distance": "0.01", "refresh_threshold": "0.02", "max_retries": 1}
    executor = chasing(chaser_config=config)
    (first,) = executor.apply(book("100", seconds=1))
    executor.apply(created(first))
    (cancel,) = executor.apply(book("103", seconds=2))
    executor.apply(command_failed(cancel, 3, "unknown order", code="order_not_found"))
    assert (executor.state.order_state, executor.state.retries) == (S.OPEN, 1)
    (again,) = executor.apply(book("103", seconds=4))  # still beyond the threshold

    executor.apply(command_failed(again, 5, "unknown order", code="order_not_found"))

    assert executor.state.order_state is S.FAILED
    assert "may still be open" in executor.state.failure_reason
    assert "max_retries=1" in executor.state.failure_reason


# --- never two live orders (seeded runs against a small venue) --------------------------------


class _Venue:
    """A venue that answers a chaser's commands late, fills resting orders in part, and checks
    that no order is placed while another is live."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.live: dict[str, PlaceOrder] = {}
        self.filled: dict[str, Decimal] = {}
        self.pending: list[CancelOrder | PlaceOrder] = []
        self.fills = 0

    def take(self, commands) -> None:
        for command in commands:
            if isinstance(command, PlaceOrder):
                assert not self.live, "a second order was placed while one was live"
                self.live[command.client_order_id] = command
                self.filled[command.client_order_id] = D(0)
            self.pending.append(command)

    def events(self, seconds: int) -> list:
        events: list = []
        rng = self.rng
        if self.pending and rng.random() < 0.5:  # answer the oldest command
            command = self.pending.pop(0)
            if isinstance(command, PlaceOrder):
                events.append(created(command, seconds=seconds))
            elif command.client_order_id in self.live:
                self.live.pop(command.client_order_id)
                events.append(
                    OrderCanceled(
                        ts_event=at(seconds),
                        command_id=command.command_id,
                        client_order_id=command.client_order_id,
                    )
                )
        for order in list(self.live.values()):
            left = order.amount - self.filled[order.client_order_id]
            if rng.random() < 0.3 and left > 0:
                base = min(left, D(rng.choice(["0.1", "0.25", "0.5"])))
                self.filled[order.client_order_id] += base
                self.fills += 1
                events.append(fill(order, str(base), fill_id=f"f{self.fills}", seconds=seconds))
                if base == left:
                    self.live.pop(order.client_order_id)
        return events


@pytest.mark.parametrize("seed", range(25))
def test_a_chaser_never_has_two_live_orders_and_never_overfills(seed):
    rng = random.Random(seed)
    venue = _Venue(rng)
    executor = chasing(side=rng.choice(["BUY", "SELL"]))
    bid = D(100)
    for step in range(1, 120):
        bid += D(rng.choice([-3, -1, 0, 1, 3]))
        venue.take(executor.apply(book(str(bid), seconds=step)))
        for event in venue.events(step):
            venue.take(executor.apply(event))
            assert len(executor.order_refs()) <= 1
        if executor.is_terminated:
            break

    state = executor.state
    assert state.filled_base <= D(2)
    assert state.filled_base == sum(venue.filled.values())
    assert sum(1 for order in state.orders if not order.is_done) <= 1
    if executor.is_terminated:
        assert state.order_state is S.FILLED and state.filled_base == D(2)


# --- restart mid-chase --------------------------------------------------------------------------


def test_a_chaser_restored_while_requoting_places_the_rest_when_the_cancel_lands():
    executor = chasing()
    (first,) = executor.apply(book("100", seconds=1))
    executor.apply(created(first))
    executor.apply(fill(first, "0.5", price="99", fill_id="a", seconds=2))
    (cancel,) = executor.apply(book("103", seconds=3))

    resumed = restarted(executor)

    assert resumed.state == executor.state and resumed.family_state is S.REQUOTING
    assert resumed.order_refs() == executor.order_refs()
    (second,) = resumed.apply(canceled(first, seconds=4))
    assert second.command_id not in (first.command_id, cancel.command_id)
    assert (second.amount, second.price) == (D("1.5"), D("101.97"))
    resumed.apply(fill(first, "0.5", price="99", fill_id="a", seconds=5))  # counted before
    assert resumed.state.filled_base == D("0.5")


def test_a_chaser_restored_while_open_still_measures_from_the_quoted_touch():
    executor = chasing()
    (first,) = executor.apply(book("100", seconds=1))
    executor.apply(created(first))
    executor.apply(book("101", seconds=2))  # within the threshold

    resumed = restarted(executor)

    assert resumed.apply(book("102", seconds=3)) == []
    (cancel,) = resumed.apply(book("102.01", seconds=4))
    assert cancel.client_order_id == first.client_order_id


def test_a_chaser_restored_while_waiting_quotes_at_the_next_price():
    executor = chasing()

    resumed = restarted(executor)

    assert resumed.family_state is S.WAITING
    (command,) = resumed.apply(book("100", seconds=1))
    assert command.price == D(99)


# --- the chaser's arithmetic ----------------------------------------------------------------


def test_touch_of_a_plain_price_is_that_price_on_both_sides():
    plain = PriceUpdated(ts_event=T0, trading_pair="SOL-USDT", price=D(7))

    assert touch_of(plain) == (D(7), D(7))
    assert touch_of(book("6", "8")) == (D(6), D(8))
    assert quoted_touch("BUY", D(6), D(8)) == D(6) and quoted_touch("SELL", D(6), D(8)) == D(8)
    assert chase_price("SELL", D(8), D("0.5")) == D(12)
    assert needs_requote("SELL", quoted=D(100), touch=D("97.99"), threshold=D("0.02"))


def test_top_of_book_reaches_the_pairs_subscribers_as_a_price():
    event = book("100", "101")

    assert isinstance(event, PriceUpdated) and event.keys() == ("SOL-USDT",)
    assert message_class("TopOfBookUpdated") is TopOfBookUpdated


# --- facade ---------------------------------------------------------------------------------


def test_the_facade_all_matches_its_public_names():
    public = {
        name
        for name, value in vars(cex).items()
        if not name.startswith("_") and not inspect.ismodule(value) and name != "annotations"
    }

    assert set(cex.__all__) == public and len(cex.__all__) == len(public)

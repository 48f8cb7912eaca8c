"""The position executor, pure: its table, config, barriers at their boundaries, the resting take
profit, partial fills, failures, stops, funding, reports and restart; then through the engine."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from fixtures.engine_builders import make_venue
from fixtures.events import T0, at, command_failed
from fixtures.transition_tables import (
    assert_pair_is_refused,
    assert_row_fires,
    assert_terminal,
    missing_pairs,
)
from lpexec.cex.chaser import TopOfBookUpdated
from lpexec.cex.messages import FundingPaid
from lpexec.cex.position import (
    POSITION_STATUS,
    POSITION_TRANSITIONS,
    PositionDetails,
    PositionExecutor,
    PositionExecutorConfig,
    PositionExecutorState,
    PositionState,
    PositionTrigger,
)
from lpexec.core import (
    CancelOrder,
    CloseType,
    CommandFailed,
    ConfigError,
    Database,
    Engine,
    ExecutorStarted,
    ExecutorStatus,
    FundingPayment,
    HeldPositionKey,
    MemoryStore,
    OrderCanceled,
    OrderCreated,
    OrderFailed,
    OrderFilled,
    OrderPoller,
    OrderRef,
    PlaceOrder,
    PriceUpdated,
    SimulatedClock,
    StopRequested,
    Tick,
    TradingRules,
    parse_config,
)
from lpexec.paper.exchange import Market, PaperExchange
from lpexec.paper.venues.exchange import PaperExchangeVenue

D = Decimal
S, T = PositionState, PositionTrigger
PAIR = "SOL-USDT"

# Entry at 100 for 2 base with 0.2 quote of fees: the fee ratio f is 0.001.
BARRIERS = {
    "stop_loss": D("0.02"),
    "take_profit": D("0.03"),
    "time_limit": 60,
    "trailing_stop": {"activation_price": D("0.01"), "trailing_delta": D("0.005")},
    "open_order_type": "MARKET",
}


def make_config(barriers: dict | None = None, **fields) -> PositionExecutorConfig:
    values = {
        "id": "pos-1",
        "trading_pair": PAIR,
        "connector_name": "binance",
        "side": "BUY",
        "amount": D(2),
        "triple_barrier_config": BARRIERS if barriers is None else barriers,
    }
    values.update(fields)
    return PositionExecutorConfig(**values)


def started(barriers: dict | None = None, **fields) -> tuple[PositionExecutor, list]:
    executor = PositionExecutor(make_config(barriers, **fields), created_at=T0)
    return executor, executor.apply(ExecutorStarted(ts_event=T0))


def fill(order, base, price="100", fee="0.2", seconds=1, final=False, fill_id=None):
    return OrderFilled(
        ts_event=at(seconds),
        command_id=order.command_id,
        client_order_id=order.client_order_id,
        fill_id=fill_id or f"f-{order.client_order_id[-6:]}-{base}-{price}-{seconds}",
        side=order.side,
        base_amount=D(base),
        price=D(price),
        fee_quote=D(fee),
        is_final=final,
    )


def created(order, seconds=1) -> OrderCreated:
    return OrderCreated(
        ts_event=at(seconds),
        command_id=order.command_id,
        client_order_id=order.client_order_id,
        venue_order_id="v-1",
    )


def canceled(order, seconds=3) -> OrderCanceled:
    return OrderCanceled(
        ts_event=at(seconds), command_id=order.command_id, client_order_id=order.client_order_id
    )


def failed(order, seconds=3, reason="rejected") -> OrderFailed:
    return OrderFailed(
        ts_event=at(seconds),
        command_id=order.command_id,
        client_order_id=order.client_order_id,
        reason=reason,
    )


def price(value, seconds=2) -> PriceUpdated:
    return PriceUpdated(ts_event=at(seconds), trading_pair=PAIR, price=D(value))


def stop(seconds=5, keep_position=None) -> StopRequested:
    return StopRequested(ts_event=at(seconds), keep_position=keep_position)


def opened(barriers: dict | None = None, **fields) -> PositionExecutor:
    """A position whose MARKET entry of 2 filled at 100 with 0.2 of fees."""
    executor, (order,) = started(barriers, **fields)
    executor.apply(fill(order, "2", final=True))
    assert executor.state.position_state is S.OPEN
    return executor


def one_place(commands) -> PlaceOrder:
    (command,) = commands
    assert isinstance(command, PlaceOrder)
    return command


def restarted(executor: PositionExecutor) -> PositionExecutor:
    restored = PositionExecutor.restore(executor.config, executor.snapshot())
    assert isinstance(restored, PositionExecutor)
    return restored


# --- the table ------------------------------------------------------------------------------


@pytest.mark.parametrize(("move", "target"), sorted(POSITION_TRANSITIONS.items()), ids=str)
def test_every_row(move, target):
    assert_row_fires(POSITION_TRANSITIONS, move, target)


@pytest.mark.parametrize(
    ("state", "trigger"),
    missing_pairs(POSITION_TRANSITIONS, PositionState, PositionTrigger),
    ids=str,
)
def test_every_illegal_pair(state, trigger):
    assert_pair_is_refused(POSITION_TRANSITIONS, state, trigger)


def test_terminal_states_are_final_and_every_state_has_a_status():
    assert_terminal(POSITION_TRANSITIONS, POSITION_STATUS, (S.CLOSED, S.FAILED))
    assert set(POSITION_STATUS) == set(PositionState)
    assert POSITION_STATUS[S.NOT_STARTED] is ExecutorStatus.CREATED
    assert POSITION_STATUS[S.CLOSING] is ExecutorStatus.CLOSING


BOUNDED = {**BARRIERS, "open_order_type": "LIMIT"}
BOUNDS = {"entry_price": D(100), "activation_bounds": [D("0.01"), D("0.02")]}


def _reach(state: PositionState) -> tuple[PositionExecutor, PlaceOrder | None]:
    """An executor driven by events into ``state`` (and its live entry order)."""
    if state is S.NOT_STARTED:
        return PositionExecutor(make_config(BOUNDED, **BOUNDS), created_at=T0), None
    executor, commands = started(BOUNDED, **BOUNDS)
    assert commands == []
    if state is S.WAITING:
        return executor, None
    order = one_place(executor.apply(price("100", seconds=1)))
    if state is S.OPEN:
        executor.apply(fill(order, "2", final=True))
    elif state is S.CLOSING:
        executor.apply(fill(order, "2", final=True))
        executor.apply(stop(seconds=2))
    return executor, order


def _event_for(trigger: PositionTrigger, state: PositionState, executor, order):
    """The event that fires ``trigger`` from ``state``."""
    if trigger is T.WAIT:
        return ExecutorStarted(ts_event=T0)
    if trigger is T.PLACE:
        if state is S.OPENING:  # a retryable refusal: the entry is sent again
            return command_failed(order, 6, "timeout", retryable=True)
        return price("100", seconds=6)
    if trigger is T.PAUSE:
        (cancel,) = executor.apply(price("102", seconds=5))  # leaves the bounds
        assert isinstance(cancel, CancelOrder)
        return canceled(order, seconds=6)
    if trigger is T.ENTER:
        return fill(order, "2", final=True, seconds=6)
    if trigger is T.CLOSE:
        if state is S.WAITING:  # holding fills of an entry canceled out of the bounds
            executor.apply(fill(order or _entry(executor), "0.5", seconds=3))
        return stop(seconds=6)
    if trigger is T.END:
        if state is S.CLOSING:
            (close,) = [o for o in executor.state.close_orders if not o.is_done]
            return fill(close, "2", price="101", final=True, seconds=6)
        return stop(seconds=6)
    # FAIL
    if state is S.CLOSING:
        (close,) = [o for o in executor.state.close_orders if not o.is_done]
        executor.apply(CommandFailed(ts_event=at(5), command_id="x", reason="unrelated"))
        return _exhaust_closes(executor, close)
    return failed(order, seconds=6)


def _entry(executor):
    return executor.state.open_orders[-1]


def _exhaust_closes(executor, close):
    """Fail the close ``max_retries`` times; return the failure that ends it."""
    for attempt in range(executor.config.max_retries):
        (close,) = executor.apply(failed(close, seconds=5 + attempt / 100))
    return failed(close, seconds=6)


@pytest.mark.parametrize(("move", "target"), sorted(POSITION_TRANSITIONS.items()), ids=str)
def test_every_row_is_reached_by_an_event(move, target):
    state, trigger = move
    if (state, trigger) == (S.WAITING, T.CLOSE):
        executor, order = _reach(S.OPENING)
        executor.apply(fill(order, "0.5", seconds=3))
        executor.apply(price("102", seconds=4))  # leaves the bounds: canceled
        executor.apply(canceled(order, seconds=5))
        event = stop(seconds=6)
    elif (state, trigger) == (S.WAITING, T.ENTER):  # a late fill completes a canceled entry
        executor, order = _reach(S.OPENING)
        executor.apply(price("102", seconds=4))
        executor.apply(canceled(order, seconds=5))
        event = fill(order, "2", seconds=6)
    elif (state, trigger) == (S.NOT_STARTED, T.PLACE):  # a MARKET entry without bounds
        executor, event = (
            PositionExecutor(make_config(), created_at=T0),
            ExecutorStarted(ts_event=T0),
        )
    else:
        executor, order = _reach(state)
        event = _event_for(trigger, state, executor, order)
    assert executor.state.position_state is state

    executor.apply(event)

    assert executor.state.position_state is target
    assert executor.status is POSITION_STATUS[target]
    if executor.is_terminated:
        assert executor.closed_at is not None and executor.close_type is not None


# --- config ---------------------------------------------------------------------------------


def test_config_uses_hummingbot_names_and_defaults():
    config = parse_config(
        PositionExecutorConfig,
        {
            "trading_pair": PAIR,
            "connector_name": "binance_perpetual",
            "side": "sell",
            "amount": "1.5",
            "triple_barrier_config": {"stop_loss": "0.03", "take_profit_order_type": "limit"},
        },
    )

    barriers = config.triple_barrier_config
    assert (config.side, config.leverage, config.keep_position) == ("SELL", 1, False)
    assert (barriers.open_order_type, barriers.take_profit_order_type) == ("LIMIT", "LIMIT")
    assert (barriers.stop_loss_order_type, barriers.time_limit_order_type) == ("MARKET", "MARKET")
    assert (barriers.take_profit, barriers.time_limit, barriers.trailing_stop) == (None,) * 3
    assert config.perpetual and config.close_side == "BUY"
    assert not make_config().perpetual and make_config(is_perpetual=True).perpetual
    assert config.price_keys() == frozenset({PAIR})
    assert config.exposure().base_amount == D("1.5")


def test_a_hummingbot_config_as_json_data_validates_unchanged():
    hummingbot = {
        "id": None,
        "type": "position_executor",
        "timestamp": 1767225600.0,
        "controller_id": "dman",
        "trading_pair": PAIR,
        "connector_name": "binance_perpetual",
        "side": 2,
        "entry_price": "101.5",
        "amount": "0.5",
        "triple_barrier_config": {
            "stop_loss": "0.03",
            "take_profit": "0.02",
            "time_limit": 2700,
            "trailing_stop": {"activation_price": "0.015", "trailing_delta": "0.005"},
            "open_order_type": 2,
            "take_profit_order_type": 3,
            "stop_loss_order_type": 1,
            "time_limit_order_type": 1,
        },
        "leverage": 20,
        "activation_bounds": ["0.001", "0.01"],
        "level_id": "sell_0",
    }

    config = parse_config(PositionExecutorConfig, hummingbot)

    barriers = config.triple_barrier_config
    assert (config.side, config.controller_id, config.level_id) == ("SELL", "dman", "sell_0")
    assert (barriers.open_order_type, barriers.take_profit_order_type) == ("LIMIT", "LIMIT_MAKER")
    assert barriers.trailing_stop is not None and barriers.trailing_stop.trailing_delta == D(
        "0.005"
    )
    assert config.activation_bounds == (D("0.001"), D("0.01")) and config.leverage == 20
    assert config.id  # generated
    with pytest.raises(ConfigError, match="position_executor"):
        parse_config(PositionExecutorConfig, hummingbot | {"type": "grid_executor"})


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"triple_barrier_config": {"stop_loss_order_type": "LIMIT"}}, "stop_loss_order_type"),
        ({"triple_barrier_config": {"stop_loss_order_type": 2}}, "stop_loss_order_type"),
        ({"triple_barrier_config": {"time_limit_order_type": "LIMIT"}}, "time_limit_order_type"),
        ({"triple_barrier_config": {"stop_loss": "0"}}, "stop_loss"),
        ({"triple_barrier_config": {"time_limit": 0}}, "time_limit"),
        (
            {
                "triple_barrier_config": {
                    "trailing_stop": {"activation_price": 0, "trailing_delta": 0}
                }
            },
            "trailing_delta",
        ),
        ({"activation_bounds": ["0.01"]}, "expected two ratios"),
        ({"activation_bounds": ["0.01", "-0.1"]}, "expected two finite ratios >= 0"),
        ({"amount": "0"}, "amount"),
        ({"leverage": 0}, "leverage"),
        ({"entry_price": "-1"}, "entry_price"),
        ({"trading_pair": "SOLUSDT"}, "trading_pair"),
        ({"stop_loss": "0.1"}, "unknown field"),
    ],
)
def test_config_refuses(fields, message):
    data = {"trading_pair": PAIR, "connector_name": "binance", "side": "BUY", "amount": "1"}

    with pytest.raises(ConfigError, match=message):
        parse_config(PositionExecutorConfig, data | fields)


# --- entering -------------------------------------------------------------------------------


def test_a_market_entry_is_placed_at_start_without_a_price():
    executor, commands = started()

    order = one_place(commands)
    assert (order.side, order.order_type, order.amount, order.price) == (
        "BUY",
        "MARKET",
        D(2),
        None,
    )
    assert (order.venue, order.trading_pair, order.position_action) == ("binance", PAIR, None)
    assert executor.state.position_state is S.OPENING
    assert executor.status is ExecutorStatus.ACTIVE
    assert executor.order_refs() == [OrderRef("binance", PAIR, order.client_order_id)]


def test_a_second_start_places_nothing():
    executor, _ = started()

    assert executor.apply(ExecutorStarted(ts_event=at(1))) == []

    assert len(executor.state.open_orders) == 1


def test_a_limit_entry_is_placed_at_the_entry_price_and_a_perpetual_opens():
    _executor, commands = started(
        {**BARRIERS, "open_order_type": "LIMIT_MAKER"},
        side="SELL",
        entry_price=D("101.5"),
        connector_name="binance_perpetual",
    )

    order = one_place(commands)
    assert (order.side, order.order_type, order.price) == ("SELL", "LIMIT_MAKER", D("101.5"))
    assert order.position_action == "OPEN"


def test_a_limit_entry_without_price_waits_for_the_first_price():
    executor, commands = started({**BARRIERS, "open_order_type": "LIMIT"})
    assert commands == [] and executor.state.position_state is S.WAITING

    order = one_place(executor.apply(price("99.5")))

    assert (order.order_type, order.price) == ("LIMIT", D("99.5"))
    assert executor.state.position_state is S.OPENING


@pytest.mark.parametrize(
    ("side", "order_type", "mid", "inside"),
    [
        # limit BUY at 100, near 0.01: placed while 100 >= mid x 0.99, i.e. mid <= 101.0101...
        ("BUY", "LIMIT", "101", True),
        ("BUY", "LIMIT", "101.02", False),
        ("BUY", "LIMIT", "50", True),
        # limit SELL at 100: placed while 100 <= mid x 1.01
        ("SELL", "LIMIT", "99.01", True),
        ("SELL", "LIMIT", "99", False),
        # market BUY at 100: 100 x 0.99 <= mid <= 100 x 1.02 (inclusive both ends)
        ("BUY", "MARKET", "99", True),
        ("BUY", "MARKET", "98.99", False),
        ("BUY", "MARKET", "102", True),
        ("BUY", "MARKET", "102.01", False),
        # market SELL at 100: 100 x 0.98 <= mid <= 100 x 1.01
        ("SELL", "MARKET", "98", True),
        ("SELL", "MARKET", "97.99", False),
        ("SELL", "MARKET", "101", True),
        ("SELL", "MARKET", "101.01", False),
    ],
)
def test_activation_bounds_gate_the_entry(side, order_type, mid, inside):
    executor, commands = started({**BARRIERS, "open_order_type": order_type}, side=side, **BOUNDS)
    assert commands == []

    commands = executor.apply(price(mid))

    assert bool(commands) is inside
    assert executor.state.position_state is (S.OPENING if inside else S.WAITING)


def test_an_entry_leaving_the_bounds_is_canceled_keeps_its_fills_and_resumes_for_the_rest():
    executor, _ = started(BOUNDED, **BOUNDS)
    first = one_place(executor.apply(price("100", seconds=1)))
    executor.apply(fill(first, "0.5", price="100", fee="0.05", seconds=2))

    (cancel,) = executor.apply(price("102", seconds=3))
    assert isinstance(cancel, CancelOrder) and cancel.client_order_id == first.client_order_id
    assert executor.apply(price("103", seconds=4)) == []  # the cancel is on its way
    executor.apply(canceled(first, seconds=5))
    assert executor.state.position_state is S.WAITING
    assert executor.apply(price("102", seconds=6)) == []  # still outside
    second = one_place(executor.apply(price("100.5", seconds=7)))
    executor.apply(fill(second, "1.5", price="98", fee="0.15", seconds=8, final=True))

    assert second.amount == D("1.5")  # only the rest (Hummingbot forgets the 0.5: quirk 3)
    state = executor.state
    assert state.position_state is S.OPEN
    assert (state.open_base, state.entry_price) == (D(2), D("98.5"))  # (50 + 147) / 2


def test_an_entry_filled_in_parts_enters_on_the_last_part():
    executor, (order,) = started()
    executor.apply(created(order))
    executor.apply(fill(order, "0.5", seconds=1))
    assert executor.state.position_state is S.OPENING
    assert executor.apply(price("50")) == []  # barriers wait for the whole entry (Hummingbot)

    executor.apply(fill(order, "1.5", price="102", seconds=2))

    assert executor.state.position_state is S.OPEN
    assert executor.state.entry_price == D("101.5")


# --- barrier prices and boundaries -------------------------------------------------------------


def test_barrier_prices_are_computed_at_entry_net_of_entry_fees():
    long, short = opened(), opened(side="SELL")

    assert (long.state.stop_loss_price, long.state.take_profit_price) == (D("98.1"), D("103.1"))
    assert long.state.trailing_activation_price == D("101.1")
    assert (short.state.stop_loss_price, short.state.take_profit_price) == (D("101.9"), D("96.9"))
    assert short.state.trailing_activation_price == D("98.9")
    assert long.state.trailing_delta_quote == short.state.trailing_delta_quote == D("0.5")
    assert long.state.end_time == at(60)


def _hummingbot_net_pnl_pct(side: str, close_price: Decimal) -> Decimal:
    """Hummingbot's net P&L ratio of the opened() position before its close (executors.md §3.3)."""
    entry, filled, fees = D(100), D(2), D("0.2")
    move = (close_price - entry) / entry if side == "BUY" else (entry - close_price) / entry
    return (move * filled * entry - fees) / (filled * entry)


@pytest.mark.parametrize("side", ["BUY", "SELL"])
@pytest.mark.parametrize("step", range(-8, 9))
def test_stop_loss_and_take_profit_fire_exactly_where_hummingbot_net_pnl_says(side, step):
    barriers = {"stop_loss": D("0.02"), "take_profit": D("0.03"), "open_order_type": "MARKET"}
    sign = 1 if side == "BUY" else -1
    for center, close_type in ((D("98.1"), "STOP_LOSS"), (D("103.1"), "TAKE_PROFIT")):
        if side == "SELL":
            center = D(200) - center  # 101.9 and 96.9
        executor = opened(barriers, side=side)
        probe = center + sign * D(step) / 1000
        pct = _hummingbot_net_pnl_pct(side, probe)
        expected = pct <= D("-0.02") if close_type == "STOP_LOSS" else pct >= D("0.03")

        commands = executor.apply(price(probe))

        assert bool(commands) is expected, (close_type, probe, pct)
        if expected:
            assert executor.close_type is CloseType(close_type)
            assert one_place(commands).order_type == "MARKET"


@pytest.mark.parametrize(
    ("side", "at_boundary", "beyond"),
    [("BUY", "98.1", "98.1000001"), ("SELL", "101.9", "101.8999999")],
)
def test_stop_loss_is_inclusive(side, at_boundary, beyond):
    assert opened(side=side).apply(price(beyond)) == []

    executor = opened(side=side)
    close = one_place(executor.apply(price(at_boundary)))

    assert executor.close_type is CloseType.STOP_LOSS
    assert (close.side, close.amount) == ("SELL" if side == "BUY" else "BUY", D(2))


@pytest.mark.parametrize(
    ("side", "at_boundary", "short_of"),
    [("BUY", "103.1", "103.0999999"), ("SELL", "96.9", "96.9000001")],
)
def test_market_take_profit_is_inclusive(side, at_boundary, short_of):
    barriers = {"take_profit": D("0.03"), "open_order_type": "MARKET"}
    assert opened(barriers, side=side).apply(price(short_of)) == []

    executor = opened(barriers, side=side)
    one_place(executor.apply(price(at_boundary)))

    assert executor.close_type is CloseType.TAKE_PROFIT


def test_trailing_stop_arms_strictly_above_activation_then_ratchets_and_fires_strictly_below():
    executor = opened({"trailing_stop": BARRIERS["trailing_stop"], "open_order_type": "MARKET"})
    state = executor.state

    assert executor.apply(price("101.1", seconds=2)) == []  # at the activation: not armed
    assert state.trailing_stop_price is None
    assert executor.apply(price("101.2", seconds=3)) == []  # armed, stop 0.5 below
    assert (state.trailing_peak_price, state.trailing_stop_price) == (D("101.2"), D("100.7"))
    assert executor.apply(price("100.7", seconds=4)) == []  # at the stop: not fired
    executor.apply(price("102", seconds=5))  # a new peak moves the stop up
    assert state.trailing_stop_price == D("101.5")
    executor.apply(price("101.8", seconds=6))  # below the peak: the stop stays
    assert state.trailing_stop_price == D("101.5")

    close = one_place(executor.apply(price("101.4999", seconds=7)))

    assert executor.close_type is CloseType.TRAILING_STOP and close.side == "SELL"


def test_trailing_stop_of_a_short_mirrors():
    executor = opened(
        {"trailing_stop": BARRIERS["trailing_stop"], "open_order_type": "MARKET"}, side="SELL"
    )

    assert executor.apply(price("98.9", seconds=2)) == []
    executor.apply(price("98", seconds=3))
    assert executor.state.trailing_stop_price == D("98.5")
    executor.apply(price("97", seconds=4))
    assert executor.state.trailing_stop_price == D("97.5")
    assert executor.apply(price("97.5", seconds=5)) == []

    close = one_place(executor.apply(price("97.51", seconds=6)))

    assert executor.close_type is CloseType.TRAILING_STOP and close.side == "BUY"


def book(bid, ask, seconds=2) -> TopOfBookUpdated:
    mid = (D(bid) + D(ask)) / 2
    return TopOfBookUpdated(
        ts_event=at(seconds), trading_pair=PAIR, price=mid, best_bid=D(bid), best_ask=D(ask)
    )


@pytest.mark.parametrize(
    ("side", "quiet", "fires"),
    [
        # a long closes into the bid: its stop loss (98.1) reads the bid, not the mid
        ("BUY", book("98.11", "98.2"), book("98.1", "98.2")),
        # a short closes into the ask: its stop loss (101.9) reads the ask
        ("SELL", book("101.8", "101.89"), book("101.8", "101.9")),
    ],
)
def test_with_the_book_barriers_read_the_side_the_position_closes_into(side, quiet, fires):
    executor = opened(side=side)

    assert executor.apply(quiet) == []
    one_place(executor.apply(fires))

    assert executor.close_type is CloseType.STOP_LOSS
    assert executor.details().close_price == (fires.best_bid if side == "BUY" else fires.best_ask)


@pytest.mark.parametrize(("side", "rests_at"), [("BUY", "99.9"), ("SELL", "100.1")])
def test_with_the_book_an_entry_without_a_price_rests_at_its_own_touch(side, rests_at):
    executor, _ = started({**BARRIERS, "open_order_type": "LIMIT"}, side=side)

    order = one_place(executor.apply(book("99.9", "100.1")))

    assert order.price == D(rests_at)


@pytest.mark.parametrize("event", [Tick, PriceUpdated])
def test_time_limit_is_inclusive_on_ticks_and_prices(event):
    def at_time(seconds):
        if event is Tick:
            return Tick(ts_event=at(seconds))
        return price("100", seconds=seconds)

    executor = opened()
    assert executor.apply(at_time(60 - 1e-6)) == []

    close = one_place(executor.apply(at_time(60)))

    assert executor.close_type is CloseType.TIME_LIMIT and close.amount == D(2)


def test_one_price_fires_one_barrier_in_hummingbot_order():
    executor = opened()

    commands = executor.apply(price("70", seconds=61))  # stop loss and time limit both hold

    assert len(commands) == 1 and executor.close_type is CloseType.STOP_LOSS
    assert executor.apply(price("70", seconds=62)) == []
    assert executor.apply(Tick(ts_event=at(63))) == []


def test_time_limit_before_the_entry_fills_cancels_it_and_closes_what_filled():
    executor, (order,) = started()
    executor.apply(fill(order, "0.5", seconds=1))

    (cancel,) = executor.apply(Tick(ts_event=at(60)))
    assert isinstance(cancel, CancelOrder)
    close = one_place(executor.apply(canceled(order, seconds=61)))

    assert (close.side, close.amount, close.order_type) == ("SELL", D("0.5"), "MARKET")
    executor.apply(fill(close, "0.5", price="99", final=True, seconds=62))
    assert executor.state.position_state is S.CLOSED
    assert executor.close_type is CloseType.TIME_LIMIT


def test_time_limit_while_waiting_with_nothing_filled_ends_at_once():
    executor, _ = started(BOUNDED, **BOUNDS)

    assert executor.apply(Tick(ts_event=at(60))) == []

    assert executor.state.position_state is S.CLOSED
    assert executor.close_type is CloseType.TIME_LIMIT and executor.closed_at == at(60)


def test_a_price_past_the_time_limit_ends_a_waiting_entry_and_cancels_a_live_one():
    waiting, _ = started(BOUNDED, **BOUNDS)
    live, (order,) = started()

    assert waiting.apply(price("100", seconds=60)) == []  # no entry placed at the limit
    (cancel,) = live.apply(price("100", seconds=60))

    assert waiting.state.position_state is S.CLOSED
    assert waiting.close_type is CloseType.TIME_LIMIT
    assert cancel.client_order_id == order.client_order_id
    assert (live.state.position_state, live.close_type) == (S.CLOSING, CloseType.TIME_LIMIT)


def test_a_start_past_the_time_limit_expires_without_orders():
    executor = PositionExecutor(make_config(), created_at=T0)

    assert executor.apply(ExecutorStarted(ts_event=at(60))) == []

    assert executor.close_type is CloseType.EXPIRED and executor.is_terminated


# --- closing and P&L -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("side", "exit_price", "net"),
    [
        ("BUY", "98", "-4.396"),
        ("BUY", "104", "7.592"),
        ("SELL", "96", "7.608"),
        ("SELL", "102", "-4.404"),
    ],
)
def test_a_closed_position_reports_net_pnl_fees_and_volume(side, exit_price, net):
    executor = opened(side=side)
    close = one_place(executor.apply(price(exit_price, seconds=10)))
    fee = D(exit_price) * 2 * D("0.001")

    executor.apply(fill(close, "2", price=exit_price, fee=str(fee), final=True, seconds=11))

    info = executor.info(at(20))
    assert executor.state.position_state is S.CLOSED and info.closed_at == at(11)
    move = D(exit_price) - 100 if side == "BUY" else 100 - D(exit_price)
    assert info.net_pnl_quote == D(net) == move * 2 - D("0.2") - fee
    assert info.net_pnl_pct == D(net) / 200
    assert info.fees_paid_quote == D("0.2") + fee
    assert info.volume_quote == 200 + D(exit_price) * 2
    assert executor.order_refs() == []


def test_an_open_position_reports_unrealized_pnl_at_the_last_price():
    executor = opened()

    executor.apply(price("100.5"))

    info = executor.info(at(3))
    assert info.status is ExecutorStatus.ACTIVE and info.close_type is None
    assert info.net_pnl_quote == D("0.8") and info.value_quote == D(201)
    details = info.details
    assert isinstance(details, PositionDetails)
    assert (details.unrealized_pnl_quote, details.realized_pnl_quote) == (D(1), 0)
    assert details.is_trading and details.amount_to_close == D(2)


def test_a_close_filled_in_parts_ends_on_the_last_part():
    executor = opened()
    close = one_place(executor.apply(price("98", seconds=10)))

    executor.apply(fill(close, "1.5", price="98", fee="0", seconds=11))
    assert executor.state.position_state is S.CLOSING
    assert executor.apply(price("50", seconds=12)) == []  # closing: no barrier again
    executor.apply(fill(close, "0.5", price="97", fee="0", seconds=13))

    assert executor.state.position_state is S.CLOSED
    details = executor.details()
    assert details.close_price == D("97.75") and details.realized_pnl_quote == D("-4.5")


def test_a_close_canceled_by_the_venue_with_a_part_filled_closes_the_rest():
    executor = opened()
    first = one_place(executor.apply(price("98", seconds=10)))
    executor.apply(fill(first, "1.2", price="98", seconds=11))

    second = one_place(executor.apply(canceled(first, seconds=12)))

    assert (second.amount, second.side, second.order_type) == (D("0.8"), "SELL", "MARKET")
    assert executor.state.retries == 1
    executor.apply(fill(second, "0.8", price="97", final=True, seconds=13))
    assert executor.state.position_state is S.CLOSED


def test_perpetual_exits_reduce_only():
    executor = opened(connector_name="binance_perpetual")

    close = one_place(executor.apply(price("98")))

    assert close.position_action == "CLOSE"


# --- take profit as a resting order ----------------------------------------------------------

LIMIT_TP = {**BARRIERS, "take_profit_order_type": "LIMIT"}


def test_a_limit_take_profit_rests_from_the_entry_fill_and_replaces_the_market_check():
    executor, (order,) = started(LIMIT_TP, connector_name="okx_perpetual")

    take_profit = one_place(executor.apply(fill(order, "2", final=True)))

    assert (take_profit.side, take_profit.order_type) == ("SELL", "LIMIT")
    assert (take_profit.amount, take_profit.price) == (D(2), D(103))  # entry x 1.03, no fees
    assert take_profit.position_action == "CLOSE"
    assert executor.state.take_profit_price is None
    assert executor.apply(price("110")) == []  # quirk 2: the resting order is the take profit
    assert [ref.client_order_id for ref in executor.order_refs()] == [take_profit.client_order_id]

    executor.apply(fill(take_profit, "2", price="103", fee="0.2", final=True, seconds=4))

    assert executor.state.position_state is S.CLOSED
    assert executor.close_type is CloseType.TAKE_PROFIT
    assert executor.info(at(5)).net_pnl_quote == D("5.6")


def test_a_stop_loss_cancels_the_resting_take_profit_and_closes_what_it_left():
    executor, (order,) = started({**LIMIT_TP, "take_profit_order_type": "LIMIT_MAKER"}, side="SELL")
    take_profit = one_place(executor.apply(fill(order, "2", final=True)))
    assert (take_profit.side, take_profit.price) == ("BUY", D(97))
    executor.apply(fill(take_profit, "0.5", price="97", fee="0", seconds=2))

    (cancel,) = executor.apply(price("102", seconds=3))
    assert cancel.client_order_id == take_profit.client_order_id
    assert executor.close_type is CloseType.STOP_LOSS
    close = one_place(executor.apply(canceled(take_profit, seconds=4)))

    assert (close.side, close.amount) == ("BUY", D("1.5"))
    executor.apply(fill(close, "1.5", price="102", fee="0", final=True, seconds=5))
    assert executor.state.position_state is S.CLOSED
    assert executor.info(at(6)).net_pnl_quote == D("1.5") - D(3) - D("0.2")


@pytest.mark.parametrize("how", ["failed", "canceled", "refused"])
def test_a_take_profit_order_gone_falls_back_to_the_market_check(how):
    executor, (order,) = started(LIMIT_TP)
    take_profit = one_place(executor.apply(fill(order, "2", final=True)))
    ended = {
        "failed": failed(take_profit),
        "canceled": canceled(take_profit),
        "refused": command_failed(take_profit, 3, "post only would take"),
    }[how]

    assert executor.apply(ended) == []

    assert executor.state.take_profit_price == D("103.1")
    one_place(executor.apply(price("103.1", seconds=4)))
    assert executor.close_type is CloseType.TAKE_PROFIT


GATED_TP = {**LIMIT_TP, "open_order_type": "LIMIT"}


def test_activation_bounds_gate_the_resting_take_profit():
    # A long entered at 100 sells its take profit at 103; near bound 0.01: it rests while
    # 103 <= mid x 1.01, i.e. from mid 101.9802 up.
    executor, _ = started(GATED_TP, **BOUNDS)
    entry = one_place(executor.apply(price("100", seconds=1)))
    assert executor.apply(fill(entry, "2", final=True, seconds=2)) == []  # 100: too far
    assert executor.apply(price("101.98", seconds=3)) == []

    first = one_place(executor.apply(price("101.99", seconds=4)))
    assert (first.side, first.price, first.amount) == ("SELL", D(103), D(2))
    assert executor.apply(price("102", seconds=5)) == []  # rests
    executor.apply(fill(first, "0.5", price="103", fee="0", seconds=6))
    (cancel,) = executor.apply(price("101.9", seconds=7))  # left the bounds
    assert cancel.client_order_id == first.client_order_id
    assert executor.apply(canceled(first, seconds=8)) == []  # no market check: it comes back
    assert executor.state.take_profit_price is None
    second = one_place(executor.apply(price("102.5", seconds=9)))
    assert (second.price, second.amount) == (D(103), D("1.5"))  # the rest
    executor.apply(fill(second, "1.5", price="103", fee="0", final=True, seconds=10))

    assert executor.state.position_state is S.CLOSED
    assert executor.close_type is CloseType.TAKE_PROFIT and executor.state.retries == 0


def test_a_gated_take_profit_of_a_short_rests_near_the_price_below():
    executor, _ = started(GATED_TP, side="SELL", **BOUNDS)
    entry = one_place(executor.apply(price("100", seconds=1)))
    executor.apply(fill(entry, "2", final=True, seconds=2))

    # buys back at 97 while 97 >= mid x 0.99, i.e. up to mid 97.979...
    assert executor.apply(price("97.98", seconds=3)) == []
    take_profit = one_place(executor.apply(price("97.97", seconds=4)))

    assert (take_profit.side, take_profit.price) == ("BUY", D(97))


# --- failures --------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["order_failed", "refused"])
def test_a_refused_entry_with_nothing_filled_ends_failed(how):
    executor, (order,) = started()
    event = failed(order, reason="insufficient balance")
    if how == "refused":
        event = command_failed(order, 1, "insufficient balance", code="insufficient_funds")

    assert executor.apply(event) == []

    assert executor.state.position_state is S.FAILED
    assert executor.close_type is CloseType.FAILED
    assert "insufficient balance" in executor.state.failure_reason


def test_a_retryable_refusal_sends_the_entry_again_until_max_retries():
    executor, (order,) = started(max_retries=2)

    again = one_place(executor.apply(command_failed(order, 1, "timeout", retryable=True)))
    assert again.client_order_id != order.client_order_id and again.amount == D(2)
    third = one_place(executor.apply(command_failed(again, 2, "timeout", retryable=True)))
    assert executor.apply(command_failed(third, 3, "timeout", retryable=True)) == []

    assert executor.state.position_state is S.FAILED and executor.state.retries == 3


def test_an_entry_canceled_by_the_venue_is_placed_again_for_the_rest():
    executor, (order,) = started()
    executor.apply(fill(order, "0.5", seconds=1))

    again = one_place(executor.apply(canceled(order, seconds=2)))

    assert again.amount == D("1.5") and executor.state.position_state is S.OPENING
    assert executor.state.retries == 1


def test_a_refused_entry_after_partial_fills_closes_them_with_close_type_failed():
    executor, (order,) = started()
    executor.apply(fill(order, "0.5", seconds=1))

    close = one_place(executor.apply(failed(order, seconds=2)))

    assert (close.amount, close.side) == (D("0.5"), "SELL")
    assert executor.close_type is CloseType.FAILED
    executor.apply(fill(close, "0.5", final=True, seconds=3))
    assert executor.state.position_state is S.CLOSED and executor.close_type is CloseType.FAILED


def test_closes_that_keep_failing_end_failed_saying_what_may_be_open():
    executor = opened(max_retries=2)
    close = one_place(executor.apply(price("98", seconds=10)))

    close = one_place(executor.apply(failed(close, seconds=11, reason="venue busy")))
    close = one_place(executor.apply(command_failed(close, 12, "timeout", retryable=True)))
    assert executor.apply(failed(close, seconds=13, reason="venue busy")) == []

    assert executor.state.position_state is S.FAILED
    assert executor.close_type is CloseType.FAILED
    assert "2 base may still be open" in executor.state.failure_reason


def test_a_refused_cancel_is_sent_again_then_fails_saying_the_order_may_be_open():
    executor, (order,) = started(max_retries=1)
    (cancel,) = executor.apply(stop(seconds=1))

    (again,) = executor.apply(command_failed(cancel, 2, "timeout", retryable=True))
    assert again.client_order_id == order.client_order_id and again.command_id != cancel.command_id
    executor.apply(command_failed(again, 3, "unknown order", code="order_not_found"))

    assert executor.state.position_state is S.FAILED
    assert "may still be open" in executor.state.failure_reason


def test_an_unknown_place_outcome_waits_for_the_venue_and_reports_stranded():
    executor, (order,) = started()

    assert executor.apply(command_failed(order, 1, "timeout", code="outcome_unknown")) == []

    assert executor.state.position_state is S.OPENING
    assert executor.order_refs() == [OrderRef("binance", PAIR, order.client_order_id)]
    assert "may be open" in (executor.info(at(1)).stranded_reason or "")
    executor.apply(fill(order, "2", final=True, seconds=2))
    assert executor.state.position_state is S.OPEN
    assert executor.info(at(2)).stranded_reason is None


def test_events_for_other_orders_change_nothing():
    executor, (order,) = started()
    revision = executor.revision
    stranger = PlaceOrder(
        command_id="x-1",
        executor_id="x",
        venue="binance",
        trading_pair=PAIR,
        side="BUY",
        order_type="MARKET",
        amount=D(1),
        client_order_id="lpx-someone-else",
    )

    for event in (
        created(stranger),
        fill(stranger, "1"),
        canceled(stranger),
        failed(stranger),
        command_failed(stranger, 1, "x"),
        FundingPaid(ts_event=at(1), trading_pair=PAIR, payment_id="p", amount=D(1)),
    ):
        assert executor.apply(event) == []

    assert executor.revision == revision and executor.state.open_base == 0


def test_a_late_fill_completing_a_canceled_entry_enters_without_a_new_order():
    executor, _ = started(BOUNDED, **BOUNDS)
    order = one_place(executor.apply(price("100", seconds=1)))
    executor.apply(fill(order, "1", seconds=2))
    executor.apply(price("102", seconds=3))  # out of the bounds: canceled
    executor.apply(canceled(order, seconds=4))
    assert executor.state.position_state is S.WAITING

    executor.apply(fill(order, "1", seconds=5))  # the venue's record had one more fill

    assert executor.state.position_state is S.OPEN and executor.state.open_base == D(2)
    assert executor.apply(price("100", seconds=6)) == []  # nothing more to enter


def test_the_same_fill_twice_counts_once():
    executor, (order,) = started()
    once = fill(order, "0.5", fill_id="a")

    executor.apply(once)
    executor.apply(once)

    assert executor.state.open_base == D("0.5")


# --- stopping --------------------------------------------------------------------------------


@pytest.mark.parametrize("reach", [S.NOT_STARTED, S.WAITING])
def test_a_stop_with_nothing_entered_ends_early_stop(reach):
    executor, _ = _reach(reach)

    assert executor.apply(stop()) == []

    assert executor.state.position_state is S.CLOSED
    assert executor.close_type is CloseType.EARLY_STOP


@pytest.mark.parametrize("keep_position", [None, False])
def test_a_stop_flattens_by_default(keep_position):
    executor = opened()

    close = one_place(executor.apply(stop(keep_position=keep_position)))

    assert (close.side, close.amount) == ("SELL", D(2))
    assert executor.apply(stop(seconds=6, keep_position=True)) == []  # closing: it stands
    executor.apply(fill(close, "2", price="99", final=True, seconds=7))
    assert executor.close_type is CloseType.EARLY_STOP and executor.held_fills() == []


def test_a_stop_while_the_entry_is_live_cancels_it_then_ends_early_stop():
    executor, (order,) = started()
    executor.apply(created(order))

    (cancel,) = executor.apply(stop())
    assert isinstance(cancel, CancelOrder) and executor.status is ExecutorStatus.CLOSING
    executor.apply(canceled(order, seconds=6))

    assert executor.state.position_state is S.CLOSED
    assert executor.close_type is CloseType.EARLY_STOP


def test_a_stop_keeping_the_position_holds_every_fill_for_the_ledger():
    executor, (order,) = started(
        LIMIT_TP, connector_name="binance_perpetual", position_mode="HEDGE"
    )
    take_profit = one_place(executor.apply(fill(order, "2", price="100", fee="0.2")))
    executor.apply(fill(take_profit, "0.5", price="103", fee="0.05", seconds=2))
    executor.apply(
        FundingPaid(ts_event=at(3), trading_pair=PAIR, payment_id="p1", amount=D("-0.1"))
    )

    (cancel,) = executor.apply(stop(seconds=4, keep_position=True))
    assert cancel.client_order_id == take_profit.client_order_id
    assert executor.apply(canceled(take_profit, seconds=5)) == []  # nothing is closed

    assert executor.state.position_state is S.CLOSED
    assert executor.close_type is CloseType.POSITION_HOLD
    held = executor.held_fills()
    key = HeldPositionKey("main", "binance_perpetual", PAIR, side="BUY")
    assert [k for k, _ in held] == [key] * 3
    assert [(f.side, f.base_amount, f.quote_amount, f.fee_quote) for _, f in held] == [
        ("BUY", D(2), D(200), D("0.2")),
        ("SELL", D("0.5"), D("51.5"), D("0.05")),
        ("BUY", 0, 0, D("0.1")),  # funding paid, as a fee
    ]
    info = executor.info(at(6))
    assert (info.net_pnl_quote, info.fees_paid_quote) == (0, D("0.25"))  # quirk 5
    assert info.volume_quote == D("251.5")
    details = info.details
    assert isinstance(details, PositionDetails)
    assert [o["trade_type"] for o in details.held_position_orders] == ["BUY", "SELL"]


def test_a_kept_stop_with_nothing_filled_ends_early_stop():
    executor, (order,) = started(keep_position=True)
    executor.apply(stop())

    executor.apply(canceled(order, seconds=6))

    assert executor.close_type is CloseType.EARLY_STOP and executor.held_fills() == []


# --- funding ---------------------------------------------------------------------------------


def test_funding_counts_once_in_the_net_pnl_and_only_while_exposed():
    executor = opened(connector_name="binance_perpetual")
    payment = FundingPayment(
        trading_pair=PAIR, payment_id="p1", amount=D("0.3"), rate=D("0.0001"), ts=at(5)
    )

    executor.apply(FundingPaid.of(payment))
    executor.apply(FundingPaid.of(payment))
    executor.apply(
        FundingPaid(ts_event=at(6), trading_pair="BTC-USDT", payment_id="p2", amount=D(1))
    )

    assert executor.state.funding_quote == D("0.3")
    executor.apply(price("100", seconds=7))
    assert executor.info(at(7)).net_pnl_quote == D("0.1")  # 0.3 funding - 0.2 fees
    close = one_place(executor.apply(stop(seconds=8)))
    executor.apply(fill(close, "2", price="100", fee="0", final=True, seconds=9))
    assert executor.is_terminated and executor.details().funding_quote == D("0.3")


def test_funding_of_the_other_hedge_side_is_ignored():
    executor = opened(connector_name="binance_perpetual", position_mode="HEDGE")
    short_side = FundingPaid(
        ts_event=at(5), trading_pair=PAIR, payment_id="p1", amount=D(1), position_side="SHORT"
    )
    long_side = FundingPaid(
        ts_event=at(5), trading_pair=PAIR, payment_id="p2", amount=D(2), position_side="LONG"
    )

    executor.apply(short_side)
    executor.apply(long_side)

    assert (executor.state.funding_quote, executor.state.funding_ids) == (D(2), ["p2"])


def test_funding_on_a_flat_position_is_ignored():
    executor, _ = started()

    executor.apply(FundingPaid(ts_event=at(1), trading_pair=PAIR, payment_id="p", amount=D(1)))

    assert executor.state.funding_quote == 0 and executor.state.funding_ids == []


# --- reports ---------------------------------------------------------------------------------


def test_details_carry_hummingbot_custom_info_keys():
    executor = opened(level_id="buy_0")
    executor.apply(price("101"))

    data = executor.info(at(3)).model_dump()["details"]

    for key in (
        "level_id",
        "current_position_average_price",
        "side",
        "current_retries",
        "max_retries",
        "close_price",
        "open_order_last_update",
        "order_ids",
        "held_position_orders",
    ):
        assert key in data
    assert (data["level_id"], data["side"], data["max_retries"]) == ("buy_0", "BUY", 10)
    assert data["current_position_average_price"] == D(100) and data["close_price"] == D(101)
    assert data["open_order_last_update"] == at(1)
    assert len(data["order_ids"]) == 1 and data["held_position_orders"] == []
    assert data["stop_loss_price"] == D("98.1") and data["end_time"] == at(60)


# --- restart ---------------------------------------------------------------------------------


def test_restart_mid_position_keeps_the_trailing_stop_and_the_command_sequence():
    executor = opened()
    executor.apply(price("102", seconds=2))  # arms the trailing stop at 101.5

    resumed = restarted(executor)

    assert isinstance(resumed.state, PositionExecutorState)
    assert resumed.state == executor.state
    assert (resumed.status, resumed.family_state) == (ExecutorStatus.ACTIVE, S.OPEN)
    assert resumed.apply(price("101.6", seconds=3)) == []
    close = one_place(resumed.apply(price("101.4", seconds=4)))
    assert resumed.close_type is CloseType.TRAILING_STOP
    assert close.command_id not in {o.command_id for o in executor.state.open_orders}
    closing = restarted(resumed)
    assert closing.status is ExecutorStatus.CLOSING
    assert closing.order_refs() == [OrderRef("binance", PAIR, close.client_order_id)]
    closing.apply(fill(close, "2", price="101.4", final=True, seconds=5))
    again = restarted(closing)
    assert (again.status, again.close_type, again.closed_at) == (
        ExecutorStatus.TERMINATED,
        CloseType.TRAILING_STOP,
        at(5),
    )


def test_restart_while_waiting_for_the_bounds():
    executor, _ = started(BOUNDED, **BOUNDS)

    resumed = restarted(executor)

    assert resumed.family_state is S.WAITING
    assert one_place(resumed.apply(price("100"))).amount == D(2)


# --- through the engine ----------------------------------------------------------------------


async def test_through_the_engine_a_stop_loss_closes_on_the_venue(tmp_path):
    clock = SimulatedClock(T0)
    venue = make_venue(tmp_path, clock)
    engine = Engine(
        store=MemoryStore(), clock=clock, executor_types=[PositionExecutor], venues={"ex": venue}
    )
    await engine.start()
    config = make_config(connector_name="ex")

    await engine.create(config)
    await engine.drain()
    assert engine.executor(config.id).family_state is S.OPEN
    clock.advance(seconds=1)
    assert engine.publish_price(PAIR, D(101)) == 1
    assert not engine.has_work  # a price inside the barriers changes nothing
    venue.price = D(97)
    engine.publish_price(PAIR, D(97))
    await engine.drain()

    info = engine.info(config.id)
    assert info.status is ExecutorStatus.TERMINATED and info.close_type is CloseType.STOP_LOSS
    assert info.net_pnl_quote < 0 and info.volume_quote == D(200) + D(194)
    assert engine.publish_price(PAIR, D(90)) == 0  # unsubscribed once ended
    venue.close()


async def test_through_the_engine_the_time_limit_fires_on_the_tick_at_its_exact_end(tmp_path):
    clock = SimulatedClock(T0)
    venue = make_venue(tmp_path, clock)
    engine = Engine(
        store=MemoryStore(), clock=clock, executor_types=[PositionExecutor], venues={"ex": venue}
    )
    await engine.start()
    config = make_config(connector_name="ex")
    await engine.create(config)
    await engine.drain()

    clock.advance(seconds=60 - 1e-6)
    assert engine.tick() == 1
    assert not engine.has_work and engine.info(config.id).status is ExecutorStatus.ACTIVE
    clock.advance(seconds=1e-6)
    engine.tick()
    await engine.drain()

    info = engine.info(config.id)
    assert (info.status, info.close_type) == (ExecutorStatus.TERMINATED, CloseType.TIME_LIMIT)
    assert info.closed_at == T0 + dt.timedelta(seconds=60)
    venue.close()


async def test_through_the_engine_a_kept_position_reaches_the_ledger(tmp_path):
    clock = SimulatedClock(T0)
    venue = make_venue(tmp_path, clock)
    engine = Engine(
        store=MemoryStore(), clock=clock, executor_types=[PositionExecutor], venues={"ex": venue}
    )
    await engine.start()
    config = make_config(connector_name="ex", controller_id="bot-1")
    await engine.create(config)
    await engine.drain()

    info = await engine.stop(config.id, keep_position=True)

    assert info.close_type is CloseType.POSITION_HOLD
    (position,) = engine.ledger.positions()
    assert position.key == HeldPositionKey("bot-1", "ex", PAIR)
    assert (position.net_base, position.average_price) == (D(2), D(100))
    venue.close()


async def test_a_process_restart_mid_position_resumes_the_trailing_stop_from_sqlite(tmp_path):
    clock = SimulatedClock(T0)
    venue = make_venue(tmp_path, clock)
    database = Database.open(f"sqlite:///{tmp_path / 'lpexec.db'}")
    first = Engine(
        database=database, clock=clock, executor_types=[PositionExecutor], venues={"ex": venue}
    )
    await first.start()
    config = make_config(connector_name="ex")
    await first.create(config)
    await first.drain()
    clock.advance(seconds=1)
    first.publish_price(PAIR, D(102))  # arms the trailing stop (persisted: it moved)
    del first

    second = Engine(
        database=database, clock=clock, executor_types=[PositionExecutor], venues={"ex": venue}
    )
    report = await second.start()
    assert report.resumed == [config.id]
    resumed = second.executor(config.id)
    assert resumed.state.trailing_stop_price == D("101.5")  # 102 - 0.005 x entry 100
    clock.advance(seconds=1)
    venue.price = D(101)
    second.publish_price(PAIR, D(101))
    await second.drain()

    info = second.info(config.id)
    assert (info.status, info.close_type) == (ExecutorStatus.TERMINATED, CloseType.TRAILING_STOP)
    database.close()
    venue.close()


class PaperRig:
    """A position engine on the paper exchange (SOL-USDT, maker 0.1 %, taker 0.2 %); each step
    moves the market, polls the live orders, publishes the mid and drains the commands."""

    def __init__(self) -> None:
        self.clock = SimulatedClock(T0)
        rules = TradingRules(price_tick=D("0.01"), amount_step=D("0.001"))
        self.exchange = PaperExchange(
            [Market(trading_pair=PAIR, rules=rules)],
            balances={"USDT": D(10_000), "SOL": D(0)},
            maker_fee=D("0.001"),
            taker_fee=D("0.002"),
        )
        venue = PaperExchangeVenue(self.exchange, clock=self.clock)
        self.engine = Engine(
            store=MemoryStore(),
            clock=self.clock,
            executor_types=[PositionExecutor],
            venues={"paper": venue},
        )
        self.poller = OrderPoller(self.engine)

    async def step(self, mid: str) -> None:
        self.clock.advance(seconds=1)
        spread = D("0.01")
        self.exchange.step(
            PAIR, bid=D(mid) - spread, ask=D(mid) + spread, last=D(mid), now=self.clock.now()
        )
        await self.poller.poll_once()
        self.engine.publish_price(PAIR, D(mid))
        await self.engine.drain()


async def test_on_the_paper_exchange_a_limit_entry_and_a_resting_take_profit_fill_by_polling():
    rig = PaperRig()
    await rig.engine.start()
    await rig.step("100")
    config = make_config(
        {**LIMIT_TP, "open_order_type": "LIMIT", "trailing_stop": None},
        connector_name="paper",
        entry_price=D(99),
    )
    executor = rig.engine.add(config)
    await rig.engine.drain()
    await rig.step("99.5")
    assert executor.family_state is S.OPENING  # the entry rests at 99

    await rig.step("98.9")  # the entry fills as maker; the take profit rests at 101.97
    assert executor.family_state is S.OPEN
    (take_profit,) = executor.order_refs()
    await rig.step("101.5")
    assert executor.family_state is S.OPEN
    await rig.step("102.5")

    info = rig.engine.info(config.id)
    assert (info.status, info.close_type) == (ExecutorStatus.TERMINATED, CloseType.TAKE_PROFIT)
    fees = D(99) * 2 * D("0.001") + D("101.97") * 2 * D("0.001")
    assert info.fees_paid_quote == fees
    assert info.net_pnl_quote == (D("101.97") - 99) * 2 - fees
    assert rig.exchange.balances()["SOL"].total == 0
    assert take_profit.client_order_id in info.details.order_ids


async def test_on_the_paper_exchange_a_stop_loss_sells_at_the_bid():
    rig = PaperRig()
    await rig.engine.start()
    await rig.step("100")
    config = make_config(
        {"stop_loss": D("0.02"), "open_order_type": "MARKET"}, connector_name="paper"
    )
    rig.engine.add(config)
    await rig.engine.drain()  # bought 2 at the ask, 100.01
    await rig.step("98.5")
    assert rig.engine.executor(config.id).family_state is S.OPEN

    await rig.step("97.9")  # below 100.01 x (1 - 0.02 + 0.002)

    info = rig.engine.info(config.id)
    assert (info.status, info.close_type) == (ExecutorStatus.TERMINATED, CloseType.STOP_LOSS)
    fees = (D("100.01") + D("97.89")) * 2 * D("0.002")
    assert info.fees_paid_quote == fees
    assert info.net_pnl_quote == (D("97.89") - D("100.01")) * 2 - fees
    assert rig.exchange.balances()["SOL"].total == 0


# --- a price covers the tick of its time ------------------------------------------------------


def _resting_limit_entry() -> PositionExecutor:
    """A LIMIT entry resting at 99 (no activation bounds: a market maker's level)."""
    executor, commands = started({**BARRIERS, "open_order_type": "LIMIT"}, entry_price=D(99))
    order = one_place(commands)
    executor.apply(created(order))
    return executor


@pytest.mark.parametrize("state", [S.NOT_STARTED, S.WAITING, S.OPENING, S.OPEN, S.CLOSING])
@pytest.mark.parametrize("seconds", [30, 59, 60, 61])
@pytest.mark.parametrize("book", [False, True])
def test_a_tick_right_after_a_price_of_its_time_changes_nothing(state, seconds, book):
    # Arrange: every state, before, at and after the time limit (60 s), a price or the touch
    for executor in (_reach(state)[0], _resting_limit_entry() if state is S.OPENING else None):
        if executor is None:
            continue
        event = (
            TopOfBookUpdated(
                ts_event=at(seconds),
                trading_pair=PAIR,
                price=D("100.5"),
                best_bid=D(100),
                best_ask=D(101),
            )
            if book
            else price("100.5", seconds=seconds)
        )
        executor.apply(event)
        before = (executor.snapshot(), executor.status, executor.close_type, executor.revision)
        # Act
        commands = executor.apply(Tick(ts_event=at(seconds)))
        # Assert: what engines rely on to skip that tick (Engine.tick(after=price))
        assert PositionExecutor.prices_cover_ticks is True
        assert commands == []
        assert (executor.snapshot(), executor.status, executor.close_type, executor.revision) == (
            before
        )


async def test_the_engine_skips_the_tick_a_price_of_its_time_covered():
    clock = SimulatedClock(T0)
    exchange = PaperExchange(
        [
            Market(
                trading_pair=PAIR, rules=TradingRules(price_tick=D("0.01"), amount_step=D("0.001"))
            )
        ],
        balances={"USDT": D(10_000), "SOL": D(10)},
    )
    venue = PaperExchangeVenue(exchange, clock=clock)
    engine = Engine(
        store=MemoryStore(),
        clock=clock,
        executor_types=[PositionExecutor],
        venues={"binance": venue},
    )
    await engine.start()
    engine.add(make_config({**BARRIERS, "open_order_type": "LIMIT"}, entry_price=D(99)))
    clock.set(at(5))
    touch = PriceUpdated(ts_event=at(5), trading_pair=PAIR, price=D(100))
    # Act / Assert: covered right after its price; not for another event, nor at another time
    assert engine.publish(touch) == 1
    assert engine.tick(after=touch) == 0
    assert engine.tick() == 1
    assert engine.tick(after=price("100", seconds=5)) == 1  # not the price published last
    clock.set(at(6))
    assert engine.tick(after=touch) == 1  # a later tick is not covered

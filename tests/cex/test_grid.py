"""The grid executor, pure: its tables, level generation, placing, fills, barriers at their exact
boundaries, rejections, endings and restart."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from fixtures.events import T0, at, command_failed
from fixtures.transition_tables import (
    assert_pair_is_refused,
    assert_row_fires,
    assert_terminal,
    missing_pairs,
)
from lpexec.cex.grid import (
    GRID_STATUS,
    GRID_TRANSITIONS,
    GridDetails,
    GridExecutor,
    GridExecutorConfig,
    GridState,
    GridTrigger,
)
from lpexec.cex.grid_levels import (
    LEVEL_TRANSITIONS,
    Inventory,
    LevelState,
    LevelTrigger,
    generate_levels,
)
from lpexec.core import (
    CancelOrder,
    CloseType,
    ConfigError,
    Database,
    Engine,
    ExecutorStarted,
    ExecutorStatus,
    OrderCanceled,
    OrderCreated,
    OrderFailed,
    OrderFilled,
    PlaceOrder,
    PriceUpdated,
    SimulatedClock,
    StopRequested,
    Tick,
    parse_config,
)

D = Decimal
G, GT = GridState, GridTrigger
L, LT = LevelState, LevelTrigger
PAIR = "SOL-USDT"


# --- builders -------------------------------------------------------------------------------


def make_config(**fields) -> GridExecutorConfig:
    barriers = fields.pop("barriers", {})
    values = {
        "id": "grid-1",
        "connector_name": "binance",
        "trading_pair": PAIR,
        "start_price": D(100),
        "end_price": D(120),
        "limit_price": D(90),
        "total_amount_quote": D(100),
        "min_spread_between_orders": D("0.01"),
        "min_order_amount_quote": D(9),
        "safe_extra_spread": D("0.0001"),
        "triple_barrier_config": {"take_profit": D("0.01"), **barriers},
    }
    values.update(fields)
    return GridExecutorConfig(**values)


def price(value, seconds=1) -> PriceUpdated:
    return PriceUpdated(ts_event=at(seconds), trading_pair=PAIR, price=D(value))


def started(mid="110", seconds=1, **fields) -> tuple[GridExecutor, list[PlaceOrder]]:
    """A grid started and given its first price; returns the open orders it placed."""
    executor = GridExecutor(make_config(**fields), created_at=T0)
    assert executor.apply(ExecutorStarted(ts_event=T0)) == []
    return executor, executor.apply(price(mid, seconds))


def created(command, seconds=2) -> OrderCreated:
    return OrderCreated(
        ts_event=at(seconds),
        command_id=command.command_id,
        client_order_id=command.client_order_id,
        venue_order_id=f"v-{command.command_id}",
    )


def fill(command, base=None, at_price=None, fee="0", seconds=2, fill_id=None, final=False):
    amount = command.amount if base is None else D(base)
    fill_price = command.price if at_price is None else D(at_price)
    return OrderFilled(
        ts_event=at(seconds),
        command_id=command.command_id,
        client_order_id=command.client_order_id,
        fill_id=fill_id or f"f-{command.client_order_id}-{amount}-{seconds}",
        side=command.side,
        base_amount=amount,
        price=fill_price,
        fee_quote=D(fee),
        is_final=final,
    )


def canceled(command, seconds=3) -> OrderCanceled:
    return OrderCanceled(
        ts_event=at(seconds), command_id=command.command_id, client_order_id=command.client_order_id
    )


def failed(command, seconds=2, reason="rejected") -> OrderFailed:
    return OrderFailed(
        ts_event=at(seconds),
        command_id=command.command_id,
        client_order_id=command.client_order_id,
        reason=reason,
    )


def stop(seconds=5, keep_position=None) -> StopRequested:
    return StopRequested(ts_event=at(seconds), keep_position=keep_position)


def places(commands) -> list[PlaceOrder]:
    return [command for command in commands if isinstance(command, PlaceOrder)]


def cancels(commands) -> list[CancelOrder]:
    return [command for command in commands if isinstance(command, CancelOrder)]


def level_of(executor: GridExecutor, command):
    """The level holding ``command``'s order."""
    return executor.state.levels[executor.state.live[command.client_order_id]]


def answer_cancels(executor, commands, seconds=6) -> list:
    """Answer every cancel in ``commands`` (the venue canceled them); return what came back."""
    out: list = []
    for cancel in cancels(commands):
        out.extend(executor.apply(canceled(cancel, seconds)))
    return out


def restarted(executor: GridExecutor) -> GridExecutor:
    return GridExecutor.restore(executor.config, executor.snapshot())


def filled_one(mid="110", **fields):
    """A running grid whose nearest open order filled at its price (no fee): its close order."""
    executor, opens = started(mid, **fields)
    (close,) = executor.apply(fill(opens[0], seconds=2))
    return executor, opens, close


# --- the tables -----------------------------------------------------------------------------


@pytest.mark.parametrize(("move", "target"), sorted(GRID_TRANSITIONS.items()), ids=str)
def test_every_grid_row(move, target):
    assert_row_fires(GRID_TRANSITIONS, move, target)


@pytest.mark.parametrize(
    ("state", "trigger"), missing_pairs(GRID_TRANSITIONS, GridState, GridTrigger), ids=str
)
def test_every_illegal_grid_pair(state, trigger):
    assert_pair_is_refused(GRID_TRANSITIONS, state, trigger)


def test_grid_terminal_states_are_final_and_every_state_has_a_status():
    assert_terminal(GRID_TRANSITIONS, GRID_STATUS, (G.DONE, G.FAILED))
    assert set(GRID_STATUS) == set(GridState)
    assert GRID_STATUS[G.NOT_STARTED] is ExecutorStatus.CREATED
    assert GRID_STATUS[G.CANCELING] is GRID_STATUS[G.CLOSING] is ExecutorStatus.CLOSING


@pytest.mark.parametrize(("move", "target"), sorted(LEVEL_TRANSITIONS.items()), ids=str)
def test_every_level_row(move, target):
    assert_row_fires(LEVEL_TRANSITIONS, move, target)


@pytest.mark.parametrize(
    ("state", "trigger"), missing_pairs(LEVEL_TRANSITIONS, LevelState, LevelTrigger), ids=str
)
def test_every_illegal_level_pair(state, trigger):
    assert_pair_is_refused(LEVEL_TRANSITIONS, state, trigger)


# Each grid row, reached by events: (executor in the row's state, the event that fires it).


def _in_canceling(*, inventory: bool, **fields):
    executor, opens = started(**fields)
    if inventory:
        executor.apply(fill(opens[0]))
    commands = executor.apply(stop(keep_position=False))
    return executor, commands


def _row_not_started_start():
    return GridExecutor(make_config(), created_at=T0), ExecutorStarted(ts_event=T0)


def _row_not_started_stop():
    return GridExecutor(make_config(), created_at=T0), stop()


def _row_awaiting_activate():
    executor = GridExecutor(make_config(), created_at=T0)
    executor.apply(ExecutorStarted(ts_event=T0))
    return executor, price("110")


def _row_awaiting_stop():
    executor = GridExecutor(make_config(), created_at=T0)
    executor.apply(ExecutorStarted(ts_event=T0))
    return executor, stop()


def _row_running_stop():
    executor, _ = started()
    return executor, stop()


def _row_canceling(inventory: bool, **fields):
    executor, commands = _in_canceling(inventory=inventory, **fields)
    *first, last = cancels(commands)
    answer_cancels(executor, first)
    return executor, canceled(last, 7)


def _row_canceling_fail():
    executor, opens = started(max_retries=0)
    commands = executor.apply(failed(opens[0]))
    assert executor.state.grid_state is G.CANCELING
    *first, last = cancels(commands)
    answer_cancels(executor, first)
    return executor, canceled(last, 7)


def _in_closing(**fields):
    executor, commands = _in_canceling(inventory=True, **fields)
    (market,) = answer_cancels(executor, commands)
    assert executor.state.grid_state is G.CLOSING
    return executor, market


def _row_closing_reclose():
    executor, market = _in_closing()
    return executor, canceled(market, 8)  # the market order's unfilled rest (nothing filled)


def _row_closing_finish():
    executor, market = _in_closing()
    return executor, fill(market, at_price="109", seconds=8, final=True)


def _row_closing_fail():
    executor, market = _in_closing(max_retries=0)
    return executor, failed(market, 8)


ROW_SCENARIOS = {
    (G.NOT_STARTED, GT.START): _row_not_started_start,
    (G.NOT_STARTED, GT.STOP): _row_not_started_stop,
    (G.AWAITING_PRICE, GT.ACTIVATE): _row_awaiting_activate,
    (G.AWAITING_PRICE, GT.STOP): _row_awaiting_stop,
    (G.RUNNING, GT.STOP): _row_running_stop,
    (G.CANCELING, GT.FLATTEN): lambda: _row_canceling(True),
    (G.CANCELING, GT.FINISH): lambda: _row_canceling(False),
    (G.CANCELING, GT.FAIL): _row_canceling_fail,
    (G.CLOSING, GT.RECLOSE): _row_closing_reclose,
    (G.CLOSING, GT.FINISH): _row_closing_finish,
    (G.CLOSING, GT.FAIL): _row_closing_fail,
}


def test_every_grid_row_has_a_scenario():
    assert set(ROW_SCENARIOS) == set(GRID_TRANSITIONS)


@pytest.mark.parametrize(("move", "target"), sorted(GRID_TRANSITIONS.items()), ids=str)
def test_every_grid_row_is_reached_by_an_event(move, target):
    executor, event = ROW_SCENARIOS[move]()
    assert executor.state.grid_state is move[0]

    executor.apply(event)

    assert executor.state.grid_state is target
    assert executor.status is GRID_STATUS[target]
    if executor.is_terminated:
        assert executor.closed_at is not None and executor.close_type is not None


# --- config ---------------------------------------------------------------------------------


def test_config_uses_hummingbot_names_and_defaults():
    config = GridExecutorConfig(
        connector_name="binance",
        trading_pair=PAIR,
        start_price=D(100),
        end_price=D(120),
        limit_price=D(90),
        total_amount_quote=D(100),
        triple_barrier_config={"take_profit": D("0.01")},
    )

    assert (config.side, config.min_spread_between_orders, config.min_order_amount_quote) == (
        "BUY",
        D("0.0005"),
        D(5),
    )
    assert (config.max_open_orders, config.max_orders_per_batch, config.order_frequency) == (
        5,
        None,
        0,
    )
    assert (config.safe_extra_spread, config.leverage, config.keep_position) == (
        D("0.0001"),
        20,
        False,
    )
    assert config.triple_barrier_config.stop_loss_order_type == "MARKET"
    assert config.price_keys() == frozenset({PAIR})
    assert config.exposure().quote_amount == D(100)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"start_price": D(130)}, "start_price: expected below end_price 120"),
        ({"limit_price": D(100)}, "limit_price: a BUY grid stops below its range"),
        ({"side": "SELL"}, "limit_price: a SELL grid stops above its range"),
        ({"triple_barrier_config": {}}, "take_profit"),
        (
            {"triple_barrier_config": {"take_profit": "0.01", "stop_loss_order_type": "LIMIT"}},
            "stop_loss_order_type: expected MARKET, received LIMIT",
        ),
        ({"total_amount_quote": D(0)}, "total_amount_quote"),
        ({"max_open_orders": 0}, "max_open_orders"),
        ({"bogus": 1}, "bogus: unknown field"),
    ],
)
def test_config_refuses(fields, message):
    data = make_config().model_dump() | fields

    with pytest.raises(ConfigError, match=message):
        parse_config(GridExecutorConfig, data)


# --- level generation -----------------------------------------------------------------------


def _plan(**fields):
    values = {
        "start_price": D(100),
        "end_price": D(120),
        "total_amount_quote": D(100),
        "mid_price": D(110),
        "min_spread_between_orders": D("0.01"),
        "min_order_amount_quote": D(9),
        "take_profit": D("0.01"),
    }
    values.update(fields)
    return generate_levels(**values)


def test_levels_match_the_reference_worked_example():
    plan = _plan()

    prices = [level.price.quantize(D("0.01")) for level in plan.levels]
    assert prices == [
        D(p) for p in "100 102.22 104.44 106.67 108.89 111.11 113.33 115.56 117.78 120".split()
    ]
    assert plan.min_quote == D("9.45")
    assert {level.amount_quote for level in plan.levels} == {D(10)}
    assert [level.id for level in plan.levels] == [f"L{i}" for i in range(10)]


def test_a_budget_below_one_level_gives_one_middle_level_of_the_minimum():
    plan = _plan(total_amount_quote=D(5))

    (level,) = plan.levels
    assert (level.price, level.amount_quote) == (D(110), D("9.45"))


def test_a_range_narrower_than_one_step_gives_one_level_instead_of_a_crash():
    plan = _plan(end_price=D("100.5"))  # range 0.005 < min spread 0.01

    (level,) = plan.levels
    assert level.price == D("100.25") and plan.step == D("0.005")


def test_the_spread_bounds_the_number_of_levels():
    plan = _plan(total_amount_quote=D(10_000), min_spread_between_orders=D("0.05"))

    assert len(plan.levels) == 4  # floor(0.2 / 0.05)
    assert plan.levels[0].amount_quote == D(2500)


def test_without_a_minimum_step_the_budget_alone_bounds_the_levels():
    plan = _plan(min_spread_between_orders=D(0), min_order_amount_quote=D(20))

    assert len(plan.levels) == 4  # floor(100 / 21)


def test_market_rules_round_prices_amounts_and_raise_the_minimum():
    plan = _plan(price_tick=D("0.1"), amount_step=D("0.01"), min_notional=D(20))

    # min_base = ceil(1.05 x 20 / 110, 0.01) = 0.20 -> min quote 22; floor(100 / 22) = 4 levels
    assert plan.min_quote == D(22)
    assert len(plan.levels) == 4
    assert all(level.price == level.price.quantize(D("0.1")) for level in plan.levels)
    assert plan.levels[1].price == D("106.6")  # 106.666... floored to the tick
    assert plan.levels[0].amount_quote == D("24.2")  # floor(100 / 440, 0.01) = 0.22 base x 110


def test_coerce_tp_to_step_makes_each_take_profit_at_least_the_step():
    assert {lv.take_profit for lv in _plan(coerce_tp_to_step=True).levels} == {D(2) / 90}
    assert {lv.take_profit for lv in _plan().levels} == {D("0.01")}


@pytest.mark.parametrize("seed", range(40))
def test_generated_levels_are_ordered_inside_the_range_and_within_budget(seed):
    rng = random.Random(seed)
    start = D(rng.randint(10, 1000))
    end = start * (1 + D(rng.randint(1, 500)) / 1000)
    total = D(rng.randint(1, 100_000))
    mid = start + (end - start) * D(rng.randint(0, 100)) / 100

    plan = _plan(
        start_price=start,
        end_price=end,
        total_amount_quote=total,
        mid_price=mid,
        min_spread_between_orders=D(rng.randint(0, 50)) / 10_000,
        min_order_amount_quote=D(rng.randint(1, 50)),
    )

    prices = [level.price for level in plan.levels]
    assert prices == sorted(prices) and len(prices) >= 1
    assert start <= prices[0] and prices[-1] <= end
    if total >= plan.min_quote:
        assert plan.quote_per_level * len(prices) <= total
        assert plan.quote_per_level >= plan.min_quote


def test_inventory_takes_its_share_of_cost_and_fees():
    inventory = Inventory()
    inventory.add(D(2), D(200), D("0.2"))

    assert inventory.take(D("0.5")) == (D("0.5"), D(50), D("0.05"))
    assert (inventory.base, inventory.cost, inventory.fees) == (D("1.5"), D(150), D("0.15"))
    assert inventory.take(D(9)) == (D("1.5"), D(150), D("0.15"))
    assert inventory.base == 0 and inventory.average_price == 0


# --- starting and placing ---------------------------------------------------------------------


def test_start_waits_for_a_price_then_generates_levels_and_places_the_nearest():
    executor = GridExecutor(make_config(), created_at=T0)
    executor.apply(ExecutorStarted(ts_event=T0))
    assert executor.state.grid_state is G.AWAITING_PRICE and executor.state.levels == []

    opens = executor.apply(price("110"))

    assert executor.state.grid_state is G.RUNNING and len(executor.state.levels) == 10
    assert len(opens) == 5  # max_open_orders
    placed = [level_of(executor, command).id for command in opens]
    assert placed == ["L4", "L5", "L3", "L6", "L2"]  # nearest the mid first, ties in level order
    assert all(command.side == "BUY" and command.order_type == "LIMIT" for command in opens)
    assert all(command.position_action is None for command in opens)  # spot
    counts = executor.state.level_counts
    assert (counts[L.NOT_ACTIVE], counts[L.OPEN_ORDER_PLACED]) == (5, 5)


def test_a_buy_level_above_the_mid_is_placed_just_below_the_mid():
    executor, opens = started()

    above = [command for command in opens if level_of(executor, command).price > D(110)]
    below = [command for command in opens if level_of(executor, command).price < D(110)]
    assert {command.price for command in above} == {D(110) * (1 - D("0.0001"))}
    assert all(command.price == level_of(executor, command).price for command in below)


def test_each_level_spends_its_quote_at_its_order_price():
    executor, opens = started()

    for command in opens:
        assert command.amount * command.price == pytest.approx(D(10), rel=D("1e-20"))


def test_max_open_orders_is_a_cap_and_a_fill_frees_a_slot():
    executor, opens = started()
    assert executor.apply(price("110", 2)) == []  # five rest already: none more

    commands = executor.apply(fill(opens[0], seconds=3))
    assert [c.side for c in places(commands)] == ["SELL"]  # the take profit, at once
    more = executor.apply(price("110", 4))

    assert len(places(more)) == 1 and more[0].side == "BUY"
    assert executor.state.level_counts[L.OPEN_ORDER_PLACED] == 5


def test_max_orders_per_batch_limits_each_batch():
    executor, opens = started(max_orders_per_batch=2)
    assert len(opens) == 2

    assert len(executor.apply(price("110", 2))) == 2


@pytest.mark.parametrize(("seconds", "placed"), [(10.999, 0), (11, 2)])
def test_order_frequency_gates_batches_at_its_exact_boundary(seconds, placed):
    executor, opens = started(max_orders_per_batch=2, order_frequency=10)  # batch at t=1
    assert len(opens) == 2

    assert len(executor.apply(Tick(ts_event=at(seconds)))) == placed


def test_activation_bounds_place_only_near_levels_and_cancel_what_drifts_away():
    executor, opens = started(activation_bounds=D("0.03"), max_open_orders=10)

    # BUY levels at or above 110 x 0.97 = 106.7: 106.67 is just below, so L4..L9
    assert sorted(level_of(executor, c).id for c in opens) == ["L4", "L5", "L6", "L7", "L8", "L9"]
    commands = executor.apply(price("116", 2))  # every order (<= 109.99) is now > 3 % away

    assert len(cancels(commands)) == 6 and places(commands) == []
    answer_cancels(executor, commands, seconds=3)
    replaced = executor.apply(price("116", 4))
    # now the levels at or above 116 x 0.97 = 112.52, those above the mid just below it
    assert sorted((level_of(executor, c).id, c.price) for c in replaced) == [
        ("L6", D(340) / 3),
        ("L7", D(1040) / 9),
        ("L8", D(116) * D("0.9999")),
        ("L9", D(116) * D("0.9999")),
    ]


def test_a_close_outside_the_activation_bounds_waits_until_the_price_comes_near():
    executor, (order,) = started(activation_bounds=D("0.005"), max_open_orders=1)
    assert level_of(executor, order).id == "L5"  # the only level within 0.5 % (at 109.99)

    assert places(executor.apply(fill(order, seconds=2))) == []  # its take profit 112.22: 2 % away
    assert executor.state.level_counts[L.OPEN_ORDER_FILLED] == 1
    closes = [c for c in places(executor.apply(price("112", 3))) if c.side == "SELL"]

    assert [c.price for c in closes] == [D(1000) / 9 * D("1.01")]


def test_a_sell_grid_sells_levels_and_buys_back_lower():
    executor, opens = started(side="SELL", limit_price=D(130))

    assert all(command.side == "SELL" for command in opens)
    at_or_below = [c for c in opens if level_of(executor, c).price <= D(110)]
    assert {c.price for c in at_or_below} == {D(110) * (1 + D("0.0001"))}
    executor.apply(price("113.3", 2))
    l6 = next(c for c in opens if level_of(executor, c).id == "L6")  # 113.33, sold at its price
    (close,) = executor.apply(fill(l6, seconds=3))
    assert (close.side, close.price) == ("BUY", D(340) / 3 * D("0.99"))
    assert executor.details().inventory_delta_base == -l6.amount


def test_market_rules_round_orders_and_a_perpetual_connector_sets_position_actions():
    executor, opens = started(
        connector_name="binance_perpetual", price_tick=D("0.01"), amount_step=D("0.001")
    )

    assert all(c.price == c.price.quantize(D("0.01")) for c in opens)
    assert all(c.amount == c.amount.quantize(D("0.001")) for c in opens)
    assert {c.position_action for c in opens} == {"OPEN"}
    (close,) = executor.apply(fill(opens[0]))
    assert close.position_action == "CLOSE"
    assert level_of(executor, close).price == D("111.11")  # 111.111... floored to the tick
    assert close.price == D("112.23")  # 111.11 x 1.01 = 112.2211 rounded up to the tick


# --- fills ----------------------------------------------------------------------------------


def test_a_level_buys_takes_its_profit_one_step_above_its_level_and_trades_again():
    executor, opens = started()
    order = opens[0]
    level = executor.state.levels[4]
    executor.apply(price("108.5", 2))  # the price came down through L4 (108.89)

    (close,) = executor.apply(fill(order, seconds=3))
    assert level.state is L.CLOSE_ORDER_PLACED
    assert (close.side, close.amount) == ("SELL", order.amount)
    assert close.price == level.price * D("1.01")  # relative to the level price
    executor.apply(fill(close, fee="0.01", seconds=4))

    assert level.state is L.NOT_ACTIVE and level.cycles == 1
    expected = close.amount * close.price - order.amount * order.price - D("0.01")
    details = executor.details()
    assert details.realized_pnl_quote == expected
    assert details.completed_cycles == 1 and details.position_size_base == 0
    again = places(executor.apply(price("110", 5)))
    assert [executor.state.live[c.client_order_id] for c in again] == [4]


def test_a_take_profit_at_or_below_the_mid_is_placed_just_above_the_mid():
    executor, opens, close = filled_one()  # L4 108.89 x 1.01 = 109.98 <= mid 110

    assert (close.side, close.price) == ("SELL", D(110) * D("1.0001"))


def test_partial_fills_accumulate_and_the_same_fill_counts_once():
    executor, opens = started()
    order = opens[0]
    half = fill(order, base=order.amount / 2, fill_id="a")

    executor.apply(half)
    executor.apply(half)

    level = executor.state.levels[4]
    assert level.state is L.OPEN_ORDER_PLACED and level.inventory.base == order.amount / 2
    (close,) = executor.apply(fill(order, base=order.amount / 2, fill_id="b", seconds=3))
    assert close.amount == order.amount


def test_a_canceled_open_order_keeps_its_partial_fill_and_takes_profit_on_it():
    executor, opens = started(activation_bounds=D("0.03"))
    order = next(c for c in opens if executor.state.live[c.client_order_id] == 4)
    executor.apply(fill(order, base="0.05"))
    (cancel,) = cancels(executor.apply(price("113", 3)))  # only L4's 108.89 is > 3 % away

    executor.apply(canceled(cancel, 4))
    closes = places(executor.apply(price("110", 5)))

    level = executor.state.levels[4]
    assert level.inventory.base == D("0.05")
    assert [(c.side, c.amount) for c in closes if c.side == "SELL"] == [("SELL", D("0.05"))]


def test_a_partial_fill_below_the_minimums_goes_to_the_residual():
    executor, opens = started(amount_step=D("0.001"), min_notional=D(5))
    order = opens[0]
    executor.apply(fill(order, base="0.01"))  # ~1.09 quote: below the 5 minimum

    executor.apply(canceled(order, 3))

    assert executor.state.levels[4].state is L.NOT_ACTIVE
    assert executor.state.residual.base == D("0.01")
    assert executor.details().residual_base == D("0.01")
    assert executor.details().position_size_base == D("0.01")


def test_a_partly_filled_close_that_ends_recloses_only_the_rest():
    executor, opens, close = filled_one()
    executor.apply(fill(close, base="0.03", seconds=3))

    executor.apply(canceled(close, 4))
    (again,) = [c for c in places(executor.apply(price("110", 5))) if c.side == "SELL"]

    assert again.side == "SELL" and again.amount == close.amount - D("0.03")
    assert executor.details().realized_pnl_quote > 0


def test_deduct_base_fees_closes_what_is_left_after_the_fee():
    executor, opens = started(deduct_base_fees=True)
    order = opens[0]

    (close,) = executor.apply(fill(order, fee="0.01"))

    assert close.amount == order.amount - D("0.01") / order.price


def test_pnl_adds_up_to_cash_flow_plus_inventory_at_the_mid():
    executor, opens = started(max_open_orders=10)
    fees = D(0)
    cash = D(0)
    for index, order in enumerate(opens[:4]):
        fee = D("0.01") * (index + 1)
        commands = executor.apply(fill(order, fee=str(fee), seconds=2 + index))
        fees += fee
        cash -= order.amount * order.price
        if index % 2 == 0:
            (close,) = places(commands)
            executor.apply(fill(close, base=close.amount / 3, fee="0.005", seconds=10 + index))
            fees += D("0.005")
            cash += close.amount / 3 * close.price
    executor.apply(price("107.5", 20))

    info = executor.info(at(20))
    state = executor.state
    held = state.bought_base - state.sold_base
    expected = cash + held * D("107.5") - fees
    assert abs(info.net_pnl_quote - expected) < D("1e-20")
    assert info.fees_paid_quote == fees
    details = executor.details()
    assert details.realized_pnl_quote + details.position_pnl_quote == info.net_pnl_quote
    assert info.net_pnl_pct == info.net_pnl_quote / D(100)


# --- rejections -----------------------------------------------------------------------------


def test_a_refused_open_frees_its_level_which_is_placed_again():
    executor, opens = started()

    executor.apply(failed(opens[0]))

    assert executor.state.levels[4].state is L.NOT_ACTIVE
    assert executor.details().failed_orders == 1 and executor.state.failures == 1
    again = executor.apply(price("110", 3))
    assert [executor.state.live[c.client_order_id] for c in again] == [4]
    executor.apply(created(again[0], 4))
    assert executor.state.failures == 0  # accepted: the count starts over


def test_a_refused_place_command_is_a_refused_order():
    executor, opens = started()

    executor.apply(command_failed(opens[1], 2, "insufficient balance", code="insufficient_funds"))

    assert executor.state.levels[5].state is L.NOT_ACTIVE
    assert "insufficient balance" in executor.state.failure_reason


def test_too_many_refusals_in_a_row_end_failed_holding_what_filled():
    executor, opens = started(max_retries=1)
    executor.apply(fill(opens[0]))  # L4 holds inventory; its close order is out
    executor.apply(failed(opens[1]))
    assert executor.state.grid_state is G.RUNNING

    commands = executor.apply(failed(opens[2], 3))

    assert executor.state.grid_state is G.CANCELING
    answer_cancels(executor, commands)
    assert executor.state.grid_state is G.FAILED
    assert executor.close_type is CloseType.POSITION_HOLD
    assert "2 orders refused in a row" in executor.state.failure_reason
    ((key, held),) = executor.held_fills()
    assert (key.connector, held.side, held.base_amount) == ("binance", "BUY", opens[0].amount)


def test_an_unknown_place_outcome_keeps_the_order_live_and_reports_stranded():
    executor, opens = started()

    executor.apply(command_failed(opens[0], 2, "timeout", code="outcome_unknown"))

    assert opens[0].client_order_id in {ref.client_order_id for ref in executor.order_refs()}
    assert "may be open" in (executor.info(at(2)).stranded_reason or "")
    executor.apply(created(opens[0], 3))
    assert executor.info(at(3)).stranded_reason is None


def test_a_retryable_cancel_refusal_is_sent_again_and_a_final_one_gives_the_order_up():
    executor, opens = started()
    commands = executor.apply(stop())
    first, second, *rest = cancels(commands)

    (again,) = executor.apply(command_failed(first, 6, "timeout", retryable=True))
    assert again.client_order_id == first.client_order_id and again.command_id != first.command_id
    executor.apply(command_failed(second, 6, "unknown order", code="order_not_found"))
    assert "may still be open" in executor.state.failure_reason
    answer_cancels(executor, [again, *rest], seconds=7)

    assert executor.state.grid_state is G.DONE and executor.close_type is CloseType.EARLY_STOP


def test_a_repeated_confirmation_changes_nothing():
    executor, opens = started()
    executor.apply(created(opens[0]))
    revision = executor.revision

    assert executor.apply(created(opens[0], 3)) == []  # the poller read the record again

    assert executor.revision == revision


def test_orders_of_others_change_nothing():
    executor, opens = started()
    revision = executor.revision
    stranger = OrderFilled(
        ts_event=at(2),
        command_id="x",
        client_order_id="someone-else",
        fill_id="z",
        side="BUY",
        base_amount=D(1),
        price=D(1),
    )

    for event in (stranger, canceled(stranger), failed(stranger), created(stranger)):
        assert executor.apply(event) == []
    assert executor.revision == revision


# --- barriers, each at its exact boundary -----------------------------------------------------


def _holding_at_100(**fields):
    """A grid whose L4 bought its order amount at exactly 100 (cost basis 100, no fee)."""
    executor, opens = started(**fields)
    executor.apply(fill(opens[0], at_price="100"))
    return executor


@pytest.mark.parametrize(("mid", "fires"), [("95", True), ("95.01", False)])
def test_stop_loss_fires_at_exactly_minus_stop_loss(mid, fires):
    executor = _holding_at_100(barriers={"stop_loss": D("0.05")})

    executor.apply(price(mid, 3))

    assert executor.position_pnl_pct == D(mid) / 100 - 1
    assert (executor.close_type is CloseType.STOP_LOSS) is fires
    assert executor.state.grid_state is (G.CANCELING if fires else G.RUNNING)


@pytest.mark.parametrize(
    ("mid", "keep", "close_type"),
    [
        ("90", False, CloseType.STOP_LOSS),
        ("90", True, CloseType.POSITION_HOLD),
        ("90.01", False, None),
    ],
)
def test_limit_price_fires_at_exactly_the_limit(mid, keep, close_type):
    executor = _holding_at_100(keep_position=keep)

    commands = executor.apply(price(mid, 3))

    assert executor.close_type is close_type
    if close_type is CloseType.POSITION_HOLD:
        answer_cancels(executor, commands)
        assert executor.state.grid_state is G.DONE and len(executor.held_fills()) == 1


@pytest.mark.parametrize(("mid", "fires"), [("130", True), ("129.99", False)])
def test_a_sell_grid_limit_price_fires_at_exactly_the_limit(mid, fires):
    executor, _ = started(side="SELL", limit_price=D(130))

    executor.apply(price(mid, 2))

    assert (executor.close_type is CloseType.STOP_LOSS) is fires


@pytest.mark.parametrize(("seconds", "fires"), [(59.999, False), (60, True)])
def test_time_limit_fires_at_exactly_created_plus_limit(seconds, fires):
    executor, _ = started(barriers={"time_limit": 60})

    executor.apply(Tick(ts_event=at(seconds)))

    assert (executor.close_type is CloseType.TIME_LIMIT) is fires


def test_time_limit_while_waiting_for_a_price_ends_without_orders():
    executor = GridExecutor(make_config(barriers={"time_limit": 60}), created_at=T0)
    executor.apply(ExecutorStarted(ts_event=T0))

    assert executor.apply(Tick(ts_event=at(60))) == []

    assert executor.state.grid_state is G.DONE and executor.close_type is CloseType.TIME_LIMIT


def test_trailing_stop_arms_above_activation_ratchets_and_fires_below_the_trigger():
    barriers = {"trailing_stop": {"activation_price": D("0.02"), "trailing_delta": D("0.01")}}
    executor = _holding_at_100(barriers=barriers, end_price=D(130), max_open_orders=1)

    executor.apply(price("102", 3))  # exactly the activation: not armed (strictly above)
    assert executor.state.trailing_trigger is None
    executor.apply(price("103", 4))
    assert executor.state.trailing_trigger == D("0.02")
    executor.apply(price("105", 5))
    assert executor.state.trailing_trigger == D("0.04")
    executor.apply(price("104", 6))  # exactly the trigger: holds (fires strictly below)
    assert executor.state.grid_state is G.RUNNING
    executor.apply(price("103.99", 7))

    assert executor.close_type is CloseType.TRAILING_STOP


def test_trailing_stop_is_disarmed_when_the_grid_is_flat_again():
    barriers = {"trailing_stop": {"activation_price": D("0.02"), "trailing_delta": D("0.01")}}
    executor, opens = started(barriers=barriers, end_price=D(130), max_open_orders=1)
    (close,) = executor.apply(fill(opens[0], at_price="100"))
    executor.apply(price("105", 3))
    assert executor.state.trailing_trigger == D("0.04")

    executor.apply(fill(close, at_price="105", seconds=4))  # took its profit: flat
    executor.apply(price("104", 5))

    assert executor.state.position.base == 0 and executor.state.trailing_trigger is None
    assert executor.state.grid_state is G.RUNNING


@pytest.mark.parametrize(
    ("side", "mid", "fires"),
    [
        ("BUY", "120", False),
        ("BUY", "120.01", True),
        ("SELL", "100", False),
        ("SELL", "99.99", True),
    ],
)
def test_take_profit_fires_strictly_beyond_the_range(side, mid, fires):
    limit = D(90) if side == "BUY" else D(130)
    executor, _ = started(side=side, limit_price=limit)

    executor.apply(price(mid, 2))

    assert (executor.close_type is CloseType.TAKE_PROFIT) is fires


@pytest.mark.parametrize(
    ("mid", "close_type"), [("85", CloseType.STOP_LOSS), ("125", CloseType.TAKE_PROFIT)]
)
def test_a_barrier_already_true_at_the_first_price_ends_without_orders(mid, close_type):
    executor, commands = started(mid)

    assert commands == []
    assert executor.state.grid_state is G.DONE and executor.close_type is close_type


def test_barriers_are_checked_in_order_one_per_event():
    executor = _holding_at_100(barriers={"stop_loss": D("0.05"), "time_limit": 5})

    commands = executor.apply(price("94", 6))  # stop loss and time limit both hold

    assert executor.close_type is CloseType.STOP_LOSS
    assert len(cancels(commands)) == 5 and places(commands) == []


# --- endings --------------------------------------------------------------------------------


def test_a_stop_flattens_the_inventory_with_one_market_order():
    executor, opens, close = filled_one()
    order = opens[0]

    commands = executor.apply(stop(keep_position=False))
    assert len(cancels(commands)) == 5  # four opens and the take profit
    (market,) = answer_cancels(executor, commands)
    assert (market.side, market.order_type, market.amount, market.price) == (
        "SELL",
        "MARKET",
        order.amount,
        None,
    )
    executor.apply(fill(market, at_price="109", fee="0.02", seconds=8, final=True))

    assert executor.state.grid_state is G.DONE and executor.close_type is CloseType.EARLY_STOP
    info = executor.info(at(8))
    expected = order.amount * D(109) - order.amount * order.price - D("0.02")
    assert abs(info.net_pnl_quote - expected) < D("1e-24")
    assert info.volume_quote == order.amount * order.price + order.amount * D(109)
    assert executor.held_fills() == [] and executor.state.position.base == 0
    assert executor.order_refs() == []


def test_a_market_close_that_fills_in_part_is_sent_again_for_the_rest():
    executor, market = _in_closing()
    half = market.amount / 2

    (again,) = executor.apply(fill(market, base=str(half), at_price="109", seconds=8, final=True))

    assert again.order_type == "MARKET" and again.amount == market.amount - half
    assert executor.state.grid_state is G.CLOSING


def test_a_stop_that_keeps_the_position_hands_each_level_to_the_ledger():
    executor, opens = started()
    executor.apply(fill(opens[0], fee="0.01"))
    executor.apply(fill(opens[1], fee="0.02", seconds=3))

    commands = executor.apply(stop(keep_position=True))
    answer_cancels(executor, commands)

    assert executor.state.grid_state is G.DONE and executor.close_type is CloseType.POSITION_HOLD
    held = executor.held_fills()
    assert sorted((fill.fill_id, fill.base_amount, fill.fee_quote) for _, fill in held) == sorted(
        [
            ("grid-1:L4", opens[0].amount, D("0.01")),
            ("grid-1:L5", opens[1].amount, D("0.02")),
        ]
    )
    info = executor.info(at(9))
    assert (info.net_pnl_quote, info.fees_paid_quote) == (0, 0)  # the ledger's now
    assert info.volume_quote == opens[0].amount * opens[0].price + opens[1].amount * opens[1].price
    details = info.details
    assert isinstance(details, GridDetails)
    assert len(details.held_position_orders) == 2


def test_the_config_keep_position_is_used_when_the_stop_does_not_say():
    executor = _holding_at_100(keep_position=True)

    answer_cancels(executor, executor.apply(stop()))

    assert executor.close_type is CloseType.POSITION_HOLD


def test_holding_with_nothing_held_ends_early_stop():
    executor, _ = started()

    answer_cancels(executor, executor.apply(stop(keep_position=True)))

    assert executor.close_type is CloseType.EARLY_STOP and executor.held_fills() == []


@pytest.mark.parametrize("grid_started", [False, True])
def test_a_stop_before_any_order_ends_at_once(grid_started):
    executor = GridExecutor(make_config(), created_at=T0)
    if grid_started:
        executor.apply(ExecutorStarted(ts_event=T0))

    assert executor.apply(stop(1)) == []

    assert executor.state.grid_state is G.DONE and executor.close_type is CloseType.EARLY_STOP
    assert executor.apply(price("110", 2)) == []


def test_a_fill_that_lands_while_canceling_still_counts():
    executor, opens = started()
    commands = executor.apply(stop(keep_position=False))
    executor.apply(fill(opens[0], seconds=6))  # it filled before the cancel landed

    (market,) = answer_cancels(executor, commands[1:])

    assert market.amount == opens[0].amount


def test_a_second_stop_sends_nothing_more():
    executor, _ = started()
    executor.apply(stop())

    assert executor.apply(stop(6)) == []


# --- reports --------------------------------------------------------------------------------


def test_details_carry_hummingbot_custom_info_keys_and_level_counts():
    executor, opens, close = filled_one()

    details = executor.details()

    assert details.levels == 10 and sum(details.levels_by_state.values()) == 10
    assert details.levels_by_state["OPEN_ORDER_PLACED"] == 4
    assert details.levels_by_state["CLOSE_ORDER_PLACED"] == details.filled_levels == 1
    assert details.open_orders == 5 and details.filled_orders == 1
    assert details.inventory_delta_base == opens[0].amount
    assert details.break_even_price == opens[0].price
    assert details.open_liquidity_placed == sum(c.amount * c.price for c in opens[1:])
    assert details.close_liquidity_placed == close.amount * close.price
    assert details.grid_limit_price == D(90) and details.grid_side == "BUY"
    for key in ("realized_buy_size_quote", "realized_imbalance_quote", "held_position_value"):
        assert key in details.model_dump()


# --- restart --------------------------------------------------------------------------------


def test_a_grid_restored_mid_run_continues_exactly_like_the_original():
    executor, opens, close = filled_one()
    executor.apply(fill(opens[1], base="0.02", seconds=3))
    resumed = restarted(executor)
    assert resumed.state == executor.state
    assert (resumed.status, resumed.family_state) == (ExecutorStatus.ACTIVE, G.RUNNING)

    events = [
        fill(opens[1], base="0.02", seconds=3),  # already counted before the restart
        fill(close, seconds=4),
        price("111", 5),
        stop(6, keep_position=False),
    ]
    outputs = [[executor.apply(e) for e in events], [resumed.apply(e) for e in events]]

    assert outputs[0] == outputs[1]
    assert resumed.snapshot() == executor.snapshot()
    assert resumed.order_refs() == executor.order_refs()


def test_a_terminated_grid_restores_terminated():
    executor, market = _in_closing()
    executor.apply(fill(market, at_price="109", seconds=8, final=True))

    again = restarted(executor)

    assert (again.status, again.close_type, again.closed_at) == (
        ExecutorStatus.TERMINATED,
        CloseType.EARLY_STOP,
        at(8),
    )
    assert again.info(at(9)).net_pnl_quote == executor.info(at(9)).net_pnl_quote


# --- through the engine ---------------------------------------------------------------------


class RestingVenue:
    """A test venue: limit orders rest (the test fills them through ``Engine.observe``, as the
    venue's records would tell), market orders fill at once at ``price``, cancels succeed."""

    def __init__(self, clock) -> None:
        self.clock = clock
        self.price = D(109)
        self.placed: list[PlaceOrder] = []

    async def place_order(self, command: PlaceOrder, evidence) -> list:
        del evidence
        self.placed.append(command)
        now = self.clock.now()
        events: list = [
            OrderCreated(
                ts_event=now,
                command_id=command.command_id,
                client_order_id=command.client_order_id,
                venue_order_id=f"v-{len(self.placed)}",
            )
        ]
        if command.order_type == "MARKET":
            events.append(
                OrderFilled(
                    ts_event=now,
                    command_id=command.command_id,
                    client_order_id=command.client_order_id,
                    fill_id=f"m-{command.client_order_id}",
                    side=command.side,
                    base_amount=command.amount,
                    price=self.price,
                    is_final=True,
                )
            )
        return events

    async def cancel_order(self, command: CancelOrder, evidence) -> OrderCanceled:
        del evidence
        return OrderCanceled(
            ts_event=self.clock.now(),
            command_id=command.command_id,
            client_order_id=command.client_order_id,
        )

    async def reconcile(self, command, evidence):
        del command, evidence
        return None


async def test_a_grid_survives_a_restart_through_the_engine_and_hands_its_inventory_over(tmp_path):
    clock = SimulatedClock(at(0))
    database = Database.open(f"sqlite:///{tmp_path / 'grid.db'}")
    venue = RestingVenue(clock)

    def engine() -> Engine:
        return Engine(
            database=database, clock=clock, executor_types=[GridExecutor], venues={"binance": venue}
        )

    first = engine()
    await first.start()
    grid = first.add(make_config())
    clock.advance(1)
    first.publish_price(PAIR, D(110))
    await first.drain()
    opens = list(venue.placed)
    assert len(opens) == 5
    clock.advance(1)
    first.observe(grid.id, [fill(opens[0], seconds=2)])
    await first.drain()
    close = venue.placed[-1]
    assert close.side == "SELL"

    second = engine()  # a restart: everything is read back from the database
    report = await second.start()
    assert report.resumed == [grid.id]
    resumed = second.executor(grid.id)
    assert resumed.snapshot()["state"] == grid.snapshot()["state"]
    assert {ref.client_order_id for ref in resumed.order_refs()} == {
        command.client_order_id for command in [*opens[1:], close]
    }
    clock.advance(1)
    second.observe(grid.id, [fill(opens[0], seconds=2)])  # already counted before the restart
    second.observe(grid.id, [fill(close, seconds=3)])
    second.observe(grid.id, [fill(opens[1], fee="0.02", seconds=3)])
    await second.drain()
    await second.stop(grid.id, keep_position=True)
    await second.drain()

    info = second.info(grid.id)
    assert (info.status, info.close_type) == (ExecutorStatus.TERMINATED, CloseType.POSITION_HOLD)
    (position,) = second.ledger.positions()
    assert position.net_base == opens[1].amount  # L5 holds what it bought; L4 completed
    assert position.fees_quote == D("0.02")
    assert position.executor_ids == (grid.id,)
    expected = close.amount * close.price - opens[0].amount * opens[0].price
    assert info.net_pnl_quote == expected  # the realized take profit; the held part is the ledger's
    database.close()


# --- random runs: the books always balance --------------------------------------------------


def _check_invariants(executor: GridExecutor) -> None:
    state = executor.state
    levels = state.levels
    assert sum(state.level_counts.values()) == len(levels)
    for level_state in LevelState:
        assert state.level_counts[level_state] == sum(lv.state is level_state for lv in levels)
    assert state.level_counts[L.OPEN_ORDER_PLACED] <= executor.config.max_open_orders
    for part in ("base", "cost", "fees"):
        total = sum((getattr(lv.inventory, part) for lv in levels), getattr(state.residual, part))
        assert abs(getattr(state.position, part) - total) < D("1e-20"), part
    assert all(lv.inventory.base >= 0 for lv in levels) and state.residual.base >= 0
    for client_order_id, index in state.live.items():
        if index == -1:
            assert state.market_close is not None
            assert state.market_close.client_order_id == client_order_id
            continue
        level = levels[index]
        if level.state is L.OPEN_ORDER_PLACED:
            assert level.open_order is not None
            assert level.open_order.client_order_id == client_order_id
        else:
            assert level.state is L.CLOSE_ORDER_PLACED
            assert level.close_order is not None
            assert level.close_order.client_order_id == client_order_id
    for level in levels:
        if level.state is L.OPEN_ORDER_PLACED and state.grid_state is G.RUNNING:
            assert level.open_order is not None and level.open_order.client_order_id in state.live


class _Book:
    """The test side of a random run: answers commands in order, fills resting orders, and
    keeps the cash flow of every fill the grid counted."""

    def __init__(self, executor: GridExecutor, rng: random.Random) -> None:
        self.executor, self.rng = executor, rng
        self.outstanding: list = []
        self.resting: dict[str, list] = {}  # client order id -> [command, filled]
        self.cash = self.fees = D(0)
        self.seconds = 1

    def apply(self, event) -> None:
        counted = getattr(event, "client_order_id", None) in self.executor.state.live
        revision = self.executor.revision
        self.outstanding.extend(self.executor.apply(event))
        if isinstance(event, OrderFilled) and counted and self.executor.revision != revision:
            quote = event.base_amount * event.price
            self.cash += quote if event.side == "SELL" else -quote
            self.fees += event.fee_quote
        _check_invariants(self.executor)

    def answer_next(self) -> None:
        command = self.outstanding.pop(0)
        self.seconds += 1
        if isinstance(command, CancelOrder):
            if self.resting.pop(command.client_order_id, None) is not None:
                self.apply(canceled(command, self.seconds))
            return
        if command.order_type != "MARKET" and self.rng.random() < 0.2:
            self.apply(failed(command, self.seconds))
            return
        self.apply(created(command, self.seconds))
        if command.order_type == "MARKET":
            self.apply(
                fill(
                    command, at_price=str(self.executor.state.mid), seconds=self.seconds, final=True
                )
            )
        else:
            self.resting[command.client_order_id] = [command, D(0)]

    def fill_one(self) -> None:
        client_order_id = self.rng.choice(sorted(self.resting))
        command, done = self.resting[client_order_id]
        part = command.amount * self.rng.choice([D("0.25"), D("0.5"), D(1)])
        part = min(part, command.amount - done)
        self.seconds += 1
        final = done + part >= command.amount
        fee = (part * command.price * D("0.001")).quantize(D("1e-8"))
        self.apply(fill(command, base=str(part), fee=str(fee), seconds=self.seconds, final=final))
        if final:
            del self.resting[client_order_id]
        else:
            self.resting[client_order_id][1] = done + part


@pytest.mark.parametrize("seed", range(30))
def test_random_runs_keep_the_books_and_end_flat_or_held(seed):
    rng = random.Random(seed)
    executor, opens = started(
        max_open_orders=rng.choice([2, 5, 10]),
        max_orders_per_batch=rng.choice([None, 2]),
        activation_bounds=rng.choice([None, D("0.03")]),
        max_retries=rng.choice([1, 10]),
        barriers={"stop_loss": D("0.2")},
    )
    book = _Book(executor, rng)
    book.outstanding.extend(opens)
    mid = D(110)
    for _ in range(120):
        if executor.is_terminated:
            break
        roll = rng.random()
        if book.outstanding and roll < 0.45:
            book.answer_next()
        elif book.resting and roll < 0.8:
            book.fill_one()
        else:
            mid = min(max(mid + rng.choice([D(-2), D(-1), D(1), D(2)]), D(88)), D(122))
            book.seconds += 1
            book.apply(price(mid, book.seconds))
        state = executor.state
        if not executor.is_terminated:
            held = state.bought_base - state.sold_base
            expected = book.cash + held * state.mid - book.fees
            assert abs(executor.info(at(book.seconds)).net_pnl_quote - expected) < D("1e-18")

    book.seconds += 1
    keep = rng.random() < 0.5
    book.apply(stop(book.seconds, keep_position=keep))
    while book.outstanding:
        book.answer_next()

    assert executor.is_terminated
    state = executor.state
    if executor.close_type is CloseType.POSITION_HOLD:
        held = sum((fill.base_amount for _, fill in executor.held_fills()), D(0))
        assert state.position.base > 0
        assert abs(held - state.position.base) < D("1e-20")
        assert abs(held - (state.bought_base - state.sold_base)) < D("1e-20")
    else:
        assert state.position.base == 0
        assert abs(state.bought_base - state.sold_base) < D("1e-18")
        expected = book.cash - book.fees
        assert abs(executor.info(at(book.seconds)).net_pnl_quote - expected) < D("1e-18")


def test_a_hummingbot_grid_config_dict_validates_unchanged():
    # Arrange: a Hummingbot GridExecutorConfig as JSON data (its bookkeeping fields included)
    data = {
        "type": "grid_executor",
        "timestamp": 1735689600,
        "id": None,
        "connector_name": "binance",
        "trading_pair": "SOL-USDT",
        "side": 1,
        "start_price": "140",
        "end_price": "160",
        "limit_price": "130",
        "total_amount_quote": "1000",
        "triple_barrier_config": {"take_profit": "0.005"},
    }
    # Act
    config = GridExecutorConfig.model_validate(data)
    # Assert: bookkeeping dropped, codes mapped, an id generated; a wrong type is refused
    assert (config.side, config.type) == ("BUY", "grid")
    assert config.id
    with pytest.raises(ValueError, match="type: expected 'grid_executor'"):
        GridExecutorConfig.model_validate({**data, "type": "position_executor"})

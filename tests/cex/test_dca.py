"""The DCA executor, pure: its table, config, level placement (MAKER, TAKER, bounds), exits at
their exact boundaries on the average entry, closing, stops, failures, reports and restart;
then through the engine on the paper exchange, resumed from SQLite."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from fixtures.events import T0, at, command_failed
from fixtures.transition_tables import (
    assert_pair_is_refused,
    assert_row_fires,
    assert_terminal,
    missing_pairs,
)
from lpexec.app.cex_runtime import PAPER_EXCHANGE, open_cex_runtime
from lpexec.cex.chaser import TopOfBookUpdated
from lpexec.cex.dca import (
    DCA_STATUS,
    DCA_TRANSITIONS,
    DCADetails,
    DCAExecutor,
    DCAExecutorConfig,
    DCAExecutorState,
    DCAState,
    DCATrigger,
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
    HeldPositionKey,
    OrderCanceled,
    OrderFailed,
    OrderFilled,
    OrderPoller,
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
S, T = DCAState, DCATrigger
PAIR = "SOL-USDT"

# Level 0: 100 quote at 100 (1 base); level 1: 180 quote at 90 (2 base).
LEVELS = {"amounts_quote": [D(100), D(180)], "prices": [D(100), D(90)]}


def make_config(**fields) -> DCAExecutorConfig:
    values = {
        "id": "dca-1",
        "trading_pair": PAIR,
        "connector_name": "binance",
        "side": "BUY",
        **LEVELS,
    }
    values.update(fields)
    return DCAExecutorConfig(**values)


def started(**fields) -> tuple[DCAExecutor, list]:
    executor = DCAExecutor(make_config(**fields), created_at=T0)
    return executor, executor.apply(ExecutorStarted(ts_event=T0))


def fill(order, base, price, fee="0", seconds=1, final=True) -> OrderFilled:
    return OrderFilled(
        ts_event=at(seconds),
        command_id=order.command_id,
        client_order_id=order.client_order_id,
        fill_id=f"f-{order.client_order_id[-6:]}-{base}-{price}-{seconds}",
        side=order.side,
        base_amount=D(base),
        price=D(price),
        fee_quote=D(fee),
        is_final=final,
    )


def price(value, seconds=2) -> PriceUpdated:
    return PriceUpdated(ts_event=at(seconds), trading_pair=PAIR, price=D(value))


def book(bid, ask, seconds=2) -> TopOfBookUpdated:
    mid = (D(bid) + D(ask)) / 2
    return TopOfBookUpdated(
        ts_event=at(seconds), trading_pair=PAIR, price=mid, best_bid=D(bid), best_ask=D(ask)
    )


def canceled(order, seconds=3) -> OrderCanceled:
    return OrderCanceled(
        ts_event=at(seconds), command_id=order.command_id, client_order_id=order.client_order_id
    )


def places(commands) -> list[PlaceOrder]:
    assert all(isinstance(command, PlaceOrder) for command in commands)
    return list(commands)


def level(executor, index):
    return executor.state.level_orders[index][-1]


def first_filled(**fields) -> DCAExecutor:
    """A MAKER BUY DCA whose level 0 filled 1 at 100 with 0.1 of fees (fee ratio 0.001)."""
    executor, _ = started(**fields)
    executor.apply(fill(level(executor, 0), "1", "100", fee="0.1"))
    return executor


def close_after_cancels(executor, seconds=3) -> PlaceOrder:
    """Confirm the cancels of the live level orders; return the market close that follows."""
    commands = []
    for orders in executor.state.level_orders:
        if orders and orders[-1].phase.value == "CANCELING":
            commands = executor.apply(canceled(orders[-1], seconds=seconds))
    (close,) = places(commands)
    return close


def restarted(executor: DCAExecutor) -> DCAExecutor:
    restored = DCAExecutor.restore(executor.config, executor.snapshot())
    assert isinstance(restored, DCAExecutor)
    return restored


# --- the table ------------------------------------------------------------------------------


@pytest.mark.parametrize(("move", "target"), sorted(DCA_TRANSITIONS.items()), ids=str)
def test_every_row(move, target):
    assert_row_fires(DCA_TRANSITIONS, move, target)


@pytest.mark.parametrize(
    ("state", "trigger"), missing_pairs(DCA_TRANSITIONS, DCAState, DCATrigger), ids=str
)
def test_every_illegal_pair(state, trigger):
    assert_pair_is_refused(DCA_TRANSITIONS, state, trigger)


def test_terminal_states_are_final_and_every_state_has_a_status():
    assert_terminal(DCA_TRANSITIONS, DCA_STATUS, (S.CLOSED, S.FAILED))
    assert set(DCA_STATUS) == set(DCAState)


# --- config ---------------------------------------------------------------------------------


def test_a_hummingbot_config_as_json_data_validates_unchanged():
    hummingbot = {
        "id": None,
        "type": "dca_executor",
        "timestamp": 1767225600.0,
        "controller_id": "dman",
        "connector_name": "binance_perpetual",
        "trading_pair": PAIR,
        "side": 2,
        "leverage": 5,
        "amounts_quote": ["10", "20"],
        "prices": ["101", "103"],
        "take_profit": "0.02",
        "stop_loss": "0.05",
        "trailing_stop": {"activation_price": "0.01", "trailing_delta": "0.002"},
        "time_limit": 3600,
        "mode": "taker",
        "activation_bounds": None,
        "level_id": "sell_0",
    }

    config = parse_config(DCAExecutorConfig, hummingbot)

    assert (config.side, config.mode, config.leverage, config.perpetual) == (
        "SELL",
        "TAKER",
        5,
        True,
    )
    assert config.bounds == (D("0.0001"), D("0.005"))  # Hummingbot's TAKER default
    assert config.level_amounts == [D(10) / D(101), D(20) / D(103)]
    assert config.exposure().base_amount == D(10) / D(101) + D(20) / D(103)
    assert make_config().bounds is None  # MAKER without bounds: none


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"prices": ["100"]}, r"prices: expected one price per amount in amounts_quote \(2\), "),
        ({"amounts_quote": ["100", "0"]}, r"amounts_quote\[1\]: expected a finite amount > 0"),
        ({"prices": ["100", "NaN"]}, r"prices.1: .*finite number, received 'NaN'"),
        ({"amounts_quote": [], "prices": []}, "amounts_quote"),
        ({"mode": "CHASER"}, "mode"),
        ({"activation_bounds": ["0.1"]}, "expected two ratios"),
        ({"activation_bounds": ["0.1", "-1"]}, "expected two finite ratios >= 0"),
        ({"take_profit": "0"}, "take_profit"),
        ({"time_limit": 0}, "time_limit"),
        ({"type": "grid_executor"}, "dca_executor"),
        ({"amount": "1"}, "unknown field"),
    ],
)
def test_config_refuses(fields, message):
    data = {
        "trading_pair": PAIR,
        "connector_name": "binance",
        "side": "BUY",
        "amounts_quote": ["100", "180"],
        "prices": ["100", "90"],
    }
    with pytest.raises(ConfigError, match=message):
        parse_config(DCAExecutorConfig, data | fields)


# --- placing levels -------------------------------------------------------------------------


def test_maker_places_every_level_at_start_as_a_limit_at_its_price():
    executor, commands = started()

    first, second = places(commands)
    assert (first.order_type, first.price, first.amount, first.side) == ("LIMIT", 100, 1, "BUY")
    assert (second.order_type, second.price, second.amount) == ("LIMIT", 90, 2)
    assert first.position_action is None  # spot
    assert executor.family_state is S.RUNNING


def test_maker_with_bounds_places_levels_in_order_as_the_price_comes_near():
    executor, commands = started(activation_bounds=[D("0.01"), D("0.05")])
    assert commands == []
    # level 100 is placed once 100 > mid x 0.99 (strict): mid 101.0101... is not enough
    assert executor.apply(price("101.01010101010101010101010102")) == []
    (first,) = places(executor.apply(price("101", seconds=3)))
    assert first.price == 100
    assert executor.apply(price("92", seconds=4)) == []  # 90 > 92 x 0.99 = 91.08 is false
    (second,) = places(executor.apply(price("90.9", seconds=5)))
    assert second.price == 90


@pytest.mark.parametrize(
    ("mid", "fires"),
    [("99.99", False), ("99.991", True), ("100.49", True), ("100.5", False)],
)
def test_taker_fires_a_level_strictly_within_its_bounds(mid, fires):
    executor, commands = started(mode="TAKER")  # default bounds [0.0001, 0.005]
    assert commands == []

    commands = executor.apply(price(mid))

    if fires:
        (order,) = places(commands)
        assert (order.order_type, order.price, order.amount) == ("MARKET", None, 1)
    else:
        assert commands == []


def test_taker_levels_fire_in_order():
    executor, _ = started(mode="TAKER")
    assert executor.apply(price("90")) == []  # level 1's price, but level 0 is not placed yet
    (first,) = executor.apply(price("100", seconds=3))
    (second,) = places(executor.apply(price("90", seconds=4)))
    assert (first.amount, second.amount) == (1, 2)


def test_a_perpetual_dca_opens_and_closes_reduce_only():
    executor, commands = started(connector_name="binance_perpetual", take_profit=D("0.01"))
    assert {c.position_action for c in places(commands)} == {"OPEN"}
    executor.apply(fill(level(executor, 0), "1", "100"))
    (cancel,) = executor.apply(price("102"))
    assert isinstance(cancel, CancelOrder)
    assert close_after_cancels(executor).position_action == "CLOSE"


# --- exits at their boundaries --------------------------------------------------------------


def test_take_profit_is_strict_on_the_average_entry_net_of_fees():
    executor = first_filled(take_profit=D("0.02"))
    assert executor.state.take_profit_price == D("102.1")  # 100 x (1 + 0.02 + 0.001)

    assert executor.apply(price("102.1")) == []

    (cancel,) = executor.apply(price("102.1000001", seconds=3))
    assert isinstance(cancel, CancelOrder)
    assert cancel.client_order_id == level(executor, 1).client_order_id
    assert executor.close_type is CloseType.TAKE_PROFIT and executor.family_state is S.CLOSING
    close = close_after_cancels(executor)  # then everything that filled is sold
    assert (close.side, close.order_type, close.amount) == ("SELL", "MARKET", 1)


def test_maker_stop_loss_waits_for_every_level_then_fires_inclusive():
    executor = first_filled(stop_loss=D("0.05"))
    assert executor.state.stop_loss_price is None
    assert executor.apply(price("1")) == []  # level 1 not filled: no stop loss yet

    executor.apply(fill(level(executor, 1), "2", "90", fee="0.18", seconds=3))

    average = D(280) / 3  # fees 0.28 of 280: ratio 0.001
    boundary = average * (1 - D("0.05") + D("0.001"))
    assert executor.state.stop_loss_price == boundary
    assert executor.apply(price(boundary + D("0.0000001"), seconds=4)) == []
    (close,) = executor.apply(price(boundary, seconds=5))
    assert close.amount == 3 and executor.close_type is CloseType.STOP_LOSS


@pytest.mark.parametrize(("mid", "fires"), [("72.11", False), ("72.1", True)])
def test_taker_stop_loss_fires_at_the_max_loss_in_quote(mid, fires):
    executor, _ = started(mode="TAKER", stop_loss=D("0.1"))  # max loss 280 x 0.1 = 28
    executor.apply(price("100"))
    executor.apply(fill(level(executor, 0), "1", "100", fee="0.1"))
    # net P&L = (p - 100) x 1 - 0.1 <= -28  <=>  p <= 72.1
    commands = executor.apply(price(mid, seconds=3))

    assert (executor.close_type is CloseType.STOP_LOSS) is fires
    assert bool(commands) is fires


def test_trailing_stop_arms_strictly_above_activation_trails_and_fires_strictly_below():
    executor = first_filled(trailing_stop={"activation_price": "0.01", "trailing_delta": "0.005"})
    assert executor.state.trailing_activation_price == D("101.1")
    assert executor.apply(price("101.1")) == [] and executor.state.trailing_stop_price is None
    executor.apply(price("101.2", seconds=3))
    assert executor.state.trailing_stop_price == D("100.7")  # 101.2 - 0.005 x 100
    executor.apply(price("102", seconds=4))
    assert executor.state.trailing_stop_price == D("101.5")
    assert executor.apply(price("101.5", seconds=5)) == []
    assert executor.details().trailing_stop_trigger_pnl == D("0.014")  # 1.5 % - 0.1 % fees

    commands = executor.apply(price("101.49", seconds=6))

    assert commands and executor.close_type is CloseType.TRAILING_STOP


def test_a_short_dca_mirrors_the_exits():
    executor, _ = started(
        side="SELL", prices=[D(100), D(110)], take_profit=D("0.02"), trailing_stop=None
    )
    executor.apply(fill(level(executor, 0), "1", "100", fee="0.1"))
    assert executor.state.take_profit_price == D("97.9")
    assert executor.apply(price("97.9")) == []
    executor.apply(price("97.89", seconds=3))
    close = close_after_cancels(executor)
    assert (close.side, executor.close_type) == ("BUY", CloseType.TAKE_PROFIT)


def test_with_the_book_exits_read_the_side_the_position_closes_into():
    executor = first_filled(take_profit=D("0.02"))
    assert executor.apply(book("102.1", "102.3")) == []  # the bid is the exit price

    assert executor.apply(book("102.11", "102.3", seconds=3))


@pytest.mark.parametrize(("seconds", "fires"), [(59.999999, False), (60, True)])
def test_time_limit_is_inclusive_on_ticks(seconds, fires):
    executor = first_filled(time_limit=60)

    commands = executor.apply(Tick(ts_event=at(seconds)))

    assert (executor.close_type is CloseType.TIME_LIMIT) is fires
    assert len(commands) == (1 if fires else 0)  # cancel level 1 (then sell level 0)


def test_a_time_limit_with_nothing_filled_cancels_the_levels_and_ends_flat():
    executor, _ = started(time_limit=60)
    cancels = executor.apply(price("120", seconds=60))
    assert len(cancels) == 2 and executor.family_state is S.CLOSING
    executor.apply(canceled(level(executor, 0), seconds=61))
    executor.apply(canceled(level(executor, 1), seconds=61))
    assert (executor.family_state, executor.close_type) == (S.CLOSED, CloseType.TIME_LIMIT)


def test_a_start_past_the_time_limit_expires_without_orders():
    executor = DCAExecutor(make_config(time_limit=60), created_at=T0)

    assert executor.apply(ExecutorStarted(ts_event=at(60))) == []

    assert (executor.family_state, executor.close_type) == (S.CLOSED, CloseType.EXPIRED)


def test_one_price_fires_one_exit_stop_loss_first():
    executor, _ = started(mode="TAKER", stop_loss=D("0.1"), take_profit=D("0.01"), time_limit=60)
    executor.apply(price("100"))
    executor.apply(fill(level(executor, 0), "1", "100", fee="0.1"))

    (close,) = executor.apply(price("70", seconds=60))

    assert executor.close_type is CloseType.STOP_LOSS and close.amount == 1


# --- closing, reports and stops -------------------------------------------------------------


def test_a_closed_dca_reports_average_price_net_pnl_fees_and_volume():
    executor = first_filled(take_profit=D("0.02"))
    executor.apply(fill(level(executor, 1), "2", "90", fee="0.18", seconds=2))
    average = D(280) / 3
    (close,) = places(executor.apply(price("96", seconds=3)))  # > 93.33 x 1.021 = 95.29
    assert executor.details().filled_levels == 2

    executor.apply(fill(close, "3", "96", fee="0.288", seconds=4))

    info = executor.info(at(4))
    fees = D("0.1") + D("0.18") + D("0.288")
    assert (info.status, info.close_type) == (ExecutorStatus.TERMINATED, CloseType.TAKE_PROFIT)
    assert info.net_pnl_quote == 96 * 3 - 280 - fees
    assert info.fees_paid_quote == fees and info.volume_quote == 280 + 288
    assert info.net_pnl_pct == info.net_pnl_quote / 280
    details = info.details
    assert isinstance(details, DCADetails)
    assert (details.current_position_average_price, details.close_price) == (average, 96)
    assert details.target_position_average_price == (100 * 100 + 90 * 180) / D(280)
    assert [lv.state for lv in details.levels] == ["FILLED", "FILLED"]
    assert (details.n_levels, details.min_price, details.max_price) == (2, 90, 100)


def test_a_close_filled_in_part_is_sent_again_for_the_rest():
    executor = first_filled(take_profit=D("0.02"))
    executor.apply(price("103"))
    close = close_after_cancels(executor)
    executor.apply(fill(close, "0.4", "103", final=False, seconds=4))

    (again,) = executor.apply(canceled(close, seconds=5))

    assert again.amount == D("0.6") and executor.state.retries == 1
    executor.apply(fill(again, "0.6", "103", seconds=6))
    assert executor.family_state is S.CLOSED and executor.amount_to_close == 0


def test_a_stop_keeping_the_position_hands_every_fill_to_the_ledger():
    executor = first_filled(controller_id="bot-1")
    (cancel,) = executor.apply(StopRequested(ts_event=at(5), keep_position=True))
    assert isinstance(cancel, CancelOrder)
    executor.apply(canceled(level(executor, 1), seconds=6))

    assert executor.close_type is CloseType.POSITION_HOLD and executor.is_terminated
    ((key, held),) = executor.held_fills()
    assert key == HeldPositionKey("bot-1", "binance", PAIR)
    assert (held.side, held.base_amount, held.quote_amount, held.fee_quote) == (
        "BUY",
        1,
        100,
        D("0.1"),
    )
    info = executor.info(at(6))
    assert info.net_pnl_quote == 0 and info.fees_paid_quote == D("0.1")
    (record,) = info.details.held_position_orders
    assert record["executed_amount_base"] == 1 and record["trade_type"] == "BUY"


def test_a_stop_flattens_by_default_and_a_second_stop_changes_nothing():
    executor = first_filled()
    executor.apply(StopRequested(ts_event=at(5)))
    assert executor.close_type is CloseType.EARLY_STOP
    assert close_after_cancels(executor, seconds=6).amount == 1
    assert executor.apply(StopRequested(ts_event=at(6), keep_position=True)) == []


def test_a_stop_before_start_ends_early_stop():
    executor = DCAExecutor(make_config(), created_at=T0)
    assert executor.apply(StopRequested(ts_event=at(1))) == []
    assert (executor.family_state, executor.close_type) == (S.CLOSED, CloseType.EARLY_STOP)


# --- failures -------------------------------------------------------------------------------


def test_a_refused_level_is_placed_again_until_the_retries_are_spent():
    executor, _ = started(max_retries=1)
    refused = level(executor, 1)
    (again,) = executor.apply(command_failed(refused, 2, "rate limited", retryable=True))
    assert again.price == 90 and executor.state.retries == 1

    assert executor.apply(
        OrderFailed(
            ts_event=at(3),
            command_id=again.command_id,
            client_order_id=again.client_order_id,
            reason="insufficient balance",
        )
    ) == [
        CancelOrder(
            command_id=f"{executor.id}-4",
            executor_id=executor.id,
            venue="binance",
            trading_pair=PAIR,
            client_order_id=level(executor, 0).client_order_id,
        )
    ]
    assert executor.close_type is CloseType.FAILED
    executor.apply(canceled(level(executor, 0), seconds=4))
    assert (executor.family_state, executor.close_type) == (S.CLOSED, CloseType.FAILED)
    assert "insufficient balance" in executor.state.failure_reason


def test_refusals_with_nothing_filled_cancel_the_other_levels_and_end_failed():
    executor, _ = started(max_retries=0, keep_position=True)

    (cancel,) = executor.apply(canceled(level(executor, 0), seconds=2))  # by the venue

    assert cancel.client_order_id == level(executor, 1).client_order_id
    executor.apply(canceled(level(executor, 1), seconds=3))
    assert (executor.family_state, executor.close_type) == (S.CLOSED, CloseType.FAILED)
    assert "canceled by the venue" in executor.state.failure_reason


def test_a_level_canceled_by_the_venue_after_a_part_is_placed_again_for_the_rest():
    executor, _ = started()
    executor.apply(fill(level(executor, 1), "0.5", "90", final=False))

    (again,) = executor.apply(canceled(level(executor, 1)))

    assert (again.price, again.amount) == (90, D("1.5"))
    assert executor.details().levels[1].filled_base == D("0.5")


def test_an_unknown_place_outcome_waits_and_reports_stranded():
    executor, _ = started()
    executor.apply(command_failed(level(executor, 0), 2, "timeout", code="outcome_unknown"))

    assert executor.info(at(2)).stranded_reason
    assert executor.family_state is S.RUNNING
    executor.apply(fill(level(executor, 0), "1", "100", seconds=3))
    assert executor.info(at(3)).stranded_reason is None


def test_the_same_fill_twice_counts_once():
    executor = first_filled()
    executor.apply(fill(level(executor, 0), "1", "100", fee="0.1"))
    assert executor.state.open_base == 1


# --- restart --------------------------------------------------------------------------------


def test_restart_mid_run_keeps_levels_exits_and_the_command_sequence():
    executor = first_filled(
        take_profit=D("0.02"), trailing_stop={"activation_price": "0.01", "trailing_delta": "0.005"}
    )
    executor.apply(price("101.2", seconds=2))  # arms the trailing stop

    resumed = restarted(executor)

    assert isinstance(resumed.state, DCAExecutorState) and resumed.state == executor.state
    assert resumed.family_state is S.RUNNING
    (cancel,) = resumed.apply(price("100.6", seconds=3))  # below 100.7: trailing stop
    assert resumed.close_type is CloseType.TRAILING_STOP
    assert cancel.command_id == f"{executor.id}-3"  # the sequence goes on after the restart
    closing = restarted(resumed)
    close = close_after_cancels(closing, seconds=4)
    closing.apply(fill(close, "1", "100.6", seconds=5))
    assert (closing.family_state, closing.closed_at) == (S.CLOSED, at(5))


# --- through the engine on the paper exchange ----------------------------------------------


class PaperRig:
    """Engines on one paper exchange (SOL-USDT, maker 0.1 %, taker 0.2 %); each step moves the
    market, polls the live orders, publishes the touch and drains the commands."""

    def __init__(self, database: Database) -> None:
        self.clock = SimulatedClock(T0)
        rules = TradingRules(price_tick=D("0.01"), amount_step=D("0.001"))
        self.exchange = PaperExchange(
            [Market(trading_pair=PAIR, rules=rules)],
            balances={"USDT": D(10_000), "SOL": D(0)},
            maker_fee=D("0.001"),
            taker_fee=D("0.002"),
        )
        self.venue = PaperExchangeVenue(self.exchange, clock=self.clock)
        self.database = database
        self.engine = self.new_engine()

    def new_engine(self) -> Engine:
        self.engine = Engine(
            database=self.database,
            clock=self.clock,
            executor_types=[DCAExecutor],
            venues={"paper": self.venue},
        )
        self.poller = OrderPoller(self.engine)
        return self.engine

    async def step(self, mid: str) -> None:
        self.clock.advance(seconds=1)
        bid, ask = D(mid) - D("0.01"), D(mid) + D("0.01")
        self.exchange.step(PAIR, bid=bid, ask=ask, last=D(mid), now=self.clock.now())
        await self.poller.poll_once()
        self.engine.publish(
            TopOfBookUpdated(
                ts_event=self.clock.now(),
                trading_pair=PAIR,
                price=D(mid),
                best_bid=bid,
                best_ask=ask,
            )
        )
        await self.engine.drain()


async def test_on_the_paper_exchange_levels_fill_then_a_restart_takes_profit(database_url):
    database = Database.open(database_url)  # SQLite and PostgreSQL
    rig = PaperRig(database)
    await rig.engine.start()
    await rig.step("101")
    config = make_config(connector_name="paper", take_profit=D("0.01"), time_limit=3600)
    await rig.engine.create(config)
    await rig.engine.drain()
    await rig.step("99.9")  # level 0 (buy 1 at 100) fills as maker
    await rig.step("89.9")  # level 1 (buy 2 at 90) fills as maker
    assert rig.engine.executor(config.id).details().filled_levels == 2

    second = rig.new_engine()  # a new process on the same database
    report = await second.start()
    assert report.resumed == [config.id]
    await rig.step("94")
    assert second.executor(config.id).family_state is S.RUNNING
    await rig.step("95")  # bid 94.99 > 93.33 x (1 + 0.01 + 0.001) = 94.27: take profit

    info = second.info(config.id)
    assert (info.status, info.close_type) == (ExecutorStatus.TERMINATED, CloseType.TAKE_PROFIT)
    ours = {o for o in info.details.order_ids}
    fills = [f for f in rig.exchange.fills_since(0) if f.client_order_id in ours]
    assert info.fees_paid_quote == sum((f.fee for f in fills), D(0))
    assert info.volume_quote == sum((f.amount * f.price for f in fills), D(0))
    assert info.net_pnl_quote == D("94.99") * 3 - 280 - info.fees_paid_quote
    assert rig.exchange.balances()["SOL"].total == 0
    database.close()


@pytest.mark.parametrize("mode", ["MAKER", "TAKER"])
async def test_through_the_cex_runtime_the_venue_ledger_equals_the_reported_fills(mode):
    wall = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)  # the paper SOL-USDT starts at 150
    runtime = await open_cex_runtime(database_url="sqlite://", wall_clock=SimulatedClock(wall))
    assert runtime.paper is not None
    exchange = runtime.paper.exchange
    sol_before = exchange.balances()["SOL"].total
    config = make_config(
        id=f"dca-{mode}",
        connector_name=PAPER_EXCHANGE,
        mode=mode,
        amounts_quote=[D(150), D(300)],
        prices=[D("150.5") if mode == "MAKER" else D(150), D("149.5")],
        activation_bounds=[D("0.01"), D("0.01")] if mode == "TAKER" else None,
        take_profit=D("0.05"),
        time_limit=600,
    )
    await runtime.create(config)
    executor = runtime.engine.executor(config.id)
    for _ in range(12):  # paper steps of 60 s: the time limit ends it at the 10th
        if executor.is_terminated:
            break
        await runtime.advance(1)

    info = runtime.engine.info(config.id)
    assert (info.status, info.close_type) == (ExecutorStatus.TERMINATED, CloseType.TIME_LIMIT)
    details = info.details
    assert details.filled_levels == 2
    fills = [f for f in exchange.fills_since(0) if f.client_order_id in set(details.order_ids)]
    bought = sum((f.amount for f in fills if f.side == "BUY"), D(0))
    sold = sum((f.amount for f in fills if f.side == "SELL"), D(0))
    assert (details.filled_amount_base, details.close_filled_amount_base) == (bought, sold)
    assert bought == sold and exchange.balances()["SOL"].total == sol_before
    assert info.fees_paid_quote == sum((f.fee for f in fills), D(0))
    assert info.volume_quote == sum((f.amount * f.price for f in fills), D(0))
    bought_quote = sum((f.amount * f.price for f in fills if f.side == "BUY"), D(0))
    realized = info.volume_quote - 2 * bought_quote - info.fees_paid_quote  # sold - bought - fees
    assert abs(info.net_pnl_quote - realized) < D("1e-20")  # the average entry is a division
    await runtime.aclose()


# --- failing while closing ------------------------------------------------------------------


def test_closes_that_keep_failing_end_failed_saying_what_may_be_open():
    executor = first_filled(max_retries=1, take_profit=D("0.01"))
    executor.apply(price("102"))
    close = close_after_cancels(executor)
    (again,) = executor.apply(
        OrderFailed(
            ts_event=at(4),
            command_id=close.command_id,
            client_order_id=close.client_order_id,
            reason="market closed",
        )
    )

    commands = executor.apply(command_failed(again, 5, "market closed", code="rejected"))

    assert commands == [] and executor.family_state is S.FAILED
    assert executor.close_type is CloseType.FAILED
    assert "1 base may still be open" in executor.state.failure_reason


def test_a_cancel_refused_past_the_retries_ends_failed_saying_the_order_may_be_open():
    executor = first_filled(max_retries=0)
    (cancel,) = executor.apply(StopRequested(ts_event=at(5)))

    executor.apply(
        CommandFailed(ts_event=at(6), command_id=cancel.command_id, reason="unknown order")
    )

    assert (executor.family_state, executor.close_type) == (S.FAILED, CloseType.FAILED)
    assert "may still be open" in executor.state.failure_reason


async def test_through_the_engine_a_kept_dca_hands_its_fills_to_the_ledger(tmp_path):
    database = Database.open(f"sqlite:///{tmp_path / 'lpexec.db'}")
    rig = PaperRig(database)
    await rig.engine.start()
    await rig.step("101")
    config = make_config(connector_name="paper", controller_id="bot-1")
    await rig.engine.create(config)
    await rig.engine.drain()
    await rig.step("99.9")  # level 0 (buy 1 at 100) fills as maker; level 1 rests

    await rig.engine.stop(config.id, keep_position=True)
    await rig.step("99.9")  # the cancel of level 1 is confirmed

    info = rig.engine.info(config.id)
    assert (info.status, info.close_type) == (ExecutorStatus.TERMINATED, CloseType.POSITION_HOLD)
    (position,) = rig.engine.ledger.positions()
    assert position.key == HeldPositionKey("bot-1", "paper", PAIR)
    assert (position.net_base, position.average_price) == (1, 100)
    assert rig.exchange.balances()["SOL"].total == 1
    database.close()

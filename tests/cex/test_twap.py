"""The TWAP executor, pure: its table, config, the schedule at its exact slice boundaries, slice
sizes that absorb misses, MAKER slices canceled at their end and resubmitted, the last slice,
stops, failures, reports and restart; then on the paper exchange through the CEX runtime."""

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
from lpexec.cex.twap import (
    TWAP_STATUS,
    TWAP_TRANSITIONS,
    TWAPDetails,
    TWAPExecutor,
    TWAPExecutorConfig,
    TWAPExecutorState,
    TWAPState,
    TWAPTrigger,
)
from lpexec.core import (
    CancelOrder,
    CloseType,
    ConfigError,
    ExecutorStarted,
    ExecutorStatus,
    OrderCanceled,
    OrderFilled,
    PlaceOrder,
    PriceUpdated,
    SimulatedClock,
    StopRequested,
    Tick,
    parse_config,
)

D = Decimal
S, T = TWAPState, TWAPTrigger
PAIR = "SOL-USDT"


def make_config(**fields) -> TWAPExecutorConfig:
    values = {
        "id": "twap-1",
        "trading_pair": PAIR,
        "connector_name": "binance",
        "side": "BUY",
        "total_amount_quote": D(400),
        "total_duration": 180,
        "order_interval": 60,  # 4 slices: 0, 60, 120, 180 s
    }
    values.update(fields)
    return TWAPExecutorConfig(**values)


def started(**fields) -> tuple[TWAPExecutor, list]:
    executor = TWAPExecutor(make_config(**fields), created_at=T0)
    return executor, executor.apply(ExecutorStarted(ts_event=T0))


def price(value, seconds=0.0) -> PriceUpdated:
    return PriceUpdated(ts_event=at(seconds), trading_pair=PAIR, price=D(value))


def tick(seconds) -> Tick:
    return Tick(ts_event=at(seconds))


def fill(order, base, price, fee="0", seconds=1.0, final=True) -> OrderFilled:
    return OrderFilled(
        ts_event=at(seconds),
        command_id=order.command_id,
        client_order_id=order.client_order_id,
        fill_id=f"f-{order.client_order_id[-6:]}-{base}-{seconds}",
        side=order.side,
        base_amount=D(base),
        price=D(price),
        fee_quote=D(fee),
        is_final=final,
    )


def canceled(order, seconds) -> OrderCanceled:
    return OrderCanceled(
        ts_event=at(seconds), command_id=order.command_id, client_order_id=order.client_order_id
    )


def one_place(commands) -> PlaceOrder:
    (command,) = commands
    assert isinstance(command, PlaceOrder)
    return command


def one_cancel(commands) -> CancelOrder:
    (command,) = commands
    assert isinstance(command, CancelOrder)
    return command


def live(executor):
    return executor.state.orders[-1]


def restarted(executor: TWAPExecutor) -> TWAPExecutor:
    restored = TWAPExecutor.restore(executor.config, executor.snapshot())
    assert isinstance(restored, TWAPExecutor)
    return restored


# --- the table ------------------------------------------------------------------------------


@pytest.mark.parametrize(("move", "target"), sorted(TWAP_TRANSITIONS.items()), ids=str)
def test_every_row(move, target):
    assert_row_fires(TWAP_TRANSITIONS, move, target)


@pytest.mark.parametrize(
    ("state", "trigger"), missing_pairs(TWAP_TRANSITIONS, TWAPState, TWAPTrigger), ids=str
)
def test_every_illegal_pair(state, trigger):
    assert_pair_is_refused(TWAP_TRANSITIONS, state, trigger)


def test_terminal_states_are_final_and_every_state_has_a_status():
    assert_terminal(TWAP_TRANSITIONS, TWAP_STATUS, (S.CLOSED, S.FAILED))
    assert set(TWAP_STATUS) == set(TWAPState)


# --- config ---------------------------------------------------------------------------------


def test_a_hummingbot_config_as_json_data_validates_unchanged():
    config = parse_config(
        TWAPExecutorConfig,
        {
            "id": None,
            "type": "twap_executor",
            "timestamp": 1767225600.0,
            "controller_id": "algo",
            "connector_name": "binance",
            "trading_pair": PAIR,
            "side": 2,
            "leverage": 1,
            "total_amount_quote": "1000",
            "total_duration": 300,
            "order_interval": 60,
            "mode": "MAKER",
            "limit_order_buffer": "0.001",
            "order_resubmission_time": 30,
        },
    )

    assert (config.side, config.mode, config.number_of_orders) == ("SELL", "MAKER", 6)
    assert config.order_amount_quote == D(1000) / 6
    assert make_config().mode == "TAKER" and make_config().number_of_orders == 4


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"mode": "MAKER"}, "limit_order_buffer: expected a ratio >= 0 in MAKER mode, received"),
        ({"order_interval": 200}, r"order_interval: expected at most total_duration \(180 s\)"),
        ({"order_interval": 0}, "order_interval"),
        ({"total_amount_quote": "-1"}, "total_amount_quote"),
        ({"limit_order_buffer": "1.5"}, "limit_order_buffer"),
        ({"mode": "VWAP"}, "mode"),
        ({"type": "dca_executor"}, "twap_executor"),
    ],
)
def test_config_refuses(fields, message):
    data = {
        "trading_pair": PAIR,
        "connector_name": "binance",
        "side": "BUY",
        "total_amount_quote": "400",
        "total_duration": 180,
        "order_interval": 60,
    }
    with pytest.raises(ConfigError, match=message):
        parse_config(TWAPExecutorConfig, data | fields)


# --- TAKER ----------------------------------------------------------------------------------


def test_taker_waits_for_a_price_then_sends_the_first_slice_as_a_market_order():
    executor, commands = started()
    assert commands == [] and executor.family_state is S.RUNNING

    order = one_place(executor.apply(price("100")))

    assert (order.order_type, order.side, order.price, order.amount) == ("MARKET", "BUY", None, 1)


def test_taker_sends_each_slice_at_exactly_its_start_sized_on_what_is_left():
    executor, _ = started()
    first = one_place(executor.apply(price("100")))
    executor.apply(fill(first, "1", "110"))  # cost 110: 10 more than planned
    assert executor.apply(price("100", seconds=59.999999)) == []
    assert executor.apply(tick(59.999999)) == []

    second = one_place(executor.apply(tick(60)))

    assert second.amount == D(290) / 3 / 100  # (400 - 110) / 3 slices left / mid


def test_the_last_taker_slice_completes_the_total_and_reports_price_and_slippage():
    executor, _ = started()
    order = one_place(executor.apply(price("100")))
    executor.apply(fill(order, "1", "100", fee="0.1"))
    for seconds in (60, 120):
        order = one_place(executor.apply(tick(seconds)))
        executor.apply(fill(order, order.amount, "100", fee="0.1", seconds=seconds))
    last = one_place(executor.apply(price("104", seconds=180)))
    assert last.amount == D(100) / 104
    assert executor.family_state is S.RUNNING

    executor.apply(fill(last, last.amount, "104", fee="0.1", seconds=180))

    info = executor.info(at(180))
    assert (info.status, info.close_type) == (ExecutorStatus.TERMINATED, CloseType.COMPLETED)
    assert info.closed_at == at(180) and info.volume_quote == 400
    details = info.details
    assert isinstance(details, TWAPDetails)
    base = 3 + D(100) / 104
    assert details.average_executed_price == D(400) / base
    assert details.arrival_price == 100
    assert details.slippage == D(400) / base / 100 - 1  # paid more than at arrival: > 0
    assert details.slippage > 0 and details.filled_ratio == 1
    assert details.slices_sent == 4 and details.next_slice_time is None
    # Hummingbot's P&L, marked to the last mid (104): (104 - avg) / avg x quote, less fees
    average = details.average_executed_price
    assert info.net_pnl_quote == (104 - average) / average * 400 - D("0.4")


def test_a_sell_twap_reports_slippage_positive_when_it_receives_less():
    executor, _ = started(side="SELL", total_duration=0)  # one slice
    order = one_place(executor.apply(price("100")))
    assert order.side == "SELL" and order.amount == 4

    executor.apply(fill(order, "4", "99"))

    assert executor.family_state is S.CLOSED
    assert executor.details().slippage == D("0.01")


def test_a_slice_that_meets_the_total_early_completes_the_twap():
    executor, _ = started()
    order = one_place(executor.apply(price("100")))
    executor.apply(fill(order, "4", "100"))  # the venue filled far more than asked
    assert (executor.family_state, executor.close_type) == (S.CLOSED, CloseType.COMPLETED)


# --- MAKER ----------------------------------------------------------------------------------

MAKER = {"mode": "MAKER", "limit_order_buffer": D("0.01")}


def test_maker_rests_below_the_mid_and_cancels_at_exactly_the_slice_end():
    executor, _ = started(**MAKER)
    order = one_place(executor.apply(price("100")))
    assert (order.order_type, order.price, order.amount) == ("LIMIT", 99, 1)
    executor.apply(fill(order, "0.4", "99", final=False, seconds=10))
    assert executor.apply(tick(59.999999)) == []

    cancel = one_cancel(executor.apply(tick(60)))

    assert cancel.client_order_id == order.client_order_id
    nxt = one_place(executor.apply(canceled(order, seconds=60.5)))
    assert nxt.amount == (400 - D("39.6")) / 3 / 100  # what slice 0 missed rolls forward
    assert executor.details().orders[0].phase == "CANCELED"


def test_a_sell_maker_rests_above_the_mid():
    executor, _ = started(side="SELL", **MAKER)
    assert one_place(executor.apply(price("100"))).price == 101


def test_maker_resubmits_an_old_order_at_the_new_mid_within_its_slice():
    executor, _ = started(**MAKER, order_resubmission_time=20)
    order = one_place(executor.apply(price("100")))
    assert executor.apply(price("102", seconds=19.9)) == []

    one_cancel(executor.apply(price("102", seconds=20)))
    again = one_place(executor.apply(canceled(order, seconds=21)))

    assert again.price == D("100.98") and again.amount == D(400) / 4 / 102
    assert executor.state.slice == 0 and executor.details().slices_sent == 1


def test_the_last_maker_slice_rests_to_its_end_then_completes_with_what_filled():
    executor, _ = started(**MAKER, total_duration=0)  # one slice: 0 to 60 s
    order = one_place(executor.apply(price("100")))
    executor.apply(fill(order, "2", "99", final=False, seconds=5))

    one_cancel(executor.apply(tick(60)))
    assert (executor.family_state, executor.close_type) == (S.CLOSING, CloseType.COMPLETED)
    executor.apply(canceled(order, seconds=61))

    info = executor.info(at(61))
    assert (info.status, info.close_type) == (ExecutorStatus.TERMINATED, CloseType.COMPLETED)
    assert info.details.filled_ratio == D(198) / 400


# --- stops and failures ---------------------------------------------------------------------


def test_a_stop_cancels_the_live_order_and_ends_early_stop():
    executor, _ = started(**MAKER)
    order = one_place(executor.apply(price("100")))

    one_cancel(executor.apply(StopRequested(ts_event=at(5))))
    assert executor.apply(StopRequested(ts_event=at(6))) == []
    executor.apply(canceled(order, seconds=7))

    assert (executor.family_state, executor.close_type) == (S.CLOSED, CloseType.EARLY_STOP)


def test_a_stop_between_slices_ends_at_once():
    executor, _ = started()
    executor.apply(fill(one_place(executor.apply(price("100"))), "1", "100"))

    assert executor.apply(StopRequested(ts_event=at(30))) == []

    assert (executor.family_state, executor.close_type) == (S.CLOSED, CloseType.EARLY_STOP)
    assert executor.info(at(30)).volume_quote == 100


def test_a_refused_slice_is_sent_again_within_it_then_the_twap_fails_when_retries_are_spent():
    executor, _ = started(max_retries=1)
    order = one_place(executor.apply(price("100")))

    again = one_place(executor.apply(command_failed(order, 1, "rate limited", retryable=True)))
    assert again.amount == 1 and executor.state.slice == 0
    assert executor.apply(canceled(again, seconds=2)) == []  # canceled by the venue: retry 2

    assert (executor.family_state, executor.close_type) == (S.FAILED, CloseType.FAILED)
    assert "canceled by the venue" in executor.state.failure_reason


def test_an_unknown_place_outcome_waits_and_reports_stranded():
    executor, _ = started()
    order = one_place(executor.apply(price("100")))
    executor.apply(command_failed(order, 1, "timeout", code="outcome_unknown"))
    assert executor.info(at(1)).stranded_reason
    assert executor.apply(tick(60)) == []  # the next slice waits for it
    executor.apply(fill(order, "1", "100", seconds=61))
    assert executor.info(at(61)).stranded_reason is None


# --- restart --------------------------------------------------------------------------------


def test_restart_mid_run_keeps_the_schedule_orders_and_the_command_sequence():
    executor, _ = started(**MAKER)
    order = one_place(executor.apply(price("100")))
    executor.apply(fill(order, "0.5", "99", final=False, seconds=10))

    resumed = restarted(executor)

    assert isinstance(resumed.state, TWAPExecutorState) and resumed.state == executor.state
    assert resumed.order_refs() == executor.order_refs()
    cancel = one_cancel(resumed.apply(tick(60)))
    assert cancel.command_id == f"{executor.id}-2"
    nxt = one_place(resumed.apply(canceled(order, seconds=61)))
    assert nxt.amount == (400 - D("49.5")) / 3 / 100


# --- on the paper exchange through the CEX runtime ------------------------------------------


@pytest.mark.parametrize("mode", ["TAKER", "MAKER"])
async def test_on_the_paper_exchange_the_venue_ledger_equals_the_reported_fills(mode):
    wall = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    runtime = await open_cex_runtime(database_url="sqlite://", wall_clock=SimulatedClock(wall))
    config = TWAPExecutorConfig(
        id=f"twap-{mode}",
        trading_pair=PAIR,
        connector_name=PAPER_EXCHANGE,
        side="BUY",
        total_amount_quote=D(600),
        total_duration=240,
        order_interval=60,
        mode=mode,
        limit_order_buffer=D("0") if mode == "MAKER" else None,
    )
    await runtime.create(config)
    executor = runtime.engine.executor(config.id)
    for _ in range(8):
        if executor.is_terminated:
            break
        await runtime.advance(1)

    info = runtime.engine.info(config.id)
    assert (info.status, info.close_type) == (ExecutorStatus.TERMINATED, CloseType.COMPLETED)
    assert runtime.paper is not None
    ours = set(info.details.order_ids)
    fills = [f for f in runtime.paper.exchange.fills_since(0) if f.client_order_id in ours]
    assert fills
    assert info.details.filled_amount_base == sum((f.amount for f in fills), D(0))
    assert info.fees_paid_quote == sum((f.fee for f in fills), D(0))
    assert info.volume_quote == sum((f.amount * f.price for f in fills), D(0))
    if mode == "TAKER":
        assert len(fills) == 5 and abs(info.volume_quote - 600) < 1
    await runtime.aclose()


async def test_a_process_restart_mid_twap_resumes_from_the_store_and_completes(
    tmp_path, database_url
):
    wall = SimulatedClock(dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    files = {
        "database_url": database_url,  # SQLite and PostgreSQL
        "paper_state_file": tmp_path / "paper.json",
    }
    first = await open_cex_runtime(wall_clock=wall, **files)
    config = TWAPExecutorConfig(
        id="twap-restart",
        trading_pair=PAIR,
        connector_name=PAPER_EXCHANGE,
        side="BUY",
        total_amount_quote=D(600),
        total_duration=240,
        order_interval=60,
        mode="MAKER",
        limit_order_buffer=D("0"),
    )
    await first.create(config)
    await first.advance(2)
    sent = first.engine.executor(config.id).details().slices_sent
    assert 1 <= sent < 5
    first.save()
    await first.aclose()

    second = await open_cex_runtime(wall_clock=wall, **files)  # a new process
    resumed = second.engine.executor(config.id)
    assert resumed.status is ExecutorStatus.ACTIVE and resumed.details().slices_sent == sent
    for _ in range(8):
        if resumed.is_terminated:
            break
        await second.advance(1)

    info = second.engine.info(config.id)
    assert (info.status, info.close_type) == (ExecutorStatus.TERMINATED, CloseType.COMPLETED)
    assert second.paper is not None
    ours = set(info.details.order_ids)
    fills = [f for f in second.paper.exchange.fills_since(0) if f.client_order_id in ours]
    assert len({f.client_order_id for f in fills}) >= 2
    assert info.details.filled_amount_base == sum((f.amount for f in fills), D(0))
    assert info.fees_paid_quote == sum((f.fee for f in fills), D(0))
    await second.aclose()


def test_a_stop_before_the_start_ends_early_stop():
    executor = TWAPExecutor(make_config(), created_at=T0)
    assert executor.apply(StopRequested(ts_event=at(0))) == []
    assert (executor.family_state, executor.close_type) == (S.CLOSED, CloseType.EARLY_STOP)


def test_a_cancel_refused_past_the_retries_ends_failed_saying_the_order_may_be_open():
    executor, _ = started(**MAKER, max_retries=1)
    one_place(executor.apply(price("100")))
    cancel = one_cancel(executor.apply(StopRequested(ts_event=at(5))))
    again = one_cancel(executor.apply(command_failed(cancel, 6, "busy")))

    executor.apply(command_failed(again, 7, "busy"))

    assert (executor.family_state, executor.close_type) == (S.FAILED, CloseType.FAILED)
    assert "may still be open" in executor.state.failure_reason

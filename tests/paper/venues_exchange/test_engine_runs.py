"""Order executors through the real engine on the paper exchange venue: orders placed, filled on
later steps and delivered by the order poller; stops; a restart on SQLite that reconciles a place
whose answer was lost instead of sending it twice."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fixtures.engine_builders import intents, kinds_of
from fixtures.paper_exchange import (
    MAKER_FEE,
    TAKER_FEE,
    make_cex_engine,
    make_exchange,
    make_exchange_venue,
    make_order_config,
    step,
)
from lpexec.cex import OrderExecutor, OrderState
from lpexec.core import CloseType, Database, MemoryStore, OrderPoller, SqlStore
from lpexec.core.store.tables import IntentStatus
from lpexec.paper.exchange import OrderStatus, PaperExchange
from lpexec.paper.venues.exchange_faults import ExchangeFaultPlan

D = Decimal


def ledger_of(exchange: PaperExchange, client_order_id: str) -> list[tuple]:
    """The exchange's fills of one order as (fill id, amount, price, fee)."""
    return [
        (str(fill.fill_id), fill.amount, fill.price, fill.fee)
        for fill in exchange.fills_since(0)
        if fill.client_order_id == client_order_id
    ]


def counted_by(executor: OrderExecutor) -> list[tuple]:
    """The fills the executor counted, in the same shape."""
    return [
        (fill.fill_id, fill.base_amount, fill.price, fill.fee_quote)
        for fill in executor.state.fills
    ]


@pytest.fixture
def run(clock):
    """(exchange, venue, engine, poller) on a MemoryStore; the market caps fills at 1 a step."""
    exchange = make_exchange(clock, fill_cap=D(1))
    venue = make_exchange_venue(exchange, clock)
    engine = make_cex_engine(MemoryStore(), clock, venue)
    return exchange, venue, engine, OrderPoller(engine)


async def started(engine, **fields) -> OrderExecutor:
    executor = engine.add(make_order_config(**fields))
    await engine.drain()
    return executor


async def test_a_resting_limit_fills_over_two_steps_delivered_by_the_poller(run, clock):
    exchange, _, engine, poller = run
    executor = await started(engine, side="BUY", price=D(100))
    assert executor.state.order_state is OrderState.OPEN

    step(exchange, clock, bid="99", ask="100")
    await poller.poll_once()
    await poller.poll_once()  # the same record again
    assert executor.state.filled_base == D(1) and executor.state.order_state is OrderState.OPEN
    step(exchange, clock, bid="99", ask="100")
    await poller.poll_once()

    assert executor.state.order_state is OrderState.FILLED
    assert executor.close_type is CloseType.POSITION_HOLD
    assert counted_by(executor) == ledger_of(exchange, executor.state.client_order_id)
    assert executor.state.fees_quote == D(2) * D(100) * MAKER_FEE
    assert executor.order_refs() == []
    assert await poller.poll_once() == 0


async def test_reading_an_open_orders_record_again_journals_nothing(run, clock):
    exchange, _, engine, poller = run
    executor = await started(engine, side="BUY", price=D(100))
    step(exchange, clock, bid="99", ask="100")
    await poller.poll_once()
    journal = kinds_of(engine.store, executor.id)

    again = await poller.poll_once()

    assert kinds_of(engine.store, executor.id) == journal
    assert again == 0


async def test_a_market_sell_fills_at_once_as_taker(clock):
    exchange = make_exchange(clock)
    engine = make_cex_engine(MemoryStore(), clock, make_exchange_venue(exchange, clock))

    executor = await started(engine, side="SELL", execution_strategy="MARKET")

    assert executor.state.order_state is OrderState.FILLED
    assert executor.average_price == D(99)
    assert executor.state.fees_quote == D(2) * D(99) * TAKER_FEE
    assert counted_by(executor) == ledger_of(exchange, executor.state.client_order_id)
    assert kinds_of(engine.store, executor.id)[-2:] == ["OrderCreated", "OrderFilled"]


async def test_a_market_order_beyond_the_cap_ends_canceled_holding_what_filled(run):
    exchange, _, engine, _ = run

    executor = await started(engine, side="BUY", execution_strategy="MARKET")

    assert executor.state.order_state is OrderState.CANCELED
    assert executor.close_type is CloseType.POSITION_HOLD
    assert executor.state.filled_base == D(1)
    assert counted_by(executor) == ledger_of(exchange, executor.state.client_order_id)


async def test_a_limit_maker_rests_and_fills_as_maker(run, clock):
    exchange, _, engine, poller = run
    executor = await started(
        engine, side="SELL", execution_strategy="LIMIT_MAKER", price=D(102), amount=D(1)
    )

    step(exchange, clock, bid="101", ask="103")
    await poller.poll_once()
    assert executor.state.order_state is OrderState.OPEN
    step(exchange, clock, bid="102", ask="103")
    await poller.poll_once()

    assert executor.state.order_state is OrderState.FILLED
    assert executor.state.fees_quote == D(102) * MAKER_FEE
    assert counted_by(executor) == ledger_of(exchange, executor.state.client_order_id)


async def test_a_limit_maker_that_would_cross_ends_failed_with_the_exchanges_reason(run):
    exchange, _, engine, _ = run

    executor = await started(engine, side="BUY", execution_strategy="LIMIT_MAKER", price=D(101))

    assert executor.state.order_state is OrderState.FAILED
    assert executor.close_type is CloseType.FAILED
    assert "would cross" in executor.state.failure_reason
    assert exchange.order(executor.state.client_order_id).status is OrderStatus.REJECTED
    assert exchange.balances()["USDC"].reserved == 0


async def test_a_stop_cancels_the_open_order_and_releases_its_reservation(run):
    exchange, _, engine, _ = run
    executor = await started(engine, side="BUY", price=D(95))

    await engine.stop(executor.id)
    await engine.drain()

    assert executor.state.order_state is OrderState.CANCELED
    assert executor.close_type is CloseType.EARLY_STOP
    assert exchange.order(executor.state.client_order_id).status is OrderStatus.CANCELED
    assert exchange.balances()["USDC"].reserved == 0


async def test_a_stop_after_a_fill_nobody_polled_still_counts_that_fill(run, clock):
    exchange, _, engine, _ = run
    executor = await started(engine, side="BUY", price=D(100))
    step(exchange, clock, bid="99", ask="100")  # fills 1 of 2; the poller does not run

    await engine.stop(executor.id)
    await engine.drain()

    assert executor.state.order_state is OrderState.CANCELED
    assert executor.close_type is CloseType.POSITION_HOLD
    assert counted_by(executor) == ledger_of(exchange, executor.state.client_order_id)
    assert executor.state.filled_base == D(1)


async def test_a_cancel_that_does_not_land_is_sent_again_until_it_does(clock):
    # Arrange: the venue drops every cancel until we let it through
    exchange = make_exchange(clock)
    venue = make_exchange_venue(exchange, clock, faults="cancel:drop#1+")
    engine = make_cex_engine(MemoryStore(), clock, venue, max_sends=3)
    executor = await started(engine, side="BUY", price=D(95))
    # Act: a stop while the cancels do not land
    await engine.stop(executor.id)
    for _ in range(5):
        await engine.drain()
    dropped = venue.faults.fired["drop"]
    state_while_down = executor.state.order_state
    venue.faults = ExchangeFaultPlan.parse(None)
    for _ in range(3):
        await engine.drain()
    # Assert: never given up while the order is open (it could still fill), canceled once the
    # venue takes the cancel; the executor never ended FAILED with the order left open
    assert dropped > 3
    assert state_while_down is OrderState.CANCELING
    assert exchange.order(executor.state.client_order_id).status is OrderStatus.CANCELED
    assert executor.state.order_state is OrderState.CANCELED
    assert executor.close_type is CloseType.EARLY_STOP


@pytest.mark.parametrize(
    ("fault", "sends"),
    [("504", 1), ("drop", 2)],
    ids=["answer-lost-after-it-landed", "never-landed"],
)
async def test_a_restart_on_sqlite_reconciles_an_unknown_place_and_never_makes_two_orders(
    clock, sqlite_url, fault, sends
):
    # Arrange: the place's answer is lost, and the first look-up cannot tell either.
    exchange = make_exchange(clock)
    venue = make_exchange_venue(exchange, clock, faults=f"place:{fault}#1,status:500#1")
    database = Database.open(sqlite_url)
    first = make_cex_engine(SqlStore(database), clock, venue)
    await first.start()
    executor_id = first.add(make_order_config(side="BUY", price=D(100))).id
    await first.drain()
    (intent,) = intents(first.store, executor_id).values()
    assert intent.status == IntentStatus.UNKNOWN
    database.close()

    # Act: a new process on the same database.
    database = Database.open(sqlite_url)
    second = make_cex_engine(SqlStore(database), clock, venue)
    report = await second.start()
    await second.drain()
    step(exchange, clock, bid="99", ask="100")
    await OrderPoller(second).poll_once()

    # Assert
    executor = second.executor(executor_id)
    (intent,) = intents(second.store, executor_id).values()
    assert report.intents_to_reconcile == 1
    assert (intent.status, intent.attempts) == (IntentStatus.DONE, sends)
    assert exchange.open_orders() == []
    assert executor.state.order_state is OrderState.FILLED
    assert counted_by(executor) == ledger_of(exchange, executor.state.client_order_id)
    assert len(exchange.fills_since(0)) == 1
    database.close()


async def test_a_place_that_never_landed_is_not_sent_again_after_its_executor_stopped(clock):
    # Arrange: the first place is dropped (its outcome unknown), the executor is stopped before
    # the engine finds out
    exchange = make_exchange(clock)
    venue = make_exchange_venue(exchange, clock, faults="place:drop#1,status:500#1")
    engine = make_cex_engine(MemoryStore(), clock, venue, max_sends=3)
    executor = engine.add(make_order_config(side="BUY", price=D(95)))
    await engine.drain()  # the place is dropped; the first look-up cannot tell
    # Act: stop it (its cancel finds no order), then let the engine reconcile the place
    await engine.stop(executor.id)
    for _ in range(3):
        await engine.drain()
    # Assert: the executor ended and the place was never made afterwards
    assert executor.is_terminated
    assert exchange.all_orders() == []
    assert not engine.has_work

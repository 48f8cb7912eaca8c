"""``MemoryStore``: all-or-nothing units of work, resume into a new engine, same reports as SQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from fixtures.executors import (
    BarrierOrderConfig,
    BarrierOrderExecutor,
    RangeLiquidityConfig,
    RangeLiquidityExecutor,
)
from fixtures.venues import LedgerVenue
from lpexec.core import (
    UTC,
    ConfigError,
    Database,
    Engine,
    ExecutorStarted,
    ExecutorStatus,
    HeldFill,
    HeldPosition,
    HeldPositionKey,
    MemoryStore,
    PriceUpdated,
    SimulatedClock,
    SqlStore,
    StoreError,
)
from lpexec.core.serialization import decode_message, encode_outcome
from lpexec.core.store import IntentStatus, Store
from lpexec.lp.messages import publish_pool_price

T0 = dt.datetime(2026, 1, 1, tzinfo=UTC)
TYPES = [BarrierOrderExecutor, RangeLiquidityExecutor]


def started_executor(executor_id: str = "e1") -> tuple[BarrierOrderExecutor, list]:
    executor = BarrierOrderExecutor(
        BarrierOrderConfig(id=executor_id, amount=Decimal(1)), created_at=T0
    )
    commands = executor.apply(ExecutorStarted(ts_event=T0))
    return executor, commands


def held_position() -> HeldPosition:
    position = HeldPosition(
        HeldPositionKey(controller_id="bot", connector="exchange", trading_pair="SOL-USDC")
    )
    position.apply(
        HeldFill(
            fill_id="f1",
            executor_id="e1",
            side="BUY",
            base_amount=Decimal(2),
            quote_amount=Decimal(200),
            fee_quote=Decimal("0.2"),
            ts=T0,
        )
    )
    return position


def test_a_unit_of_work_that_raises_writes_nothing():
    store = MemoryStore()
    executor, (command,) = started_executor()
    # Act: every kind of write, then an error before the block ends
    with pytest.raises(RuntimeError), store.transaction() as unit:
        unit.save_executor(executor, now=T0)
        unit.append_journal(executor.id, seq=1, event=ExecutorStarted(ts_event=T0))
        unit.insert_intent(command, now=T0)
        unit.set_intent_status(command.command_id, IntentStatus.SENT, now=T0)
        unit.save_held_position(held_position(), now=T0)
        unit.save_controller_state("bot", kind="test", state={"step": 1}, now=T0)
        raise RuntimeError("crash inside the transaction")
    # Assert
    assert store.get_executor(executor.id) is None
    assert not store.has_executor(executor.id)
    assert store.unfinished_executors() == []
    assert store.journal(executor.id) == []
    assert store.last_journal_seq() == {}
    assert store.intent(command.command_id) is None and store.open_intents() == []
    assert store.held_positions() == []
    assert store.controller_state("bot") is None


def test_a_unit_of_work_that_ends_keeps_every_write():
    store = MemoryStore()
    executor, (command,) = started_executor()
    with store.transaction() as unit:
        unit.save_executor(executor, now=T0)
        unit.append_journal(executor.id, seq=1, event=ExecutorStarted(ts_event=T0))
        unit.insert_intent(command, now=T0)
        unit.set_intent_status(command.command_id, IntentStatus.SENT, now=T0, count_attempt=True)
        unit.save_held_position(held_position(), now=T0)
        unit.save_controller_state("bot", kind="test", state={"step": 1}, now=T0)
    record = store.get_executor(executor.id)
    assert record is not None
    assert (record.status, record.controller_id, record.type) == (
        ExecutorStatus.ACTIVE,
        "main",
        "barrier_order",
    )
    assert record.load_snapshot() == executor.snapshot()
    assert [(entry.seq, entry.kind) for entry in store.journal(executor.id)] == [
        (1, "ExecutorStarted")
    ]
    assert store.last_journal_seq() == {executor.id: 1}
    (intent,) = store.open_intents()
    assert (intent.command, intent.status, intent.attempts, intent.kind) == (
        command,
        IntentStatus.SENT,
        1,
        "PlaceOrder",
    )
    (held,) = store.held_positions()
    assert (held.net_base, held.average_price) == (Decimal(2), Decimal(100))
    assert store.controller_state("bot") == {"step": 1}


@pytest.mark.parametrize("make", [MemoryStore, "sql"])
def test_unknown_and_repeated_intents_are_refused_when_written(make, sqlite_url):
    store: Store = SqlStore(Database.open(sqlite_url)) if make == "sql" else make()
    with pytest.raises(KeyError), store.transaction() as unit:
        unit.set_intent_status("never-recorded", IntentStatus.DONE, now=T0)
    if isinstance(store, MemoryStore):
        _, (command,) = started_executor()
        with store.transaction() as unit:
            unit.insert_intent(command, now=T0)
        with pytest.raises(StoreError), store.transaction() as unit:
            unit.insert_intent(command, now=T0)


def test_saving_keeps_the_object_and_reads_build_the_record_when_asked():
    store = MemoryStore()
    executor, _ = started_executor()
    with store.transaction() as unit:
        unit.save_executor(executor, now=T0)
    # the store did not copy: a later change of the object shows in the next read
    executor.status = ExecutorStatus.CLOSING
    record = store.get_executor(executor.id)
    assert record is not None and record.status is ExecutorStatus.CLOSING


def test_engine_takes_exactly_one_of_store_and_database(sqlite_url):
    database = Database.open(sqlite_url)
    try:
        engine = Engine(database=database, clock=SimulatedClock(T0), executor_types=[], venues={})
        assert isinstance(engine.store, SqlStore) and engine.store.database is database
        with pytest.raises(ConfigError, match="received both"):
            Engine(
                store=MemoryStore(),
                database=database,
                clock=SimulatedClock(T0),
                executor_types=[],
                venues={},
            )
        with pytest.raises(ConfigError, match="received neither"):
            Engine(clock=SimulatedClock(T0), executor_types=[], venues={})
    finally:
        database.close()


async def test_a_new_engine_resumes_unfinished_executors_from_the_same_memory_store(tmp_path):
    clock = SimulatedClock(T0)
    venue = LedgerVenue(tmp_path / "venue.db", clock=clock, price=Decimal(100))
    store = MemoryStore()
    first = Engine(store=store, clock=clock, executor_types=TYPES, venues={"exchange": venue})
    await first.start()
    filled = BarrierOrderConfig(id="filled", amount=Decimal(1), take_profit=Decimal("0.01"))
    queued = BarrierOrderConfig(id="queued", amount=Decimal(2), take_profit=Decimal("0.01"))
    await first.create(filled)
    await first.drain()
    await first.create(queued)  # its order is queued, not sent: the "crash" comes now
    # Act
    second = Engine(store=store, clock=clock, executor_types=TYPES, venues={"exchange": venue})
    report = await second.start()
    # Assert: rebuilt from snapshots (new objects), the pending intent sent once
    assert report.resumed == ["filled", "queued"] and report.intents_to_send == 1
    assert second.executor("filled") is not first.executor("filled")
    assert second.executor("filled").snapshot() == first.executor("filled").snapshot()
    await second.drain()
    assert second.executor("queued").state.open_base == Decimal(2)
    venue.price = Decimal(102)
    second.publish_price("SOL-USDC", Decimal(102))
    await second.drain()
    assert {info.executor_id for info in second.infos(status=["TERMINATED"])} == {
        "filled",
        "queued",
    }
    assert sorted(venue.executions().values()) == [1, 1, 1, 1]
    assert store.unfinished_executors() == []
    venue.close()


async def _scenario(store: Store, tmp_path, name: str) -> tuple[Engine, Engine]:
    """Five executors over two controllers and two types: ended, active, then one stranded.

    Returns the engine that ran them and a second one on the same store that knows only orders
    (so it strands the liquidity executor). No executor sees a price it does not persist after
    its last save (see ``test_memory_reads_show_changes_the_engine_does_not_save``).
    """
    clock = SimulatedClock(T0)
    venue = LedgerVenue(tmp_path / f"{name}.db", clock=clock, price=Decimal(100))
    venues = {"exchange": venue, "dex": venue}
    engine = Engine(store=store, clock=clock, executor_types=TYPES, venues=venues)
    await engine.start()
    for index in range(4):
        if index == 2:  # orders 0 and 1 reach their take profit and end
            clock.advance(seconds=10)
            venue.price = Decimal(102)
            publish_pool_price(engine, "SOL-USDC", Decimal(102), pool_address="pool-1")
            await engine.drain()
        clock.advance(seconds=10)
        await engine.create(
            BarrierOrderConfig(
                id=f"order-{index}",
                controller_id="bot-a" if index % 2 else "bot-b",
                amount=Decimal(1),
                take_profit=Decimal("0.01") if index < 2 else None,
            )
        )
        await engine.drain()
    clock.advance(seconds=10)
    await engine.create(
        RangeLiquidityConfig(
            id="range-0",
            controller_id="bot-a",
            lower_price=Decimal(90),
            upper_price=Decimal(110),
            quote_amount=Decimal(10),
        )
    )
    await engine.drain()
    clock.advance(seconds=10)
    narrow = Engine(store=store, clock=clock, executor_types=[BarrierOrderExecutor], venues=venues)
    await narrow.start()
    venue.close()
    return engine, narrow


FILTERS: list[dict[str, object]] = [
    {},
    {"controller_id": "bot-a"},
    {"status": ["TERMINATED"]},
    {"status": ["ACTIVE", "CLOSING"]},
    {"executor_type": "range_liquidity"},
    {"stranded": True},
    {"stranded": False},
    {"controller_id": "bot-b", "status": ["ACTIVE"]},
    {"limit": 2},
    {"limit": 2, "offset": 2},
]


async def test_reports_and_filters_match_the_sql_store(tmp_path, sqlite_url):
    database = Database.open(sqlite_url)
    sql, memory = SqlStore(database), MemoryStore()
    first_sql, on_sql = await _scenario(sql, tmp_path, "sql")
    first_memory, on_memory = await _scenario(memory, tmp_path, "memory")
    try:
        assert [info.executor_id for info in first_sql.infos()] == [
            "range-0",
            "order-3",
            "order-2",
            "order-1",
            "order-0",
        ]
        assert on_sql.infos(stranded=True)[0].executor_id == "range-0"
        assert [info.status for info in first_sql.infos()] == [
            ExecutorStatus.ACTIVE,
            ExecutorStatus.ACTIVE,
            ExecutorStatus.ACTIVE,
            ExecutorStatus.TERMINATED,
            ExecutorStatus.TERMINATED,
        ]
        for filters in FILTERS:
            assert first_memory.infos(**filters) == first_sql.infos(**filters), filters
            assert on_memory.infos(**filters) == on_sql.infos(**filters), filters
        for executor_id in ("order-0", "order-3", "range-0"):
            assert on_memory.info(executor_id) == on_sql.info(executor_id)
            assert first_memory.executor_config(executor_id) == first_sql.executor_config(
                executor_id
            )
            assert memory.journal(executor_id) == sql.journal(executor_id)
            assert memory.intents_for(executor_id) == sql.intents_for(executor_id)
        assert on_memory.executor_config("order-0") == on_sql.executor_config("order-0")
        assert memory.last_journal_seq() == sql.last_journal_seq()
        assert memory.open_intents() == sql.open_intents()
        assert [r.executor_id for r in memory.unfinished_executors()] == [
            r.executor_id for r in sql.unfinished_executors()
        ]
    finally:
        database.close()


async def test_memory_reads_show_changes_the_engine_does_not_save(tmp_path, sqlite_url):
    """A price that moves no barrier is not saved, yet the order notes it (``last_price``).

    ``SqlStore`` keeps the state of the last save; ``MemoryStore`` holds the live object, so a
    new engine resumes with the noted price. Documented in the ``MemoryStore`` docstring.
    """
    database = Database.open(sqlite_url)
    resumed_prices = {}
    try:
        for name, store in (("sql", SqlStore(database)), ("memory", MemoryStore())):
            clock = SimulatedClock(T0)
            venue = LedgerVenue(tmp_path / f"{name}.db", clock=clock, price=Decimal(100))
            engine = Engine(
                store=store, clock=clock, executor_types=TYPES, venues={"exchange": venue}
            )
            await engine.start()
            await engine.create(BarrierOrderConfig(id="order", amount=Decimal(1)))
            await engine.drain()
            engine.publish_price("SOL-USDC", Decimal(101))
            again = Engine(
                store=store, clock=clock, executor_types=TYPES, venues={"exchange": venue}
            )
            await again.start()
            resumed_prices[name] = again.executor("order").state.last_price
            venue.close()
    finally:
        database.close()
    assert resumed_prices["memory"] == Decimal(101)
    assert resumed_prices["sql"] != Decimal(101)


@pytest.mark.parametrize("make", [MemoryStore, "sql"])
def test_an_intents_outcome_events_read_back_encoded(make, sqlite_url):
    store: Store = SqlStore(Database.open(sqlite_url)) if make == "sql" else make()
    executor, (command,) = started_executor()
    events = (
        PriceUpdated(ts_event=T0, trading_pair="SOL-USDC", price=Decimal("150.25")),
        PriceUpdated(ts_event=T0, trading_pair="SOL-USDC", price=Decimal("151")),
    )
    with store.transaction() as unit:
        unit.save_executor(executor, now=T0)
        unit.insert_intent(command, now=T0)
    with store.transaction() as unit:
        unit.set_intent_status(command.command_id, IntentStatus.DONE, now=T0, events=events)
    intent = store.intent(command.command_id)
    assert intent is not None and intent.status == IntentStatus.DONE
    assert intent.outcome == encode_outcome(events)
    assert [decode_message(e) for e in intent.outcome["events"]] == list(events)
    # a later plain outcome replaces the events
    with store.transaction() as unit:
        unit.set_intent_status(command.command_id, IntentStatus.DONE, now=T0, outcome={"x": 1})
    again = store.intent(command.command_id)
    assert again is not None and again.outcome == {"x": 1}


def _intent_rows(store: MemoryStore) -> list[tuple[object, ...]]:
    return [
        (i.intent_id, i.status, i.attempts, i.outcome, i.error, i.evidence)
        for i in store._intents_where(lambda _entry: True)
    ]


async def _run_without_then_with_journal(tmp_path) -> tuple[MemoryStore, MemoryStore]:
    """The same executors, orders and prices on a store without a journal and on one with."""
    stores = []
    for journal in (False, True):
        clock = SimulatedClock(T0)
        venue = LedgerVenue(tmp_path / f"venue-{journal}.db", clock=clock, price=Decimal(100))
        store = MemoryStore(journal=journal)
        engine = Engine(store=store, clock=clock, executor_types=TYPES, venues={"exchange": venue})
        await engine.start()
        for index in range(3):
            await engine.create(
                BarrierOrderConfig(
                    id=f"order-{index}", amount=Decimal(1), take_profit=Decimal("0.01")
                )
            )
            await engine.drain()
        clock.advance(seconds=10)
        venue.price = Decimal(102)
        engine.publish_price("SOL-USDC", Decimal(102))
        await engine.drain()
        venue.close()
        stores.append(store)
    return stores[0], stores[1]


async def test_a_store_without_a_journal_keeps_everything_else_as_one_with(tmp_path):
    # Arrange / Act: the engine saves its changes in one call (save_change) without a journal
    bare, journaled = await _run_without_then_with_journal(tmp_path)
    # Assert: no journal, the same executors, intents (statuses, attempts, outcomes, evidence)
    assert bare.keeps_journal is False and journaled.keeps_journal is True
    assert bare.journal("order-0") == [] and bare.last_journal_seq() == {}
    assert journaled.journal("order-0") != []
    assert [e.snapshot() for e in bare.saved_executors()] == [
        e.snapshot() for e in journaled.saved_executors()
    ]
    assert [r.updated_at for r in bare.list_executors()] == [
        r.updated_at for r in journaled.list_executors()
    ]
    assert _intent_rows(bare) == _intent_rows(journaled)


def test_a_change_saved_in_one_call_is_checked_before_anything_is_written():
    store = MemoryStore(journal=False)
    executor, (command,) = started_executor()
    store.save_change(executor, now=T0, commands=[command], intent=None)
    # Act: the same intent again, then an unknown intent's update
    later = T0 + dt.timedelta(seconds=5)
    with pytest.raises(StoreError):
        store.save_change(executor, now=later, commands=[command], intent=None)
    with pytest.raises(KeyError):
        store.save_change(
            executor, now=later, commands=[], intent=("unknown", IntentStatus.DONE, None, (), None)
        )
    with pytest.raises(KeyError):
        store.save_intent_status("unknown", IntentStatus.SENT, now=later)
    with pytest.raises(KeyError):
        store.save_intent_evidence("unknown", {"fact": 1}, now=later)
    # Assert: nothing of the refused changes was written
    record = store.get_executor(executor.id)
    assert record is not None and record.updated_at == T0
    (intent,) = store.open_intents()
    assert (intent.status, intent.attempts, intent.updated_at) == (IntentStatus.PENDING, 0, T0)
    # Act: the accepted one-call writes equal what units of work write
    store.save_intent_status(command.command_id, IntentStatus.SENT, now=later, count_attempt=True)
    store.save_intent_evidence(command.command_id, {"client_order_id": "x"}, now=later)
    (intent,) = store.open_intents()
    assert (intent.status, intent.attempts, intent.evidence) == (
        IntentStatus.SENT,
        1,
        {"client_order_id": "x"},
    )

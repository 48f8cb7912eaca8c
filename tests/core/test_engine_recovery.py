"""Starting an engine on a store another process left: executors resume, PENDING intents are sent,
SENT ones are reconciled (never sent twice), and what cannot be rebuilt is stranded and listed.

Every test runs on both stores (``SqlStore`` on SQLite and ``MemoryStore``).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from fixtures.engine_builders import make_engine, make_venue
from fixtures.executors import (
    BarrierOrderConfig,
    BarrierOrderExecutor,
    RangeLiquidityConfig,
    RangeLiquidityExecutor,
)
from lpexec.core import (
    CloseType,
    Database,
    Engine,
    Evidence,
    ExecutorStatus,
    RiskEngine,
    RiskLimits,
    RiskRejectedError,
)
from lpexec.core.store import IntentStatus


async def test_restart_sends_pending_intents_and_resumes(store, clock, tmp_path):
    # Arrange: create, but "crash" before the queued command is sent
    venue = make_venue(tmp_path, clock)
    first = make_engine(store, clock, venue)
    await first.start()
    config = BarrierOrderConfig(amount=Decimal(1), take_profit=Decimal("0.01"))
    await first.create(config)
    # Act: a new engine on the same store
    second = make_engine(store, clock, venue)
    report = await second.start()
    await second.drain()
    second.publish_price("SOL-USDC", Decimal(102))
    await second.drain()
    # Assert
    assert report.resumed == [config.id] and report.intents_to_send == 1
    assert second.info(config.id).close_type is CloseType.TAKE_PROFIT
    assert sorted(venue.executions().values()) == [1, 1]


async def test_restart_reconciles_a_sent_intent(store, clock, tmp_path):
    venue = make_venue(tmp_path, clock)
    first = make_engine(store, clock, venue)
    await first.start()
    config = BarrierOrderConfig(amount=Decimal(1))
    await first.create(config)
    command_id = f"{config.id}-1"
    # the venue carried it out, then the process died before the outcome was recorded
    (intent,) = store.open_intents()
    command = intent.command
    await venue.place_order(command, Evidence())
    with store.transaction() as unit:
        unit.set_intent_status(command_id, IntentStatus.SENT, now=clock.now())
    second = make_engine(store, clock, venue)
    report = await second.start()
    await second.drain()
    assert report.intents_to_reconcile == 1
    assert venue.executions() == {command_id: 1}
    assert second.executor(config.id).state.open_base == Decimal(1)


async def test_unknown_types_and_broken_state_are_stranded_and_listed(store, clock, tmp_path):
    venue = make_venue(tmp_path, clock)
    first = make_engine(store, clock, venue)
    await first.start()
    liquidity = RangeLiquidityConfig(
        lower_price=Decimal(90), upper_price=Decimal(110), quote_amount=Decimal(10)
    )
    await first.create(liquidity)
    # Act: an engine that does not know the liquidity type
    second = Engine(
        store=store,
        clock=clock,
        executor_types=[BarrierOrderExecutor],
        venues={"exchange": venue},
    )
    report = await second.start()
    # Assert
    reason = report.stranded[liquidity.id]
    assert reason.startswith("unknown executor type 'range_liquidity'")
    (listed,) = second.infos(stranded=True)
    assert listed.executor_id == liquidity.id and listed.stranded_reason == reason
    assert listed.status is ExecutorStatus.ACTIVE


async def test_an_engine_resumes_only_the_types_it_runs_and_leaves_the_others_untouched(
    tmp_path, clock
):
    # Arrange: one store, an order executor and a liquidity executor left unfinished
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    types = [BarrierOrderExecutor, RangeLiquidityExecutor]
    database = Database.open(url)
    first = Engine(database=database, clock=clock, executor_types=types, venues={})
    await first.create(BarrierOrderConfig(id="o-1", amount=Decimal(1), side="BUY"))
    await first.create(
        RangeLiquidityConfig(
            id="r-1",
            lower_price=Decimal(95),
            upper_price=Decimal(105),
            base_amount=Decimal(1),
            quote_amount=Decimal(100),
        )
    )
    database.close()
    order_type = BarrierOrderConfig.type
    # Act: a runtime that runs only the order type starts on the store
    database = Database.open(url)
    second = Engine(
        database=database, clock=clock, executor_types=types, venues={}, runs=[order_type]
    )
    report = await second.start()
    # Assert: the order executor resumed, the other is neither resumed nor stranded
    assert report.resumed == ["o-1"]
    assert report.stranded == {}
    assert second.info("r-1").stranded_reason is None
    assert second.info("r-1").status is not None
    database.close()


async def test_the_risk_engine_counts_what_another_runtime_on_the_store_has_open(tmp_path, clock):
    # Arrange: two engines on one store, each running one type, one open executor limit
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    types = [BarrierOrderExecutor, RangeLiquidityExecutor]
    risk = RiskEngine(RiskLimits.from_mapping({"max_open_executors": 1}))
    orders_db, ranges_db = Database.open(url), Database.open(url)
    orders = Engine(
        database=orders_db,
        clock=clock,
        executor_types=types,
        venues={},
        risk=risk,
        runs=[BarrierOrderConfig.type],
    )
    ranges = Engine(
        database=ranges_db,
        clock=clock,
        executor_types=types,
        venues={},
        risk=risk,
        runs=[RangeLiquidityConfig.type],
    )
    await orders.create(BarrierOrderConfig(id="o-1", amount=Decimal(1), side="BUY"))
    # Act / Assert: the other runtime's create is refused, naming the limit
    with pytest.raises(RiskRejectedError, match="max_open_executors"):
        await ranges.create(
            RangeLiquidityConfig(
                id="r-1",
                lower_price=Decimal(95),
                upper_price=Decimal(105),
                base_amount=Decimal(1),
                quote_amount=Decimal(100),
            )
        )
    assert not ranges.has_executor("r-1")
    orders_db.close()
    ranges_db.close()


async def test_the_risk_engine_fails_closed_on_an_open_executor_it_cannot_read(tmp_path, clock):
    # Arrange: an open executor of a type this engine does not know
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    database = Database.open(url)
    other = Engine(database=database, clock=clock, executor_types=[BarrierOrderExecutor], venues={})
    await other.create(BarrierOrderConfig(id="o-1", amount=Decimal(1), side="BUY"))
    risk = RiskEngine(RiskLimits.from_mapping({"max_open_executors": 10}))
    narrow = Engine(
        database=database,
        clock=clock,
        executor_types=[RangeLiquidityExecutor],
        venues={},
        risk=risk,
    )
    # Act / Assert
    with pytest.raises(RiskRejectedError, match="o-1"):
        await narrow.create(
            RangeLiquidityConfig(
                id="r-1",
                lower_price=Decimal(95),
                upper_price=Decimal(105),
                base_amount=Decimal(1),
                quote_amount=Decimal(100),
            )
        )
    database.close()

"""The engine facade: create, stop and read executors; dispatch events and persist each change.

Every test runs on both stores (``SqlStore`` on SQLite and ``MemoryStore``) unless it checks
something only SQL has. The outbox (intents, evidence, reconciliation), restarts and the
scheduler have files of their own: ``test_engine_outbox.py``, ``test_engine_recovery.py``,
``test_engine_scheduler.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

import lpexec.core.engine
from fixtures.engine_builders import intents, kinds_of, make_engine, make_venue
from fixtures.executors import (
    BarrierOrderConfig,
)
from lpexec.core import (
    CloseType,
    Command,
    ConfigError,
    Engine,
    Executor,
    ExecutorConfig,
    ExecutorStatus,
    Exposure,
    HeldPositionKey,
    PriceUpdated,
    RiskEngine,
    RiskLimits,
    RiskRejectedError,
    SqlStore,
    StateChanged,
    UnknownExecutorError,
    on,
)
from lpexec.core.store import IntentStatus
from lpexec.core.store import repository as repo


async def test_order_lifecycle_through_the_engine(store, clock, tmp_path):
    # Arrange
    venue = make_venue(tmp_path, clock)
    changes: list[StateChanged] = []
    engine = make_engine(store, clock, venue, observer=changes.append)
    await engine.start()
    config = BarrierOrderConfig(amount=Decimal(2), stop_loss=Decimal("0.05"))
    # Act
    info = await engine.create(config)
    await engine.drain()
    venue.price = Decimal(94)
    engine.publish_price("SOL-USDC", Decimal(94))
    await engine.drain()
    # Assert
    final = engine.info(config.id)
    assert info.status is ExecutorStatus.ACTIVE
    assert final.status is ExecutorStatus.TERMINATED
    assert final.close_type is CloseType.STOP_LOSS
    assert final.net_pnl_quote == Decimal(-12) - Decimal("0.2") - Decimal("0.188")
    assert sorted(venue.executions().values()) == [1, 1]
    assert {row.status for row in intents(store, config.id).values()} == {IntentStatus.DONE}
    assert len(intents(store, config.id)) == 2
    assert [(c.old_status, c.new_status) for c in changes] == [
        (ExecutorStatus.CREATED, ExecutorStatus.ACTIVE),
        (ExecutorStatus.ACTIVE, ExecutorStatus.CLOSING),
        (ExecutorStatus.CLOSING, ExecutorStatus.TERMINATED),
    ]
    assert kinds_of(store, config.id) == [
        "ExecutorStarted",
        "OrderCreated",
        "OrderFilled",
        "PriceUpdated",
        "OrderCreated",
        "OrderFilled",
    ]


async def test_prices_that_change_nothing_are_not_journaled(store, clock, tmp_path):
    engine = make_engine(store, clock, make_venue(tmp_path, clock))
    await engine.start()
    config = BarrierOrderConfig(amount=Decimal(1), stop_loss=Decimal("0.5"))
    await engine.create(config)
    await engine.drain()
    for price in ("100", "101", "99"):
        assert engine.publish_price("SOL-USDC", Decimal(price)) == 1
    assert len(store.journal(config.id)) == 3


async def test_risk_engine_checks_every_create(store, clock, tmp_path):
    risk = RiskEngine(RiskLimits(max_position_size_quote=Decimal(500)))
    engine = make_engine(store, clock, make_venue(tmp_path, clock), risk=risk)
    await engine.start()
    engine.publish_price("SOL-USDC", Decimal(150))
    await engine.create(BarrierOrderConfig(amount=Decimal(2)))
    rejected = BarrierOrderConfig(amount=Decimal("2.14"))
    with pytest.raises(RiskRejectedError) as raised:
        await engine.create(rejected)
    assert str(raised.value) == "max_position_size_quote: 621.00 would exceed 500.00"
    with pytest.raises(UnknownExecutorError):
        engine.info(rejected.id)


async def test_add_creates_like_create_without_the_report(store, clock, tmp_path):
    risk = RiskEngine(RiskLimits(max_position_size_quote=Decimal(500)))
    engine = make_engine(store, clock, make_venue(tmp_path, clock), risk=risk)
    await engine.start()
    engine.publish_price("SOL-USDC", Decimal(150))
    config = BarrierOrderConfig(amount=Decimal(1))
    executor = engine.add(config)
    assert executor is engine.executor(config.id)
    assert store.get_executor(config.id) is not None
    assert engine.info(config.id).status is ExecutorStatus.ACTIVE
    with pytest.raises(RiskRejectedError):
        engine.add(BarrierOrderConfig(amount=Decimal("2.5")))
    with pytest.raises(ConfigError, match="exists already"):
        engine.add(config)


async def test_has_executor_answers_as_info_finds_or_refuses(store, clock, tmp_path):
    # Arrange: one executor ends before a restart (the new engine keeps it in the store only),
    # one is created after it
    venue = make_venue(tmp_path, clock)
    first = make_engine(store, clock, venue)
    await first.start()
    ended = BarrierOrderConfig(amount=Decimal(1), id="ended")
    await first.create(ended)
    await first.drain()
    await first.stop(ended.id)
    await first.drain()
    second = make_engine(store, clock, venue)
    await second.start()
    live = BarrierOrderConfig(amount=Decimal(1), id="live")
    second.add(live)
    # Act / Assert
    assert second.has_executor(live.id) and second.has_executor(ended.id)
    assert second.info(ended.id).status is ExecutorStatus.TERMINATED
    with pytest.raises(UnknownExecutorError):
        second.executor(ended.id)  # not in memory: found through the store
    assert not second.has_executor("never")
    with pytest.raises(UnknownExecutorError):
        second.info("never")


async def test_a_create_for_another_controller_is_refused(store, clock, tmp_path):
    risk = RiskEngine(RiskLimits())
    engine = make_engine(store, clock, make_venue(tmp_path, clock), risk=risk)
    await engine.start()
    with pytest.raises(RiskRejectedError) as raised:
        await engine.create(
            BarrierOrderConfig(amount=Decimal(1), controller_id="bot-b"),
            caller_controller_id="bot-a",
        )
    assert str(raised.value) == "controller_id: request has 'bot-b' but the caller is 'bot-a'"


async def test_duplicate_ids_are_refused(store, clock, tmp_path):
    engine = make_engine(store, clock, make_venue(tmp_path, clock))
    await engine.start()
    await engine.create(BarrierOrderConfig(amount=Decimal(1), id="same"))
    with pytest.raises(ConfigError) as raised:
        await engine.create(BarrierOrderConfig(amount=Decimal(1), id="same"))
    assert str(raised.value) == "id: executor 'same' exists already"


async def test_keep_position_hands_over_to_the_persisted_ledger(store, clock, tmp_path):
    venue = make_venue(tmp_path, clock)
    engine = make_engine(store, clock, venue)
    await engine.start()
    config = BarrierOrderConfig(amount=Decimal(2), controller_id="bot-a")
    await engine.create(config)
    await engine.drain()
    await engine.stop(config.id, keep_position=True)
    key = HeldPositionKey(controller_id="bot-a", connector="exchange", trading_pair="SOL-USDC")
    assert engine.ledger.get(key).net_base == Decimal(2)
    # a new engine sees the same held position, and a new executor can pick it up
    again = make_engine(store, clock, venue)
    await again.start()
    held = again.ledger.get(key)
    assert (held.net_base, held.average_price) == (Decimal(2), Decimal(100))
    pick_up = again.ledger.pick_up(key, executor_id="next", base_amount=Decimal(1))
    assert (pick_up.base_amount, pick_up.price) == (Decimal(1), Decimal(100))


class ExplodingConfig(ExecutorConfig):
    type = "exploding"
    trading_pair: str = "SOL-USDC"

    def exposure(self) -> Exposure:
        return Exposure(trading_pair=self.trading_pair)


@dataclass(slots=True)
class ExplodingState:
    prices: int = 0


class ExplodingExecutor(Executor[ExplodingConfig, ExplodingState]):
    config_class = ExplodingConfig
    state_class = ExplodingState

    @on(PriceUpdated)
    def _price(self, event: PriceUpdated) -> list[Command]:
        self.state.prices += 1  # mutates, then fails: nothing half-applied may be persisted
        raise RuntimeError(f"bug at {event.price}")


async def test_an_executor_that_raises_is_stranded_with_its_last_good_state(store, clock, tmp_path):
    engine = Engine(store=store, clock=clock, executor_types=[ExplodingExecutor], venues={})
    await engine.start()
    config = ExplodingConfig()
    await engine.create(config)
    engine.publish_price("SOL-USDC", Decimal(1))
    info = engine.info(config.id)
    assert info.stranded_reason == "applying PriceUpdated raised RuntimeError: bug at 1"
    if isinstance(store, SqlStore):  # MemoryStore holds the live object (see its docstring)
        with store.database.connect() as connection:
            assert '"prices":0' in repo.get_executor(connection, config.id).state_json
    assert engine.publish_price("SOL-USDC", Decimal(2)) == 0


def test_the_engine_package_exports_its_facade():
    package = lpexec.core.engine
    assert package.__all__ == ["Engine", "ResumeReport", "StateChanged"]
    assert (package.Engine, package.StateChanged) == (Engine, StateChanged)


async def test_subscriptions_and_timers_follow_executors_until_they_terminate(
    store, clock, tmp_path
):
    # Arrange: one executor that subscribes to its pair and wants ticks
    venue = make_venue(tmp_path, clock)
    engine = make_engine(store, clock, venue)
    await engine.start()
    config = BarrierOrderConfig(amount=Decimal(1))
    await engine.create(config)
    await engine.drain()
    # Act / Assert: while it runs, prices and ticks reach it
    assert engine.subscribed_keys() == ["SOL-USDC"]
    assert engine.publish_price("SOL-USDC", Decimal(100)) == 1
    assert engine.publish_price("ETH-USDC", Decimal(2000)) == 0
    assert engine.tick() == 1
    assert [executor.id for executor in engine.live_executors()] == [config.id]
    await engine.stop(config.id)
    await engine.drain()
    # once it has terminated, nothing reaches it; the last prices are kept all the same
    assert engine.info(config.id).status is ExecutorStatus.TERMINATED
    assert engine.subscribed_keys() == []
    assert engine.publish_price("SOL-USDC", Decimal(101)) == 0
    assert engine.tick() == 0
    assert (engine.last_price("SOL-USDC"), engine.last_price("ETH-USDC")) == (101, 2000)
    assert (engine.live_executors(), engine.active_count) == ([], 0)

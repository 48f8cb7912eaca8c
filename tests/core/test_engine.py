"""The engine with a durable test venue: intents, reconciliation, resume, risk, hand-over.

Every test runs on both stores (``SqlStore`` on SQLite and ``MemoryStore``) unless it checks
something only SQL has.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    CloseType,
    Command,
    ConfigError,
    Database,
    Engine,
    Evidence,
    Executor,
    ExecutorConfig,
    ExecutorStatus,
    Exposure,
    HeldPositionKey,
    MemoryStore,
    PriceUpdated,
    RiskEngine,
    RiskLimits,
    RiskRejectedError,
    SqlStore,
    StateChanged,
    UnknownExecutorError,
    on,
)
from lpexec.core.store import IntentStatus, Store
from lpexec.core.store import repository as repo

TYPES = [BarrierOrderExecutor, RangeLiquidityExecutor]


@pytest.fixture(params=["sql", "memory"])
def db(request, sqlite_url):
    """The store under test: a ``SqlStore`` on a SQLite file, or a ``MemoryStore``."""
    if request.param == "memory":
        yield MemoryStore()
        return
    database = Database.open(sqlite_url)
    yield SqlStore(database)
    database.close()


def make_venue(tmp_path, clock, fault=None):
    return LedgerVenue(tmp_path / "venue.db", clock=clock, price=Decimal(100), fault=fault)


def make_engine(db, clock, venue, **kwargs):
    return Engine(
        store=db,
        clock=clock,
        executor_types=TYPES,
        venues={"exchange": venue, "dex": venue},
        **kwargs,
    )


def intents(db: Store, executor_id: str):
    return {intent.intent_id: intent for intent in db.intents_for(executor_id)}


def kinds_of(db: Store, executor_id: str) -> list[str]:
    return [entry.kind for entry in db.journal(executor_id)]


async def test_order_lifecycle_through_the_engine(db, clock, tmp_path):
    # Arrange
    venue = make_venue(tmp_path, clock)
    changes: list[StateChanged] = []
    engine = make_engine(db, clock, venue, observer=changes.append)
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
    assert {row.status for row in intents(db, config.id).values()} == {IntentStatus.DONE}
    assert len(intents(db, config.id)) == 2
    assert [(c.old_status, c.new_status) for c in changes] == [
        (ExecutorStatus.CREATED, ExecutorStatus.ACTIVE),
        (ExecutorStatus.ACTIVE, ExecutorStatus.CLOSING),
        (ExecutorStatus.CLOSING, ExecutorStatus.TERMINATED),
    ]
    assert kinds_of(db, config.id) == [
        "ExecutorStarted",
        "OrderCreated",
        "OrderFilled",
        "PriceUpdated",
        "OrderCreated",
        "OrderFilled",
    ]


async def test_prices_that_change_nothing_are_not_journaled(db, clock, tmp_path):
    engine = make_engine(db, clock, make_venue(tmp_path, clock))
    await engine.start()
    config = BarrierOrderConfig(amount=Decimal(1), stop_loss=Decimal("0.5"))
    await engine.create(config)
    await engine.drain()
    for price in ("100", "101", "99"):
        assert engine.publish_price("SOL-USDC", Decimal(price)) == 1
    assert len(db.journal(config.id)) == 3


async def test_a_write_that_landed_but_timed_out_is_reconciled_not_resent(db, clock, tmp_path):
    # Arrange: the first order lands but the venue answers "unknown"
    seen: list[str] = []

    def fault(command: Command):
        seen.append(command.command_id)
        return "land_unknown" if len(seen) == 1 else None

    venue = make_venue(tmp_path, clock, fault)
    engine = make_engine(db, clock, venue)
    await engine.start()
    config = BarrierOrderConfig(amount=Decimal(1))
    # Act
    await engine.create(config)
    await engine.drain()
    # Assert: adopted from the venue's records, sent once
    executor = engine.executor(config.id)
    assert executor.state.open_base == Decimal(1)
    assert venue.executions() == {f"{config.id}-1": 1}
    assert seen == [f"{config.id}-1"]
    assert intents(db, config.id)[f"{config.id}-1"].status == IntentStatus.DONE


async def test_a_dropped_write_is_sent_again_under_the_same_intent(db, clock, tmp_path):
    calls: list[str] = []

    def fault(command: Command):
        calls.append(command.command_id)
        return "drop" if len(calls) == 1 else None

    venue = make_venue(tmp_path, clock, fault)
    engine = make_engine(db, clock, venue)
    await engine.start()
    config = BarrierOrderConfig(amount=Decimal(1))
    await engine.create(config)
    await engine.drain()
    command_id = f"{config.id}-1"
    assert calls == [command_id, command_id]
    assert venue.executions() == {command_id: 1}
    row = intents(db, config.id)[command_id]
    assert (row.status, row.attempts) == (IntentStatus.DONE, 2)


async def test_a_write_dropped_every_time_fails_after_max_sends(db, clock, tmp_path):
    venue = make_venue(tmp_path, clock, lambda command: "drop")
    engine = make_engine(db, clock, venue, max_sends=2)
    await engine.start()
    config = BarrierOrderConfig(amount=Decimal(1), max_retries=0)
    await engine.create(config)
    rounds = 0
    while engine.has_work and rounds < 10:  # one reconciliation pass per drain
        await engine.drain()
        rounds += 1
    info = engine.info(config.id)
    assert rounds == 2
    assert (info.status, info.close_type) == (ExecutorStatus.TERMINATED, CloseType.FAILED)
    assert venue.executions() == {}
    row = intents(db, config.id)[f"{config.id}-1"]
    assert (row.status, row.attempts, row.error) == (
        IntentStatus.FAILED,
        2,
        "not carried out after 2 sends",
    )


@pytest.mark.parametrize(("fault", "retryable"), [("reject", False), ("unavailable", True)])
async def test_refusals_become_command_failed(db, clock, tmp_path, fault, retryable):
    venue = make_venue(tmp_path, clock, lambda command: fault)
    engine = make_engine(db, clock, venue)
    await engine.start()
    config = BarrierOrderConfig(amount=Decimal(1), max_retries=0)
    await engine.create(config)
    await engine.drain()
    assert engine.info(config.id).close_type is CloseType.FAILED
    (failed,) = [entry for entry in db.journal(config.id) if entry.kind == "CommandFailed"]
    assert failed.event.retryable is retryable
    assert intents(db, config.id)[f"{config.id}-1"].status == IntentStatus.FAILED


async def test_restart_sends_pending_intents_and_resumes(db, clock, tmp_path):
    # Arrange: create, but "crash" before the queued command is sent
    venue = make_venue(tmp_path, clock)
    first = make_engine(db, clock, venue)
    await first.start()
    config = BarrierOrderConfig(amount=Decimal(1), take_profit=Decimal("0.01"))
    await first.create(config)
    # Act: a new engine on the same store
    second = make_engine(db, clock, venue)
    report = await second.start()
    await second.drain()
    second.publish_price("SOL-USDC", Decimal(102))
    await second.drain()
    # Assert
    assert report.resumed == [config.id] and report.intents_to_send == 1
    assert second.info(config.id).close_type is CloseType.TAKE_PROFIT
    assert sorted(venue.executions().values()) == [1, 1]


async def test_restart_reconciles_a_sent_intent(db, clock, tmp_path):
    venue = make_venue(tmp_path, clock)
    first = make_engine(db, clock, venue)
    await first.start()
    config = BarrierOrderConfig(amount=Decimal(1))
    await first.create(config)
    command_id = f"{config.id}-1"
    # the venue carried it out, then the process died before the outcome was recorded
    (command,) = first._queues[config.id]
    await venue.place_order(command, Evidence())
    with db.transaction() as unit:
        unit.set_intent_status(command_id, IntentStatus.SENT, now=clock.now())
    second = make_engine(db, clock, venue)
    report = await second.start()
    await second.drain()
    assert report.intents_to_reconcile == 1
    assert venue.executions() == {command_id: 1}
    assert second.executor(config.id).state.open_base == Decimal(1)


async def test_unknown_types_and_broken_state_are_stranded_and_listed(db, clock, tmp_path):
    venue = make_venue(tmp_path, clock)
    first = make_engine(db, clock, venue)
    await first.start()
    liquidity = RangeLiquidityConfig(
        lower_price=Decimal(90), upper_price=Decimal(110), quote_amount=Decimal(10)
    )
    await first.create(liquidity)
    # Act: an engine that does not know the liquidity type
    second = Engine(
        store=db,
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


async def test_risk_engine_checks_every_create(db, clock, tmp_path):
    risk = RiskEngine(RiskLimits(max_position_size_quote=Decimal(500)))
    engine = make_engine(db, clock, make_venue(tmp_path, clock), risk=risk)
    await engine.start()
    engine.publish_price("SOL-USDC", Decimal(150))
    await engine.create(BarrierOrderConfig(amount=Decimal(2)))
    rejected = BarrierOrderConfig(amount=Decimal("2.14"))
    with pytest.raises(RiskRejectedError) as raised:
        await engine.create(rejected)
    assert str(raised.value) == "max_position_size_quote: 621.00 would exceed 500.00"
    with pytest.raises(UnknownExecutorError):
        engine.info(rejected.id)


async def test_add_creates_like_create_without_the_report(db, clock, tmp_path):
    risk = RiskEngine(RiskLimits(max_position_size_quote=Decimal(500)))
    engine = make_engine(db, clock, make_venue(tmp_path, clock), risk=risk)
    await engine.start()
    engine.publish_price("SOL-USDC", Decimal(150))
    config = BarrierOrderConfig(amount=Decimal(1))
    executor = engine.add(config)
    assert executor is engine.executor(config.id)
    assert db.get_executor(config.id) is not None
    assert engine.info(config.id).status is ExecutorStatus.ACTIVE
    with pytest.raises(RiskRejectedError):
        engine.add(BarrierOrderConfig(amount=Decimal("2.5")))
    with pytest.raises(ConfigError, match="exists already"):
        engine.add(config)


async def test_has_executor_answers_as_info_finds_or_refuses(db, clock, tmp_path):
    # Arrange: one executor ends before a restart (the new engine keeps it in the store only),
    # one is created after it
    venue = make_venue(tmp_path, clock)
    first = make_engine(db, clock, venue)
    await first.start()
    ended = BarrierOrderConfig(amount=Decimal(1), id="ended")
    await first.create(ended)
    await first.drain()
    await first.stop(ended.id)
    await first.drain()
    second = make_engine(db, clock, venue)
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


async def test_a_create_for_another_controller_is_refused(db, clock, tmp_path):
    risk = RiskEngine(RiskLimits())
    engine = make_engine(db, clock, make_venue(tmp_path, clock), risk=risk)
    await engine.start()
    with pytest.raises(RiskRejectedError) as raised:
        await engine.create(
            BarrierOrderConfig(amount=Decimal(1), controller_id="bot-b"),
            caller_controller_id="bot-a",
        )
    assert str(raised.value) == "controller_id: request has 'bot-b' but the caller is 'bot-a'"


async def test_duplicate_ids_are_refused(db, clock, tmp_path):
    engine = make_engine(db, clock, make_venue(tmp_path, clock))
    await engine.start()
    await engine.create(BarrierOrderConfig(amount=Decimal(1), id="same"))
    with pytest.raises(ConfigError) as raised:
        await engine.create(BarrierOrderConfig(amount=Decimal(1), id="same"))
    assert str(raised.value) == "id: executor 'same' exists already"


async def test_keep_position_hands_over_to_the_persisted_ledger(db, clock, tmp_path):
    venue = make_venue(tmp_path, clock)
    engine = make_engine(db, clock, venue)
    await engine.start()
    config = BarrierOrderConfig(amount=Decimal(2), controller_id="bot-a")
    await engine.create(config)
    await engine.drain()
    await engine.stop(config.id, keep_position=True)
    key = HeldPositionKey(controller_id="bot-a", connector="exchange", trading_pair="SOL-USDC")
    assert engine.ledger.get(key).net_base == Decimal(2)
    # a new engine sees the same held position, and a new executor can pick it up
    again = make_engine(db, clock, venue)
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


async def test_an_executor_that_raises_is_stranded_with_its_last_good_state(db, clock, tmp_path):
    engine = Engine(store=db, clock=clock, executor_types=[ExplodingExecutor], venues={})
    await engine.start()
    config = ExplodingConfig()
    await engine.create(config)
    engine.publish_price("SOL-USDC", Decimal(1))
    info = engine.info(config.id)
    assert info.stranded_reason == "applying PriceUpdated raised RuntimeError: bug at 1"
    if isinstance(db, SqlStore):  # MemoryStore holds the live object (see its docstring)
        with db.database.session() as session:
            assert '"prices":0' in repo.get_executor(session, config.id).state_json
    assert engine.publish_price("SOL-USDC", Decimal(2)) == 0


async def test_a_command_for_a_missing_venue_fails_cleanly(db, clock, tmp_path):
    engine = Engine(store=db, clock=clock, executor_types=TYPES, venues={})
    await engine.start()
    config = BarrierOrderConfig(amount=Decimal(1), max_retries=0)
    await engine.create(config)
    await engine.drain()
    assert engine.info(config.id).close_type is CloseType.FAILED
    assert intents(db, config.id)[f"{config.id}-1"].error == (
        "venue: no venue 'exchange' that can place_order is configured"
    )


async def test_commands_of_one_executor_run_in_order(db, clock, tmp_path):
    venue = make_venue(tmp_path, clock)
    engine = make_engine(db, clock, venue)
    await engine.start()
    configs = [BarrierOrderConfig(amount=Decimal(1), take_profit=Decimal("0.01")) for _ in range(3)]
    for config in configs:
        await engine.create(config)
    await engine.drain()
    venue.price = Decimal(102)
    engine.publish_price("SOL-USDC", Decimal(102))
    await engine.drain()
    assert all(engine.info(c.id).close_type is CloseType.TAKE_PROFIT for c in configs)
    for config in configs:
        kinds = kinds_of(db, config.id)
        assert kinds.index("OrderFilled") < kinds.index("PriceUpdated")

"""Starting an engine on a store another process left: executors resume, PENDING intents are sent,
SENT ones are reconciled (never sent twice), and what cannot be rebuilt is stranded and listed.

Every test runs on both stores (``SqlStore`` on SQLite and ``MemoryStore``).
"""

from __future__ import annotations

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
    Database,
    Engine,
    Evidence,
    ExecutorStatus,
    MemoryStore,
    SqlStore,
)
from lpexec.core.store import IntentStatus

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
    (intent,) = db.open_intents()
    command = intent.command
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

"""``PolicyRunner`` keeps policy state in any store: a Database, a SqlStore or a MemoryStore."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lpexec.controllers.rebalancer import PolicyRunner
from lpexec.core import Database, Engine, ExecutorStatus, MemoryStore, SqlStore
from lpexec.lp import LPExecutor
from lpexec.lp.rebalance import RebalanceConfig

POOL = "pool-1"


def policy() -> RebalanceConfig:
    return RebalanceConfig(
        policy_id="p1",
        pool_address=POOL,
        trading_pair="SOL-USDC",
        width=Decimal("0.02"),
        min_interval_seconds=0,
        out_of_range_seconds=0,
        base_amount=Decimal(1),
        quote_amount=Decimal(150),
    )


@pytest.mark.parametrize("kind", ["database", "sql_store", "memory_store", "engine_store"])
async def test_policy_state_is_saved_and_loaded_through_the_store(kind, clock, sqlite_url):
    database = Database.open(sqlite_url)
    memory = MemoryStore()
    engine_store = memory if kind in ("memory_store", "engine_store") else SqlStore(database)
    given = {
        "database": database,
        "sql_store": engine_store,
        "memory_store": memory,
        "engine_store": None,
    }[kind]
    try:
        engine = Engine(store=engine_store, clock=clock, executor_types=[LPExecutor], venues={})
        await engine.start()
        runner = PolicyRunner(engine=engine, database=given, configs=[policy()])
        runner.load()
        # Act: one step opens the first position (queued: no venue is needed to create it)
        (line,) = await runner.step({POOL: Decimal(150)})
        # Assert: a new runner on the same store finds the open executor in the saved state
        again = PolicyRunner(engine=engine, database=given, configs=[policy()])
        again.load()
        saved = again.policies["p1"].state
        assert line.startswith("p1: opened ")
        assert saved.executor_id == runner.policies["p1"].state.executor_id != ""
        assert engine.info(saved.executor_id).status is ExecutorStatus.ACTIVE
        assert saved.last_check_at == clock.now()
    finally:
        database.close()

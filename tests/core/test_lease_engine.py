"""Engines as workers on the real PostgreSQL: an executor handed off by a creator is adopted by
the worker that claims it; a worker whose lease was taken over drops the executor at its first
refused write, and the new holder runs it to the end with every command carried out once."""

from __future__ import annotations

from decimal import Decimal

from fixtures.engine_builders import kinds_of, make_engine, make_venue
from fixtures.executors import BarrierOrderConfig
from lpexec.core import Database, ExecutorStatus, SqlStore
from lpexec.core.clock import LiveClock
from lpexec.core.store import IntentStatus, Leases
from tests.core.test_leases import expire


async def test_a_taken_over_executor_is_dropped_by_its_old_worker_and_finished_once(
    postgres_url, clock, tmp_path
):
    # Arrange: a creator hands the executor off; worker A claims and runs it
    database = Database.open(postgres_url)
    venue = make_venue(tmp_path, clock)
    creator = make_engine(SqlStore(database), clock, venue, hand_off=True)
    config = BarrierOrderConfig(amount=Decimal(2), stop_loss=Decimal("0.05"))
    await creator.create(config)
    assert creator.active_count == 0
    (pending,) = SqlStore(database).open_intents()
    assert pending.status == IntentStatus.PENDING
    first = Leases(database, owner="a", ttl_seconds=30, clock=LiveClock())
    second = Leases(database, owner="b", ttl_seconds=30, clock=LiveClock())
    worker_a = make_engine(SqlStore(database, fence=first.fence), clock, venue)
    worker_b = make_engine(SqlStore(database, fence=second.fence), clock, venue)
    report = await worker_a.adopt(list(first.claim(10)))
    assert (report.resumed, report.intents_to_send) == ([config.id], 1)
    await worker_a.drain()
    journal_before = kinds_of(SqlStore(database), config.id)
    # Act: A is paused past its lease; B claims and adopts; A wakes to a stop-loss price
    expire(database, config.id)
    await worker_b.adopt(list(second.claim(10)))
    venue.price = Decimal(94)
    worker_a.publish_price("SOL-USDC", Decimal(94))
    await worker_a.drain()
    # Assert: A wrote nothing and dropped it; B closes it, each order placed once
    assert worker_a.leases_lost == 1 and worker_a.active_count == 0
    assert kinds_of(SqlStore(database), config.id) == journal_before
    worker_b.publish_price("SOL-USDC", Decimal(94))
    await worker_b.drain()
    assert worker_b.info(config.id).status is ExecutorStatus.TERMINATED
    assert set(venue.executions().values()) == {1} and len(venue.executions()) == 2
    venue.close()
    database.close()

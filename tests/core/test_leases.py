"""Leases and fencing on the real PostgreSQL: claims never overlap, a worker that lost an
executor's lease writes nothing for it, renewals report what was lost, releases hand over."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from sqlalchemy import text

from fixtures.executors import BarrierOrderConfig, BarrierOrderExecutor
from lpexec.core import UTC, Database, SqlStore
from lpexec.core.clock import LiveClock
from lpexec.core.messages import PriceUpdated
from lpexec.core.store import LeaseLostError, Leases

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def make_executors(database: Database, count: int) -> list[BarrierOrderExecutor]:
    executors = [
        BarrierOrderExecutor(
            BarrierOrderConfig(amount=Decimal(1), id=f"x{index:03d}"),
            created_at=NOW + dt.timedelta(seconds=index),
        )
        for index in range(count)
    ]
    with SqlStore(database).transaction() as unit:
        for executor in executors:
            unit.save_executor(executor, now=NOW)
    return executors


def expire(database: Database, executor_id: str) -> None:
    """The lease ran out (as if its worker had been paused past its TTL)."""
    with database.engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE executors SET lease_expires_at = clock_timestamp() - interval '1 second' "
                "WHERE executor_id = :id"
            ),
            {"id": executor_id},
        )


def revision_of(database: Database, executor_id: str) -> int:
    record = SqlStore(database).get_executor(executor_id)
    assert record is not None
    return record.revision


def leases(database: Database, owner: str) -> Leases:
    return Leases(database, owner=owner, ttl_seconds=30, clock=LiveClock())


def test_workers_claiming_at_once_never_take_the_same_executor(postgres_url):
    # Arrange
    database = Database.open(postgres_url)
    make_executors(database, 120)
    workers = [leases(database, f"w{index}") for index in range(4)]
    barrier = threading.Barrier(len(workers))
    claimed: dict[str, dict[str, int]] = {}

    def claim(worker: Leases) -> None:
        barrier.wait()
        got: dict[str, int] = {}
        for _ in range(6):
            got |= worker.claim(5)
        claimed[worker.owner] = got

    threads = [threading.Thread(target=claim, args=(worker,)) for worker in workers]
    # Act
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # Assert: 4 x 30 = 120 claims, each executor exactly once, each at token 1
    ids = [executor_id for got in claimed.values() for executor_id in got]
    assert len(ids) == 120 and len(set(ids)) == 120
    assert {token for got in claimed.values() for token in got.values()} == {1}
    ownership = workers[0].ownership()
    assert ownership.held == {f"w{index}": 30 for index in range(4)}
    database.close()


def test_a_worker_whose_lease_was_taken_over_writes_nothing(postgres_url):
    # Arrange: A claims x000, is paused past its lease; B claims it
    database = Database.open(postgres_url)
    (executor,) = make_executors(database, 1)
    first, second = leases(database, "a"), leases(database, "b")
    assert first.claim(10) == {"x000": 1}
    expire(database, "x000")
    assert second.claim(10) == {"x000": 2}
    stale = SqlStore(database, fence=first.fence)
    fresh = SqlStore(database, fence=second.fence)
    before = revision_of(database, "x000")
    executor.apply(PriceUpdated(ts_event=NOW, trading_pair="BTC-USDT", price=Decimal(100)))
    # Act / Assert: A's write of state and journal is refused as one, nothing written
    with pytest.raises(LeaseLostError, match="x000"):
        with stale.transaction() as unit:
            unit.save_executor(executor, now=NOW)
            unit.append_journal(
                "x000",
                seq=1,
                event=PriceUpdated(ts_event=NOW, trading_pair="BTC-USDT", price=Decimal(100)),
            )
    assert revision_of(database, "x000") == before
    assert stale.journal("x000") == []
    assert "x000" not in first.fence.tokens  # A learned it lost it
    # B, the holder, writes
    with fresh.transaction() as unit:
        unit.save_executor(executor, now=NOW)
    assert revision_of(database, "x000") == executor.revision
    database.close()


def test_an_expired_lease_refuses_writes_even_before_anyone_claims_it(postgres_url):
    database = Database.open(postgres_url)
    (executor,) = make_executors(database, 1)
    worker = leases(database, "a")
    worker.claim(1)
    expire(database, "x000")
    with pytest.raises(LeaseLostError):
        with SqlStore(database, fence=worker.fence).transaction() as unit:
            unit.save_executor(executor, now=NOW)
    database.close()


def test_renew_extends_what_is_held_and_reports_what_was_lost(postgres_url):
    # Arrange
    database = Database.open(postgres_url)
    make_executors(database, 3)
    first, second = leases(database, "a"), leases(database, "b")
    first.claim(3)
    expire(database, "x001")
    second.claim(3)
    # Act
    lost = first.renew()
    # Assert
    assert lost == {"x001"}
    assert set(first.fence.tokens) == {"x000", "x002"}
    assert first.fence.holds("x000") and not first.fence.holds("x001")
    assert first.ownership().held == {"a": 2, "b": 1}
    database.close()


def test_released_executors_are_claimed_by_the_next_worker_at_a_higher_token(postgres_url):
    database = Database.open(postgres_url)
    make_executors(database, 4)
    first, second = leases(database, "a"), leases(database, "b")
    first.beat()
    second.beat()
    first.claim(4)
    # Act
    first.release(["x000", "x001"])
    taken = second.claim(4)
    # Assert
    assert taken == {"x000": 2, "x001": 2}
    assert sorted(first.fence.tokens) == ["x002", "x003"]
    assert first.ownership().live_workers == ("a", "b")
    first.leave()
    assert first.ownership().live_workers == ("b",)
    assert second.claim(4) == {"x002": 2, "x003": 2}
    database.close()


def test_an_executor_created_by_a_worker_is_leased_to_it(postgres_url):
    database = Database.open(postgres_url)
    worker = leases(database, "a")
    other = leases(database, "b")
    executor = BarrierOrderExecutor(BarrierOrderConfig(amount=Decimal(1), id="new"), created_at=NOW)
    with SqlStore(database, fence=worker.fence).transaction() as unit:
        unit.save_executor(executor, now=NOW)
    assert worker.fence.tokens == {"new": 1}
    assert other.claim(5) == {}
    database.close()


def test_terminated_executors_are_never_claimed(database_url):
    database = Database.open(database_url)
    executors = make_executors(database, 2)
    with database.engine.begin() as connection:
        connection.execute(
            text("UPDATE executors SET status = 'TERMINATED' WHERE executor_id = 'x000'")
        )
    worker = Leases(database, owner="a", ttl_seconds=5, clock=LiveClock())
    assert worker.claim(10) == {executors[1].id: 1}
    database.close()


def test_a_renewal_during_the_creating_transaction_does_not_lose_the_new_executor(postgres_url):
    # Arrange: a worker creates an executor; its renewal thread runs before the create commits
    database = Database.open(postgres_url)
    worker = leases(database, "w")
    store = SqlStore(database, fence=worker.fence)
    executor = BarrierOrderExecutor(BarrierOrderConfig(amount=Decimal(1), id="new"), created_at=NOW)
    # Act
    with store.transaction() as unit:
        unit.save_executor(executor, now=NOW)
        lost_meanwhile = worker.renew()  # another connection: the row is not visible yet
    lost_after = worker.renew()
    # Assert
    assert lost_meanwhile == set() and lost_after == set()
    assert worker.fence.tokens == {"new": 1} and not worker.fence.creating
    database.close()


def test_a_create_that_does_not_commit_leaves_no_lease_behind(postgres_url):
    database = Database.open(postgres_url)
    worker = leases(database, "w")
    store = SqlStore(database, fence=worker.fence)
    executor = BarrierOrderExecutor(BarrierOrderConfig(amount=Decimal(1), id="new"), created_at=NOW)
    with pytest.raises(RuntimeError, match="crash"):
        with store.transaction() as unit:
            unit.save_executor(executor, now=NOW)
            raise RuntimeError("crash before the commit")
    assert worker.fence.tokens == {} and not worker.fence.creating
    assert not store.has_executor("new")
    database.close()

"""Controller leases on the real PostgreSQL: daemons share the registered controllers fairly and
never hold one together; a daemon that lost a controller writes neither its state nor a new
executor of it; workers leave the executors of registered controllers to the daemons."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from sqlalchemy import text

from fixtures.executors import BarrierOrderConfig, BarrierOrderExecutor
from lpexec.core import UTC, Database, SqlStore
from lpexec.core.clock import LiveClock
from lpexec.core.store import Leases
from lpexec.core.store.controller_leases import (
    ControllerLeaseLostError,
    ControllerLeases,
    holds_controller,
)

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
POLICIES = [f"p{index}" for index in range(6)]


def daemon(database: Database, owner: str, ttl: float = 30) -> ControllerLeases:
    executors = Leases(database, owner=owner, ttl_seconds=ttl, clock=LiveClock())
    return ControllerLeases(database, executors.fence)


def expire(database: Database, controller_id: str) -> None:
    """The lease ran out (as if its daemon had been paused past its TTL)."""
    with database.engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE controller_leases SET expires_at = clock_timestamp() - interval '1 second'"
                " WHERE controller_id = :id"
            ),
            {"id": controller_id},
        )


def executor(executor_id: str, controller_id: str) -> BarrierOrderExecutor:
    return BarrierOrderExecutor(
        BarrierOrderConfig(amount=Decimal(1), id=executor_id, controller_id=controller_id),
        created_at=NOW,
    )


def test_daemons_claiming_at_once_share_the_controllers_without_overlap(postgres_url):
    # Arrange: three daemons register the same six policies and say they are alive
    database = Database.open(postgres_url)
    daemons = [daemon(database, f"d{index}") for index in range(3)]
    for each in daemons:
        each.register(POLICIES)
        each.beat()
    barrier = threading.Barrier(len(daemons))
    claimed: dict[str, dict[str, int]] = {}

    def claim(each: ControllerLeases) -> None:
        barrier.wait()
        share = -(-len(POLICIES) // each.live_hosts())
        claimed[each.owner] = each.claim(POLICIES, share)

    threads = [threading.Thread(target=claim, args=(each,)) for each in daemons]
    # Act
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # Assert: two each, every policy once, at token 1
    assert {owner: len(got) for owner, got in claimed.items()} == {"d0": 2, "d1": 2, "d2": 2}
    ids = [cid for got in claimed.values() for cid in got]
    assert sorted(ids) == POLICIES
    assert {token for got in claimed.values() for token in got.values()} == {1}
    assert daemons[0].ownership() == {cid: o for o, got in claimed.items() for cid in got}
    database.close()


def test_a_daemon_paused_past_its_lease_writes_no_state_and_creates_no_executor(postgres_url):
    # Arrange: A holds p0; its lease runs out and B claims p0
    database = Database.open(postgres_url)
    first, second = daemon(database, "a"), daemon(database, "b")
    first.register(["p0"])
    assert first.claim(["p0"], 1) == {"p0": 1}
    assert holds_controller(first.fence, "p0")
    with SqlStore(database, fence=first.fence).transaction() as unit:
        unit.save_controller_state("p0", kind="rebalance", state={"by": "a"}, now=NOW)
    expire(database, "p0")
    assert second.claim(["p0"], 1) == {"p0": 2}
    stale = SqlStore(database, fence=first.fence)
    # Act / Assert: A's state write and A's new executor of p0 are refused, nothing written
    with pytest.raises(ControllerLeaseLostError, match="p0"):
        with stale.transaction() as unit:
            unit.save_controller_state("p0", kind="rebalance", state={"by": "a"}, now=NOW)
    with pytest.raises(ControllerLeaseLostError, match="p0"):
        with stale.transaction() as unit:
            unit.save_executor(executor("p0-2", "p0"), now=NOW)
    assert not holds_controller(first.fence, "p0")  # A learned it lost it
    assert not stale.has_executor("p0-2")
    assert stale.controller_state("p0") == {"by": "a"}
    # B, the holder, writes both
    fresh = SqlStore(database, fence=second.fence)
    with fresh.transaction() as unit:
        unit.save_controller_state("p0", kind="rebalance", state={"by": "b"}, now=NOW)
        unit.save_executor(executor("p0-2", "p0"), now=NOW)
    assert fresh.controller_state("p0") == {"by": "b"}
    assert second.fence.tokens == {"p0-2": 1}  # leased to B from its first row
    # And A's renewal reports the loss
    assert first.renew() == set()  # already dropped when the write was refused
    assert second.renew() == set()
    database.close()


def test_renewal_reports_a_controller_another_daemon_took(postgres_url):
    database = Database.open(postgres_url)
    first, second = daemon(database, "a"), daemon(database, "b")
    first.register(POLICIES[:2])
    first.claim(POLICIES[:2], 2)
    expire(database, "p1")
    second.claim(POLICIES[:2], 2)
    assert first.renew() == {"p1"}
    assert first.held == {"p0": 1}
    first.release(["p0"])
    assert second.claim(POLICIES[:2], 2) == {"p0": 2}
    database.close()


def test_workers_leave_a_registered_controllers_executors_to_its_daemon(postgres_url):
    # Arrange: p0 is a shared policy with two executors; "api" is not a registered controller
    database = Database.open(postgres_url)
    with SqlStore(database).transaction() as unit:
        for executor_id, controller_id in (("p0-1", "p0"), ("p0-2", "p0"), ("x-1", "api")):
            unit.save_executor(executor(executor_id, controller_id), now=NOW)
    holder = daemon(database, "d")
    holder.register(["p0"])
    worker = Leases(database, owner="w", ttl_seconds=30, clock=LiveClock())
    # Act
    by_worker = worker.claim(10)
    before_claim = holder.claim_executors(["p0"], holder.fence)  # p0 not held yet
    holder.claim(["p0"], 1)
    by_daemon = holder.claim_executors(["p0"], holder.fence)
    # Assert
    assert by_worker == {"x-1": 1}
    assert before_claim == {}
    assert by_daemon == {"p0-1": 1, "p0-2": 1}
    assert worker.ownership().unfinished == 1  # the worker's fair share counts x-1 alone
    database.close()


def test_an_engine_whose_controller_lease_was_lost_creates_nothing(postgres_url):
    # Arrange: A's engine runs on A's fenced store; A's lease on p0 runs out, B claims p0
    from lpexec.core import Engine

    database = Database.open(postgres_url)
    first, second = daemon(database, "a"), daemon(database, "b")
    first.register(["p0"])
    first.claim(["p0"], 1)
    expire(database, "p0")
    second.claim(["p0"], 1)
    engine = Engine(
        store=SqlStore(database, fence=first.fence),
        clock=LiveClock(),
        executor_types=[BarrierOrderExecutor],
        venues={},
    )
    # Act / Assert: the create is refused as a whole, nothing in memory or in the store
    with pytest.raises(ControllerLeaseLostError, match="p0"):
        engine.add(BarrierOrderConfig(amount=Decimal(1), id="p0-1", controller_id="p0"))
    assert not engine.has_executor("p0-1")
    assert engine.live_executors() == []
    database.close()


def test_a_controller_is_incomplete_until_its_daemon_holds_every_unfinished_executor(
    postgres_url,
):
    # Arrange: p0's executor is still leased to the daemon that held p0 before
    database = Database.open(postgres_url)
    with SqlStore(database).transaction() as unit:
        unit.save_executor(executor("p0-1", "p0"), now=NOW)
        unit.save_executor(executor("p1-1", "p1"), now=NOW)
    old, new = daemon(database, "old"), daemon(database, "new")
    old.register(["p0", "p1"])
    old.claim(["p0"], 1)
    assert old.claim_executors(["p0"], old.fence) == {"p0-1": 1}
    expire(database, "p0")
    new.claim(["p0", "p1"], 2)
    # Act / Assert: p0-1's lease has not run out: p0 is incomplete; p1-1 is free: p1 too
    assert new.claim_executors(["p0", "p1"], new.fence) == {"p1-1": 1}
    assert new.incomplete(["p0", "p1"]) == {"p0"}
    with database.engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE executors SET lease_expires_at = clock_timestamp() - interval '1 second'"
                " WHERE executor_id = 'p0-1'"
            )
        )
    assert new.claim_executors(["p0", "p1"], new.fence) == {"p0-1": 2}
    assert new.incomplete(["p0", "p1"]) == set()
    database.close()

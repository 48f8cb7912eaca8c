"""A worker or a daemon paused in the middle of a write (a GC pause, SIGSTOP, a stalled host) on
the real PostgreSQL: the server ends the transaction it left idle for a lease TTL, so its row
locks keep nothing from the others (claims skip locked rows); nothing of that write lands; and
what it let go of in memory is claimed again once its lease runs out, even while it lives on
and renews its other leases."""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
import threading
from decimal import Decimal

import pytest
from sqlalchemy import text

from fixtures.engine_builders import make_engine, make_venue
from fixtures.executors import BarrierOrderConfig, BarrierOrderExecutor
from lpexec.app.daemon_leases import DaemonLeases, DaemonLeaseSettings
from lpexec.app.worker import Worker, WorkerSettings
from lpexec.core import UTC, Database, SqlStore
from lpexec.core.clock import LiveClock
from lpexec.core.store import LeaseLostError, Leases
from lpexec.core.store.controller_leases import ControllerLeaseLostError, ControllerLeases

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def open_database(postgres_url):
    """Open the test database (a pool of its own each call), closed after the test."""
    opened: list[Database] = []

    def open_one(application_name: str | None = None) -> Database:
        named = "" if application_name is None else f"&application_name={application_name}"
        opened.append(Database.open(postgres_url + named))
        return opened[-1]

    yield open_one
    for database in opened:
        database.close()


def claim_within(claim, seconds: float) -> dict[str, int]:
    """Try ``claim()`` every 0.1 s until it takes something or ``seconds`` pass."""
    clock = LiveClock()
    deadline = clock.monotonic() + seconds
    while True:
        got = claim()
        if got or clock.monotonic() > deadline:
            return got
        threading.Event().wait(0.1)


def end_the_open_write(database: Database, application_name: str) -> None:
    """End the session of ``application_name`` that is inside a transaction (the server
    restarted, the connection dropped)."""
    with database.engine.begin() as connection:
        ended = connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = :name AND state = 'idle in transaction'"
            ),
            {"name": application_name},
        ).all()
    assert ended == [(True,)], ended


def test_a_worker_whose_write_lost_its_connection_lets_the_executor_be_claimed_again(
    tmp_path, open_database
):
    # Arrange: worker w1 (a two-second TTL) holds executor x; w2 shares the database
    name = f"lpexec-test-{secrets.token_hex(4)}"
    database = open_database(application_name=name)
    executor = BarrierOrderExecutor(BarrierOrderConfig(amount=Decimal(1), id="x"), created_at=NOW)
    with SqlStore(database).transaction() as unit:
        unit.save_executor(executor, now=NOW)
    clock = LiveClock()
    engine = make_engine(SqlStore(database), clock, make_venue(tmp_path, clock))
    settings = WorkerSettings(ttl_seconds=2, heartbeat_seconds=0.3, interval_seconds=0.3)
    w1 = Worker(engine, settings=settings, worker_id="w1")
    other = open_database()
    w2 = Leases(other, owner="w2", ttl_seconds=2, clock=clock)
    assert w1.leases.claim(1) == {"x": 1}
    revision = SqlStore(other).get_executor("x").revision
    # w1's renewal thread goes on beating all along
    renewing, lost = threading.Event(), set()

    def renew() -> None:
        while not renewing.wait(0.3):
            lost.update(w1.leases.renew())

    renewal = threading.Thread(target=renew)
    renewal.start()
    try:
        # Act: the connection of a write of x drops before its commit
        with pytest.raises(LeaseLostError) as raised:
            with engine.store.transaction() as unit:
                unit.save_executor(executor, now=NOW + dt.timedelta(seconds=1))
                end_the_open_write(other, name)
        taken = claim_within(lambda: w2.claim(1), seconds=8)
    finally:
        renewing.set()
        renewal.join(timeout=10)
    # Assert: the write landed nowhere; w1 let x go and stopped renewing it although it renewed
    # on: another worker took x at the next token once its lease ran out
    assert raised.value.executor_ids == {"x"}
    assert "x" not in w1.fence.tokens
    assert taken == {"x": 2}
    assert SqlStore(other).get_executor("x").revision == revision


def test_a_daemon_whose_policy_state_write_lost_its_connection_keeps_the_policy(
    tmp_path, open_database
):
    # Arrange: daemon d2 holds policy p0 (a TTL of a minute)
    name = f"lpexec-test-{secrets.token_hex(4)}"
    database = open_database(application_name=name)
    clock = LiveClock()
    engine = make_engine(SqlStore(database), clock, make_venue(tmp_path, clock))
    settings = DaemonLeaseSettings(ttl_seconds=60, heartbeat_seconds=3)
    d2 = DaemonLeases(engine, ["p0"], settings=settings, daemon_id="d2")
    assert asyncio.run(d2.balance()) == ["p0"]
    # Act: the connection of a write of p0's state drops before its commit
    with pytest.raises(ControllerLeaseLostError) as raised:
        with engine.store.transaction() as unit:
            unit.save_controller_state("p0", kind="rebalance", state={"n": 1}, now=NOW)
            end_the_open_write(open_database(), name)
    # Assert: nothing written, the error says why; d2 still holds p0 (the renewal finds it),
    # and its next write lands
    assert str(raised.value) == (
        "the database ended the write (OperationalError) on controller p0; nothing was written"
    )
    assert engine.store.controller_state("p0") is None
    assert d2.policies.renew() == set() and d2.holds("p0")
    with engine.store.transaction() as unit:
        unit.save_controller_state("p0", kind="rebalance", state={"n": 2}, now=NOW)
    assert engine.store.controller_state("p0") == {"n": 2}


def test_a_daemon_paused_inside_a_policy_state_write_keeps_the_policy_from_no_one(
    tmp_path, open_database
):
    # Arrange: daemon d2 (a one-second TTL) holds policy p0; d3 shares the database
    database = open_database()
    clock = LiveClock()
    engine = make_engine(SqlStore(database), clock, make_venue(tmp_path, clock))
    settings = DaemonLeaseSettings(ttl_seconds=1, heartbeat_seconds=0.3)
    d2 = DaemonLeases(engine, ["p0"], settings=settings, daemon_id="d2")
    assert asyncio.run(d2.balance()) == ["p0"]
    other = open_database()
    d3 = ControllerLeases(other, Leases(other, owner="d3", ttl_seconds=1, clock=clock).fence)
    resume, outcome = threading.Event(), []

    def write_state() -> None:
        """The policy's state write: the fence checked (the lease row locked), then a stall."""
        try:
            with engine.store.transaction() as unit:
                unit.save_controller_state("p0", kind="rebalance", state={"n": 1}, now=NOW)
                resume.wait(10)
        except Exception as e:  # noqa: BLE001 - what the write ended with is asserted below
            outcome.append(e)

    writer = threading.Thread(target=write_state)
    writer.start()
    try:
        # Act: d2 stays stalled while d3 tries to claim p0
        taken = claim_within(lambda: d3.claim(["p0"], 1), seconds=8)
    finally:
        resume.set()
        writer.join(timeout=10)
    # Assert: d3 took p0 once d2's lease ran out and the server ended d2's write, which wrote
    # nothing and ended in a controller lease error (no traceback out of the daemon's tick)
    assert taken == {"p0": 2}
    assert len(outcome) == 1 and isinstance(outcome[0], ControllerLeaseLostError), outcome
    assert outcome[0].controller_id == "p0" and "nothing was written" in str(outcome[0])
    assert SqlStore(other).controller_state("p0") is None
    # d2's next renewal finds p0 gone and drops it
    assert d2.policies.renew() == {"p0"} and not d2.holds("p0")

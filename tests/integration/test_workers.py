"""Three ``lpexec worker`` processes on one PostgreSQL database and one paper Gateway process
(a real socket) run 300 LP executors created by a separate process (handed off, never run by
it). Then:

- kill -9 one worker: its executors are held by the others within lease TTL + one heartbeat;
- SIGSTOP another past its lease, then SIGCONT: it learns it lost its leases and drops them (its
  writes are fenced; every journal stays gap-free);
- start a new worker: ownership is rebalanced onto it and the woken one;
- push the pool's price past every executor's limit: each closes on the worker holding it.

Before the closes every executor is held by exactly one live worker; at the end every executor
has ended and is released, the chain holds one open per executor (no doubled opens) and the
chain's ledger equals the store's accounting (``chain_audit``).
"""

from __future__ import annotations

import asyncio
import signal
from decimal import Decimal

import pytest

from fixtures.paper_runtime import free_port, start_paper_gateway_process
from lpexec.core import Database, ExecutorStatus, SqlStore
from lpexec.paper.gateway import build_paper_gateway
from tests.integration.processes import (
    HEARTBEAT,
    TTL,
    chain_opens_and_audit,
    create_handed_off,
    journal_gaps,
    journal_length,
    lp_config,
    owners,
    push_price_up,
    query,
    shared_database,
    stop,
    stop_servers,
    terminated,
    wait_until,
    worker,
)

EXECUTORS = 300
LIMIT = Decimal("180.25")
"""Every executor closes once the pool's price is above this (the test pushes it there)."""


def story(database: Database) -> list[object]:
    """Unfinished executors not open (yet or any more): family state, last intents."""
    store = SqlStore(database)
    return [
        (
            record.executor_id,
            record.load_snapshot()["state"].get("lp_state"),
            [
                (intent.kind, intent.status, intent.error)
                for intent in store.intents_for(record.executor_id)
            ][-3:],
        )
        for record in store.unfinished_executors()
        if record.status is not ExecutorStatus.ACTIVE
        or not record.load_snapshot()["state"].get("position_address")
    ][:4]


def all_active(database: Database) -> bool:
    records = SqlStore(database).unfinished_executors()
    opened = [
        record
        for record in records
        if record.status is ExecutorStatus.ACTIVE
        and record.load_snapshot()["state"].get("position_address")
    ]
    return len(opened) == EXECUTORS


@pytest.mark.slow
def test_three_workers_fail_over_fence_and_rebalance(request, tmp_path, postgres_url):
    # Arrange: the paper Gateway, 300 executors handed off, 3 workers
    postgres_url, database = shared_database(request, postgres_url)
    port, state = free_port(), tmp_path / "chain.json"
    server = start_paper_gateway_process(
        port=port, arguments=["--seed", "3", "--state-file", str(state)]
    )
    url, wallet = f"http://127.0.0.1:{port}", build_paper_gateway(seed=3).wallet
    asyncio.run(
        create_handed_off(
            postgres_url, [lp_config(index, upper_limit_price=LIMIT) for index in range(EXECUTORS)]
        )
    )
    workers = {
        name: worker(url, wallet, postgres_url, name, tmp_path) for name in ("w1", "w2", "w3")
    }
    try:
        wait_until(
            lambda: all_active(database),
            timeout=90,
            what="every executor opened",
            details=lambda: story(database),
        )
        wait_until(
            lambda: sorted(owners(database)) == ["w1", "w2", "w3"],
            timeout=20,
            what="all three workers hold executors",
            details=lambda: owners(database),
        )
        # Act 1: kill -9 w1
        workers["w1"].send_signal(signal.SIGKILL)
        workers["w1"].wait(timeout=10)
        failover = wait_until(
            lambda: (
                sorted(owners(database)) == ["w2", "w3"]
                and sum(owners(database).values()) == EXECUTORS
            ),
            timeout=20,
            what="w1's executors held by w2 and w3",
            details=lambda: owners(database),
        )
        # Act 2: SIGSTOP w2 past its lease; w3 takes everything; SIGCONT w2
        workers["w2"].send_signal(signal.SIGSTOP)
        wait_until(
            lambda: "w2" not in owners(database) and owners(database).get("w3", 0) >= EXECUTORS - 5,
            timeout=20,
            what="w3 holds every executor while w2 is stopped",
            details=lambda: owners(database),
        )
        journal_before = journal_length(database)
        workers["w2"].send_signal(signal.SIGCONT)
        # Act 3: a new worker joins; w2 (back) and w4 get a share from w3
        workers["w4"] = worker(url, wallet, postgres_url, "w4", tmp_path)
        wait_until(
            lambda: (
                sorted(owners(database)) == ["w2", "w3", "w4"]
                and min(owners(database).values()) >= EXECUTORS // 3 - 5
            ),
            timeout=30,
            what="ownership rebalanced over w2, w3 and w4",
            details=lambda: owners(database),
        )
        held = owners(database)
        journal_after = journal_length(database)
        # Act 4: the price leaves every executor's limit: each closes on the worker holding it
        push = asyncio.run(push_price_up(url, wallet))
        wait_until(
            lambda: terminated(database) == EXECUTORS,
            timeout=90,
            what="every executor closed",
            details=lambda: story(database),
        )
    finally:
        outputs = stop(workers, tmp_path)
        stop_servers(server)
    # Assert: failover within TTL + one heartbeat (+ the test's polling and a tick's slack)
    assert failover <= TTL + HEARTBEAT + 1.5, failover
    assert sum(held.values()) == EXECUTORS and set(held) == {"w2", "w3", "w4"}
    # w2 woke to lost leases and dropped them without writing
    _, w2_log = outputs["w2"]
    assert "worker w2 lost" in w2_log, w2_log[-2000:]
    for name in ("w2", "w3", "w4"):
        assert workers[name].returncode == 0, outputs[name][1][-2000:]
        assert "leases released" in outputs[name][0]
    # Journals gap-free: seq 1..n per executor (a stale write would break or double one)
    assert journal_gaps(database) == [] and journal_after >= journal_before
    # Every executor ended and released; each opened exactly once on chain, the ledger agrees
    assert query(database, "SELECT count(*) FROM executors WHERE lease_owner IS NOT NULL") == [(0,)]
    # The test's own price push is no executor's: leave it out of the wallet's book
    opens, discrepancies = chain_opens_and_audit(state, wallet, database, leave_out={push})
    assert len(opens) == EXECUTORS
    assert all(len(txs) == 1 for txs in opens.values()), "a position opened twice"
    assert discrepancies == []

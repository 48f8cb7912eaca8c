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
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from fixtures.paper_runtime import free_port, start_paper_gateway_process
from gateway_client import GatewayClient
from lpexec.app.registry import EXECUTOR_TYPES
from lpexec.core import Database, Engine, ExecutorStatus, SqlStore
from lpexec.core.clock import LiveClock
from lpexec.lp import LPExecutorConfig
from lpexec.paper.chain import PaperChain
from lpexec.paper.gateway import build_paper_gateway
from lpexec.paper.gateway.demo import demo_pool_address
from tests.integration.chain_audit import ChainBook, audit, load_executors

ROOT = Path(__file__).resolve().parents[2]
POOL = demo_pool_address("meteora", "SOL", "USDC", 10)
EXECUTORS = 300
TTL, HEARTBEAT = 3.0, 0.5
LIMIT = Decimal("180.25")
"""Every executor closes once the pool's price is above this (the test pushes it there)."""


def worker(
    url: str, wallet: str, database_url: str, name: str, logs: Path
) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "LPEXEC_GATEWAY_URL": url,
        "LPEXEC_WALLET_ADDRESS": wallet,
        "LPEXEC_DATABASE_URL": database_url,
        "LPEXEC_LOG_LEVEL": "WARNING",
        "LPEXEC_GATEWAY_RATE_LIMIT_PER_MINUTE": "0",
    }
    arguments = ["--ttl", str(TTL), "--heartbeat", str(HEARTBEAT), "--interval", "0.5"]
    arguments += ["--max-calls", "32"]
    with (logs / f"{name}.out").open("w") as out, (logs / f"{name}.err").open("w") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "lpexec", "worker", "--worker-id", name, *arguments],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=err,
            text=True,
        )


def query(database: Database, sql: str) -> list[tuple]:
    with database.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql)).all()]


def owners(database: Database) -> dict[str, int]:
    rows = query(
        database,
        "SELECT lease_owner, count(*) FROM executors WHERE status != 'TERMINATED' "
        "AND lease_expires_at > clock_timestamp() GROUP BY lease_owner",
    )
    return {owner: count for owner, count in rows if owner is not None}


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


def wait_until(
    condition: Callable[[], bool],
    *,
    timeout: float,
    what: str,
    details: Callable[[], object],
) -> float:
    """Seconds until ``condition()`` held (polled every 0.1 s)."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{what}: not within {timeout} s; held {details()}")
        time.sleep(0.1)
    return time.monotonic() - started


async def push_price_up(url: str, wallet: str) -> str:
    """Buy SOL in the pool (from the same wallet); return the swap's signature."""
    async with GatewayClient(url, rate_limit_per_minute=None) as client:
        result = await client.meteora.execute_swap(
            base_token="SOL",
            quote_token="USDC",
            amount=Decimal(60),
            side="BUY",
            wallet_address=wallet,
            pool_address=POOL,
            slippage=Decimal("0.5"),
        )
    return str(result.signature)


def terminated(database: Database) -> int:
    return query(database, "SELECT count(*) FROM executors WHERE status = 'TERMINATED'")[0][0]


async def create_handed_off(database_url: str) -> None:
    """The API's way: executors stored with their first intents, left for the workers."""
    database = Database.open(database_url)
    engine = Engine(
        store=SqlStore(database),
        clock=LiveClock(),
        executor_types=EXECUTOR_TYPES,
        venues={},
        hand_off=True,
    )
    for index in range(EXECUTORS):
        await engine.create(
            LPExecutorConfig(
                id=f"lp-{index:03d}",
                pool_address=POOL,
                trading_pair="SOL-USDC",
                lower_price=Decimal(176) + Decimal(index) / 200,
                upper_price=Decimal(184) + Decimal(index) / 200,
                base_amount=Decimal("0.01"),
                quote_amount=Decimal("1.8"),
                upper_limit_price=LIMIT,
                swap_provider="meteora/swap",
            )
        )
    assert engine.active_count == 0
    database.close()


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
    # Arrange: the paper Gateway, 300 executors handed off, 3 workers. The shared test server's
    # disk is busy with every other test: commits here do not wait for its flush (what is
    # tested is the workers' leases, not PostgreSQL's durability).
    postgres_url = postgres_url.replace("options=", "options=-csynchronous_commit%3Doff%20")
    port, state = free_port(), tmp_path / "chain.json"
    server = start_paper_gateway_process(
        port=port, arguments=["--seed", "3", "--state-file", str(state)]
    )
    url, wallet = f"http://127.0.0.1:{port}", build_paper_gateway(seed=3).wallet
    database = Database.open(postgres_url)
    request.addfinalizer(database.close)
    asyncio.run(create_handed_off(postgres_url))
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
        journal_before = query(database, "SELECT count(*) FROM journal")[0][0]
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
        journal_after = query(database, "SELECT count(*) FROM journal")[0][0]
        # Act 4: the price leaves every executor's limit: each closes on the worker holding it
        push = asyncio.run(push_price_up(url, wallet))
        wait_until(
            lambda: terminated(database) == EXECUTORS,
            timeout=90,
            what="every executor closed",
            details=lambda: story(database),
        )
    finally:
        for process in workers.values():
            if process.poll() is None:
                process.send_signal(signal.SIGCONT)
                process.send_signal(signal.SIGTERM)
        for process in workers.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        outputs = {
            name: ((tmp_path / f"{name}.out").read_text(), (tmp_path / f"{name}.err").read_text())
            for name in workers
        }
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
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
    gaps = query(
        database,
        "SELECT executor_id FROM journal GROUP BY executor_id HAVING max(seq) != count(*)",
    )
    assert gaps == [] and journal_after >= journal_before
    # Every executor ended and released; each opened exactly once on chain, the ledger agrees
    assert query(database, "SELECT count(*) FROM executors WHERE lease_owner IS NOT NULL") == [(0,)]
    store = SqlStore(database)
    chain = PaperChain.load(state, clock=LiveClock())
    book = ChainBook.read(chain, wallet)
    # The test's own price push is no executor's: leave it out of the wallet's book
    book.transactions = [tx for tx in book.transactions if tx.signature != push]
    book.fee.pop(push, None)
    opens = book.opens_by_position()
    assert len(opens) == EXECUTORS
    assert all(len(txs) == 1 for txs in opens.values()), "a position opened twice"
    assert audit(book, load_executors(store), exclusive=True) == []

"""Kill -9 the daemon in the middle of a rebalance, restart it: the rebalance finishes once.

A real paper Gateway runs in its own process. The daemon opens the first position; the test then
pushes the pool's price above the range with a swap of its own, so the position's dwell timer
closes it; the policy's anti-thrash interval holds the reopen back for a few seconds, and the
daemon is killed at a seeded moment in that window. Restarted, it must open the next position
exactly once: never two open positions for one policy.
"""

from __future__ import annotations

import asyncio
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from lpexec.core import Database
from lpexec.core.clock import LiveClock
from lpexec.core.store import executors_table
from lpexec.paper.chain import PaperChain
from lpexec.paper.gateway import build_paper_gateway
from tests.integration.processes import POOL, push_price_up, start_lpexec

SEEDS = range(3)

CONFIG = """
[daemon]
interval_seconds = 0.3

[[policy]]
policy_id = "rb"
pool_address = "{pool}"
trading_pair = "SOL-USDC"
width = "0.003"
bin_step = 10
out_of_range_seconds = 1
min_interval_seconds = 8
base_amount = "0.5"
quote_amount = "90"
native_reserve = "0"
swap_provider = "meteora/swap"
"""


def daemon(config: Path, url: str, wallet: str, database_url: str) -> subprocess.Popen[str]:
    """The only daemon on its database: default settings, its output in pipes."""
    return start_lpexec(
        ["daemon", "--config", str(config)],
        url=url,
        wallet=wallet,
        database_url=database_url,
        settings={},
    )


def wait_for(process: subprocess.Popen[str], text: str, timeout: float = 60) -> list[str]:
    seen, deadline = [], time.monotonic() + timeout
    assert process.stdout is not None
    for line in process.stdout:
        seen.append(line.strip())
        if text in line:
            return seen
        if time.monotonic() > deadline:
            break
    raise AssertionError(f"never saw {text!r}; saw {seen[-5:]}")


def executor_ids(database_url: str) -> list[str]:
    database = Database.open(database_url)
    try:
        with database.connect() as connection:
            rows = connection.execute(select(executors_table.c.executor_id)).all()
        return sorted(row.executor_id for row in rows)
    finally:
        database.close()


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_kill_between_close_and_reopen_then_resume(tmp_path, paper_server, seed):
    # Arrange
    server, url, state = paper_server
    wallet = build_paper_gateway(seed=3).wallet
    config = tmp_path / "rebalance.toml"
    config.write_text(CONFIG.format(pool=POOL), encoding="utf-8")
    database_url = f"sqlite:///{tmp_path / 'daemon.db'}"
    first = daemon(config, url, wallet, database_url)
    second = None
    try:
        wait_for(first, "opened rb-1")
        # Act: the market leaves the range; kill the daemon at a seeded moment of the rebalance
        asyncio.run(push_price_up(url, wallet))
        time.sleep(random.Random(seed).uniform(1.5, 6.0))
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        killed_mid_rebalance = executor_ids(database_url) == ["rb-1"]
        second = daemon(config, url, wallet, database_url)
        wait_for(second, "opened rb-2", timeout=90)
        time.sleep(1.0)  # a few more ticks: nothing else may be opened
        second.send_signal(signal.SIGTERM)
        out, _ = second.communicate(timeout=60)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(timeout=30)
            for stream in (process.stdout, process.stderr) if process is not None else ():
                if stream is not None and not stream.closed:
                    stream.close()
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)
    # Assert
    assert killed_mid_rebalance, "the kill came after the reopen: nothing was tested"
    assert executor_ids(database_url) == ["rb-1", "rb-2"]
    assert second.returncode == 0
    assert "daemon stopped; state saved" in out
    chain = PaperChain.load(state, clock=LiveClock())
    opens = [
        tx
        for tx in chain.transactions()
        if tx.operation == "open" and tx.payer == wallet and tx.landed and tx.error is None
    ]
    closes = [
        tx
        for tx in chain.transactions()
        if tx.operation == "close" and tx.payer == wallet and tx.landed and tx.error is None
    ]
    assert len(opens) == 2 and len(closes) == 1
    assert len([p for p in chain.positions_owned(wallet) if p.pool_address == POOL]) == 1

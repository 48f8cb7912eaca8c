"""Kill -9 order executors on the paper exchange at seeded random moments: nothing placed twice.

The child (``cex_crash_child.py``) runs the CEX runtime on a paper exchange kept in a state file
(saved after every write, before the answer, which then takes 30 ms) and a store (SQLite or
PostgreSQL). Each seed kills it once or twice, each a random delay (up to 0.8 s of its ~1 s of
work) after it started, then lets a last run finish. Then the venue's own ledger (the state
file) and the store must agree:

- every executor terminated (none stranded: the paper venue always answers in the end);
- no order placed twice for one intent: each place intent's client order id names at most one
  order on the exchange, and the exchange has no order that no intent of ours names;
- every fill the exchange made for an order, made while the process was up or down, is counted
  once by its executor, and the executor's filled amount equals the exchange's.

The default run takes ``DEFAULT_SEEDS`` on SQLite and PostgreSQL; ``LPEXEC_CEX_CRASH_SEEDS=N``
runs seeds 0..N-1 instead.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from lpexec.app.paper_market import PaperMarkets
from lpexec.cex import OrderExecutor, OrderExecutorConfig
from lpexec.core import Database, ExecutorStatus, PlaceOrder
from lpexec.core.store.sql import SqlStore

ROOT = Path(__file__).resolve().parents[2]
COUNT = 8
DEFAULT_SEEDS = (0, 1, 2)
_COUNT = os.environ.get("LPEXEC_CEX_CRASH_SEEDS")
SEEDS = range(int(_COUNT)) if _COUNT else DEFAULT_SEEDS
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def child(database_url: str, state: Path, log: Path) -> subprocess.Popen[str]:
    with log.open("a", encoding="utf-8") as stderr:
        return subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "tests/integration/cex_crash_child.py"),
                database_url,
                str(state),
                str(COUNT),
            ],
            cwd=ROOT,
            env=ENV,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )


def kill_after_start(process: subprocess.Popen[str], delay: float) -> str:
    """SIGKILL ``process`` ``delay`` seconds after it prints STARTED; return what it printed."""
    assert process.stdout is not None
    printed = process.stdout.readline().strip()
    if printed == "STARTED":
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    rest = process.stdout.read()
    process.stdout.close()
    return printed + " " + rest.strip()


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_killed_and_resumed_order_executors_agree_with_the_paper_exchange(
    tmp_path, database_url, seed
):
    # Arrange
    rng = random.Random(f"cex-crash:{seed}")
    kills = [round(rng.uniform(0.0, 0.8), 3) for _ in range(1 + (rng.random() < 0.5))]
    state, log = tmp_path / "paper-exchange.json", tmp_path / "child.log"
    runs = []
    # Act: kill after each seeded delay, then one run to the end
    for delay in kills:
        process = child(database_url, state, log)
        try:
            runs.append(f"kill at +{delay}s: " + kill_after_start(process, delay))
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)
    final = child(database_url, state, log)
    try:
        out, _ = final.communicate(timeout=300)
    finally:
        if final.poll() is None:
            final.kill()
            final.wait(timeout=30)
    story = f"seed {seed}; runs: {runs}; child log: {log.read_text(encoding='utf-8')[-4000:]}"
    # Assert: the first kill landed before the work was done; the last run finished it
    assert "DONE" not in runs[0], story
    assert final.returncode == 0, story
    done = out.strip().splitlines()[-1]
    assert done.startswith("DONE "), story
    assert json.loads(done[5:])["live"] == 0, story
    exchange = PaperMarkets.load_or_new(state, seed=0, now=dt.datetime.now(dt.UTC)).exchange
    database = Database.open(database_url)
    try:
        store = SqlStore(database)
        records = [store.get_executor(f"cex-{index}") for index in range(COUNT)]
        intents = [intent for index in range(COUNT) for intent in store.intents_for(f"cex-{index}")]
        placed = {
            intent.command.client_order_id
            for intent in intents
            if isinstance(intent.command, PlaceOrder)
        }
    finally:
        database.close()
    # every executor ended, none stranded
    executors = []
    for record in records:
        assert record is not None, story
        assert record.stranded_reason is None, story
        config = OrderExecutorConfig.model_validate(record.load_config())
        executors.append(OrderExecutor.restore(config, record.load_snapshot()))
    assert {executor.status for executor in executors} == {ExecutorStatus.TERMINATED}, story
    assert {intent.status for intent in intents} <= {"DONE", "FAILED"}, story
    # the exchange holds no order that no intent of ours names, at most one per intent
    venue_orders = exchange.all_orders()
    assert {order.client_order_id for order in venue_orders} <= set(placed), story
    assert len({order.client_order_id for order in venue_orders}) == len(venue_orders), story
    # each executor counted exactly the exchange's fills of its order
    for executor in executors:
        client_order_id = executor.state.client_order_id
        venue_fills = [
            fill for fill in exchange.fills_since(0) if fill.client_order_id == client_order_id
        ]
        assert executor.state.filled_base == sum(
            (fill.amount for fill in venue_fills), Decimal(0)
        ), story
        assert len(executor.state.fills) == len(venue_fills), story

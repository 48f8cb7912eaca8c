"""Kill -9 order executors on the paper exchange at seeded random moments: nothing placed twice.

The child (``cex_crash_child.py``) runs the CEX runtime on a paper exchange kept in a state file
(saved after every write, before the answer, which then takes 30 ms; with seeded faults: lost
answers of landed writes, dropped writes, 5xx, 429) and a store (SQLite or
PostgreSQL). Each seed kills it once or twice, each a random delay (up to 0.8 s of its ~1 s of
work) after it started, then lets a last run finish. Then the venue's own ledger (the state
file) and the store must agree:

- every executor (orders and positions) terminated (none stranded: the paper venue always
  answers in the end), and no order is left open on the exchange;
- no order placed twice for one intent: each place intent's client order id names at most one
  order on the exchange, and the exchange has no order that no intent of ours names;
- every fill the exchange made for an order, made while the process was up or down, is counted
  once by the executor that placed it, and each order's filled amount equals the exchange's.

The default run takes ``DEFAULT_SEEDS`` on SQLite and PostgreSQL; ``LPEXEC_CEX_CRASH_SEEDS=N``
runs seeds 0..N-1 instead.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from lpexec.app.paper_market import PaperMarkets
from lpexec.cex import OrderExecutor, OrderExecutorState, PositionExecutor, TrackedOrder
from lpexec.core import Database, ExecutorStatus, PlaceOrder
from lpexec.core.store.sql import SqlStore
from tests.integration.crash_runs import kill_then_finish, start_child

COUNT = 8
DEFAULT_SEEDS = (0, 1, 2)
_COUNT = os.environ.get("LPEXEC_CEX_CRASH_SEEDS")
SEEDS = range(int(_COUNT)) if _COUNT else DEFAULT_SEEDS
WALL = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
"""The children's fixed wall clock."""


def child(database_url: str, state: Path, log: Path, seed: int, run: int) -> subprocess.Popen[str]:
    arguments = (database_url, str(state), str(COUNT), str(seed), str(run))
    return start_child("cex_crash_child.py", log, *arguments)


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_killed_and_resumed_order_executors_agree_with_the_paper_exchange(
    tmp_path, database_url, seed
):
    # Arrange
    rng = random.Random(f"cex-crash:{seed}")
    kills = [round(rng.uniform(0.0, 0.8), 3) for _ in range(1 + (rng.random() < 0.5))]
    state, log = tmp_path / "paper-exchange.json", tmp_path / "child.log"
    # Act: kill after each seeded delay, then one run to the end
    runs, returncode, out, story = kill_then_finish(
        lambda run: child(database_url, state, log, seed, run), kills, log, seed
    )
    # Assert: the first kill landed before the work was done; the last run finished it
    assert "DONE" not in runs[0], story
    assert returncode == 0, story
    done = out.strip().splitlines()[-1]
    assert done.startswith("DONE "), story
    assert json.loads(done[5:])["live"] == 0, story
    # The state file exists, so it is read; the time would only start a new exchange.
    exchange = PaperMarkets.load_or_new(state, seed=0, now=WALL).exchange
    ids = [f"cex-{index}" for index in range(COUNT)] + [f"pos-{i}" for i in range(COUNT // 2)]
    database = Database.open(database_url)
    try:
        store = SqlStore(database)
        records = [store.get_executor(executor_id) for executor_id in ids]
        intents = [intent for executor_id in ids for intent in store.intents_for(executor_id)]
    finally:
        database.close()
    placed = {
        intent.command.client_order_id
        for intent in intents
        if isinstance(intent.command, PlaceOrder)
    }
    # every executor ended, none stranded, no write left open
    tracked: list[TrackedOrder] = []
    for record in records:
        assert record is not None, story
        assert record.stranded_reason is None, story
        cls = OrderExecutor if record.type == "order" else PositionExecutor
        executor = cls.restore(
            cls.config_class.model_validate(record.load_config()), record.load_snapshot()
        )
        assert executor.status is ExecutorStatus.TERMINATED, story
        state = executor.state
        tracked += (
            state.orders
            if isinstance(state, OrderExecutorState)
            else [*state.open_orders, *state.close_orders]
        )
    assert {intent.status for intent in intents} <= {"DONE", "FAILED"}, story
    # the exchange holds no order that no intent of ours names, at most one per intent
    venue_orders = exchange.all_orders()
    assert {order.client_order_id for order in venue_orders} <= placed, story
    assert len({order.client_order_id for order in venue_orders}) == len(venue_orders), story
    assert not [order for order in venue_orders if order.is_open], story
    # each order counted exactly the exchange's fills of it, made while up or down
    fills = exchange.fills_since(0)
    for order in tracked:
        mine = [fill for fill in fills if fill.client_order_id == order.client_order_id]
        assert order.filled_base == sum((fill.amount for fill in mine), Decimal(0)), story
        assert len(order.fill_ids) == len(mine), story

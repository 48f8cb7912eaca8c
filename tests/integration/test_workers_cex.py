"""Three ``lpexec worker`` processes on one PostgreSQL database run CEX executors beside LP
executors: the LP ones on one paper Gateway process, the CEX ones on one ``lpexec paper-exchange``
process (both over a real socket; the exchange loses the answer of one place or cancel in ten
after carrying it out). A separate process creates them all (handed off, never run by it):
36 LIMIT orders resting away from the touch on two spot markets, 6 leveraged long positions on
the perpetual market, 60 LP positions. Then:

- kill -9 the worker holding the most CEX executors: its executors are held by the others within
  lease TTL + one heartbeat;
- SIGSTOP another past its lease, then SIGCONT: it learns it lost its leases and drops them;
- start a new worker: ownership is rebalanced onto it and the woken one;
- ask every executor to stop (the API's way: a stop request): orders are canceled, positions
  closed, LP positions closed, each by the worker holding it.

At the end every executor has ended and is released, journals are gap-free, the perpetual
positions opened at their executors' leverage, and the paper exchange's own ledger agrees with the
store (``exchange_audit``): at most one exchange order per intent, no order the store does not
know, none left open, every fill counted once; the chain's ledger agrees with the LP executors
(``chain_audit``).
"""

from __future__ import annotations

import asyncio
import signal
from decimal import Decimal

import pytest

from fixtures.paper_runtime import (
    free_port,
    start_paper_exchange_process,
    start_paper_gateway_process,
)
from lpexec.app.paper_market import PaperMarkets
from lpexec.app.registry import CEX_TYPES
from lpexec.cex import OrderExecutorConfig
from lpexec.cex.position_config import PositionExecutorConfig
from lpexec.core import Database, ExecutorConfig, SqlStore
from lpexec.core.clock import LiveClock
from lpexec.core.store import StopRequests
from lpexec.paper.gateway import build_paper_gateway
from tests.integration.exchange_audit import ExchangeLedger, audit_exchange, load_cex_executors
from tests.integration.processes import (
    HEARTBEAT,
    TTL,
    chain_opens_and_audit,
    create_handed_off,
    journal_gaps,
    journal_length,
    lp_config,
    owners,
    query,
    shared_database,
    stop,
    stop_servers,
    terminated,
    wait_until,
    worker,
)

LP_EXECUTORS, ORDERS_PER_PAIR, POSITIONS = 60, 18, 6
EXECUTORS = LP_EXECUTORS + 2 * ORDERS_PER_PAIR + POSITIONS
LEVERAGE = 3
EXCHANGE_FAULTS = "place:504@0.1,cancel:504@0.1"


def configs() -> list[ExecutorConfig]:
    """The executors the API creates: LP positions, resting orders, leveraged positions, one
    family after the other in turn (workers claim the oldest first: each gets some of both)."""
    lp: list[ExecutorConfig] = [lp_config(index) for index in range(LP_EXECUTORS)]
    cex: list[ExecutorConfig] = []
    for index in range(ORDERS_PER_PAIR):
        cex.append(
            OrderExecutorConfig(
                id=f"buy-{index:02d}",
                connector_name="paper",
                trading_pair="SOL-USDT",
                side="BUY",
                amount=Decimal("0.1"),
                execution_strategy="LIMIT",
                price=Decimal(100) + Decimal(index) / 10,
            )
        )
        cex.append(
            OrderExecutorConfig(
                id=f"sell-{index:02d}",
                connector_name="paper",
                trading_pair="ETH-USDT",
                side="SELL",
                amount=Decimal("0.005"),
                execution_strategy="LIMIT",
                price=Decimal(4500) + index,
            )
        )
    cex += [
        PositionExecutorConfig(
            id=f"long-{index}",
            connector_name="paper_perpetual",
            trading_pair="SOL-USDT",
            side="BUY",
            amount=Decimal("0.1"),
            leverage=LEVERAGE,
            triple_barrier_config={"open_order_type": "MARKET"},
        )
        for index in range(POSITIONS)
    ]
    mixed: list[ExecutorConfig] = []
    for index in range(max(len(lp), len(cex))):
        mixed += lp[index : index + 1] + cex[index : index + 1]
    return mixed


def all_running(database: Database) -> bool:
    """Every LP position open, every order resting on the exchange, every position open."""
    running = 0
    for record in SqlStore(database).unfinished_executors():
        state = record.load_snapshot()["state"]
        if record.type == "lp":
            running += bool(state.get("position_address")) and record.status.value == "ACTIVE"
        elif record.type == "order":
            running += state.get("order_state") == "OPEN"
        elif record.type == "position":
            running += state.get("position_state") == "OPEN"
    return running == EXECUTORS


def states(database: Database) -> list[object]:
    """Unfinished executors not running (yet or any more): type, family state, last intents."""
    store = SqlStore(database)
    found = []
    for record in store.unfinished_executors():
        state = record.load_snapshot()["state"]
        family = state.get("lp_state") or state.get("order_state") or state.get("position_state")
        if family in ("OPEN", "ACTIVE") or state.get("position_address"):
            continue
        intents = [(i.kind, i.status, i.error) for i in store.intents_for(record.executor_id)]
        found.append((record.executor_id, family, intents[-3:]))
    return found[:4]


def request_stops(database: Database) -> None:
    stops, now = StopRequests(database), LiveClock().now()
    for (executor_id,) in query(database, "SELECT executor_id FROM executors"):
        stops.request(executor_id, keep_position=None, requested_by="test", now=now)


@pytest.mark.slow
def test_three_workers_run_cex_executors_beside_lp_ones_fail_over_and_agree_with_the_exchange(
    request, tmp_path, postgres_url, monkeypatch
):
    # Arrange: the paper Gateway and the paper exchange, the executors handed off, 3 workers
    postgres_url, database = shared_database(request, postgres_url)
    gateway_port, chain_state = free_port(), tmp_path / "chain.json"
    gateway = start_paper_gateway_process(
        port=gateway_port, arguments=["--seed", "3", "--state-file", str(chain_state)]
    )
    exchange_port, exchange_state = free_port(), tmp_path / "exchange.json"
    exchange = start_paper_exchange_process(
        port=exchange_port,
        arguments=[
            *("--seed", "5", "--state-file", str(exchange_state)),
            *("--faults", EXCHANGE_FAULTS),
        ],
    )
    monkeypatch.setenv("LPEXEC_PAPER_EXCHANGE_URL", f"http://127.0.0.1:{exchange_port}")
    url, wallet = f"http://127.0.0.1:{gateway_port}", build_paper_gateway(seed=3).wallet
    asyncio.run(create_handed_off(postgres_url, configs()))
    workers = {
        name: worker(url, wallet, postgres_url, name, tmp_path) for name in ("w1", "w2", "w3")
    }
    try:
        wait_until(
            lambda: all_running(database),
            timeout=120,
            what="every executor running",
            details=lambda: states(database),
        )
        wait_until(
            lambda: sorted(owners(database)) == ["w1", "w2", "w3"],
            timeout=20,
            what="all three workers hold executors",
            details=lambda: owners(database),
        )
        # The roles go by the CEX executors held: the one killed holds the most of them
        cex_held = dict(
            query(
                database,
                "SELECT lease_owner, count(*) FROM executors WHERE type IN ('order', 'position') "
                "AND status != 'TERMINATED' GROUP BY lease_owner",
            )
        )
        victim, paused, survivor = sorted(workers, key=lambda name: -cex_held.get(name, 0))
        # Act 1: kill -9 the victim
        workers[victim].send_signal(signal.SIGKILL)
        workers[victim].wait(timeout=10)
        failover = wait_until(
            lambda: (
                sorted(owners(database)) == sorted([paused, survivor])
                and sum(owners(database).values()) == EXECUTORS
            ),
            timeout=20,
            what=f"{victim}'s executors held by {paused} and {survivor}",
            details=lambda: owners(database),
        )
        # Act 2: SIGSTOP another past its lease; the survivor takes everything; SIGCONT it
        workers[paused].send_signal(signal.SIGSTOP)
        wait_until(
            lambda: (
                paused not in owners(database)
                and owners(database).get(survivor, 0) >= EXECUTORS - 5
            ),
            timeout=20,
            what=f"{survivor} holds every executor while {paused} is stopped",
            details=lambda: owners(database),
        )
        journal_before = journal_length(database)
        workers[paused].send_signal(signal.SIGCONT)
        # Act 3: a new worker joins; the woken one and w4 get a share from the survivor
        workers["w4"] = worker(url, wallet, postgres_url, "w4", tmp_path)
        wait_until(
            lambda: (
                sorted(owners(database)) == sorted([paused, survivor, "w4"])
                and min(owners(database).values()) >= EXECUTORS // 3 - 5
            ),
            timeout=30,
            what=f"ownership rebalanced over {paused}, {survivor} and w4",
            details=lambda: owners(database),
        )
        held = owners(database)
        wait_until(
            lambda: all_running(database),
            timeout=30,
            what="every executor still running after the moves",
            details=lambda: states(database),
        )
        # Act 4: stop every executor, as the API beside the workers does
        request_stops(database)
        wait_until(
            lambda: terminated(database) == EXECUTORS,
            timeout=90,
            what="every executor ended",
            details=lambda: states(database),
        )
    finally:
        outputs = stop(workers, tmp_path)
        stop_servers(gateway, exchange)
    # Assert: failover within TTL + one heartbeat (+ the test's polling and a tick's slack)
    assert cex_held[victim] > 0
    assert failover <= TTL + HEARTBEAT + 1.5, failover
    assert sum(held.values()) == EXECUTORS and set(held) == {paused, survivor, "w4"}
    _, woken_log = outputs[paused]
    assert f"worker {paused} lost" in woken_log, woken_log[-2000:]
    for name in (paused, survivor, "w4"):
        assert workers[name].returncode == 0, outputs[name][1][-2000:]
        assert "leases released" in outputs[name][0]
        assert "paper exchange http://127.0.0.1" in outputs[name][0]
    assert journal_gaps(database) == []
    journal_after = journal_length(database)
    assert journal_after >= journal_before
    assert query(database, "SELECT count(*) FROM executors WHERE lease_owner IS NOT NULL") == [(0,)]
    # The exchange lost answers: each such write was found by its client order id, and every
    # order write ended settled
    exchange_writes = "kind IN ('PlaceOrder', 'CancelOrder')"
    reconciled = query(
        database,
        f"SELECT count(*) FROM intents WHERE {exchange_writes} "
        "AND evidence_json LIKE '%unknown_since%'",
    )[0][0]
    statuses = query(database, f"SELECT DISTINCT status FROM intents WHERE {exchange_writes}")
    print(f"failover {failover:.2f} s; {reconciled} exchange writes reconciled")
    assert reconciled > 0 and statuses == [("DONE",)]
    # The exchange's ledger agrees with the store; each perpetual open at its leverage
    store = SqlStore(database)
    markets = PaperMarkets.load_or_new(exchange_state, seed=5, now=LiveClock().now())
    ledger = ExchangeLedger.read(markets)
    cex = load_cex_executors(store)
    assert len(cex) == 2 * ORDERS_PER_PAIR + POSITIONS
    assert {view.record.type for view in cex} <= CEX_TYPES
    assert audit_exchange(ledger, cex) == []
    assert ledger.open_orders == [] and markets.perpetual.positions() == []
    assert len(ledger.orders) == 2 * ORDERS_PER_PAIR + 2 * POSITIONS
    opens = [o for o in ledger.orders.values() if o.position_action == "OPEN"]
    assert len(opens) == POSITIONS and markets.perpetual.leverage("SOL-USDT") == LEVERAGE
    # The chain's ledger agrees with the LP executors, each opened once
    opened, discrepancies = chain_opens_and_audit(chain_state, wallet, database)
    assert len(opened) == LP_EXECUTORS
    assert all(len(txs) == 1 for txs in opened.values()), "a position opened twice"
    assert discrepancies == []

"""Engine throughput: 10,000 executors receive price events and run a triple-barrier check.

Executors are built, started and filled in memory, written to a SQLite store in one transaction,
then resumed by a fresh engine (the restart path). The timed part publishes prices that move
inside the barriers, so every event runs the stop-loss / take-profit check and none closes.
Memory per idle executor is measured with tracemalloc over building the executors.

Prints ``engine: N events/s`` on its last line.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

from fixtures.executors import BarrierOrderConfig, BarrierOrderExecutor
from lpexec.core import UTC, Database, Engine, ExecutorStarted, OrderFilled, SimulatedClock
from lpexec.core.serialization import dumps
from lpexec.core.store import repository as repo

T0 = dt.datetime(2026, 1, 1, tzinfo=UTC)


def build(count: int) -> list[BarrierOrderExecutor]:
    executors = []
    for index in range(count):
        config = BarrierOrderConfig(
            id=f"bench-{index}",
            amount=Decimal(1),
            side="BUY" if index % 2 else "SELL",
            stop_loss=Decimal("0.2"),
            take_profit=Decimal("0.2"),
            time_limit_seconds=86_400,
        )
        executor = BarrierOrderExecutor(config, created_at=T0)
        (order,) = executor.apply(ExecutorStarted(ts_event=T0))
        executor.apply(
            OrderFilled(
                ts_event=T0,
                command_id=order.command_id,
                client_order_id=order.client_order_id,
                fill_id=f"fill-{index}",
                side=order.side,
                base_amount=Decimal(1),
                price=Decimal(100),
                fee_quote=Decimal("0.01"),
            )
        )
        executors.append(executor)
    return executors


def measure_memory(count: int) -> float:
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    executors = build(count)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert len(executors) == count
    return (after - before) / count


async def run(count: int, rounds: int) -> tuple[int, float]:
    clock = SimulatedClock(T0)
    with tempfile.TemporaryDirectory() as folder:
        database = Database.open(f"sqlite:///{Path(folder) / 'bench.db'}")
        executors = build(count)
        with database.begin() as connection:
            for executor in executors:
                repo.save_executor(
                    connection,
                    info=executor.info(T0),
                    config_json=dumps(executor.config.model_dump(mode="json")),
                    snapshot=executor.snapshot(),
                    now=T0,
                )
        del executors
        engine = Engine(
            database=database, clock=clock, executor_types=[BarrierOrderExecutor], venues={}
        )
        report = await engine.start()
        assert len(report.resumed) == count
        prices = [Decimal(100) + Decimal(step % 21 - 10) / 10 for step in range(rounds)]
        events = 0
        started = time.perf_counter()
        for price in prices:
            events += engine.publish_price("SOL-USDC", price)
        elapsed = time.perf_counter() - started
        assert engine.active_count == count and not engine.has_work
        database.close()
    return events, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executors", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args()
    per_executor = measure_memory(args.executors)
    events, elapsed = asyncio.run(run(args.executors, args.rounds))
    rate = events / elapsed
    print(f"executors: {args.executors}, price rounds: {args.rounds}, events: {events}")
    print(f"latency: {elapsed / events * 1e6:.2f} us/event")
    print(f"memory: {per_executor / 1024:.2f} KB per idle executor")
    print(f"engine: {rate:.0f} events/s")


if __name__ == "__main__":
    main()

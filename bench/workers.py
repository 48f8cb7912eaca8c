"""Workers sharing one PostgreSQL store: price events per second with 1, 2 and 4 worker processes.

10,000 active executors (a triple-barrier order each, already filled: prices inside the barriers
change nothing, so no event is written) are stored once. For each fleet size, that many
``lpexec`` workers (:class:`lpexec.app.worker.Worker` in child processes) claim a fair share by
heartbeats; once the shares add up to every executor, each worker publishes prices to its own
executors for a fixed time, all starting together. The figure is the events delivered by the
whole fleet per second (on this machine's cores: the fleet scales out until it runs out of them).

The helpers (storing executors, a scratch PostgreSQL schema, starting worker children) are
shared with ``bench/failover.py``. PostgreSQL: ``LPEXEC_BENCH_DATABASE_URL`` or the tests' server
(``postgresql+psycopg://postgres@127.0.0.1:5432/test``); a schema is made and dropped.

Prints ``workers: N events/s`` (the 4-worker fleet) on its last line.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, text

from fixtures.executors import BarrierOrderConfig, BarrierOrderExecutor
from lpexec.app.worker import Worker, WorkerSettings
from lpexec.core import UTC, Database, Engine, ExecutorStarted, OrderFilled, SqlStore
from lpexec.core.clock import LiveClock
from lpexec.core.serialization import dumps
from lpexec.core.store import repository as repo

ROOT = Path(__file__).resolve().parents[1]
T0 = dt.datetime(2026, 1, 1, tzinfo=UTC)
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def scratch_schema() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a new schema, dropped afterwards."""
    base = os.environ.get("LPEXEC_BENCH_DATABASE_URL", DEFAULT_URL)
    schema = f"lpexec_bench_{secrets.token_hex(4)}"
    engine = create_engine(base)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}%20-csynchronous_commit%3Doff"
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def store_active_executors(database_url: str, count: int) -> None:
    """``count`` filled triple-barrier orders, stored in one transaction, leased to nobody."""
    database = Database.open(database_url)
    with database.begin() as connection:
        for index in range(count):
            config = BarrierOrderConfig(
                id=f"bench-{index:05d}",
                amount=Decimal(1),
                side="BUY" if index % 2 else "SELL",
                stop_loss=Decimal("0.2"),
                take_profit=Decimal("0.2"),
                time_limit_seconds=86_400 * 365,
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
            repo.save_executor(
                connection,
                info=executor.info(T0),
                config_json=dumps(executor.config.model_dump(mode="json")),
                snapshot=executor.snapshot(),
                now=T0,
            )
    database.close()


def bench_worker(database_url: str, settings: WorkerSettings, name: str) -> Worker:
    """A worker running the bench's executors (no venue: they send nothing)."""
    engine = Engine(
        store=SqlStore(Database.open(database_url)),
        clock=LiveClock(),
        executor_types=[BarrierOrderExecutor],
        venues={},
    )
    return Worker(engine, settings=settings, worker_id=name)


def owners(database: Database) -> dict[str, int]:
    """How many unfinished executors each worker holds on an unexpired lease."""
    with database.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT lease_owner, count(*) FROM executors WHERE status != 'TERMINATED' "
                "AND lease_expires_at > clock_timestamp() GROUP BY lease_owner"
            )
        ).all()
    return {owner: count for owner, count in rows if owner is not None}


def start_child(script: str, *arguments: str) -> subprocess.Popen[str]:
    """``python SCRIPT --child ARGUMENTS`` (its stdout read by the caller)."""
    return subprocess.Popen(
        [sys.executable, script, "--child", *arguments],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )


def wait_for(condition: Callable[[], bool], *, timeout: float) -> float:
    """Seconds until ``condition()`` held (polled every 20 ms)."""
    started = time.perf_counter()
    while not condition():
        if time.perf_counter() - started > timeout:
            raise TimeoutError(f"not within {timeout} s")
        time.sleep(0.02)
    return time.perf_counter() - started


# --- the child: claim a share, then publish prices from a common start ----------------------


async def claim_share(database_url: str, name: str, fleet: int) -> Worker:
    """A worker that heartbeats until the fleet is complete and the shares are even."""
    settings = WorkerSettings(ttl_seconds=60, heartbeat_seconds=0.2)
    worker = bench_worker(database_url, settings, name)
    while True:
        await worker.heartbeat()
        ownership = worker.leases.ownership()
        share = -(-ownership.unfinished // fleet)
        held = ownership.held
        if (
            len(ownership.live_workers) == fleet
            and len(held) == fleet
            and sum(held.values()) == ownership.unfinished
            and max(held.values()) <= share + max(1, share // 10)
        ):
            return worker
        await asyncio.sleep(0.2)


def publish_child(database_url: str, name: str, fleet: int, start_file: str) -> None:
    worker = asyncio.run(claim_share(database_url, name, fleet))
    print(f"ready {worker.held}", flush=True)
    path = Path(start_file)
    while not path.exists():
        time.sleep(0.01)
    start, duration = (float(value) for value in path.read_text().split())
    while time.time() < start:
        time.sleep(0.001)
    engine, events, rounds = worker.engine, 0, 0
    prices = [Decimal(100) + Decimal(step % 21 - 10) / 10 for step in range(21)]
    deadline = start + duration
    began = time.perf_counter()
    while time.time() < deadline:
        events += engine.publish_price("SOL-USDC", prices[rounds % 21])
        rounds += 1
    elapsed = time.perf_counter() - began
    print(f"events {events} {elapsed}", flush=True)
    worker.leases.leave()
    worker.leases.database.close()


def measure_fleet(database_url: str, fleet: int, duration: float, folder: Path) -> float:
    """Events per second delivered by ``fleet`` workers publishing at once."""
    start_file = folder / f"start-{fleet}"
    children = [
        start_child(__file__, "publish", database_url, f"w{index}", str(fleet), str(start_file))
        for index in range(fleet)
    ]
    try:
        for child in children:
            assert child.stdout is not None
            line = child.stdout.readline()
            assert line.startswith("ready"), line
        start_file.write_text(f"{time.time() + 0.5} {duration}")
        total = 0
        for child in children:
            assert child.stdout is not None
            _, events, _elapsed = child.stdout.readline().split()
            total += int(events)
            child.wait(timeout=30)
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
    return total / duration


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executors", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _, database_url, name, fleet, start_file = args.child
        publish_child(database_url, name, int(fleet), start_file)
        return
    rates = {}
    with scratch_schema() as database_url, tempfile.TemporaryDirectory() as folder:
        store_active_executors(database_url, args.executors)
        for fleet in (1, 2, 4):
            rates[fleet] = measure_fleet(database_url, fleet, args.seconds, Path(folder))
            print(f"{fleet} worker(s): {rates[fleet]:.0f} events/s", flush=True)
    print(f"executors: {args.executors}, cores: {os.cpu_count()}")
    print(f"workers: {rates[4]:.0f} events/s")


if __name__ == "__main__":
    main()

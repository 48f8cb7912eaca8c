"""Failover and restart of workers with 10,000 active executors.

- **failover**: two worker processes share 10,000 active executors on PostgreSQL (lease TTL 3 s,
  heartbeat 0.5 s); one is killed with SIGKILL. Figure: seconds from the kill until the survivor
  runs every executor (all resumed in its engine). Goal: at most 5 s.
- **restart**: one worker starts on a store of 10,000 active executors nobody holds, on SQLite
  and on PostgreSQL. Figure: seconds from its first heartbeat to every executor resumed.
  Goal: at most 2 s.

PostgreSQL as in ``bench/workers.py`` (``LPEXEC_BENCH_DATABASE_URL``, a scratch schema).
Prints ``failover: N s`` on its last line.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import tempfile
import time
from pathlib import Path

from bench.workers import (
    bench_worker,
    owners,
    scratch_schema,
    start_child,
    store_active_executors,
    wait_for,
)
from lpexec.app.worker import WorkerSettings
from lpexec.core import Database

TTL, HEARTBEAT = 3.0, 0.5


async def restart(database_url: str, count: int) -> float:
    """Seconds for one worker to claim and resume ``count`` executors."""
    worker = bench_worker(database_url, WorkerSettings(ttl_seconds=30, heartbeat_seconds=5), "r")
    started = time.perf_counter()
    await worker.heartbeat()
    elapsed = time.perf_counter() - started
    assert worker.engine.active_count == count, worker.engine.active_count
    worker.leases.leave()
    worker.leases.database.close()
    return elapsed


def failover(database_url: str, count: int) -> float:
    """Seconds from killing one of two workers until the other runs all ``count`` executors."""
    arguments = ("run", database_url, str(TTL), str(HEARTBEAT))
    first, second = start_child(__file__, *arguments, "a"), start_child(__file__, *arguments, "b")
    database = Database.open(database_url)
    try:
        wait_for(lambda: sorted(owners(database).values()) == [count // 2] * 2, timeout=120)
        first.send_signal(signal.SIGKILL)
        killed = time.time()
        first.wait()
        assert second.stdout is not None
        for line in second.stdout:
            _, active, when = line.split()
            if int(active) == count and float(when) > killed:
                return float(when) - killed
        raise AssertionError("the survivor never ran every executor")
    finally:
        for child in (first, second):
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
                child.wait(timeout=30)
        database.close()


async def run_child(database_url: str, ttl: str, heartbeat: str, name: str) -> None:
    """A worker that prints ``active N time`` whenever the count of executors it runs changes."""
    settings = WorkerSettings(
        ttl_seconds=float(ttl), heartbeat_seconds=float(heartbeat), interval_seconds=1.0
    )
    worker = bench_worker(database_url, settings, name)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)

    async def report() -> None:
        last = -1
        while not stop.is_set():
            active = worker.engine.active_count
            if active != last:
                print(f"active {active} {time.time()}", flush=True)
                last = active
            await asyncio.sleep(0.01)

    reporter = asyncio.create_task(report())
    await worker.run(stop)
    await reporter
    worker.leases.database.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executors", type=int, default=10_000)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _, database_url, ttl, heartbeat, name = args.child
        asyncio.run(run_child(database_url, ttl, heartbeat, name))
        return
    count = args.executors
    with tempfile.TemporaryDirectory() as folder:
        sqlite_url = f"sqlite:///{Path(folder) / 'restart.db'}"
        store_active_executors(sqlite_url, count)
        on_sqlite = asyncio.run(restart(sqlite_url, count))
    print(f"restart of one worker, {count} executors, SQLite: {on_sqlite:.2f} s", flush=True)
    with scratch_schema() as database_url:
        store_active_executors(database_url, count)
        on_postgres = asyncio.run(restart(database_url, count))
        print(f"restart of one worker, {count} executors, PostgreSQL: {on_postgres:.2f} s")
        seconds = failover(database_url, count)
    print(f"kill -9 one of 2 workers, {count} executors, TTL {TTL} s, heartbeat {HEARTBEAT} s")
    print(f"failover: {seconds:.2f} s")


if __name__ == "__main__":
    main()

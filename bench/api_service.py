"""Service search speed: ``ExecutorService.search`` over 10,000 stored executors on SQLite.

``--postgres URL`` runs it on PostgreSQL too (in a schema of its own, dropped afterwards), e.g.
``--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test``; the last line stays SQLite's.

The store holds ``--executors`` order executors saved as their engine saves them (5 controllers,
3 connectors, 4 pairs, a third still running), created a second apart. Each timed search is one
page of 50 through the service (filters OR within a field and AND across fields, in the SQL
query; the total count; the signed cursor of the next page), alternating between four searches
and following each one's cursor for 5 pages. Figures are wall-clock: the median and p99 of one
search, and searches per second over ``--searches`` searches.

Prints ``api_service: N searches/s`` on its last line.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import secrets
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from lpexec.app.service import Caller, ExecutorService, SearchFilters  # noqa: E402
from lpexec.cex import OrderExecutor  # noqa: E402
from lpexec.cex.order import OrderExecutorConfig  # noqa: E402
from lpexec.core import Database, SqlStore  # noqa: E402
from lpexec.core.messages import ExecutorStarted, StopRequested  # noqa: E402

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
CONTROLLERS = tuple(f"bot-{n}" for n in range(5))
CONNECTORS = ("binance", "okx", "paper")
PAIRS = ("SOL-USDT", "ETH-USDT", "BTC-USDT", "SOL-USDC")
SEARCHES = (
    SearchFilters(controller_ids=["bot-1", "bot-3"]),
    SearchFilters(controller_ids=["bot-0"], statuses=["RUNNING"], connector_names=["okx", "paper"]),
    SearchFilters(trading_pairs=["SOL-USDT", "SOL-USDC"], statuses=["TERMINATED"]),
    SearchFilters(),
)


def fill(store: SqlStore, count: int) -> None:
    """Save ``count`` order executors, a third running and the rest finished."""
    batch = 1000
    for start in range(0, count, batch):
        with store.transaction() as unit:
            for n in range(start, min(start + batch, count)):
                when = T0 + dt.timedelta(seconds=n)
                config = OrderExecutorConfig(
                    trading_pair=PAIRS[n % len(PAIRS)],
                    connector_name=CONNECTORS[n % len(CONNECTORS)],
                    side="BUY",
                    amount=Decimal(1),
                    execution_strategy="LIMIT",
                    price=Decimal(100),
                    controller_id=CONTROLLERS[n % len(CONTROLLERS)],
                )
                executor = OrderExecutor(config, created_at=when)
                if n % 3:
                    executor.apply(StopRequested(ts_event=when))  # finished before starting
                else:
                    executor.apply(ExecutorStarted(ts_event=when))
                unit.save_executor(executor, now=when)


async def run(service: ExecutorService, searches: int) -> list[float]:
    caller = Caller()
    cursors: list[str | None] = [None] * len(SEARCHES)
    pages = [0] * len(SEARCHES)
    timings = []
    for n in range(searches):
        which = n % len(SEARCHES)
        started = time.perf_counter()
        page = await service.search(SEARCHES[which], caller=caller, cursor=cursors[which], limit=50)
        timings.append(time.perf_counter() - started)
        pages[which] += 1
        cursors[which] = page.next_cursor if pages[which] % 5 else None
    return timings


def measure(url: str, executors: int, searches: int) -> list[float]:
    """Fill a store at ``url`` and time ``searches`` searches through the service."""
    database = Database.open(url)
    try:
        store = SqlStore(database)
        fill(store, executors)
        if database.dialect == "postgresql":  # what autovacuum does to a live table
            with database.engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    "VACUUM ANALYZE executors"
                )
        service = ExecutorService({}, store)
        asyncio.run(run(service, 40))  # warm up
        return sorted(asyncio.run(run(service, searches)))
    finally:
        database.close()


def report(name: str, timings: list[float]) -> float:
    p50 = statistics.median(timings) * 1000
    p99 = timings[int(len(timings) * 0.99) - 1] * 1000
    rate = len(timings) / sum(timings)
    print(f"{name}: search p50 {p50:.2f} ms, p99 {p99:.2f} ms, {rate:.0f} searches/s")
    return rate


def on_postgres(url: str, executors: int, searches: int) -> list[float]:
    import psycopg

    schema = f"lpexec_bench_{secrets.token_hex(4)}"
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
        try:
            separator = "&" if "?" in url else "?"
            return measure(f"{url}{separator}options=-csearch_path%3D{schema}", executors, searches)
        finally:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executors", type=int, default=10_000)
    parser.add_argument("--searches", type=int, default=2_000)
    parser.add_argument("--postgres", default=None, help="A PostgreSQL URL to measure too.")
    args = parser.parse_args()
    print(f"executors stored: {args.executors}, page size 50, {args.searches} searches")
    if args.postgres:
        report("postgresql", on_postgres(args.postgres, args.executors, args.searches))
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        rate = report("sqlite", measure(url, args.executors, args.searches))
    print(f"api_service: {rate:.0f} searches/s")


if __name__ == "__main__":
    main()

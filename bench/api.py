"""REST API speed: creates/s and searches/s through HTTP over 10,000 stored executors, on SQLite
and on PostgreSQL.

For each database, ``lpexec serve`` runs in a thread (uvicorn on a free port of 127.0.0.1, the
paper Gateway and the paper exchange, the runtime driver every ``--interval`` seconds), and the
store is filled with ``--executors`` order executors as their engine saves them (50
controllers, 3 connectors, 3 pairs, created a second apart, 2 % left running, the rest
finished). Then, from one HTTP client
with an operator token:

- creates: ``--creates`` ``POST /executors/`` of a resting LIMIT order on the paper exchange (each
  checked by the risk gate over every open executor, placed, and its report returned);
- searches: ``--searches`` ``POST /executors/search`` of one page of 50, cycling through five
  filter sets (one to three controllers, pairs, statuses, connectors) and following each one's
  cursor for up to 4 pages.

Figures are wall-clock through HTTP: creates/s, searches/s, and the median and p99 of one search.
PostgreSQL is ``LPEXEC_TEST_DATABASE_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/
test``) in a schema of its own, dropped after; it is skipped, saying so, when it does not answer.

The last line is ``api: search p99 X ms``, the worse of the databases run.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import secrets
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from lpexec.app.api import TokenStore  # noqa: E402
from lpexec.app.cli.serve import ServeOptions, serve  # noqa: E402
from lpexec.cex import OrderExecutor  # noqa: E402
from lpexec.cex.order import OrderExecutorConfig  # noqa: E402
from lpexec.core import Database, SqlStore  # noqa: E402
from lpexec.core.messages import ExecutorStarted, StopRequested  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
CONTROLLERS = tuple(f"agent-{n}" for n in range(50))
CONNECTORS = ("binance", "okx", "kraken")
PAIRS = ("SOL-USDT", "ETH-USDT", "BTC-USDT")
SEARCHES: tuple[dict[str, Any], ...] = (
    {"controller_ids": ["agent-1"]},
    {"controller_ids": ["agent-2", "agent-7", "agent-30"]},
    {"controller_ids": ["agent-4", "agent-9"], "trading_pairs": ["SOL-USDT", "ETH-USDT"]},
    {"status": "TERMINATED", "connector_names": ["okx"]},
    {},
)
CREATE = {
    "type": "order_executor",
    "connector_name": "paper",
    "trading_pair": "SOL-USDT",
    "side": "BUY",
    "amount": "0.001",
    "execution_strategy": "LIMIT",
    "price": "50",
}


def fill(database_url: str, count: int) -> None:
    """Save ``count`` order executors as their engine does (2 % running, the rest finished)."""
    database = Database.open(database_url)
    store = SqlStore(database)
    try:
        for start in range(0, count, 1000):
            with store.transaction() as unit:
                for n in range(start, min(start + 1000, count)):
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
                    event = ExecutorStarted if n % 50 == 0 else StopRequested
                    executor.apply(event(ts_event=when))
                    unit.save_executor(executor, now=when)
    finally:
        database.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(database_url: str, folder: Path, *, interval: float) -> Iterator[str]:
    """``lpexec serve`` in a thread on ``database_url``; yields its base URL."""
    port = free_port()
    options = ServeOptions(
        port=port,
        database=database_url,
        paper_state=folder / "paper-gateway.json",
        exchange_state=folder / "paper-exchange.json",
        interval_seconds=interval,
    )
    started = threading.Event()
    control: dict[str, Any] = {}

    async def main() -> None:
        ready, stop = asyncio.Event(), asyncio.Event()
        control.update(loop=asyncio.get_running_loop(), stop=stop)

        async def signal_ready() -> None:
            await ready.wait()
            started.set()

        waiter = asyncio.create_task(signal_ready())
        try:
            await serve(options, ready=ready, stop=stop)
        finally:
            waiter.cancel()
            started.set()

    thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
    thread.start()
    if not started.wait(120) or not thread.is_alive():
        raise SystemExit("lpexec serve did not start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        control["loop"].call_soon_threadsafe(control["stop"].set)
        thread.join(120)


def measure(base_url: str, token: str, *, creates: int, searches: int) -> dict[str, float]:
    """Time the creates and the searches (see the module docstring)."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=60) as http:
        started = time.perf_counter()
        for n in range(creates):
            body = {"executor_config": CREATE, "controller_id": CONTROLLERS[n % len(CONTROLLERS)]}
            response = http.post("/executors/", json=body)
            if response.status_code != 201:
                raise SystemExit(f"create answered {response.status_code}: {response.text}")
        create_seconds = time.perf_counter() - started

        cursors: list[str | None] = [None] * len(SEARCHES)
        pages = [0] * len(SEARCHES)
        timings = []
        for n in range(searches + 25):
            which = n % len(SEARCHES)
            body = {**SEARCHES[which], "limit": 50, "cursor": cursors[which]}
            begun = time.perf_counter()
            response = http.post("/executors/search", json=body)
            elapsed = time.perf_counter() - begun
            if response.status_code != 200:
                raise SystemExit(f"search answered {response.status_code}: {response.text}")
            if n >= 25:  # the first rounds warm up the connections
                timings.append(elapsed)
            pages[which] += 1
            cursor = response.json()["pagination"]["next_cursor"]
            cursors[which] = cursor if pages[which] % 4 else None
    timings.sort()
    return {
        "creates_per_second": creates / create_seconds,
        "searches_per_second": len(timings) / sum(timings),
        "search_p50_ms": statistics.median(timings) * 1000,
        "search_p99_ms": timings[max(0, int(len(timings) * 0.99) - 1)] * 1000,
    }


def run_on(database_url: str, label: str, args: argparse.Namespace) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        with served(database_url, Path(folder), interval=args.interval) as base_url:
            fill(database_url, args.executors)
            database = Database.open(database_url)
            token = TokenStore(database).create(controller_id=None)[1]
            database.close()
            figures = measure(base_url, token, creates=args.creates, searches=args.searches)
    print(
        f"{label}: {args.executors} stored, {args.creates} creates: "
        f"{figures['creates_per_second']:.1f} creates/s; {args.searches} searches of 50: "
        f"{figures['searches_per_second']:.1f} searches/s, p50 {figures['search_p50_ms']:.1f} ms, "
        f"p99 {figures['search_p99_ms']:.1f} ms",
        flush=True,
    )
    return figures


@contextmanager
def postgres_schema() -> Iterator[str | None]:
    """A fresh schema on the test PostgreSQL (None when it does not answer), dropped after."""
    import psycopg

    base = os.environ.get("LPEXEC_TEST_DATABASE_URL", DEFAULT_PG)
    try:
        connection = psycopg.connect(
            base.replace("+psycopg", ""), autocommit=True, connect_timeout=3
        )
    except psycopg.OperationalError as e:
        print(f"postgresql: skipped, {base} does not answer ({type(e).__name__})")
        yield None
        return
    schema = f"lpexec_bench_{secrets.token_hex(4)}"
    connection.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executors", type=int, default=10_000)
    parser.add_argument("--creates", type=int, default=200)
    parser.add_argument("--searches", type=int, default=1_000)
    parser.add_argument("--interval", type=float, default=1.0, help="Driver step, seconds.")
    parser.add_argument("--sqlite-only", action="store_true", help="Skip PostgreSQL.")
    args = parser.parse_args()
    worst: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        worst.append(run_on(url, "sqlite", args)["search_p99_ms"])
    if not args.sqlite_only:
        with postgres_schema() as pg_url:
            if pg_url is not None:
                worst.append(run_on(pg_url, "postgresql", args)["search_p99_ms"])
    print(f"api: search p99 {max(worst):.1f} ms")


if __name__ == "__main__":
    main()

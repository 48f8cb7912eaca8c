"""``lpexec serve`` run in process by the tests: real uvicorn on a free port of 127.0.0.1, the
paper Gateway and the paper exchange with their state files in ``tmp_path``; stopped after. And
the executor configs the tests create."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from fixtures.paper_runtime import free_port
from lpexec.app.api import TokenStore
from lpexec.app.cli.serve import ServeOptions, serve
from lpexec.core import Database
from lpexec.paper.gateway.demo import demo_pool_address

OPERATOR_USER, OPERATOR_PASSWORD = "ops", "a-long-configured-password"
SOL_POOL = demo_pool_address("meteora", "SOL", "USDC", 10)


@dataclass
class Server:
    """A running ``lpexec serve``: its URL, its store and a way to make tokens."""

    base_url: str
    database_url: str
    tmp_path: Path

    def token(self, controller_id: str | None) -> str:
        database = Database.open(self.database_url)
        try:
            return TokenStore(database).create(controller_id=controller_id)[1]
        finally:
            database.close()

    def http(self, token: str | None = None) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.AsyncClient(base_url=self.base_url, headers=headers, timeout=30)


def serve_options(tmp_path: Path, port: int, **changes: Any) -> ServeOptions:
    """The options of a test server: everything in ``tmp_path``, a fast driver."""
    values: dict[str, Any] = {
        "port": port,
        "database": f"sqlite:///{tmp_path / 'lpexec.db'}",
        "paper_state": tmp_path / "paper-gateway.json",
        "exchange_state": tmp_path / "paper-exchange.json",
        "interval_seconds": 0.2,
    }
    values.update(changes)
    return ServeOptions(**values)


@contextlib.asynccontextmanager
async def running_server(tmp_path: Path, **changes: Any) -> AsyncIterator[Server]:
    """Serve in process until the block ends."""
    port = free_port()
    options = serve_options(tmp_path, port, **changes)
    ready, stop = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(serve(options, ready=ready, stop=stop))
    waiter = asyncio.create_task(ready.wait())
    await asyncio.wait({task, waiter}, timeout=60, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        waiter.cancel()
        task.result()  # raises what went wrong
    assert ready.is_set(), "expected the server to listen within 60 s"
    try:
        yield Server(f"http://127.0.0.1:{port}", str(options.database), tmp_path)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=60)


def lp_config(controller_id: str | None = None, **changes: Any) -> dict[str, Any]:
    """An LP executor config on the paper Meteora SOL-USDC pool, around its price (~180)."""
    config: dict[str, Any] = {
        "type": "lp_executor",
        "pool_address": SOL_POOL,
        "trading_pair": "SOL-USDC",
        "lower_price": "176",
        "upper_price": "184",
        "base_amount": "0.1",
        "quote_amount": "18",
    }
    if controller_id is not None:
        config["controller_id"] = controller_id
    config.update(changes)
    return config


def order_config(controller_id: str | None = None, **changes: Any) -> dict[str, Any]:
    """A LIMIT buy on the paper exchange far below the price: it rests."""
    config: dict[str, Any] = {
        "type": "order_executor",
        "connector_name": "paper",
        "trading_pair": "SOL-USDT",
        "side": "BUY",
        "amount": "0.1",
        "execution_strategy": "LIMIT",
        "price": str(Decimal(50)),
    }
    if controller_id is not None:
        config["controller_id"] = controller_id
    config.update(changes)
    return config

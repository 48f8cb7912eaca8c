"""An :class:`ExecutorService` over a paper LP runtime (the in-process paper Gateway) and its
store, on SQLite and the real PostgreSQL; helpers to create LP executors through it and to put
executors of other runtimes (orders) in the shared store as their engine saves them."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from lpexec.app.runtime import LPRuntime, open_lp_runtime
from lpexec.app.service import Caller, ExecutorReport, ExecutorService
from lpexec.cex import OrderExecutor
from lpexec.cex.order import OrderExecutorConfig
from lpexec.core import RiskEngine
from lpexec.core.messages import ExecutorStarted, StopRequested
from lpexec.core.store import SqlStore
from lpexec.paper.gateway.demo import demo_pool_address

POOL = demo_pool_address("meteora", "SOL", "USDC", 10)
OPERATOR = Caller()


def lp_config(**changes: Any) -> dict[str, Any]:
    """A Hummingbot-shaped LP executor config: quote only (side BUY), 176-184 USDC."""
    values: dict[str, Any] = {
        "type": "lp_executor",
        "connector_name": "solana-mainnet-beta",
        "pool_address": POOL,
        "trading_pair": "SOL-USDC",
        "lower_price": "176",
        "upper_price": "184",
        "quote_amount": "20",
        "side": 1,
        "swap_provider": "meteora/swap",
    }
    values.update(changes)
    return values


@dataclass
class World:
    """The runtime, its store, and the service over them."""

    runtime: LPRuntime
    store: SqlStore
    service: ExecutorService

    pool: str = POOL

    @staticmethod
    def lp_config(**changes: Any) -> dict[str, Any]:
        return lp_config(**changes)

    def with_risk(self, risk: RiskEngine | None, **kwargs: Any) -> ExecutorService:
        """Another service over the same engines and store, with these limits."""
        engine = self.runtime.engine
        return ExecutorService({"lp": engine, "swap": engine}, self.store, risk=risk, **kwargs)

    async def create_lp(
        self, caller: Caller = OPERATOR, *, settle: bool = True, **changes: Any
    ) -> ExecutorReport:
        report = await self.service.create(lp_config(**changes), caller=caller)
        if settle:
            await self.runtime.settle()
        return report

    def save_order(
        self,
        *,
        controller_id: str,
        status: str,
        created_at: dt.datetime | None = None,
        connector_name: str = "paper",
        trading_pair: str = "SOL-USDC",
        amount: Decimal = Decimal(1),
    ) -> OrderExecutor:
        """An order executor of the CEX runtime (not attached here), saved as its engine does."""
        when = created_at or self.runtime.clock.now()
        config = OrderExecutorConfig(
            trading_pair=trading_pair,
            connector_name=connector_name,
            side="BUY",
            amount=amount,
            execution_strategy="LIMIT",
            price=Decimal(100),
            controller_id=controller_id,
        )
        executor = OrderExecutor(config, created_at=when)
        if status in ("ACTIVE", "CLOSING"):
            executor.apply(ExecutorStarted(ts_event=when))
        if status in ("CLOSING", "TERMINATED"):
            executor.apply(StopRequested(ts_event=when))
        assert executor.status.value == status
        with self.store.transaction() as unit:
            unit.save_executor(executor, now=when)
        return executor

    def count(self) -> int:
        return len(self.store.list_executors(limit=100_000))


@pytest.fixture
async def world(database_url) -> AsyncIterator[World]:
    runtime = await open_lp_runtime(database_url=database_url)
    store = runtime.engine.store
    assert isinstance(store, SqlStore)
    engine = runtime.engine
    service = ExecutorService({"lp_executor": engine, "swap": engine}, store)
    try:
        yield World(runtime=runtime, store=store, service=service)
    finally:
        await runtime.aclose()

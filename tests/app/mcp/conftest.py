"""A world for the MCP tools: the paper LP runtime and the paper CEX runtime on one SQLite file,
the service over them as ``lpexec mcp`` builds it, and helpers to call a tool and read its
answer."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from mcp_types import CallToolResult

from lpexec.app.cex_runtime import CexRuntime, open_cex_runtime
from lpexec.app.cli.serve import build_service
from lpexec.app.mcp import ExecutorTools, balance_readers
from lpexec.app.runtime import LPRuntime, open_lp_runtime
from lpexec.app.service import Caller, ExecutorService
from lpexec.core import RiskEngine
from lpexec.core.clock import SimulatedClock
from lpexec.paper.gateway.demo import demo_pool_address

T0 = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
POOL = demo_pool_address("meteora", "SOL", "USDC", 10)
HOLD = "solana-mainnet-beta/meteora/clmm"


def lp_config(**changes: Any) -> dict[str, Any]:
    """An LP config (without its type) on the paper Meteora SOL-USDC pool around ~180."""
    config: dict[str, Any] = {
        "connector_name": "solana-mainnet-beta",
        "pool_address": POOL,
        "trading_pair": "SOL-USDC",
        "lower_price": "176",
        "upper_price": "184",
        "quote_amount": "20",
        "side": 1,
    }
    config.update(changes)
    return config


def order_config(**changes: Any) -> dict[str, Any]:
    """A LIMIT buy (without its type) on the paper exchange far below the price: it rests."""
    config: dict[str, Any] = {
        "connector_name": "paper",
        "trading_pair": "SOL-USDT",
        "side": "BUY",
        "amount": "0.1",
        "execution_strategy": "LIMIT",
        "price": "50",
    }
    config.update(changes)
    return config


def read(result: CallToolResult) -> dict[str, Any]:
    """A tool answer's data; its text is the same JSON, so an agent reads what a program does."""
    assert len(result.content) == 1
    data = json.loads(result.content[0].text)  # type: ignore[union-attr]
    assert data == result.structured_content
    return data


def ok(result: CallToolResult) -> dict[str, Any]:
    data = read(result)
    assert not result.is_error, data
    return data


def error(result: CallToolResult) -> dict[str, Any]:
    data = read(result)
    assert result.is_error, data
    return data["error"]


@dataclass
class World:
    lp: LPRuntime
    cex: CexRuntime
    service: ExecutorService

    def tools(self, controller_id: str | None = None) -> ExecutorTools:
        return ExecutorTools(
            self.service,
            caller=Caller(controller_id),
            balances=balance_readers(lp=self.lp, cex=self.cex),
        )

    def with_risk(self, risk: RiskEngine) -> ExecutorService:
        return build_service(lp=self.lp, cex=self.cex, risk=risk)

    async def settle(self) -> None:
        await self.lp.settle()
        await self.cex.settle()


@pytest.fixture
async def world(tmp_path) -> AsyncIterator[World]:
    url = f"sqlite:///{tmp_path / 'mcp.db'}"
    lp = await open_lp_runtime(database_url=url, clock=SimulatedClock(T0))
    try:
        cex = await open_cex_runtime(database_url=url, wall_clock=SimulatedClock(T0))
        try:
            yield World(lp=lp, cex=cex, service=build_service(lp=lp, cex=cex, risk=None))
        finally:
            await cex.aclose()
    finally:
        await lp.aclose()

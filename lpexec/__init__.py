"""lpexec: trading executors: DeFi liquidity (LP, swap) over Hummingbot Gateway and order-book
executors (order, position, grid) over ccxt, with paper venues for both.

What an embedding bot needs, from one place::

    import lpexec

    async with await lpexec.open_lp_runtime(database_url="sqlite:///lp.db") as runtime:
        executor_id = await runtime.engine.create(lpexec.LPExecutorConfig(...))

    async with await lpexec.open_cex_runtime(database_url="sqlite:///cex.db") as runtime:
        info = await runtime.create(lpexec.PositionExecutorConfig(...))

The names load on first use, so ``import lpexec.core`` stays as light as the kernel. Everything
else lives in the subpackages: ``lpexec.core`` (engine, store, ports), ``lpexec.lp``,
``lpexec.swap`` and ``lpexec.cex`` (the executor families), ``lpexec.venues`` (Gateway and ccxt
adapters), ``lpexec.paper`` (the simulated venues) and ``lpexec.app`` (CLI, daemon, API).
The Gateway SDK is the separate package ``gateway_client``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lpexec.app.cex_runtime import CexRuntime, open_cex_runtime
    from lpexec.app.runtime import LPRuntime, open_lp_runtime
    from lpexec.cex import GridExecutorConfig, OrderExecutorConfig, PositionExecutorConfig
    from lpexec.core import (
        CloseType,
        ConfigError,
        Engine,
        ExecutorError,
        ExecutorInfo,
        ExecutorStatus,
        RiskEngine,
        RiskLimits,
    )
    from lpexec.core.errors import (
        OutcomeUnknownError,
        RiskRejectedError,
        UnknownExecutorError,
        VenueError,
    )
    from lpexec.lp import LPExecutorConfig
    from lpexec.swap import SwapExecutorConfig

__all__ = [
    "CexRuntime",
    "CloseType",
    "ConfigError",
    "Engine",
    "ExecutorError",
    "ExecutorInfo",
    "ExecutorStatus",
    "GridExecutorConfig",
    "LPExecutorConfig",
    "LPRuntime",
    "OrderExecutorConfig",
    "OutcomeUnknownError",
    "PositionExecutorConfig",
    "RiskEngine",
    "RiskLimits",
    "RiskRejectedError",
    "SwapExecutorConfig",
    "UnknownExecutorError",
    "VenueError",
    "open_cex_runtime",
    "open_lp_runtime",
]

_HOMES = {
    "CexRuntime": "lpexec.app.cex_runtime",
    "open_cex_runtime": "lpexec.app.cex_runtime",
    "GridExecutorConfig": "lpexec.cex",
    "OrderExecutorConfig": "lpexec.cex",
    "PositionExecutorConfig": "lpexec.cex",
    "LPRuntime": "lpexec.app.runtime",
    "open_lp_runtime": "lpexec.app.runtime",
    "CloseType": "lpexec.core",
    "ConfigError": "lpexec.core",
    "Engine": "lpexec.core",
    "ExecutorError": "lpexec.core",
    "ExecutorInfo": "lpexec.core",
    "ExecutorStatus": "lpexec.core",
    "RiskEngine": "lpexec.core",
    "RiskLimits": "lpexec.core",
    "OutcomeUnknownError": "lpexec.core.errors",
    "RiskRejectedError": "lpexec.core.errors",
    "UnknownExecutorError": "lpexec.core.errors",
    "VenueError": "lpexec.core.errors",
    "LPExecutorConfig": "lpexec.lp",
    "SwapExecutorConfig": "lpexec.swap",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'lpexec' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])

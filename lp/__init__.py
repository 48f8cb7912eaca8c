"""LP: concentrated-liquidity executors, their accounting and pool math (``lp.math``).

The facade holds the pure parts only; the Gateway-backed pieces (``lp.venue``, ``lp.preflight``)
are imported from their modules, so importing ``lp.math`` never loads the Gateway client.
"""

from __future__ import annotations

from lpexec.lp.accounting import LPAccounting, account, swap_cost_quote
from lpexec.lp.config import LP_PROVIDERS, LPExecutorConfig, LPSide, StrategyType
from lpexec.lp.details import LPDetails
from lpexec.lp.executor import LPExecutor, LPExecutorState
from lpexec.lp.math.dlmm_distribution import Strategy
from lpexec.lp.states import LP_STATUS, LP_TRANSITIONS, LPState, LPTrigger

__all__ = [
    "LP_PROVIDERS",
    "LP_STATUS",
    "LP_TRANSITIONS",
    "LPAccounting",
    "LPDetails",
    "LPExecutor",
    "LPExecutorConfig",
    "LPExecutorState",
    "LPSide",
    "LPState",
    "LPTrigger",
    "Strategy",
    "StrategyType",
    "account",
    "swap_cost_quote",
]

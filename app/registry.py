"""The executor types this build of lpexec can create and resume (one list for every surface).

Every runtime knows them all (reports of any type read the same), and runs those whose venues it
has: the LP runtime the Gateway types, the CEX runtime the exchange types.
"""

from __future__ import annotations

from typing import Any

from lpexec.cex import OrderExecutor
from lpexec.cex.arbitrage import ArbitrageExecutor
from lpexec.cex.dca import DCAExecutor
from lpexec.cex.grid import GridExecutor
from lpexec.cex.position import PositionExecutor
from lpexec.cex.twap import TWAPExecutor
from lpexec.cex.xemm import XEMMExecutor
from lpexec.core import Executor
from lpexec.lp import LPExecutor
from lpexec.swap import SwapExecutor

__all__ = ["CEX_TYPES", "CROSS_VENUE_TYPES", "EXECUTOR_TYPES", "GATEWAY_TYPES"]

EXECUTOR_TYPES: list[type[Executor[Any, Any]]] = [
    LPExecutor,
    SwapExecutor,
    OrderExecutor,
    PositionExecutor,
    GridExecutor,
    XEMMExecutor,
    ArbitrageExecutor,
    DCAExecutor,
    TWAPExecutor,
]

GATEWAY_TYPES: frozenset[str] = frozenset(("lp", "swap"))
"""The types the LP runtime (the Gateway venues) runs."""
CEX_TYPES: frozenset[str] = frozenset(("order", "position", "grid", "dca", "twap"))
"""The types the CEX runtime (an exchange venue) runs."""
CROSS_VENUE_TYPES: frozenset[str] = frozenset(("xemm", "arbitrage"))
"""The types the two-venue runtime (an exchange and a DEX, :mod:`lpexec.app.mixed_runtime`)
runs."""
